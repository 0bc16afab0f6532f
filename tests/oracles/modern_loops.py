"""Frozen oracle: the modern network's retrieval loop as it was before issue 10 (commit d112d5e).

Copied from ``src/hopfield/functional/modern.py`` at d112d5e (``RetrieveOutput`` and ``retrieve``), with
one change: the update is passed in (``update``) instead of imported, so that the loop itself is what is
compared. ``tests/test_modern_oracle.py`` checks that the kernel-based loop of the library gives exactly
the same states, steps and convergence flags on random cases. Do not edit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass
class RetrieveOutput:
    """Raw output of :func:`retrieve`: ``state`` (B, d), ``steps`` (B,) long, ``converged`` (B,) bool."""

    state: Tensor
    steps: Tensor
    converged: Tensor


def retrieve(
    state: Tensor,
    patterns: Tensor,
    beta: float,
    max_steps: int = 100,
    tol: float = 1e-6,
    chunk_size: int | None = None,
    backend: str = "auto",
    *,
    update: Callable[..., Tensor],
) -> RetrieveOutput:
    """Iterate the update (17) until ``max |xi_{t+1} - xi_t| <= tol`` per query, or ``max_steps``.

    Theorem B1 of 004 (Theorem 1 of 000, Proposition 3.2 of 003): the energy never increases along
    these iterates and every limit point is a stationary point of the energy. Converged queries stop
    being updated; only the active ones are computed each step.
    """
    xi = state.clone()
    b = xi.shape[0]
    steps = torch.zeros(b, dtype=torch.long, device=xi.device)
    converged = torch.zeros(b, dtype=torch.bool, device=xi.device)
    active = torch.arange(b, device=xi.device)
    for _ in range(max_steps):
        if active.numel() == 0:
            break
        old = xi[active]
        new = update(old, patterns, beta, chunk_size, backend)
        xi[active] = new
        steps[active] += 1
        done = (new - old).abs().amax(dim=-1) <= tol
        converged[active[done]] = True
        active = active[~done]
    return RetrieveOutput(xi, steps, converged)
