"""The one iteration kernel: iterate an update until a fixed point or a 2-cycle, with an active set.

Every family that iterates (modern, classical, dense, the ODE relaxation) calls :func:`run_until_fixed`
with its own step function; only the rows still moving are computed each step, and one raw result type,
:class:`RawRetrieval`, comes back. The public :class:`hopfield.Retrieval` is built from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor

__all__ = ["RawRetrieval", "StopRule", "run_until_fixed"]

#: ``stop(old, new) -> (A,) bool``: True where a row has reached its fixed point.
StopRule = Callable[[Tensor, Tensor], Tensor]


@dataclass
class RawRetrieval:
    """Raw output of an iteration, before conversion to the caller's form.

    ``state`` (B, d) final states; ``steps`` (B,) long, updates applied to each row; ``converged`` (B,)
    bool, a fixed point was reached; ``cycle`` (B,) bool, the row returned to its state of two steps
    before (2-cycle of synchronous binary dynamics); ``energy`` (B,) when the loop had it for free;
    ``extras`` family-specific (B, ...) tensors by name.
    """

    state: Tensor
    steps: Tensor
    converged: Tensor
    cycle: Tensor
    energy: Tensor | None = None
    extras: dict[str, Tensor] = field(default_factory=dict)


def max_change_below(tol: float) -> StopRule:
    """The stop rule ``max_j |new_j - old_j| <= tol`` (continuous states)."""

    def stop(old: Tensor, new: Tensor) -> Tensor:
        return (new - old).abs().amax(dim=-1) <= tol

    return stop


def unchanged(old: Tensor, new: Tensor) -> Tensor:
    """The stop rule ``new == old`` exactly (binary states)."""
    return (new == old).all(dim=-1)


def run_until_fixed(
    step: Callable[[Tensor], Tensor],
    state: Tensor,
    max_steps: int,
    *,
    tol: float | None = None,
    stop: StopRule | None = None,
    cycles: bool = False,
    keep: Callable[[Tensor], None] | None = None,
    run_all: bool = False,
) -> RawRetrieval:
    """Apply ``step`` to the rows of ``state`` until each stops, at most ``max_steps`` times.

    Parameters
    ----------
    step:
        ``(A, d) -> (A, d)``: one update of the A rows still active. It may keep per-row state of its
        own (caches, generators' positions); ``keep`` tells it which rows survive.
    state:
        ``(B, d)`` initial states; not modified.
    max_steps:
        Most updates per row.
    tol, stop:
        The stopping rule: ``stop(old, new) -> (A,) bool``; else ``max |new - old| <= tol`` when ``tol``
        is given; else exact equality (binary states).
    cycles:
        Also stop a row whose new state equals its state of two steps before (and differs from the last
        one): a 2-cycle, flagged in ``cycle`` (the returned state is the newest).
    keep:
        Called with a ``(A,)`` bool mask whenever rows stop, before the next step: True for the rows
        that stay active, in order.
    run_all:
        Never stop early (stochastic dynamics): every row takes ``max_steps`` steps, and ``converged``
        is left False for the caller to decide.

    Returns
    -------
    RawRetrieval
        ``state``, ``steps``, ``converged``, ``cycle`` (``energy`` None).
    """
    rule: StopRule = stop if stop is not None else (max_change_below(tol) if tol is not None else unchanged)
    b = state.shape[0]
    dev = state.device
    out = state.clone()
    steps = torch.zeros(b, dtype=torch.long, device=dev)
    converged = torch.zeros(b, dtype=torch.bool, device=dev)
    cycle = torch.zeros(b, dtype=torch.bool, device=dev)
    active = torch.arange(b, device=dev)
    cur = state
    before: Tensor | None = None
    taken = 0  # steps taken by the rows still active
    # Rows are selected with index_select/index_copy_ rather than boolean masks (on the CPU those run on
    # the calling thread for small batches, while boolean indexing forks torch's thread pool), and the
    # per-row records are written only when rows stop: a step that stops no row costs nothing here.
    for _ in range(max_steps):
        if active.numel() == 0:
            break
        new = step(cur)
        taken += 1
        if run_all:
            cur = new
            continue
        fixed = rule(cur, new)
        done = fixed
        two: Tensor | None = None
        if cycles and before is not None:
            two = unchanged(before, new) & ~fixed
            done = fixed | two
        if bool(done.any()):
            fin = done.nonzero().squeeze(1)
            rows_fin = active.index_select(0, fin)
            out.index_copy_(0, rows_fin, new.index_select(0, fin))
            steps.index_fill_(0, rows_fin, taken)
            converged.index_copy_(0, rows_fin, fixed.index_select(0, fin))
            if two is not None:
                cycle.index_copy_(0, rows_fin, two.index_select(0, fin))
            live = ~done
            rows = live.nonzero().squeeze(1)
            if keep is not None and rows.numel():
                keep(live)
            active, new = active.index_select(0, rows), new.index_select(0, rows)
            if cycles:
                before = cur.index_select(0, rows)
        elif cycles:
            before = cur
        cur = new
    out.index_copy_(0, active, cur)
    steps.index_fill_(0, active, taken)
    return RawRetrieval(out, steps, converged, cycle)
