"""ODE machinery of the continuous-time networks (seed 001 §1.2 and §2.1): solvers by name, batched
integration with an evaluation budget, and relaxation until the flow stops.

Solvers (:data:`SOLVERS`, chosen by ``method``): ``"dopri5-batched"``, Dormand-Prince 5(4) with a step
size of its own for every trajectory (:mod:`hopfield.functional.batched_rk`), and torchdiffeq's solvers
(adaptive ``"dopri5"``, ``"dopri8"``, ``"bosh3"``, ... and fixed-grid ``"euler"``, ``"rk4"``, ...), which
step the whole batch together. Every solve counts its evaluations of the vector field and raises
:class:`~hopfield.HopfieldBudgetError` past ``max_evals`` (stiff dynamics, e.g. a tiny ``tau``, or a
huge time span would otherwise run for hours). Shared by :mod:`hopfield.functional.continuous` and
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

from hopfield._errors import HopfieldBudgetError, input_error
from hopfield._iterate import RawRetrieval, run_until_fixed
from hopfield._registry import Registry
from hopfield.functional import batched_rk

__all__ = ["DEFAULT_MAX_EVALS", "DEFAULT_METHOD", "SOLVERS", "EvalBudget", "Solver", "integrate", "relax"]

Field = Callable[[Tensor], Tensor]


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

#: The default of ``simulate`` and ``retrieve``: fewer evaluations than a shared step size, same accuracy
#: (benchmarks/bench_continuous.py, docs/continuous.md).
DEFAULT_METHOD = "dopri5-batched"

#: Default budget of vector-field evaluations per trajectory and call (``simulate``, ``retrieve``,
#: Algorithm 3's solves): about 3300 Dormand-Prince steps, a fraction of a second for a small batch.
#: Ordinary solves take a few hundred to a few thousand (docs/continuous.md).
DEFAULT_MAX_EVALS = 20_000


class EvalBudget:
    """At most ``max_evals`` evaluations of the vector field per trajectory, shared by the solves of
    one call; ``what()`` describes the call for the error message.

    Every call of the field counts once: a batched solve evaluates each of its (active) trajectories
    at most once per call, so the count bounds every trajectory's evaluations.
    """

    def __init__(self, max_evals: int, what: Callable[[], str]) -> None:
        self.max_evals = max_evals
        self.what = what
        self.used = 0

    @property
    def left(self) -> int:
        """Evaluations still allowed."""
        return self.max_evals - self.used

    def spend(self, n: int = 1) -> None:
        """Count ``n`` evaluations; raise :class:`~hopfield.HopfieldBudgetError` past the budget."""
        self.used += n
        if self.used > self.max_evals:
            raise HopfieldBudgetError(
                f"max_evals = {self.max_evals} evaluations of dx/dt per trajectory were spent {self.what()} "
                "(stiff dynamics, e.g. a tiny tau, or a long time span): integrate over fewer time "
                "constants, loosen the tolerances, or raise max_evals",
                argument="max_evals",
                expected=f"at most {self.max_evals} evaluations",
                received=f"more than {self.max_evals}",
            )

    def wrap(self, field: Field) -> Field:
        """``field``, counting its calls."""

        def counted(x: Tensor) -> Tensor:
            self.spend()
            return field(x)

        return counted


def _trajectory_rms_norm(e: Tensor) -> Tensor:
    """The error norm for a torchdiffeq batch solve: RMS over each trajectory's ``d`` entries, max over
    trajectories.

    torchdiffeq's default RMS over all ``B d`` entries lets one poorly resolved trajectory hide among
    many converged ones; this norm holds every trajectory to ``rtol``/``atol`` as a solo solve would.
    """
    if e.ndim < 2:
        return e.pow(2).mean().sqrt()
    return e.pow(2).mean(dim=-1).sqrt().amax()


def _solve(
    field: Field,
    x0: Tensor,
    t: Tensor,
    method: str,
    rtol: float,
    atol: float,
    step_size: float | None,
    adjoint: bool,
    params: Iterable[Tensor],
    budget: EvalBudget | None,
) -> Tensor:
    """:func:`integrate` under a given (possibly shared) ``budget``."""
    solver = SOLVERS.get(method)
    if budget is not None:
        if solver.fixed and step_size is not None:  # the grid is built up front: refuse it before
            n_steps = math.ceil(float(t[-1] - t[0]) / step_size)
            if n_steps > budget.left:
                budget.spend(n_steps)
        field = budget.wrap(field)
    if solver.backend == "batched":
        if adjoint:
            raise input_error(
                "adjoint",
                f"False with method {method!r} (the adjoint method needs a torchdiffeq method)",
                True,
            )
        f = field
        ys: Tensor = batched_rk.solve(lambda _t, x: f(x), x0, t, rtol, atol).ys
        return ys
    options: dict[str, Any] = {}
    if solver.fixed:
        if step_size is not None:
            options["step_size"] = step_size
    else:
        options["norm"] = _trajectory_rms_norm
    g = field

    def func(_t: Tensor, x: Tensor) -> Tensor:
        return g(x)

    if adjoint:
        params = tuple(p for p in params if p.requires_grad)
        out: Tensor = odeint_adjoint(
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
        return out
    out = odeint(func, x0, t, rtol=rtol, atol=atol, method=method, options=options)
    return out


def integrate(
    field: Field,
    x0: Tensor,
    t: Tensor,
    method: str = DEFAULT_METHOD,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    step_size: float | None = None,
    adjoint: bool = False,
    params: Iterable[Tensor] = (),
    max_evals: int | None = DEFAULT_MAX_EVALS,
) -> Tensor:
    """Integrate the autonomous ODE ``dx/dt = field(x)`` from ``x0`` (B, d) over the times ``t`` (T,).

    Adaptive methods hold ``rtol``/``atol`` per trajectory (``"dopri5-batched"`` by its own step size
    per trajectory, torchdiffeq's by a per-trajectory error norm with a shared step); fixed-grid
    methods use ``step_size`` (``None``: the grid ``t`` itself). ``adjoint`` backpropagates by the
    adjoint ODE with respect to ``params`` (O(1) memory in time; torchdiffeq methods only; the backward
    solve's evaluations count against the same budget). More than ``max_evals`` evaluations of
    ``field`` (``None``: no limit) raise :class:`~hopfield.HopfieldBudgetError`. Returns ``(T, B, d)``.
    """

    def what() -> str:
        return f"integrating from t = {float(t[0]):g} to {float(t[-1]):g} with method {method!r}"

    budget = None if max_evals is None else EvalBudget(max_evals, what)
    return _solve(field, x0, t, method, rtol, atol, step_size, adjoint, params, budget)


def _window_size(rnd: int, done: int, n_total: int, window: int) -> int:
    """Checks in solve ``rnd``: ``window``, doubling each round up to 16 times it, up to ``n_total``."""
    return min(window << min(rnd, 4), n_total - done)


def _window_count(n_total: int, window: int) -> int:
    """The number of solves that :func:`_window_size` needs to cover ``n_total`` checks."""
    done = rnd = 0
    while done < n_total and rnd < 5:
        done += _window_size(rnd, done, n_total, window)
        rnd += 1
    return rnd + -(-(n_total - done) // (window << 4))


@torch.no_grad()
def relax(
    field: Field,
    x0: Tensor,
    tol: float,
    t_max: float,
    dt: float,
    *,
    max_steps: int | None = None,
    max_evals: int | None = DEFAULT_MAX_EVALS,
    window: int = 16,
    method: str = DEFAULT_METHOD,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    step_size: float | None = None,
) -> RawRetrieval:
    """Integrate until ``max_alpha |dx/dt| < tol`` per trajectory, or ``t = t_max``, or ``max_steps``
    speed checks.

    The speed is checked on the grid ``0, dt, 2 dt, ...`` (at most ``max_steps`` checks, default
    ``ceil(t_max / dt)``). Each step of :func:`hopfield._iterate.run_until_fixed` integrates the active
    trajectories over ``window`` grid intervals (doubling every round, up to 16 times the first) and
    stops those whose speed fell below ``tol`` at one of them (the stop rule), at the first such grid
    time. More than ``max_evals`` evaluations of ``field`` per trajectory over the whole relaxation
    raise :class:`~hopfield.HopfieldBudgetError`.

    Returns a :class:`~hopfield._iterate.RawRetrieval`: ``state`` (B, d), ``steps`` (B,) speed checks
    passed, ``converged`` (B,), ``cycle`` (all False) and ``extras["time"]`` (B,), the grid time at
    which the speed was first below ``tol`` (or the time reached).
    """
    x = x0.detach()
    b, d = x.shape
    dev = x.device
    checks = torch.zeros(b, dtype=torch.long, device=dev)
    time = torch.zeros(b, dtype=x.dtype, device=dev)
    at_rest = field(x).abs().amax(dim=-1) < tol
    rows = torch.nonzero(~at_rest).flatten()  # batch indices of the active rows, pruned by `keep`
    n_total = max(1, math.ceil(t_max / dt - 1e-9))
    n_total = n_total if max_steps is None else min(n_total, max_steps)
    budget = (
        None
        if max_evals is None
        else EvalBudget(max_evals, lambda: f"relaxing to t_max = {t_max:g} with method {method!r}")
    )
    done, rnd = 0, 0
    hit = torch.zeros(0, dtype=torch.bool, device=dev)

    def step(cur: Tensor) -> Tensor:
        nonlocal done, rnd, hit
        n = _window_size(rnd, done, n_total, window)
        rnd += 1
        k = torch.arange(done, done + n + 1, dtype=x.dtype, device=dev)
        grid = torch.clamp(k * dt, max=t_max)
        traj = _solve(field, cur, grid, method, rtol, atol, step_size, False, (), budget)[1:]  # (n, A, d)
        speed = field(traj.reshape(-1, d)).abs().amax(dim=-1).reshape(n, -1)
        below = speed < tol
        hit = below.any(dim=0)
        first = torch.where(hit, below.int().argmax(dim=0), n - 1)
        checks[rows] = done + first + 1
        time[rows] = grid[first + 1]
        done += n
        return traj[first, torch.arange(cur.shape[0], device=dev)]

    def keep(live: Tensor) -> None:
        nonlocal rows
        rows = rows[live]

    moving = rows
    raw = run_until_fixed(
        step, x[moving], _window_count(n_total, window), stop=lambda old, new: hit, keep=keep
    )
    state = x.clone()
    state[moving] = raw.state
    converged = at_rest.clone()
    converged[moving] = raw.converged
    cycle = torch.zeros(b, dtype=torch.bool, device=dev)
    return RawRetrieval(state, checks, converged, cycle, extras={"time": time})
