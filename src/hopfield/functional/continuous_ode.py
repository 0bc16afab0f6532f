"""ODE machinery of the continuous-time networks (seed 001 §1.2 and §2.1): solvers by name, batched
integration, and integration until the flow stops.

Solvers (:data:`SOLVERS`, chosen by ``method``): ``"dopri5-batched"``, Dormand-Prince 5(4) with a step
size of its own for every trajectory (:mod:`hopfield.functional.batched_rk`), and torchdiffeq's solvers
(adaptive ``"dopri5"``, ``"dopri8"``, ``"bosh3"``, ... and fixed-grid ``"euler"``, ``"rk4"``, ...), which
step the whole batch together. Shared by :mod:`hopfield.functional.continuous` and
:mod:`hopfield.functional.continuous_dense`; nothing here validates its arguments.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from torchdiffeq import odeint, odeint_adjoint
from torchdiffeq._impl.odeint import SOLVERS as _TORCHDIFFEQ_SOLVERS
from torchdiffeq._impl.solvers import FixedGridODESolver

from hopfield._registry import Registry
from hopfield.functional import batched_rk

__all__ = ["DEFAULT_METHOD", "SOLVERS", "RelaxOutput", "Solver", "integrate", "relax"]


@dataclass(frozen=True)
class Solver:
    """An ODE solver by name: whether it steps on a fixed grid (``step_size``) or adaptively, and its
    backend: ``"batched"`` (per-trajectory steps, :mod:`hopfield.functional.batched_rk`) or
    ``"torchdiffeq"`` (one step size for the whole batch; the only backend with the adjoint method)."""

    name: str
    fixed: bool
    backend: str = "torchdiffeq"


#: Every solver by name (torchdiffeq's ``scipy_solver`` is left out: it leaves torch and cannot
#: backpropagate).
SOLVERS: Registry[Solver] = Registry("ODE solver", "method")
SOLVERS.register("dopri5-batched")(Solver("dopri5-batched", False, "batched"))
for _name, _cls in _TORCHDIFFEQ_SOLVERS.items():
    if _name != "scipy_solver":
        SOLVERS.register(_name)(Solver(_name, issubclass(_cls, FixedGridODESolver)))

#: The default of ``simulate`` and ``relax``: fewer evaluations than a shared step size, same accuracy
#: (benchmarks/bench_continuous.py, docs/continuous.md).
DEFAULT_METHOD = "dopri5-batched"


def _trajectory_rms_norm(e: Tensor) -> Tensor:
    """The error norm for a torchdiffeq batch solve: RMS over each trajectory's ``d`` entries, max over
    trajectories.

    torchdiffeq's default RMS over all ``B d`` entries lets one poorly resolved trajectory hide among
    many converged ones; this norm holds every trajectory to ``rtol``/``atol`` as a solo solve would.
    """
    if e.ndim < 2:
        return e.pow(2).mean().sqrt()
    return e.pow(2).mean(dim=-1).sqrt().amax()


def integrate(
    field: Callable[[Tensor], Tensor],
    x0: Tensor,
    t: Tensor,
    method: str = DEFAULT_METHOD,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    step_size: float | None = None,
    adjoint: bool = False,
    params: Iterable[Tensor] = (),
) -> Tensor:
    """Integrate the autonomous ODE ``dx/dt = field(x)`` from ``x0`` (B, d) over the times ``t`` (T,).

    Adaptive methods hold ``rtol``/``atol`` per trajectory (``"dopri5-batched"`` by its own step size
    per trajectory, torchdiffeq's by a per-trajectory error norm with a shared step); fixed-grid
    methods use ``step_size`` (``None``: the grid ``t`` itself). ``adjoint`` backpropagates by the
    adjoint ODE with respect to ``params`` (O(1) memory in time; torchdiffeq methods only). Returns
    ``(T, B, d)``.
    """
    solver = SOLVERS.get(method)
    if solver.backend == "batched":
        if adjoint:
            raise ValueError(
                f"adjoint=True needs a torchdiffeq method (e.g. 'dopri5'), got method {method!r}"
            )
        return batched_rk.dopri5(lambda _t, x: field(x), x0, t, rtol, atol).ys
    options: dict[str, Any] = {}
    if solver.fixed:
        if step_size is not None:
            options["step_size"] = step_size
    else:
        options["norm"] = _trajectory_rms_norm

    def func(_t: Tensor, x: Tensor) -> Tensor:
        return field(x)

    if adjoint:
        params = tuple(p for p in params if p.requires_grad)
        return odeint_adjoint(
            func,
            x0,
            t,
            rtol=rtol,
            atol=atol,
            method=method,
            options=options,
            adjoint_params=params,
            adjoint_options={k: v for k, v in options.items() if k != "norm"},
        )
    return odeint(func, x0, t, rtol=rtol, atol=atol, method=method, options=options)


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
