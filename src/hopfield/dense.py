"""``DenseAssociativeMemory``: polynomial (Krotov-Hopfield) and exponential (Demircigil) binary networks.

A thin class over :mod:`hopfield.functional.dense` (004 §B4.2, eqs. (529)-(533), Theorem B10; 003 §3.1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from hopfield._arrays import Output
from hopfield._deprecation import renamed_arguments
from hopfield._errors import HopfieldTypeError, input_error
from hopfield._network import PatternNetwork
from hopfield._random import make_generator
from hopfield._result import Retrieval
from hopfield._tolerances import compute_dtype
from hopfield._validate import (
    as_patterns,
    as_states,
    check_beta,
    check_binary_tol,
    check_callable_output,
    check_choice,
    check_finite,
    check_int,
    check_optional_int,
    check_seed,
)
from hopfield.functional import dense as F

__all__ = ["INTERACTIONS", "ORDERS", "DenseAssociativeMemory"]

#: Interaction functions by name: ``"poly"``, ``"rectified_poly"``, ``"exp"`` (or pass a callable).
INTERACTIONS = F.INTERACTIONS
#: Neuron orders of asynchronous sweeps.
ORDERS = ("random", "fixed")


def _checked(fn: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    """``fn`` with its output checked on every call: a floating tensor of its input's shape (cast to the
    input's dtype), finite; an exception inside ``fn`` becomes a named error."""

    def call(a: Tensor) -> Tensor:
        try:
            got = fn(a)
        except Exception as exc:
            raise input_error(
                "interaction",
                "a registered name or a function applied elementwise to a tensor of overlaps",
                f"a function that raised {type(exc).__name__}: {exc}",
                cls=HopfieldTypeError,
            ) from exc
        got = check_callable_output(got, tuple(a.shape), "interaction").to(a.dtype)
        if not math.isfinite(float(got.sum())):  # one reduction; the entries only if it is not finite
            check_finite(got, "interaction")
        return got

    return call


def _pair(x: Tensor) -> tuple[Tensor, Tensor]:
    return x, x.T.contiguous()


class DenseAssociativeMemory(PatternNetwork):
    """Dense associative memory over binary states in {-1, +1}^d (Krotov and Hopfield; Demircigil et al.).

    Energy (530) of 004: ``E(xi) = -sum_i F(x_i^T xi)``; asynchronous update (531):
    ``xi_j <- sgn[sum_i F(x_ij + sum_{l != j} x_il xi_l) - F(-x_ij + sum_{l != j} x_il xi_l)]``, a zero
    bracket keeping ``xi_j``.

    Parameters
    ----------
    patterns:
        Stored patterns as rows, ``(N, d)``, entries -1 or +1 (floating, integer, or bool with True = +1;
        torch or NumPy). The seed's ``X`` (529) is ``patterns.T``.
    interaction:
        ``"poly"`` ``F(a) = a^n``; ``"rectified_poly"`` ``F(a) = max(a, 0)^n``; ``"exp"``
        ``F(a) = exp(beta a)``; or a callable applying ``F`` elementwise to a tensor (checked on every
        call: a floating tensor of its input's shape with finite values).
    degree:
        ``n`` of the polynomials, an integer >= 1 (``n = 2`` is the classical Hebbian network).
    beta:
        Inverse temperature of ``"exp"``, a positive finite number.
    chunk_size:
        Patterns per block in the energy and synchronous updates (``None``: a ``(B, block)`` block of
        overlaps holds about 2^20 entries).

    States may be float16, bfloat16, float32, float64 (±1), integer (±1) or bool (True = +1). Computation
    happens on the device of the states passed in (NumPy states: the patterns' device), in their dtype;
    float16/bfloat16 states are computed in float32 and integer/bool states in the patterns' float dtype
    (float32 for half-precision patterns). States come back in the input's dtype; energies in the input's
    dtype when it is floating (a value beyond its range, e.g. ``|E| > 65504`` in float16, becomes
    ``-inf``), else in the computing dtype. Overlaps are integers, so float64 keeps polynomial energies and
    margins exact up to 2^53.

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
        self.patterns = as_patterns(patterns, kind="binary")
        self.degree = check_int(degree, "degree")
        self.beta = check_beta(beta)
        self.chunk_size = check_optional_int(chunk_size, "chunk_size")
        if callable(interaction):
            name = str(getattr(interaction, "__name__", "callable"))
            self._interaction = F.callable_interaction(_checked(interaction), name)
            d = self.dim
            dtype = compute_dtype(self.patterns.dtype)
            self._interaction.coefficients(torch.arange(-d, d + 1, dtype=dtype)[None])  # every overlap
        else:
            self._interaction = F.make_interaction(interaction, self.degree, self.beta)
        self.interaction = interaction
        self._init_cache()

    # ------------------------------------------------------------------ helpers
    @property
    def name(self) -> str:
        """The interaction's name (``"poly"``, ``"rectified_poly"``, ``"exp"`` or the callable's name)."""
        return self._interaction.name

    def _states(self, state: Any, name: str = "state") -> tuple[Tensor, Tensor, Tensor, Output]:
        """Checked states in the computing dtype, the patterns and their transpose cast for them."""
        xi, out = as_states(
            state, self.dim, name, kind="binary", device=self.device, dtype=compute_dtype(self.dtype)
        )
        xi = xi.to(compute_dtype(xi.dtype))
        self._check_range(xi.dtype)
        key = (xi.dtype, xi.device)
        x, xt = self._cast(key, lambda: _pair(self.patterns.to(dtype=key[0], device=key[1])))
        return xi, x, xt, out

    def _check_range(self, dtype: torch.dtype) -> None:
        """Refuse polynomial energies that overflow ``dtype`` (``N (d + 2)^n`` beyond its largest value)."""
        if callable(self.interaction) or self.name not in ("poly", "rectified_poly"):
            return
        log_top = math.log(self.n_patterns) + self.degree * math.log(self.dim + 2)
        if log_top > math.log(torch.finfo(dtype).max) - math.log(4.0):
            raise input_error(
                "degree",
                f"small enough that N (d + 2)^degree fits {dtype}",
                f"degree={self.degree} with N={self.n_patterns}, d={self.dim}",
                hint="; use float64 states, a lower degree or 'exp'",
            )

    def _log_energy(self, xi: Tensor, x: Tensor) -> Tensor:
        if self._interaction.beta is not None:
            return F.log_energy(xi, x, self._interaction, self.chunk_size)
        neg = -F.energy(xi, x, self._interaction, self.chunk_size)
        bad = ~((neg > 0) & torch.isfinite(neg))
        if bool(bad.any()):
            row = int(bad.nonzero()[0, 0])
            raise input_error(
                "state",
                "-E = sum_i F(x_i^T xi) > 0 and finite for log_energy = ln(-E) (defined only there)",
                f"-E = {float(neg[row]):g} for state {row}",
                verb="give",
                hint="; energy(state) gives E itself",
            )
        return torch.log(neg)

    # ------------------------------------------------------------------ the network
    def energy(self, state: Any) -> Any:
        """Energy (530) of 004 for each state: ``(d,) -> scalar``, ``(B, d) -> (B,)``.

        For ``"exp"`` it is ``-exp(log_energy)``, which is ``-inf`` only where ``|E|`` exceeds the dtype's
        range (``beta x^T xi`` above ~88 in float32, ~709 in float64, ~11 in float16); use
        :meth:`log_energy` there.
        """
        xi, x, _, out = self._states(state)
        return out(F.energy(xi, x, self._interaction, self.chunk_size))

    def log_energy(self, state: Any) -> Any:
        """``ln(-E) = ln sum_i F(x_i^T xi)`` for each state: ``(d,) -> scalar``, ``(B, d) -> (B,)``.

        For ``"exp"`` it is the log-sum-exp ``ln sum_i exp(beta x_i^T xi)`` (``beta lse(beta, X^T xi)``
        in 004's notation), finite for any d and N. For the other interactions ``ln(-E)`` is defined only
        where ``-E > 0``: a state with ``-E <= 0`` (e.g. odd ``"poly"`` degrees far from every pattern,
        ``"rectified_poly"`` with every overlap <= 0) raises :class:`~hopfield.HopfieldInputError` naming
        ``state``; :meth:`energy` gives ``E`` there. A value beyond the state dtype's range (float16:
        ``ln(-E) > 65504``, i.e. ``beta d`` that large) raises too: it is never returned as inf.
        """
        xi, x, _, out = self._states(state)
        log_e = self._log_energy(xi, x)
        sd = out.state_dtype
        if sd is not None and sd.is_floating_point and not bool(torch.isfinite(log_e.to(sd)).all()):
            raise input_error(
                "state",
                f"a dtype that holds log_energy (ln(-E) up to {float(log_e.abs().max()):g})",
                f"dtype {sd}",
                verb="have",
                hint="; pass float32 or float64 states",
            )
        return out(log_e)

    def update(self, state: Any) -> Any:
        """One synchronous step ``xi_j <- T_j(xi)`` for all ``j`` (the "one update" of Theorem B10).

        Same shape and dtype as ``state``.
        """
        xi, x, _, out = self._states(state)
        chunks = F.pattern_chunks(x, xi.shape[0], self.chunk_size)
        return out.state(F.sync_update(xi, chunks, self._interaction))

    @renamed_arguments(max_sweeps="max_steps")
    def retrieve(
        self,
        state: Any,
        *,
        dynamics: str = "async",
        max_steps: int = 100,
        tol: float | None = None,
        seed: int | torch.Generator | None = None,
        order: str = "random",
    ) -> Retrieval:
        """Run the dynamics from ``state`` until a sweep changes nothing, or ``max_steps`` sweeps.

        Parameters
        ----------
        state:
            Binary states ``(d,)`` or ``(B, d)``, entries -1 or +1 (or bool, True = +1).
        dynamics:
            ``"async"`` (eq. (531), one neuron at a time; the energy never increases) or ``"sync"`` (all
            neurons from the same state; may end in a 2-cycle).
        max_steps:
            At most this many sweeps (async) or steps (sync), >= 1. (``max_sweeps`` is its deprecated
            name, kept one release.)
        tol:
            ``None`` or 0: binary dynamics stop at exact fixed points only.
        seed:
            Seeds the neuron order of ``dynamics="async", order="random"`` (an int in [0, 2**64), a
            ``torch.Generator`` or None: random, from torch's global generator). Synchronous dynamics
            and ``order="fixed"`` are deterministic and ignore it (it is still checked).
        order:
            ``"random"``: a fresh permutation each sweep (shared by the batch); ``"fixed"``: ``0..d-1``.

        Returns
        -------
        Retrieval
            ``state``, ``steps`` (sweeps), ``converged`` (fixed point reached), ``energy`` (530),
            ``cycle`` (sync 2-cycle) and, for ``"exp"``, ``extras["log_energy"]``.
        """
        F.DYNAMICS.get(dynamics)
        max_steps = check_int(max_steps, "max_steps")
        check_binary_tol(tol)
        order = check_choice(order, "order", ORDERS)
        check_seed(seed)
        xi, x, xt, out = self._states(state)
        gen = make_generator(seed, xi.device) if dynamics == "async" and order == "random" else None
        raw = F.retrieve(xi, x, self._interaction, dynamics, max_steps, order, gen, self.chunk_size, xt)
        if self._interaction.beta is not None:
            log_e = F.log_energy(raw.state, x, self._interaction, self.chunk_size)
            raw.extras["log_energy"] = log_e
            e = -torch.exp(log_e)
        else:
            e = F.energy(raw.state, x, self._interaction, self.chunk_size)
        return Retrieval.from_raw(raw, out, e)

    def __repr__(self) -> str:
        extra = f"degree={self.degree}" if self.name != "exp" else f"beta={self.beta}"
        return (
            f"DenseAssociativeMemory(n_patterns={self.n_patterns}, dim={self.dim}, "
            f"interaction={self.name!r}, {extra}, dtype={self.dtype}, device={self.device})"
        )
