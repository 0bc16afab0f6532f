"""Iterating the update in the association space until the states stop moving (004 Theorem B1)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from hopfield._validate import check_nonnegative, check_optional_int
from hopfield.nn._association import materialized_update
from hopfield.nn._update import hopfield_update

__all__ = ["MAX_UPDATE_STEPS", "hopfield_iterate", "iterate_rows"]

#: Most updates with ``max_steps=None`` ("until converged"): nothing runs forever.
MAX_UPDATE_STEPS = 1000


def hopfield_iterate(
    queries: Tensor,
    keys: Tensor,
    beta: float | Tensor,
    *,
    attn_mask: Tensor | None = None,
    max_steps: int | None = 0,
    eps: float = 1e-4,
    association: str = "softmax",
) -> tuple[Tensor, Tensor]:
    """Iterate ``xi <- f(beta xi K^T) K`` per state pattern (row) in the association space.

    Each row stops once its largest coordinate change ``max_j |xi_new_j - xi_j|`` is at most ``eps``
    (it keeps that last update), or after ``max_steps`` updates (``None``: until every row converged,
    at most :data:`MAX_UPDATE_STEPS`). Rows are independent: a row's result does not depend on the
    other rows or on the rest of the batch. Differentiable (converged rows are frozen by ``where``).
    With the softmax, each step is :func:`hopfield.nn.functional.hopfield_update` with values = keys,
    and the energy of :func:`hopfield.nn.functional.association_energy` never increases along the
    iterates (004 Theorem B1, the concave-convex procedure).

    Arguments as for :func:`hopfield.nn.functional.hopfield_update` (same mask convention). Returns the
    final states ``(*batch, L, d)`` and the number of updates each row took, ``(*batch, L)`` long.
    """
    steps_max = check_optional_int(max_steps, "update_steps_max", minimum=0)
    eps = check_nonnegative(eps, "update_steps_eps")
    limit = MAX_UPDATE_STEPS if steps_max is None else steps_max

    def step(xi: Tensor) -> Tensor:
        if association == "softmax":
            return hopfield_update(xi, keys, keys, beta, attn_mask=attn_mask)
        return materialized_update(xi, keys, keys, beta, attn_mask, association)[0]

    return iterate_rows(step, queries, limit, eps)


def iterate_rows(
    step: Callable[[Tensor], Tensor], state: Tensor, limit: int, eps: float
) -> tuple[Tensor, Tensor]:
    """Apply ``step`` to every row ``(..., d)`` at most ``limit`` times; a row stops (keeping its last
    update) once it moved by at most ``eps`` in every coordinate. Returns the states and steps per row."""
    steps = torch.zeros(state.shape[:-1], dtype=torch.long, device=state.device)
    done: Tensor | None = None
    for _ in range(limit):
        new = step(state)
        if done is None:  # the first step fixes the broadcast batch shape
            state = state.expand_as(new)
            done = torch.zeros(new.shape[:-1], dtype=torch.bool, device=new.device)
            steps = steps.expand_as(done).clone()
        moved = (new - state).detach().abs().amax(dim=-1) > eps
        state = torch.where(done[..., None], state, new)
        steps = steps + (~done).long()
        done = done | ~moved
        if bool(done.all()):
            break
    return state, steps
