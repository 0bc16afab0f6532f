"""Continuous dense associative memory solved as an ODE (seed 001 §2.1, Theorem 12), thin class.

:class:`ContinuousDenseMemory`: ``tau dx/dt = -x + W^T grad F(W x + b) + v`` with energy
``E(x) = 1/2 x^T x - v^T x - F(W x + b)`` (Theorem 12, Examples 13-15, Lemma 16). It shares ``simulate``,
``retrieve``, ``velocity``, ``jacobian`` and ``stability`` with :class:`hopfield.ContinuousTimeHopfield`
(:class:`hopfield._ode_network.ODENetwork`); the pure torch functions are in
:mod:`hopfield.functional.continuous_dense`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from hopfield._deprecation import renamed_arguments
from hopfield._errors import HopfieldTypeError, input_error
from hopfield._ode_network import ODENetwork
from hopfield._tolerances import compute_dtype
from hopfield._validate import (
    as_input,
    as_patterns,
    call_user,
    check_beta,
    check_callable_output,
    check_positive,
    describe,
)
from hopfield.functional import continuous_dense as D

__all__ = ["ContinuousDenseMemory", "resolve_interaction"]

_INTERACTION = "a differentiable torch function F(z), (B, n) -> (B,), finite with a finite gradient"


def _finite(t: Tensor, what: str) -> Tensor:
    if not bool(torch.isfinite(t).all()):
        raise input_error("interaction", _INTERACTION, f"a callable whose {what} is NaN or Inf at a state")
    return t


def resolve_interaction(
    interaction: object, n: int, dtype: torch.dtype, device: torch.device
) -> D.Interaction:
    """A registered interaction by name, or a callable checked on a probe ``z`` of shape ``(2, n)``.

    The callable must return a floating ``(B,)`` tensor, finite, with a finite autograd gradient. Every
    later call is checked too: an exception it raises, a wrong shape or a non-finite value or gradient
    becomes a :class:`~hopfield.HopfieldInputError` naming ``interaction``.
    """
    if isinstance(interaction, str):
        return D.INTERACTIONS.get(interaction)
    if not callable(interaction):
        names = ", ".join(map(repr, D.INTERACTIONS.names()))
        expected = f"a name ({names}) or {_INTERACTION}"
        raise input_error("interaction", expected, describe(interaction), cls=HopfieldTypeError)
    fn: Callable[[Tensor], Tensor] = interaction

    def call(z: Tensor) -> Tensor:
        got = call_user(fn, "interaction", _INTERACTION, z)
        return check_callable_output(got, tuple(z.shape[:-1]), "interaction")

    base = D.callable_interaction(call)

    def potential(z: Tensor, beta: float) -> Tensor:
        return _finite(call_user(base.potential, "interaction", _INTERACTION, z, beta), "value")

    def grad(z: Tensor, beta: float) -> Tensor:
        return _finite(call_user(base.grad, "interaction", _INTERACTION, z, beta), "gradient")

    def curvature(z: Tensor, weights: Tensor, beta: float) -> Tensor:
        return _finite(call_user(base.curvature, "interaction", _INTERACTION, z, weights, beta), "Hessian")

    checked = D.Interaction("callable", potential, grad, curvature)
    probe = torch.linspace(-1.0, 1.0, 2 * n, dtype=dtype, device=device).reshape(2, n)
    checked.potential(probe, 1.0)
    checked.grad(probe, 1.0)
    return checked


class ContinuousDenseMemory(ODENetwork):
    """Continuous dense associative memory ``tau dx/dt = -x + W^T grad F(W x + b) + v`` (Theorem 12, 001).

    Parameters
    ----------
    weights:
        ``(n, d)``: the rows ``v_i`` are the memories (Example 15). Floating (torch or NumPy; integer and
        bool weights become float64). The memory keeps their dtype and device.
    bias:
        ``(n,)`` bias ``b`` (default zeros).
    v:
        ``(d,)`` constant input ``v`` (default zeros).
    tau:
        Time constant, > 0.
    interaction:
        ``"lse"`` (default; ``F(z) = beta^-1 ln sum exp(beta z)``, Examples 14-15), ``"sigmoid"``
        (``F = beta^-1 sum softplus(beta z)``, Example 13) or a callable ``F(z) (B, n) -> (B,)`` with a
        bounded gradient (autograd supplies its gradient and Hessian; it is checked on a probe and at
        every call).
    beta:
        Inverse temperature of the named interactions, > 0 (any finite value: the forms are shifted so
        that no ``beta z`` overflows).

    States are computed on their own device and in their dtype (NumPy states: the weights' device;
    float16/bfloat16 states in float32, results cast back); the weights are cast through a bounded cache.

    Examples
    --------
    >>> import numpy as np
    >>> mem = ContinuousDenseMemory(np.eye(3), beta=8.0)
    >>> mem.retrieve(np.array([0.9, 0.2, 0.1])).state.round(3)
    array([0.999, 0.   , 0.   ])
    """

    _stored = ("weights", "bias", "v")

    def __init__(
        self,
        weights: Any,
        bias: Any = None,
        v: Any = None,
        tau: float = 1.0,
        interaction: str | Callable[[Tensor], Tensor] = "lse",
        beta: float = 1.0,
    ) -> None:
        w = as_patterns(weights, "weights", kind="any", dtype=torch.float64, shape="(n_memories, d)")
        n, d = w.shape

        def vector(x: Any, name: str, size: int, other: str) -> Tensor:
            if x is None:
                return torch.zeros(size, dtype=w.dtype, device=w.device)
            t, _ = as_input(
                x, name, kind="any", ranks=(1,), shape=f"({size},)", dim=size, other=other, batch=False
            )
            return t.to(dtype=w.dtype, device=w.device)

        bias_t = vector(bias, "bias", n, "the rows of weights")
        v_t = vector(v, "v", d, "the columns of weights")
        self.tau = check_positive(tau, "tau")
        self.beta = check_beta(beta)
        self.interaction = resolve_interaction(interaction, n, compute_dtype(w.dtype), w.device)
        self.weights, self.bias, self.v = w, bias_t, v_t
        self._init_cache()

    @property
    def n_memories(self) -> int:
        """n, the number of rows of ``W``."""
        return int(self.weights.shape[0])

    def _field(self, params: tuple[Tensor, ...]) -> Callable[[Tensor], Tensor]:
        w, b, v = params
        return lambda x: D.velocity(x, w, b, v, self.tau, self.interaction, self.beta)

    def _relax_energy(self, x: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        w, b, v = params
        return D.energy(x, w, b, v, self.interaction, self.beta)

    def _jacobian(self, x: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        w, b, _ = params
        return D.jacobian(x, w, b, self.tau, self.interaction, self.beta)

    @renamed_arguments(x="state")
    def energy(self, state: Any) -> Any:
        """``E(x) = 1/2 x^T x - v^T x - F(W x + b)`` (Theorem 12 of 001).

        ``(d,) -> scalar``, ``(B, d) -> (B,)``.
        """
        xt, out = self._states(state)
        return out(self._relax_energy(xt, self._params(xt)))

    @renamed_arguments(x="state")
    def probabilities(self, state: Any) -> Any:
        """``p = softmax(beta (W x + b))`` over the memories (Example 15): ``(B, d) -> (B, n)``."""
        xt, out = self._states(state)
        w, b, _ = self._params(xt)
        return out(D.probabilities(xt, w, b, self.beta))

    @renamed_arguments(x="state")
    def covariance(self, state: Any) -> Any:
        """``Cov_{p(x)}(v)`` of Lemma 16 (001): ``(B, d) -> (B, d, d)``; the ``"lse"`` Jacobian is
        ``(-I + beta Cov) / tau``."""
        xt, out = self._states(state)
        w, b, _ = self._params(xt)
        return out(D.covariance(xt, w, b, self.beta))

    def __repr__(self) -> str:
        return (
            f"ContinuousDenseMemory(n_memories={self.n_memories}, dim={self.dim}, tau={self.tau}, "
            f"interaction={self.interaction.name!r}, beta={self.beta}, dtype={self.weights.dtype}, "
            f"device={self.device})"
        )
