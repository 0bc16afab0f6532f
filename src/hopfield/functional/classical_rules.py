"""Learning rules of the classical binary Hopfield network as pure torch functions.

Every rule maps ±1 patterns (P, d) (rows; the seeds' ``X`` is ``patterns.T``) to weights ``W`` (d, d)
and a bias ``h`` (d,). Registry :data:`LEARNING_RULES`:

- ``"hebb"``: ``J_ij = (1/d)(1 - delta_ij) sum_mu x^mu_i x^mu_j`` (003 Definition 2.1.4).
- ``"storkey"``: Storkey's incremental rule (Storkey 1997), pattern by pattern,
  ``w_ij += (1/d)(x_i x_j - x_i h_ji - h_ij x_j)`` with ``h_ij = sum_{k != i, j} w_ik x_k``.
- ``"pseudoinverse"``: the projection rule (Personnaz, Guyon and Dreyfus 1985),
  ``W = X (X^T X)^+ X^T``, the orthogonal projection onto the span of the patterns, so ``W x^mu = x^mu``:
  every set of linearly independent patterns (``P <= d``) is stored exactly.
- ``"gradient"``: 001 Algorithm 1: minimize ``sum_n |x_n - y_n|^2 / 2``, ``y_n = sgn(W x_n + b)`` with
  the surrogate gradient of Remark 4, ``W`` symmetrized with zero diagonal after every optimizer step.

:data:`RULE_OPTIONS` lists, once, the options each rule takes from ``ClassicalHopfield(..., **options)``
and the check of each (from :mod:`hopfield._validate`). Nothing else here validates its arguments;
:class:`hopfield.ClassicalHopfield` does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

import torch
from torch import Tensor

from hopfield._errors import HopfieldTypeError, input_error
from hopfield._registry import Registry
from hopfield._validate import (
    check_bool,
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
    check_seed,
    describe,
)

__all__ = [
    "LEARNING_RULES",
    "RULE_OPTIONS",
    "SURROGATES",
    "SoftSign",
    "gradient_rule",
    "hebb",
    "optimizer_class",
    "optimizer_names",
    "pseudoinverse",
    "storkey",
]


class Rule(Protocol):
    """A learning rule: ``(patterns (P, d), **options) -> (W (d, d), h (d,))``."""

    def __call__(self, patterns: Tensor, /, *args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]: ...


LEARNING_RULES: Registry[Rule] = Registry("learning rule", "rule")


def _zero_diag(w: Tensor) -> Tensor:
    w.diagonal().zero_()
    return w


@LEARNING_RULES.register("hebb")
def hebb(patterns: Tensor) -> tuple[Tensor, Tensor]:
    """Hebb's rule, 003 Definition 2.1.4: ``W = (1/d)(X X^T - P I)`` (zero diagonal), ``h = 0``.

    patterns: (P, d) ±1. Returns ``(W, h)``: (d, d), (d,).
    """
    d = patterns.shape[1]
    w = _zero_diag(patterns.T @ patterns) / d
    return w, patterns.new_zeros(d)


@LEARNING_RULES.register("storkey")
def storkey(patterns: Tensor, init: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Storkey's rule, learning the patterns one after the other (incremental: ``init`` continues).

    For each pattern ``x`` with ``h = W x`` (``W`` has zero diagonal, so ``h_ij = h_i - w_ij x_j``), the
    update ``w_ij += (1/d)(x_i x_j - x_i h_ji - h_ij x_j)`` for ``i != j`` equals, since ``x_j^2 = 1``,
    ``W <- (1 + 2/d) W + (1/d)(x x^T - x h^T - h x^T)`` with the diagonal kept at zero. Each pattern costs
    ``O(d^2)``; the loop over patterns is the rule's own order.

    patterns: (P, d) ±1. Returns ``(W, h)`` with ``h = 0``.
    """
    d = patterns.shape[1]
    w = patterns.new_zeros(d, d) if init is None else init.clone()
    for x in patterns:
        h = w @ x
        w.mul_(1.0 + 2.0 / d)
        w.addr_(x, x - h, alpha=1.0 / d)
        w.addr_(h, x, alpha=-1.0 / d)
        _zero_diag(w)
    return w, patterns.new_zeros(d)


@LEARNING_RULES.register("pseudoinverse")
def pseudoinverse(patterns: Tensor, zero_diagonal: bool = True) -> tuple[Tensor, Tensor]:
    """Projection (pseudoinverse) rule: ``W = X X^+``, the projector onto the span of the patterns.

    With the seeds' ``X = patterns.T`` this is ``X (X^T X)^{-1} X^T`` for independent patterns, so
    ``W x^mu = x^mu``. ``zero_diagonal=True`` (default, as 001 Definition 1 asks) removes the diagonal:
    the field of a stored pattern is then ``(1 - W_ii) x^mu_i`` with ``0 <= W_ii <= 1``, the sign of
    ``x^mu_i`` or zero (``W_ii = 1``), so with the zero field rule every stored pattern is still a fixed
    point. ``zero_diagonal=False`` keeps Personnaz's projector (``W_ii >= 0`` still satisfies 003 Lemma
    2.1.1).

    patterns: (P, d) ±1. Returns ``(W, h)`` with ``h = 0``.
    """
    q, r = torch.linalg.qr(patterns.T)  # (d, P): an orthonormal basis of the span when X has full rank
    diag = r.diagonal().abs()
    if bool((diag > 1e-10 * diag.amax()).all()):
        w = q @ q.T
    else:  # rank deficient: the SVD-based pseudoinverse finds the span
        w = torch.linalg.pinv(patterns) @ patterns
    w = (w + w.T) / 2
    if zero_diagonal:
        _zero_diag(w)
    return w, patterns.new_zeros(patterns.shape[1])


# --------------------------------------------------------------------------- gradient rule (001 Alg. 1)
def _surrogate_tanh(a: Tensor, temperature: float) -> Tensor:
    t = torch.tanh(a / temperature)
    return (1 - t * t) / temperature


def _surrogate_seed(a: Tensor, temperature: float) -> Tensor:
    return (1 - torch.tanh(a)).pow(2) / temperature


#: Surrogate derivatives of ``sgn``: ``"tanh"`` is ``d/da tanh(a/T)`` (what Remark 4 of 001 means),
#: ``"seed"`` is 001's printed ``(1 - tanh(a))^2 / T``, which is not even in ``a`` (see SoftSign).
SURROGATES = {"tanh": _surrogate_tanh, "seed": _surrogate_seed}


class SoftSign(torch.autograd.Function):
    """``sgn`` forward, surrogate derivative backward (001 Algorithm 1, Remark 4).

    The seed prints ``grad_fn = (1 - tanh(x))**2 / T``. That is not the derivative of a sign-like odd
    function: it tends to 4/T for ``x -> -inf`` and to 0 for ``x -> +inf``, so the learning of ``x`` and
    of ``-x`` differ. The default ``"tanh"`` surrogate is ``(1 - tanh^2(x/T))/T``, the derivative of
    ``tanh(x/T)``, even in ``x``, which makes the rule symmetric under ``x -> -x``.
    """

    @staticmethod
    def forward(ctx: Any, a: Tensor, temperature: float, surrogate: str) -> Tensor:
        ctx.save_for_backward(a)
        ctx.temperature = temperature
        ctx.surrogate = surrogate
        return torch.sign(a)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None, None]:
        (a,) = ctx.saved_tensors
        return grad * SURROGATES[ctx.surrogate](a, ctx.temperature), None, None


def _initial_weights(patterns: Tensor, init: str, generator: torch.Generator | None) -> Tensor:
    d = patterns.shape[1]
    if init == "hebb":
        return hebb(patterns)[0]
    if init == "zeros":
        return patterns.new_zeros(d, d)
    # Glorot (Xavier) uniform, as 001 Algorithm 1 suggests, then symmetric with zero diagonal.
    bound = math.sqrt(6.0 / (2 * d))
    w = torch.rand(d, d, generator=generator, dtype=patterns.dtype).to(patterns.device)
    w = (2 * w - 1) * bound
    return _zero_diag((w + w.T) / 2)


@LEARNING_RULES.register("gradient")
def gradient_rule(
    patterns: Tensor,
    temperature: float = 1.0,
    optimizer: type[torch.optim.Optimizer] | str = "adam",
    lr: float | None = None,
    steps: int = 500,
    init: str = "hebb",
    margin: float = 0.0,
    learn_bias: bool = True,
    surrogate: str = "tanh",
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """001 Algorithm 1: train ``(W, b)`` so that the patterns become fixed points.

    Each step computes ``y_n = SoftSign(W x_n + b - margin x_n)`` for all patterns at once, the loss
    ``sum_n |x_n - y_n|^2 / 2`` (the seed's ``norm(x - y)``, squared so that it is differentiable at
    zero; the seed's loop also overwrites ``loss`` per sample, here the loss sums over the data set),
    takes one optimizer step, then sets ``W <- (W + W^T)/2`` with zero diagonal. It stops early when
    the loss is zero: every pattern is then a fixed point with every field beyond ``margin``.

    Parameters
    ----------
    patterns:
        (P, d) ±1.
    temperature:
        ``T`` of the surrogate derivative (Remark 4 of 001).
    optimizer:
        A ``torch.optim.Optimizer`` subclass, or its name (case-insensitive, e.g. ``"adam"``, ``"sgd"``).
    lr:
        Learning rate; default ``1/d`` (Adam moves every weight by about ``lr`` per step and a field
        sums ``d`` weights).
    steps:
        At most this many optimizer steps (full batch).
    init:
        ``"hebb"`` (default), ``"zeros"`` or ``"glorot"`` (the seed's example; uses ``generator``).
    margin:
        Require ``x_i phi_i > margin`` (0 is the seed's algorithm; > 0 widens the basins).
    learn_bias:
        Also learn ``b`` (the seed learns it).
    surrogate:
        ``"tanh"`` (default) or ``"seed"`` (the printed formula; see :class:`SoftSign`).

    Returns ``(W, b)``: (d, d) symmetric with zero diagonal, (d,).
    """
    make: Callable[..., torch.optim.Optimizer] = (
        optimizer_class(optimizer) if isinstance(optimizer, str) else optimizer
    )
    d = patterns.shape[1]
    lr = 1.0 / d if lr is None else lr
    w = torch.nn.Parameter(_initial_weights(patterns, init, generator))
    b = torch.nn.Parameter(patterns.new_zeros(d), requires_grad=learn_bias)
    opt = make([w, b] if learn_bias else [w], lr=lr)
    for _ in range(steps):
        a = torch.addmm(b, patterns, w.T) - margin * patterns
        y: Tensor = SoftSign.apply(a, temperature, surrogate)  # type: ignore[no-untyped-call]  # unannotated in torch
        loss = 0.5 * (patterns - y).pow(2).sum()
        if float(loss.detach()) == 0.0:
            break
        opt.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]  # unannotated in torch
        opt.step()
        with torch.no_grad():
            w.copy_((w + w.T) / 2)
            _zero_diag(w)
    return w.detach().clone(), b.detach().clone()


def optimizer_names() -> list[str]:
    """Names of the ``torch.optim`` optimizers, lower case."""
    return sorted(
        n.lower()
        for n, obj in vars(torch.optim).items()
        if isinstance(obj, type)
        and issubclass(obj, torch.optim.Optimizer)
        and obj is not torch.optim.Optimizer
    )


def optimizer_class(name: object, argument: str = "optimizer") -> type[torch.optim.Optimizer]:
    """The optimizer ``name`` stands for: a ``torch.optim.Optimizer`` subclass itself, or the ``torch.optim``
    class of that name (case-insensitive). Anything else raises
    :class:`~hopfield.HopfieldInputError` listing the valid names."""
    if isinstance(name, type) and issubclass(name, torch.optim.Optimizer):
        return name
    expected = f"a torch.optim optimizer class or its name (one of {', '.join(optimizer_names())})"
    if not isinstance(name, str):
        raise input_error(argument, expected, describe(name), cls=HopfieldTypeError)
    for n, obj in vars(torch.optim).items():
        if (
            isinstance(obj, type)
            and issubclass(obj, torch.optim.Optimizer)
            and obj is not torch.optim.Optimizer
            and n.lower() == name.lower()
        ):
            return obj
    raise input_error(argument, expected, repr(name))


def _optional_positive(value: object, name: str) -> float | None:
    return None if value is None else check_positive(value, name)


#: The options each rule takes from ``ClassicalHopfield(..., **options)``, each with its check
#: ``check(value, name) -> value``. The gradient rule's ``seed`` becomes its ``generator``.
RULE_OPTIONS: dict[str, dict[str, Callable[[Any, str], Any]]] = {
    "hebb": {},
    "storkey": {},
    "pseudoinverse": {"zero_diagonal": check_bool},
    "gradient": {
        "temperature": check_positive,
        "optimizer": optimizer_class,
        "lr": _optional_positive,
        "steps": check_int,
        "init": lambda v, n: check_choice(v, n, ("hebb", "zeros", "glorot")),
        "margin": check_nonnegative,
        "learn_bias": check_bool,
        "surrogate": lambda v, n: check_choice(v, n, tuple(SURROGATES)),
        "seed": check_seed,
    },
}
