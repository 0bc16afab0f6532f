"""Frozen oracle: the dense memory's retrieval loops as they were before issue 10 (commit 7fff565).

Copied from ``src/hopfield/functional/dense.py`` at 7fff565 (interactions, margins, the async trackers,
``retrieve_async`` and ``retrieve_sync``; the energies and the name registries of dynamics left out),
imports adapted, nothing else changed. ``tests/test_dense_oracle.py`` checks that the kernel-based
loops of the library give exactly the same states, steps, convergence and cycle flags on random cases.
Do not edit: this file is the reference the refactor is measured against.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch
from torch import Tensor

from hopfield._registry import Registry
from hopfield.functional.lse import default_chunk_size


# ---------------------------------------------------------------------------------------------- interactions
@dataclass
class Coefficients:
    """The update's coefficients for a block of overlaps ``s`` (B, N), up to a positive factor per state.

    ``h`` (B, N) and ``k`` (B,) give the margins ``xi_j (h^T X)_j + k``; ``size`` (B,) is
    ``sum |h| + sum |c|`` (the scale of the rounding error); the true values are
    ``exp(log_scale)`` (B,) times these, up to one positive constant shared by all states and blocks.
    """

    h: Tensor
    k: Tensor
    size: Tensor
    log_scale: Tensor


@dataclass(frozen=True)
class Interaction:
    """An interaction function ``F`` of eq. (530) of 004 and what the dynamics need from it.

    ``f`` applies ``F`` elementwise; ``coefficients(s)`` returns :class:`Coefficients` for overlaps
    ``s`` (B, N); ``log_f``, when given, is ``ln F`` (used for the log-domain energy of ``"exp"``);
    ``beta`` is set exactly when ``F(a) = exp(beta a)`` (the asynchronous loop then updates the
    coefficients of a flipped state by one multiplication instead of recomputing them).
    """

    name: str
    f: Callable[[Tensor], Tensor]
    coefficients: Callable[[Tensor], Coefficients]
    log_f: Callable[[Tensor], Tensor] | None = None
    beta: float | None = None


def _difference_coefficients(f: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Coefficients]:
    """``h(s) = [F(s+2) - F(s-2)]/2``, ``c(s) = F(s) - [F(s+2) + F(s-2)]/2`` for any ``F``."""

    def coefficients(s: Tensor) -> Coefficients:
        fp, fm = f(s + 2), f(s - 2)
        h = 0.5 * (fp - fm)
        c = f(s) - 0.5 * (fp + fm)
        size = h.abs().sum(dim=-1) + c.abs().sum(dim=-1)
        return Coefficients(h, c.sum(dim=-1), size, s.new_zeros(s.shape[0]))

    return coefficients


INTERACTIONS: Registry[Callable[[int, float], Interaction]] = Registry("interaction function", "interaction")


@INTERACTIONS.register("poly")
def poly_interaction(degree: int, beta: float = 1.0) -> Interaction:
    """``F(a) = a^n`` (Krotov and Hopfield; 004 §B4.2, ``n = degree``; ``n = 2`` is the classical network).

    ``beta`` is unused (it would only scale the energy).
    """

    def f(a: Tensor) -> Tensor:
        return a.pow(degree)

    return Interaction("poly", f, _difference_coefficients(f))


@INTERACTIONS.register("rectified_poly")
def rectified_poly_interaction(degree: int, beta: float = 1.0) -> Interaction:
    """``F(a) = max(a, 0)^n`` (the rectified polynomial of Krotov and Hopfield). ``beta`` is unused."""

    def f(a: Tensor) -> Tensor:
        return a.clamp(min=0).pow(degree)

    return Interaction("rectified_poly", f, _difference_coefficients(f))


@INTERACTIONS.register("exp")
def exp_interaction(degree: int = 1, beta: float = 1.0) -> Interaction:
    """``F(a) = exp(beta a)`` (Demircigil et al., Theorem B10 of 004). ``degree`` is unused.

    Coefficients ``h = w``, ``c = -tanh(beta) w`` with ``w = exp(beta (s - max s))`` in (0, 1]: the exact
    ones divided by ``sinh(2 beta) exp(beta max s)`` (see the module docstring).
    """
    t = math.tanh(beta)

    def f(a: Tensor) -> Tensor:
        return torch.exp(beta * a)

    def log_f(a: Tensor) -> Tensor:
        return beta * a

    def coefficients(s: Tensor) -> Coefficients:
        top = s.amax(dim=-1)  # (B,), an integer: s - top is exact
        w = torch.exp(beta * (s - top[:, None]))
        total = w.sum(dim=-1)
        return Coefficients(w, -t * total, (1.0 + t) * total, beta * top)

    return Interaction("exp", f, coefficients, log_f, beta)


def callable_interaction(fn: Callable[[Tensor], Tensor], name: str | None = None) -> Interaction:
    """An interaction from a user function ``F`` applied elementwise to a tensor of overlaps."""
    return Interaction(name or getattr(fn, "__name__", "callable"), fn, _difference_coefficients(fn))


def make_interaction(interaction: str | Callable[[Tensor], Tensor], degree: int, beta: float) -> Interaction:
    """The :class:`Interaction` for a registered name (see :data:`INTERACTIONS`) or a callable ``F``."""
    if callable(interaction):
        return callable_interaction(interaction)
    return INTERACTIONS.get(interaction)(degree, beta)


# ------------------------------------------------------------------------------------------------- energy
def pattern_chunks(patterns: Tensor, batch: int, chunk_size: int | None = None) -> Iterable[Tensor]:
    """Split ``patterns`` (N, d) into row blocks of about ``CHUNK_ELEMENTS / batch`` rows."""
    c = chunk_size or default_chunk_size(batch, patterns.shape[0])
    return patterns.split(c)


# ----------------------------------------------------------------------------------------------- updates
def tie_tolerance(dtype: torch.dtype, n_patterns: int) -> float:
    """Relative size below which a margin counts as zero: ``16 eps log2(N + 1)`` (blocked-sum rounding)."""
    return 16.0 * torch.finfo(dtype).eps * max(1.0, math.log2(n_patterns + 1))


def margins(state: Tensor, chunks: Iterable[Tensor], interaction: Interaction) -> tuple[Tensor, Tensor]:
    """Margins ``xi_j Delta_j`` of every neuron (eq. (531) of 004) and their tie tolerance.

    ``chunks`` yields blocks of patterns ``(C, d)`` (e.g. :func:`pattern_chunks`, or patterns generated on
    the fly); the blocks' coefficients are merged with the online rescaling of ``log_scale`` (the
    log-sum-exp merge), so ``O(B C)`` extra memory suffices. Returns ``margin`` (B, d), in units of a
    positive factor per state, and ``tol`` (B, 1) in the same units: neuron ``j`` flips iff
    ``margin < -tol``.
    """
    b, d = state.shape
    u = state.new_zeros(b, d)
    k = state.new_zeros(b)
    size = state.new_zeros(b)
    log_scale = state.new_full((b,), float("-inf"))
    n = 0
    for xc in chunks:
        co = interaction.coefficients(state @ xc.T)
        new = torch.maximum(log_scale, co.log_scale)
        old_w, new_w = torch.exp(log_scale - new), torch.exp(co.log_scale - new)
        u = u * old_w[:, None] + (co.h @ xc) * new_w[:, None]
        k = k * old_w + co.k * new_w
        size = size * old_w + co.size * new_w
        log_scale = new
        n += xc.shape[0]
    return state * u + k[:, None], (tie_tolerance(state.dtype, n) * size)[:, None]


def sync_update(state: Tensor, chunks: Iterable[Tensor], interaction: Interaction) -> Tensor:
    """One synchronous step ``xi_j <- T_j(xi)`` for every ``j`` at once (eq. (531) of 004 from one state).

    This is the "one update" of Theorem B10 of 004. state (B, d); returns (B, d).
    """
    m, tol = margins(state, chunks, interaction)
    return torch.where(m < -tol, -state, state)


# --------------------------------------------------------------------------------------------- retrieval
@dataclass
class DenseRetrieveOutput:
    """Raw output of the retrieval loops: ``state`` (B, d), ``steps`` (B,) sweeps, ``converged`` (B,)
    bool (a sweep changed nothing), ``cycle`` (B,) bool (synchronous 2-cycle; all False for async)."""

    state: Tensor
    steps: Tensor
    converged: Tensor
    cycle: Tensor


#: Below this many entries a matrix-vector product runs as one ATen reduction: BLAS gemv would start its
#: thread pool for a few microseconds of work, which costs milliseconds when the cores are shared.
SMALL_MATVEC = 1 << 15


def _matvec(m: Tensor, v: Tensor) -> Tensor:
    """``m @ v`` for ``m`` (A, N) and ``v`` (N,)."""
    if m.numel() < SMALL_MATVEC and m.device.type == "cpu":
        return (m * v).sum(dim=-1)
    return m @ v


class _Tracker:
    """Overlaps ``s`` (A, N) and coefficients ``h, k, size`` of the active states, kept up to date."""

    def __init__(self, interaction: Interaction, s: Tensor) -> None:
        self.interaction, self.s = interaction, s
        co = interaction.coefficients(s)
        self.h, self.k, self.size = co.h, co.k, co.size

    def margins(self, v: Tensor, col: Tensor) -> tuple[Tensor, Tensor]:
        """Margins ``xi_j Delta_j`` (A,) of the neuron with pattern column ``col`` and their scale (A,)."""
        return v * _matvec(self.h, col) + self.k, self.size

    def flip(self, rows: list[int], signs: list[float], col: Tensor) -> None:
        """Flip the neuron of column ``col`` (old values ``signs``) in ``rows``: ``s -= 2 xi_j col``, O(N).

        Row by row and in place: no (flips, N) temporaries (their allocation dominates on CPU).
        """
        for r, v in zip(rows, signs, strict=True):
            self.s[r].add_(col, alpha=-2.0 * v)
            co = self.interaction.coefficients(self.s[r : r + 1])
            self.h[r].copy_(co.h[0])
            self.k[r] = co.k[0]
            self.size[r] = co.size[0]

    def keep(self, mask: Tensor) -> None:
        """Drop the states where ``mask`` is False."""
        self.s, self.h, self.k, self.size = self.s[mask], self.h[mask], self.k[mask], self.size[mask]


class _ExpTracker(_Tracker):
    """``F(a) = exp(beta a)``: ``w = exp(beta (s - top))`` per state, margins ``v (w^T col) - tanh(beta) W``.

    A flip multiplies ``w`` by ``exp(-2 beta xi_j col)`` (one pass); every ``every`` flips of a state
    ``w`` is recomputed exactly from the integer overlaps, so rounding never accumulates and entries
    that underflowed stay below ``exp(-40)`` (float32; ``exp(-400)`` in float64) of the largest.
    """

    def __init__(self, interaction: Interaction, s: Tensor) -> None:
        self.interaction, self.s = interaction, s
        self.beta = float(interaction.beta or 1.0)
        self.t = math.tanh(self.beta)
        self.w = torch.exp(self.beta * (s - s.amax(dim=-1, keepdim=True)))
        self.total = self.w.sum(dim=-1)
        limit = 40.0 if s.dtype == torch.float32 else 300.0
        self.every = int(limit // (4.0 * self.beta))
        self.since = [0] * s.shape[0]

    def margins(self, v: Tensor, col: Tensor) -> tuple[Tensor, Tensor]:
        return v * _matvec(self.w, col) - self.t * self.total, (1.0 + self.t) * self.total

    def flip(self, rows: list[int], signs: list[float], col: Tensor) -> None:
        factors: dict[float, Tensor] = {}
        for r, v in zip(rows, signs, strict=True):
            self.s[r].add_(col, alpha=-2.0 * v)
            w = self.w[r]
            if self.since[r] < self.every:
                if v not in factors:
                    factors[v] = torch.exp((-2.0 * self.beta * v) * col)
                w.mul_(factors[v])
                self.since[r] += 1
            else:
                row = self.s[r]
                torch.sub(row, row.max(), out=w)
                w.mul_(self.beta).exp_()
                self.since[r] = 0
            self.total[r] = w.sum()

    def keep(self, mask: Tensor) -> None:
        self.s, self.w, self.total = self.s[mask], self.w[mask], self.total[mask]
        self.since = [self.since[i] for i in mask.nonzero().squeeze(1).tolist()]


def retrieve_async(
    state: Tensor,
    patterns: Tensor,
    interaction: Interaction,
    max_sweeps: int = 100,
    order: str = "random",
    generator: torch.Generator | None = None,
    patterns_t: Tensor | None = None,
) -> DenseRetrieveOutput:
    """Asynchronous dynamics (531) of 004: sweeps over the neurons, each set to ``T_j`` of the current state.

    ``order="fixed"`` visits neurons ``0, ..., d-1``; ``"random"`` draws one permutation per sweep from
    ``generator``, shared by the whole batch (so one neuron index at a time: a matrix-vector product).
    The overlaps ``s = X^T xi`` and the coefficients ``h, k`` of each state are kept up to date: a flip
    changes ``s`` by ``-2 xi_j x_{:, j}`` (exact: integers) and updates that state's coefficients in
    ``O(N)``. The energy (530) never increases (every flip lowers it; ties keep the state), so every
    trajectory reaches a fixed point. A state stops once a whole sweep flips nothing (``converged``);
    ``steps`` counts its sweeps, that last one included.

    patterns_t: ``patterns.T`` contiguous (d, N), if the caller caches it.
    """
    n_states, d = state.shape
    dev = state.device
    xt = patterns.T.contiguous() if patterns_t is None else patterns_t
    eps = tie_tolerance(state.dtype, patterns.shape[0])
    out = state.clone()
    x = state.clone()
    steps = torch.zeros(n_states, dtype=torch.long, device=dev)
    converged = torch.zeros(n_states, dtype=torch.bool, device=dev)
    active = torch.arange(n_states, device=dev)
    s = x @ patterns.T  # (B, N) overlaps
    tracker = _ExpTracker(interaction, s) if interaction.beta is not None else _Tracker(interaction, s)
    for _ in range(max_sweeps):
        if active.numel() == 0:
            break
        if order == "fixed":
            neurons: list[int] | range = range(d)
        else:
            gen_dev = generator.device if generator is not None else "cpu"
            neurons = torch.randperm(d, generator=generator, device=gen_dev).tolist()
        moved = torch.zeros(active.numel(), dtype=torch.bool, device=dev)
        for j in neurons:
            col = xt[j]  # (N,)
            v = x[:, j]
            margin, size = tracker.margins(v, col)
            idx = (margin < -eps * size).nonzero().squeeze(1)
            if idx.numel() == 0:
                continue
            vf = v[idx]
            tracker.flip(idx.tolist(), vf.tolist(), col)
            x[idx, j] = -vf
            moved[idx] = True
        steps[active] += 1
        done = ~moved
        if bool(done.any()):
            out[active[done]] = x[done]
            converged[active[done]] = True
            active, x = active[moved], x[moved]
            tracker.keep(moved)
    out[active] = x
    return DenseRetrieveOutput(out, steps, converged, torch.zeros_like(converged))


def retrieve_sync(
    state: Tensor,
    patterns: Tensor,
    interaction: Interaction,
    max_sweeps: int = 100,
    chunk_size: int | None = None,
) -> DenseRetrieveOutput:
    """Synchronous dynamics: ``xi <- T(xi)`` with every ``T_j`` of (531) evaluated at the same state.

    The energy may increase and 2-cycles occur (as for the classical network); a state stops at a fixed
    point (``converged``) or when it returns to the state of two steps before (``cycle``).
    """
    b = state.shape[0]
    out = state.clone()
    steps = torch.zeros(b, dtype=torch.long, device=state.device)
    converged = torch.zeros(b, dtype=torch.bool, device=state.device)
    cycle = torch.zeros(b, dtype=torch.bool, device=state.device)
    active = torch.arange(b, device=state.device)
    cur, before = state, None
    for _ in range(max_sweeps):
        if active.numel() == 0:
            break
        new = sync_update(cur, pattern_chunks(patterns, cur.shape[0], chunk_size), interaction)
        steps[active] += 1
        out[active] = new
        fixed = (new == cur).all(dim=-1)
        cyc = torch.zeros_like(fixed) if before is None else (new == before).all(dim=-1) & ~fixed
        converged[active[fixed]] = True
        cycle[active[cyc]] = True
        keep = ~(fixed | cyc)
        active, before, cur = active[keep], cur[keep], new[keep]
    return DenseRetrieveOutput(out, steps, converged, cycle)
