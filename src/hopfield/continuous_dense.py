"""Continuous dense associative memory solved as an ODE (seed 001 §2.1, Theorem 12), thin class.

:class:`ContinuousDenseMemory`: ``tau dx/dt = -x + W^T grad F(W x + b) + v`` with energy
``E(x) = 1/2 x^T x - v^T x - F(W x + b)`` (Theorem 12, Examples 13-15, Lemma 16). It shares ``simulate``,
``relax``, ``velocity``, ``jacobian`` and ``stability`` with :class:`hopfield.ContinuousTimeHopfield`
(``hopfield.continuous._ODENetwork``); the pure torch functions are in
:mod:`hopfield.functional.continuous_dense`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from hopfield._ode_network import _ODENetwork
from hopfield._validate import check_dim, check_positive, check_rank, to_tensor
from hopfield.functional import continuous_dense as D

__all__ = ["ContinuousDenseMemory"]


class ContinuousDenseMemory(_ODENetwork):
    """Continuous dense associative memory ``tau dx/dt = -x + W^T grad F(W x + b) + v`` (Theorem 12, 001).

    Parameters
    ----------
    weights:
        ``(n, d)``: the rows ``v_i`` are the memories (Example 15).
    bias:
        ``(n,)`` bias ``b`` (default zeros).
    v:
        ``(d,)`` constant input ``v`` (default zeros).
    tau:
        Time constant, > 0.
    interaction:
        ``"lse"`` (default; ``F(z) = beta^-1 ln sum exp(beta z)``, Examples 14-15), ``"sigmoid"``
        (``F = beta^-1 sum softplus(beta z)``, Example 13) or a callable ``F(z) (B, n) -> (B,)`` with a
        bounded gradient (autograd supplies its gradient and Hessian).
    beta:
        Inverse temperature of the named interactions, > 0.

    Examples
    --------
    >>> import numpy as np
    >>> mem = ContinuousDenseMemory(np.eye(3), beta=8.0)
    >>> mem.relax(np.array([0.9, 0.2, 0.1])).state.round(3)
    array([0.999, 0.   , 0.   ])
    """

    def __init__(
        self,
        weights: Any,
        bias: Any = None,
        v: Any = None,
        tau: float = 1.0,
        interaction: str | Callable[[Tensor], Tensor] = "lse",
        beta: float = 1.0,
    ) -> None:
        w = to_tensor(weights, "weights", allow_int=True)
        check_rank(w, "weights", (2,), "(n_memories, d)")
        if w.numel() == 0:
            raise ValueError(f"weights must be non-empty, got shape {tuple(w.shape)}")
        n, d = w.shape

        def vector(x: Any, name: str, size: int, other: str) -> Tensor:
            if x is None:
                return torch.zeros(size, dtype=w.dtype, device=w.device)
            t = to_tensor(x, name, allow_int=True)
            check_rank(t, name, (1,), f"({size},)")
            check_dim(t, name, size, other)
            return t.to(dtype=w.dtype, device=w.device)

        self.weights = w
        self.bias = vector(bias, "bias", n, "the rows of weights")
        self.v = vector(v, "v", d, "the columns of weights")
        self.tau = check_positive(tau, "tau")
        self.beta = check_positive(beta, "beta")
        if isinstance(interaction, str):
            self.interaction = D.INTERACTIONS.get(interaction)
        elif callable(interaction):
            self.interaction = D.callable_interaction(interaction)
        else:
            raise TypeError(
                f"interaction must be a name ({', '.join(map(repr, D.INTERACTIONS.names()))}) or a callable, "
                f"got {type(interaction).__name__}"
            )

    @property
    def _params(self) -> tuple[Tensor, ...]:  # type: ignore[override]
        return (self.weights, self.bias, self.v)

    @property
    def n_memories(self) -> int:
        """n, the number of rows of ``W``."""
        return self.weights.shape[0]

    def _field(self, params: tuple[Tensor, ...]) -> Callable[[Tensor], Tensor]:
        w, b, v = params
        return lambda x: D.velocity(x, w, b, v, self.tau, self.interaction, self.beta)

    def _relax_energy(self, x: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        return D.energy(x, *params, self.interaction, self.beta)

    def _jacobian(self, x: Tensor, params: tuple[Tensor, ...]) -> Tensor:
        w, b, _ = params
        return D.jacobian(x, w, b, self.tau, self.interaction, self.beta)

    def energy(self, x: Any) -> Any:
        """``E(x) = 1/2 x^T x - v^T x - F(W x + b)`` (Theorem 12 of 001).

        ``(d,) -> scalar``, ``(B, d) -> (B,)``.
        """
        xt, out = self._states(x, "x")
        return out(D.energy(xt, *self._cast(xt), self.interaction, self.beta))

    def probabilities(self, x: Any) -> Any:
        """``p = softmax(beta (W x + b))`` over the memories (Example 15): ``(B, d) -> (B, n)``."""
        xt, out = self._states(x, "x")
        w, b, _ = self._cast(xt)
        return out(D.probabilities(xt, w, b, self.beta))

    def covariance(self, x: Any) -> Any:
        """``Cov_{p(x)}(v)`` of Lemma 16 (001): ``(B, d) -> (B, d, d)``; the ``"lse"`` Jacobian is
        ``(-I + beta Cov) / tau``."""
        xt, out = self._states(x, "x")
        w, b, _ = self._cast(xt)
        return out(D.covariance(xt, w, b, self.beta))

    def __repr__(self) -> str:
        return (
            f"ContinuousDenseMemory(n_memories={self.n_memories}, dim={self.dim}, tau={self.tau}, "
            f"interaction={self.interaction.name!r}, beta={self.beta}, dtype={self.weights.dtype})"
        )
