"""Continuous-time Hopfield network solved as an ODE (seed 001 §1.2), thin class.

:class:`ContinuousTimeHopfield`: ``tau dx/dt = -x + f(W x + b)`` (Definition 5), its Lyapunov energy
(Lemma 7), stability of fixed points (§1.2.5) and learning (Corollary 10, Algorithms 2 and 3). The
continuous dense associative memory of §2.1 is :class:`hopfield.ContinuousDenseMemory`
(:mod:`hopfield.continuous_dense`); both derive from :class:`hopfield._ode_network.ODENetwork`: a batch
``(B, d)`` of trajectories is integrated in one solve (by default ``"dopri5-batched"``, a step size per
trajectory); ``simulate`` returns ``(T, B, d)`` trajectories and ``retrieve`` integrates until
``max |dx/dt| < tol`` and returns a :class:`hopfield.Retrieval`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from hopfield._deprecation import renamed_arguments
from hopfield._errors import HopfieldTypeError, input_error
from hopfield._ode_network import ODENetwork, Stability, solver_options
from hopfield._random import make_generator
from hopfield._tolerances import compute_dtype
from hopfield._validate import (
    as_input,
    as_patterns,
    call_user,
    check_bool,
    check_callable_output,
    check_choice,
    check_dim,
    check_int,
    check_optional_int,
    check_positive,
    describe,
)
from hopfield.functional import continuous as C

__all__ = ["ContinuousTimeHopfield", "Stability", "resolve_activation"]

_ACTIVATION = "an increasing elementwise torch function into [-1, 1]"


def resolve_activation(activation: object) -> C.Activation:
    """A registered activation by name, or a callable checked to be increasing into ``[-1, 1]``.

    A callable is probed on 4001 points of ``[-20, 20]`` (float64): it must return a floating tensor of
    the same shape, finite, in ``[-1, 1]``, and never decrease; otherwise
    :class:`~hopfield.HopfieldInputError` naming ``activation``. An exception it raises, then or later,
    becomes one too.
    """
    if isinstance(activation, str):
        return C.ACTIVATIONS.get(activation)
    if not callable(activation):
        names = ", ".join(map(repr, C.ACTIVATIONS.names()))
        raise input_error(
            "activation", f"a name ({names}) or {_ACTIVATION}", describe(activation), cls=HopfieldTypeError
        )
    fn: Callable[[Tensor], Tensor] = activation

    def checked(a: Tensor) -> Tensor:
        return call_user(fn, "activation", _ACTIVATION, a)

    a = torch.linspace(-20.0, 20.0, 4001, dtype=torch.float64)
    y = check_callable_output(checked(a), tuple(a.shape), "activation").detach().to(torch.float64)
    if not bool(torch.isfinite(y).all()):
        raise input_error("activation", _ACTIVATION, "NaN or Inf values on [-20, 20]")
    lo, hi = float(y.min()), float(y.max())
    if lo < -1 - 1e-12 or hi > 1 + 1e-12:
        raise input_error("activation", "into [-1, 1]", f"values in [{lo:.4g}, {hi:.4g}]", verb="map")
    drop = float((y[:-1] - y[1:]).max())
    if drop > 1e-12:
        raise input_error("activation", "increasing", f"a decrease of {drop:.3g} on [-20, 20]")
    return C.callable_activation(checked)


class ContinuousTimeHopfield(ODENetwork):
    """Continuous-time Hopfield network ``tau dx/dt = -x + f(W x + b)`` (Definition 5 of 001).

    Parameters
    ----------
    weights:
        ``(d, d)`` weights ``W`` (the seed requires ``W`` symmetric for its energy; the dynamics run for
        any square ``W``, the energy raises for a non-symmetric one). Floating (torch or NumPy; integer
        and bool weights become float64). The network keeps their dtype and device.
    bias:
        ``(d,)`` bias ``b`` (default zeros).
    tau:
        Time constant, > 0.
    activation:
        ``"tanh"`` (default), ``"sigmoid"`` (into [0, 1]), ``"sign"`` (the infinite-gain limit of
        Remark 6: use a fixed-grid method) or a callable increasing elementwise torch function into
        ``[-1, 1]`` (its energy then comes from quadrature).

    States are computed on their own device and in their dtype (NumPy states: the weights' device;
    float16/bfloat16 states in float32, results cast back); the weights are cast through a bounded cache.

    Examples
    --------
    >>> import numpy as np
    >>> net = ContinuousTimeHopfield(np.array([[0.0, 2.0], [2.0, 0.0]]))
    >>> res = net.retrieve(np.array([0.3, 0.1]))
    >>> bool(res.converged), res.state.round(4)
    (True, array([0.9575, 0.9575]))
    >>> net.stability(res.state).verdict
    'stable'
    """

    _stored = ("weights", "bias")

    def __init__(
        self,
        weights: Any,
        bias: Any = None,
        tau: float = 1.0,
        activation: str | Callable[[Tensor], Tensor] = "tanh",
    ) -> None:
        w = as_patterns(weights, "weights", kind="any", dtype=torch.float64, shape="(d, d)")
        if w.shape[0] != w.shape[1]:
            raise input_error("weights", "a square (d, d) matrix", f"shape {tuple(w.shape)}")
        d = w.shape[0]
        if bias is None:
            b = torch.zeros(d, dtype=w.dtype, device=w.device)
        else:
            b, _ = as_input(
                bias, "bias", kind="any", ranks=(1,), shape=f"({d},)", dim=d, other="weights", batch=False
            )
            b = b.to(dtype=w.dtype, device=w.device)
        self.tau = check_positive(tau, "tau")
        self.activation = resolve_activation(activation)
        self.weights, self.bias = w, b
        self.losses: Tensor | None = None
        self._init_cache()

    @property
    def symmetric(self) -> bool:
        """True when ``W = W^T`` to rounding (the seed's condition for Lemma 7 and Theorem 9)."""
        w = self.weights.detach()
        scale = max(1.0, float(w.abs().max()))
        return bool((w - w.T).abs().max() <= 64 * torch.finfo(w.dtype).eps * scale)

    def _field(self, params: tuple[Tensor, ...]) -> Callable[[Tensor], Tensor]:
        w, b = params
        return lambda x: C.velocity(x, w, b, self.tau, self.activation)

    def _require_symmetric(self, what: str) -> None:
        if not self.symmetric:
            gap = float((self.weights - self.weights.T).abs().max())
            expected = f"symmetric for {what} (Lemma 7 of 001 needs W = W^T)"
            raise input_error("weights", expected, f"max |W - W^T| = {gap:.3g}")

    def _relax_energy(self, x: Tensor, params: tuple[Tensor, ...]) -> Tensor | None:
        w, b = params
        return C.lyapunov(x, w, b, self.activation) if self.symmetric else None

    def _jacobian(self, x: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        w, b = params
        return C.jacobian(x, w, b, self.tau, self.activation)

    def _eigenvalues(self, x: Tensor, jac: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        eig: Tensor
        if not self.symmetric:
            eig = torch.linalg.eigvals(jac)
            return eig
        # -I + D W with D = diag(f') >= 0 has the eigenvalues of -I + D^1/2 W D^1/2 (AB and BA share them).
        w, b = params
        s = self.activation.df(x @ w.T + b).clamp(min=0).sqrt()
        eig = torch.linalg.eigvalsh(s[:, :, None] * w * s[:, None, :])
        return (eig - 1) / self.tau

    @renamed_arguments(x="state")
    def reconstruct(self, state: Any) -> Any:
        """``f(W x + b)``, the tied auto-encoder of §1.2.4 (001); one Euler step with ``dt = tau``."""
        xt, out = self._states(state)
        w, b = self._params(xt)
        return out(C.reconstruct(xt, w, b, self.activation))

    @renamed_arguments(y="state")
    def energy(self, state: Any) -> Any:
        """Energy of Lemma 7 (001) in the seed's variable ``y = f(W x + b)`` (``state`` is ``y``):
        ``E(y) = -1/2 y^T W y - b^T y + sum_a int_{f(0)}^{y_a} f^-1``, defined on the range of ``f``.

        At a fixed point ``y = x``; along a trajectory use :meth:`lyapunov`. ``(d,) -> scalar``,
        ``(B, d) -> (B,)``. Needs symmetric weights and ``y`` in the range of ``f`` (``[-1, 1]``,
        ``[0, 1]`` for sigmoid).
        """
        self._require_symmetric("the energy")
        yt, out = self._states(state)
        act = self.activation
        if bool(((yt < act.low) | (yt > act.high)).any()):
            expected = f"entries in [{act.low:g}, {act.high:g}], the range of {act.name}"
            got = f"entries in [{float(yt.min()):.4g}, {float(yt.max()):.4g}]"
            raise input_error("state", expected, got, verb="have")
        w, b = self._params(yt)
        return out(C.energy(yt, w, b, act))

    @renamed_arguments(x="state")
    def lyapunov(self, state: Any) -> Any:
        """``E(f(W x + b))``, non-increasing along every trajectory (Lemma 7, Theorem 9 of 001)."""
        self._require_symmetric("the Lyapunov function")
        xt, out = self._states(state)
        w, b = self._params(xt)
        return out(C.lyapunov(xt, w, b, self.activation))

    @renamed_arguments(x="state")
    def energy_rate(self, state: Any) -> Any:
        """``dE/dt = -tau sum_a f'(a_a) (da_a/dt)^2 <= 0`` at ``state`` (proof of Lemma 7)."""
        self._require_symmetric("the energy rate")
        xt, out = self._states(state)
        w, b = self._params(xt)
        return out(C.energy_rate(xt, w, b, self.tau, self.activation))

    # ------------------------------------------------------------------ learning (Corollary 10)
    @classmethod
    def from_patterns(
        cls,
        patterns: Any,
        *,
        tau: float = 1.0,
        activation: str | Callable[[Tensor], Tensor] = "tanh",
        init: str = "glorot",
        seed: int | torch.Generator | None = None,
        **fit_kwargs: Any,
    ) -> ContinuousTimeHopfield:
        """A network trained on ``patterns`` (N, d) by :meth:`fit`, starting from ``init``: ``"glorot"``
        (the seed's suggestion, drawn with ``seed``; ``None``: random), ``"hebb"`` (``X X^T / N``, zero
        diagonal) or ``"zeros"``. float32/float64 patterns give a network of their dtype, half-precision
        ones a float64 network."""
        x = as_patterns(patterns)
        init = check_choice(init, "init", ("glorot", "hebb", "zeros"))
        dtype = x.dtype if x.dtype in (torch.float32, torch.float64) else torch.float64
        g = make_generator(seed)
        d = x.shape[1]
        if init == "glorot":
            w = C.glorot(d, g, dtype).to(x.device)
        elif init == "hebb":
            w = C.project(x.T.to(dtype) @ x.to(dtype) / x.shape[0])
        else:
            w = torch.zeros(d, d, dtype=dtype, device=x.device)
        net = cls(w, None, tau, activation)
        return net.fit(x, seed=g, **fit_kwargs)

    def fit(
        self,
        patterns: Any,
        *,
        epochs: int = 500,
        lr: float | None = None,
        optimizer: str = "adam",
        method: str = "algorithm2",
        dt: float = 0.1,
        solver: str = "rk4",
        step_size: float | None = None,
        batch_size: int | None = None,
        zero_diagonal: bool = True,
        adjoint: bool = False,
        seed: int | torch.Generator | None = None,
        progress: Callable[..., Any] | None = None,
    ) -> ContinuousTimeHopfield:
        """Train ``(W, b)`` so that the patterns become fixed points (Corollary 10 of 001); in place.

        ``method`` ``"algorithm2"`` minimizes ``|x - f(W x + b)|^2``; ``"algorithm3"`` minimizes
        ``|x - x(dt)|^2`` through an ODE solve over ``dt`` with ``solver`` (``adjoint`` for the adjoint
        method). After every step of ``optimizer`` (``"adam"``, ``"sgd"``) ``W`` is symmetrized and, with
        ``zero_diagonal`` (the corollary's condition, default), its diagonal zeroed. ``batch_size``
        patterns per step (all by default), shuffled with ``seed`` (``None``: random). Training runs in
        the network's dtype (float32 for half-precision weights, cast back). Returns ``self``;
        ``self.losses`` holds the loss per epoch. Bad input leaves the network unchanged.

        ``lr`` defaults to ``0.5 / d``: an Adam step moves each drive ``a = W x + b`` by about ``lr d``,
        and larger moves push tanh into wrong-sign saturation, where its gradient vanishes and training
        stalls (the difficulty that Remark 4 of 001 meets with its softsign).
        """
        x = check_dim(as_patterns(patterns), "patterns", self.dim, "weights")
        epochs = check_int(epochs, "epochs")
        lr = 0.5 / self.dim if lr is None else check_positive(lr, "lr")
        C.OPTIMIZERS.get(optimizer)
        C.LEARNING_RULES.get(method)
        dt = check_positive(dt, "dt")
        compute = compute_dtype(self.weights.dtype)
        opts = solver_options(compute, solver, None, None, step_size, adjoint, method_name="solver")
        zero_diagonal = check_bool(zero_diagonal, "zero_diagonal")
        batch_size = check_optional_int(batch_size, "batch_size")
        if progress is not None and not callable(progress):
            raise input_error("progress", "a callable or None", describe(progress), cls=HopfieldTypeError)
        generator = make_generator(seed)
        w, b = (p.detach().to(compute) for p in (self.weights, self.bias))
        res = C.train(
            x.to(dtype=compute, device=w.device),
            w,
            b,
            self.tau,
            self.activation,
            epochs=epochs,
            lr=lr,
            optimizer=optimizer,
            method=method,
            batch_size=batch_size,
            zero_diagonal=zero_diagonal,
            generator=generator,
            progress=progress or (lambda it, **kw: it),
            dt=dt,
            solver=solver,
            step_size=opts["step_size"],
            adjoint=adjoint,
        )
        self.weights = res.weights.to(self.weights.dtype)
        self.bias = res.bias.to(self.bias.dtype)
        self.losses = res.losses
        self._cache.clear()
        return self

    def __repr__(self) -> str:
        return (
            f"ContinuousTimeHopfield(dim={self.dim}, tau={self.tau}, activation={self.activation.name!r}, "
            f"dtype={self.weights.dtype}, device={self.device})"
        )
