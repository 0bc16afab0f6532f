"""``DenseAssociativeMemory``: polynomial (Krotov-Hopfield) and exponential (Demircigil) binary networks.

A thin class over :mod:`hopfield.functional.dense` (004 §B4.2, eqs. (529)-(533), Theorem B10; 003 §3.1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any

import torch
from torch import Tensor

from hopfield._arrays import Output
from hopfield._random import make_generator
from hopfield._result import Retrieval
from hopfield._validate import as_patterns, as_states, check_binary, check_choice, check_int, check_positive
from hopfield.functional import dense as F

__all__ = ["INTERACTIONS", "ORDERS", "DenseAssociativeMemory"]

#: Interaction functions by name: ``"poly"``, ``"rectified_poly"``, ``"exp"`` (or pass a callable).
INTERACTIONS = F.INTERACTIONS
#: Neuron orders of asynchronous sweeps.
ORDERS = ("random", "fixed")
_COMPUTE_DTYPES = (torch.float32, torch.float64)


def _check_degree(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"degree must be an integer >= 1, got {value!r}")
    if not isinstance(value, Integral) or value < 1:
        raise ValueError(f"degree must be an integer >= 1, got {value!r}")
    return int(value)


def _check_callable(fn: Callable[[Tensor], Tensor], dtype: torch.dtype) -> None:
    probe = torch.arange(-3.0, 4.0, dtype=dtype)
    try:
        got = fn(probe)
    except Exception as exc:
        raise TypeError(
            f"interaction must be a registered name or a function applied elementwise to a tensor of "
            f"overlaps; calling it on a tensor raised {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(got, Tensor) or got.shape != probe.shape:
        raise TypeError(
            f"interaction must return a tensor of the shape of its input (elementwise), got "
            f"{type(got).__name__} of shape {tuple(getattr(got, 'shape', ()))} for input shape (7,)"
        )


class DenseAssociativeMemory:
    """Dense associative memory over binary states in {-1, +1}^d (Krotov and Hopfield; Demircigil et al.).

    Energy (530) of 004: ``E(xi) = -sum_i F(x_i^T xi)``; asynchronous update (531):
    ``xi_j <- sgn[sum_i F(x_ij + sum_{l != j} x_il xi_l) - F(-x_ij + sum_{l != j} x_il xi_l)]``, a zero
    bracket keeping ``xi_j``.

    Parameters
    ----------
    patterns:
        Stored patterns as rows, ``(N, d)``, entries -1 or +1 (float or integer; torch or NumPy). The seed's
        ``X`` (529) is ``patterns.T``.
    interaction:
        ``"poly"`` ``F(a) = a^n``; ``"rectified_poly"`` ``F(a) = max(a, 0)^n``; ``"exp"``
        ``F(a) = exp(beta a)``; or a callable applying ``F`` elementwise to a tensor.
    degree:
        ``n`` of the polynomials, an integer >= 1 (``n = 2`` is the classical Hebbian network).
    beta:
        Inverse temperature of ``"exp"``, a positive finite number.
    chunk_size:
        Patterns per block in the energy and synchronous updates (``None``: about 2M scores per block).

    Computation happens in the dtype (float32 or float64) and on the device of the states passed in.
    Overlaps are integers, so float64 keeps polynomial energies and margins exact up to 2^53.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1, 1, 1, -1, -1, -1], [1, -1, 1, -1, 1, -1]])
    >>> net = DenseAssociativeMemory(x, interaction="poly", degree=3)
    >>> net.retrieve(np.array([1, 1, 1, -1, -1, 1.0]), order="fixed").state
    array([ 1.,  1.,  1., -1., -1., -1.])
    >>> round(float(DenseAssociativeMemory(x, "exp").log_energy(np.array([1, 1, 1, -1, -1, -1.0]))), 4)
    6.0181
    """

    def __init__(
        self,
        patterns: Any,
        interaction: str | Callable[[Tensor], Tensor] = "poly",
        degree: int = 3,
        beta: float = 1.0,
        *,
        chunk_size: int | None = None,
    ) -> None:
        numpy_in = not isinstance(patterns, Tensor)
        self.patterns = check_binary(as_patterns(patterns, allow_int=True), "patterns")
        self.degree = _check_degree(degree)
        self.beta = check_positive(beta, "beta")
        self.chunk_size = None if chunk_size is None else check_int(chunk_size, "chunk_size")
        if callable(interaction):
            _check_callable(interaction, self.patterns.dtype)
        self.interaction = interaction
        self._interaction = F.make_interaction(interaction, self.degree, self.beta)
        self._numpy_patterns = numpy_in
        self._cache: dict[tuple[torch.dtype, torch.device], tuple[Tensor, Tensor]] = {}

    # ------------------------------------------------------------------ helpers
    @property
    def n_patterns(self) -> int:
        """N, the number of stored patterns."""
        return self.patterns.shape[0]

    @property
    def dim(self) -> int:
        """d, the number of neurons."""
        return self.patterns.shape[1]

    @property
    def name(self) -> str:
        """The interaction's name (``"poly"``, ``"rectified_poly"``, ``"exp"`` or the callable's name)."""
        return self._interaction.name

    def _states(self, state: Any, name: str = "state") -> tuple[Tensor, Tensor, Tensor, Output]:
        xi, out = as_states(state, self.dim, name, allow_int=True)
        if xi.dtype not in _COMPUTE_DTYPES:
            raise TypeError(f"{name} must have dtype float32 or float64, got {xi.dtype}")
        check_binary(xi, name)
        key = (xi.dtype, xi.device)
        if key not in self._cache:
            x = self.patterns.to(dtype=xi.dtype, device=xi.device)
            self._check_range(xi.dtype)
            self._cache[key] = (x, x.T.contiguous())
        x, xt = self._cache[key]
        return xi, x, xt, out

    def _check_range(self, dtype: torch.dtype) -> None:
        """Refuse polynomial energies that overflow ``dtype`` (``N (d + 2)^n`` beyond its largest value)."""
        if not isinstance(self.interaction, str) or self.name not in ("poly", "rectified_poly"):
            return
        log_top = math.log(self.n_patterns) + self.degree * math.log(self.dim + 2)
        if log_top > math.log(torch.finfo(dtype).max) - math.log(4.0):
            raise ValueError(
                f"degree must keep N (d + 2)^degree within {dtype}'s range, got degree={self.degree} "
                f"with N={self.n_patterns}, d={self.dim}; use float64 states, a lower degree or 'exp'"
            )

    # ------------------------------------------------------------------ the network
    def energy(self, state: Any) -> Any:
        """Energy (530) of 004 for each state: ``(d,) -> scalar``, ``(B, d) -> (B,)``.

        For ``"exp"`` it is ``-exp(log_energy)``, which is ``-inf`` only where ``|E|`` exceeds the dtype's
        range (``beta x^T xi`` above ~88 in float32, ~709 in float64); use :meth:`log_energy` there.
        """
        xi, x, _, out = self._states(state)
        return out(F.energy(xi, x, self._interaction, self.chunk_size))

    def log_energy(self, state: Any) -> Any:
        """``ln(-E) = ln sum_i F(x_i^T xi)``; for ``"exp"`` the log-sum-exp ``ln sum_i exp(beta x_i^T xi)``
        (``beta lse(beta, X^T xi)`` in 004's notation), finite for any d and N."""
        xi, x, _, out = self._states(state)
        return out(F.log_energy(xi, x, self._interaction, self.chunk_size))

    def update(self, state: Any) -> Any:
        """One synchronous step ``xi_j <- T_j(xi)`` for all ``j`` (the "one update" of Theorem B10)."""
        xi, x, _, out = self._states(state)
        chunks = F.pattern_chunks(x, xi.shape[0], self.chunk_size)
        return out(F.sync_update(xi, chunks, self._interaction))

    def retrieve(
        self,
        state: Any,
        dynamics: str = "async",
        max_sweeps: int = 100,
        seed: int | torch.Generator | None = None,
        order: str = "random",
    ) -> Retrieval:
        """Run the dynamics from ``state`` until a sweep changes nothing, or ``max_sweeps`` sweeps.

        Parameters
        ----------
        state:
            Binary states ``(d,)`` or ``(B, d)``, entries -1 or +1.
        dynamics:
            ``"async"`` (eq. (531), one neuron at a time; the energy never increases) or ``"sync"`` (all
            neurons from the same state; may end in a 2-cycle).
        max_sweeps:
            At most this many sweeps (async) or steps (sync), >= 1.
        seed:
            Seeds the neuron order of ``order="random"`` (int, ``torch.Generator`` or None).
        order:
            ``"random"``: a fresh permutation each sweep (shared by the batch); ``"fixed"``: ``0..d-1``.

        Returns
        -------
        Retrieval
            ``state``, ``steps`` (sweeps), ``converged`` (fixed point reached), ``energy`` (530),
            ``cycle`` (sync 2-cycle) and, for ``"exp"``, ``extras["log_energy"]``.
        """
        F.DYNAMICS.get(dynamics)
        max_sweeps = check_int(max_sweeps, "max_sweeps")
        order = check_choice(order, "order", ORDERS)
        xi, x, xt, out = self._states(state)
        gen = make_generator(seed, xi.device)
        raw = F.retrieve(xi, x, self._interaction, dynamics, max_sweeps, order, gen, self.chunk_size, xt)
        extras = {}
        if self._interaction.log_f is not None:
            log_e = F.log_energy(raw.state, x, self._interaction, self.chunk_size)
            extras["log_energy"] = log_e
            e = -torch.exp(log_e)
        else:
            e = F.energy(raw.state, x, self._interaction, self.chunk_size)
        return Retrieval.build(
            out,
            state=raw.state,
            steps=raw.steps,
            converged=raw.converged,
            energy=e,
            cycle=raw.cycle,
            extras=extras,
        )

    def __repr__(self) -> str:
        extra = f"degree={self.degree}" if self.name != "exp" else f"beta={self.beta}"
        return (
            f"DenseAssociativeMemory(n_patterns={self.n_patterns}, dim={self.dim}, "
            f"interaction={self.name!r}, {extra})"
        )
