"""Frozen oracle: the continuous family's relaxation loop before issue 10 (main at commit 7fff565).

``relax`` below is ``hopfield.functional.continuous_ode.relax`` as it was (window of speed checks,
doubling, converged trajectories dropped), copied verbatim with only its imports adapted. The property
tests in ``tests/test_continuous_kernel.py`` check that the kernel-based relaxation
(``hopfield._iterate.run_until_fixed``) gives exactly its answers. Do not edit: it is the reference.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from hopfield.functional.continuous_ode import integrate

__all__ = ["RelaxOutput", "relax"]


@dataclass
class RelaxOutput:
    """Raw output of :func:`relax`: ``state`` (B, d), ``steps`` (B,) grid intervals integrated,
    ``converged`` (B,) bool, ``time`` (B,) time at which ``max |dx/dt| < tol`` was first seen."""

    state: Tensor
    steps: Tensor
    converged: Tensor
    time: Tensor


@torch.no_grad()
def relax(
    field: Callable[[Tensor], Tensor],
    x0: Tensor,
    tol: float,
    t_max: float,
    dt: float,
    window: int = 16,
    **solver_kwargs: Any,
) -> RelaxOutput:
    """Integrate until ``max_alpha |dx/dt| < tol`` per trajectory, or ``t = t_max``.

    The speed is checked on the grid ``0, dt, 2 dt, ...``; each solve runs ``window`` grid intervals
    (doubling every round, up to 16 times the first) and drops trajectories that have converged, so only
    the active ones are integrated. The reported time is the first grid time at which the speed was
    below ``tol``.
    """
    x = x0.detach().clone()
    b = x.shape[0]
    steps = torch.zeros(b, dtype=torch.long, device=x.device)
    time = torch.zeros(b, dtype=x.dtype, device=x.device)
    converged = field(x).abs().amax(dim=-1) < tol
    active = torch.nonzero(~converged).flatten()
    n_total = max(1, math.ceil(t_max / dt - 1e-9))
    done_steps, rounds = 0, 0
    while active.numel() > 0 and done_steps < n_total:
        n = min(window << min(rounds, 4), n_total - done_steps)
        rounds += 1
        k = torch.arange(done_steps, done_steps + n + 1, dtype=x.dtype, device=x.device)
        grid = torch.clamp(k * dt, max=t_max)
        traj = integrate(field, x[active], grid, **solver_kwargs)[1:]  # (n, A, d)
        speed = field(traj.reshape(-1, x.shape[1])).abs().amax(dim=-1).reshape(n, -1)
        below = speed < tol
        hit = below.any(dim=0)
        first = torch.where(hit, below.int().argmax(dim=0), n - 1)
        x[active] = traj[first, torch.arange(active.numel(), device=x.device)]
        steps[active] = done_steps + first + 1
        time[active] = grid[first + 1]
        converged[active[hit]] = True
        active = active[~hit]
        done_steps += n
    return RelaxOutput(x, steps, converged, time)
