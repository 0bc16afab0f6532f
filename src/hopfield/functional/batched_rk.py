"""Batched Dormand-Prince 5(4) with an independent step size for every trajectory (pure torch).

A batched ODE solve with one shared step size (torchdiffeq's ``dopri5`` on a ``(B, d)`` state) makes every
trajectory take the steps of the hardest one. Here each row ``b`` of the batch carries its own time
``t_b``, step ``h_b``, accept/reject decision and error norm, as if it were solved alone, while all rows
still advance together: each Runge-Kutta stage is one call of the right-hand side on the ``(A, ...)``
rows still active (rows that reached the final time drop out), so the work is a matrix product per stage,
not a loop over rows.

The method (Dormand & Prince 1980, "A family of embedded Runge-Kutta formulae", J. Comput. Appl. Math.
6(1), 19-26; Hairer, Norsett & Wanner, *Solving Ordinary Differential Equations I*, 2nd ed., 1993,
§II.4 and §II.6) is the one of ``scipy.integrate.solve_ivp(method="RK45")`` and torchdiffeq's
``dopri5``, with scipy's conventions, so a row takes the same steps as a solo ``solve_ivp`` call:

- tableau ``A, B, C`` and error weights ``E = b - b_hat`` (7 stages, first-same-as-last: the last stage
  ``f(t + h, y_new)`` is the next step's first), error ``err = h sum_j E_j k_j``;
- error norm per row: ``RMS_i(err_i / (atol + rtol max(|y_i|, |y_new_i|)))`` over the row's entries,
  accept when ``< 1``;
- step-size controller (HNW §II.4, eq. (4.13)): ``h <- h min(10, 0.9 err^(-1/5))`` after an accepted step
  (no increase right after a rejection), ``h <- h max(0.2, 0.9 err^(-1/5))`` after a rejected one;
- initial step: HNW §II.4 "Starting step size" (two evaluations), as scipy's ``select_initial_step``;
- output at the requested times ``t_k``: by the 4th-order continuous extension of HNW §II.6 (scipy's
  ``RK45.P``, Shampine's coefficients) inside a step, and exactly ``y_new`` when a step ends at ``t_k``;
  every row's last step is clipped to end exactly at ``t[-1]``.

Step-size decisions are taken without gradient; the states, stages and interpolants are ordinary torch
operations, so autograd backpropagates through the solve (discretize-then-differentiate). Device and
dtype follow ``y0`` (float16/bfloat16 are solved in float32 and cast back); times are kept in float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from hopfield._errors import HopfieldBudgetError, input_error
from hopfield._tolerances import compute_dtype
from hopfield._validate import as_input, check_increasing, check_int, check_positive
from hopfield.functional.batched_rk_output import Outputs, dense_output

__all__ = ["DOPRI5", "RKSolution", "RKStats", "Tableau", "dopri5", "solve"]


@dataclass(frozen=True)
class Tableau:
    """An explicit embedded Runge-Kutta pair with dense output (the notation of HNW I §II.1, §II.6).

    ``c`` (s,) nodes, ``a`` the lower triangle (row ``i`` has ``i`` entries), ``b`` (s,) weights of the
    propagated solution, ``e`` (s + 1,) ``b - b_hat`` including the FSAL stage, ``p`` (s + 1, q) dense
    output: ``y(t + theta h) = y + h sum_j k_j sum_m p[j][m] theta^(m+1)``, ``error_order`` the order of
    the embedded (lower-order) formula.
    """

    c: tuple[float, ...]
    a: tuple[tuple[float, ...], ...]
    b: tuple[float, ...]
    e: tuple[float, ...]
    p: tuple[tuple[float, ...], ...]
    error_order: int


#: Dormand & Prince (1980), Table 2 (HNW I Table II.5.2); dense output of HNW I §II.6 as in scipy's RK45.
DOPRI5 = Tableau(
    c=(0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0),
    a=(
        (),
        (1 / 5,),
        (3 / 40, 9 / 40),
        (44 / 45, -56 / 15, 32 / 9),
        (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
        (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    ),
    b=(35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
    e=(-71 / 57600, 0.0, 71 / 16695, -71 / 1920, 17253 / 339200, -22 / 525, 1 / 40),
    p=(
        (1.0, -8048581381 / 2820520608, 8663915743 / 2820520608, -12715105075 / 11282082432),
        (0.0, 0.0, 0.0, 0.0),
        (0.0, 131558114200 / 32700410799, -68118460800 / 10900136933, 87487479700 / 32700410799),
        (0.0, -1754552775 / 470086768, 14199869525 / 1410260304, -10690763975 / 1880347072),
        (0.0, 127303824393 / 49829197408, -318862633887 / 49829197408, 701980252875 / 199316789632),
        (0.0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844),
        (0.0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423),
    ),
    error_order=4,
)

#: The step-size controller's constants (scipy's RK45 and torchdiffeq's dopri5 use the same).
SAFETY, MIN_FACTOR, MAX_FACTOR = 0.9, 0.2, 10.0


@dataclass(frozen=True)
class RKStats:
    """Work done per row of the batch, all ``(B,)`` int64 tensors, plus totals.

    Attributes
    ----------
    n_accepted, n_rejected:
        Accepted and rejected steps of each row.
    n_fev:
        Right-hand side evaluations spent on each row: 2 to start (``f(t0, y0)`` and the initial-step
        probe) plus ``s - 1 = 6`` per attempted step (FSAL), the count ``solve_ivp`` reports as ``nfev``.
    n_calls, n_iterations:
        Calls of ``f`` (each on the rows still active); rounds of the batch loop (most attempts of a row).
    """

    n_accepted: Tensor
    n_rejected: Tensor
    n_fev: Tensor
    n_calls: int
    n_iterations: int


@dataclass(frozen=True)
class RKSolution:
    """``ys`` ``(T, B, ...)``: every row's state at every requested time (NumPy for NumPy ``y0``);
    ``stats``: :class:`RKStats`."""

    ys: Any
    stats: RKStats


def _combine(ks: Sequence[Tensor], coeffs: Sequence[float]) -> Tensor:
    """``sum_j coeffs[j] ks[j]`` over the nonzero coefficients (accumulates into a fresh tensor)."""
    acc: Tensor | None = None
    for k, c in zip(ks, coeffs, strict=True):
        if c == 0.0:
            continue
        acc = k * c if acc is None else acc.add_(k, alpha=c)
    assert acc is not None
    return acc


def _rms(x: Tensor) -> Tensor:
    """Root mean square over each row: ``(A, n) -> (A,)`` float64."""
    return x.pow(2).mean(dim=-1).sqrt().to(torch.float64)


def _initial_step(
    rhs: Callable[[Tensor, Tensor, Tensor], Tensor],
    t0: Tensor,
    y: Tensor,
    f0: Tensor,
    rows: Tensor,
    span: float,
    rtol: float,
    atol: float,
    order: int,
) -> Tensor:
    """HNW I §II.4 starting step size, per row (scipy's ``select_initial_step``); one extra evaluation."""
    scale = atol + y.abs() * rtol
    d0, d1 = _rms(y / scale), _rms(f0 / scale)
    h0 = torch.where((d0 < 1e-5) | (d1 < 1e-5), torch.full_like(d0, 1e-6), 0.01 * d0 / d1).clamp(max=span)
    f1 = rhs(t0 + h0, y + h0.to(y.dtype)[:, None] * f0, rows)
    d2 = _rms((f1 - f0) / scale) / h0
    tiny = (d1 <= 1e-15) & (d2 <= 1e-15)
    h1 = torch.where(tiny, (h0 * 1e-3).clamp(min=1e-6), (0.01 / torch.maximum(d1, d2)) ** (1.0 / (order + 1)))
    return torch.minimum(torch.minimum(100 * h0, h1), torch.full_like(h0, span))


def dopri5(
    f: Callable[..., Tensor],
    y0: Any,
    t: Any,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    *,
    first_step: float | None = None,
    max_steps: int = 100_000,
    row_index: bool = False,
    tableau: Tableau = DOPRI5,
) -> RKSolution:
    """Solve ``dy/dt = f(t, y)`` for a batch of initial states, each row with its own adaptive steps.

    Parameters
    ----------
    f:
        Right-hand side ``f(t, y)``: ``t`` a ``(A,)`` tensor (each row's time, dtype of ``y0``), ``y`` an
        ``(A, ...)`` tensor of the rows still active; returns ``(A, ...)``. Rows must be independent
        (row ``i`` of the output depends on row ``i`` of the input only). With ``row_index``, called
        as ``f(t, y, rows)``, ``rows`` the ``(A,)`` indices of those rows in the batch (for per-row
        parameters).
    y0:
        ``(B, ...)`` initial states at ``t[0]``, finite, a floating tensor or NumPy array (float16 and
        bfloat16 are solved in float32: ``f`` then sees float32 states; ``ys`` comes back in ``y0``'s
        dtype, as NumPy for NumPy input).
    t:
        ``(T,)`` strictly increasing output times, ``T >= 2`` (any real dtype; kept in float64).
    rtol, atol:
        Tolerances (> 0), held per row by the RMS norm of the module docstring.
    first_step:
        Initial step for every row (default: HNW's starting-step heuristic, per row).
    max_steps:
        Most attempted steps of a row; more raise :class:`~hopfield.HopfieldBudgetError`.
    row_index:
        Pass the active rows' batch indices to ``f`` as a third argument.
    tableau:
        The pair to use (default :data:`DOPRI5`).

    Returns
    -------
    :class:`RKSolution` with ``ys`` ``(T, B, ...)`` (``ys[0]`` is ``y0``) and per-row :class:`RKStats`.

    Raises
    ------
    HopfieldInputError
        Bad ``y0``, ``t``, ``rtol``, ``atol``, ``max_steps``, ``first_step`` (named in the message), or
        ``f`` not finite at ``y0``.
    HopfieldBudgetError
        A row needed more than ``max_steps`` steps.
    RuntimeError
        A row's step fell below 10 ulp of its time (the solution blows up, or ``f`` stopped being finite).
    """
    y0t, out = as_input(y0, "y0", ranks=range(2, 33), shape="(batch, ...)", nonempty=False, batch=False)
    if y0t.shape[1:].numel() == 0:
        raise input_error("y0", "a non-empty state, (batch, ...)", f"shape {tuple(y0t.shape)}", verb="have")
    ts, _ = as_input(t, "t", kind="any", ranks=(1,), shape="(T,)", batch=False, dtype=torch.float64)
    check_increasing(ts, "t")
    rtol, atol = check_positive(rtol, "rtol"), check_positive(atol, "atol")
    max_steps = check_int(max_steps, "max_steps")
    first_step = None if first_step is None else check_positive(first_step, "first_step")
    y0t = y0t.to(compute_dtype(y0t.dtype))
    sol = solve(
        f,
        y0t,
        ts,
        rtol,
        atol,
        first_step=first_step,
        max_steps=max_steps,
        row_index=row_index,
        tableau=tableau,
    )
    return RKSolution(out(sol.ys, batch_axis=False), sol.stats)


def solve(
    f: Callable[..., Tensor],
    y0: Tensor,
    t: Tensor,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    *,
    first_step: float | None = None,
    max_steps: int = 100_000,
    row_index: bool = False,
    tableau: Tableau = DOPRI5,
) -> RKSolution:
    """:func:`dopri5` without its argument checks, for callers that made them: ``y0`` a finite
    ``(B, ...)`` float32 or float64 tensor, ``t`` a strictly increasing 1-d tensor, positive tolerances.
    ``ys`` is a tensor of ``y0``'s dtype."""
    tab = tableau
    shape, dtype, device = y0.shape, y0.dtype, y0.device
    b, n_out, width = shape[0], t.numel(), shape[1:].numel()
    tout = t.detach().to(device=device, dtype=torch.float64)
    t0, t_end = float(tout[0]), float(tout[-1])
    span = t_end - t0
    n_calls = 0

    def rhs(tt: Tensor, yy: Tensor, idx: Tensor) -> Tensor:
        nonlocal n_calls
        n_calls += 1
        args = (tt.to(dtype), yy.view(yy.shape[0], *shape[1:])) + ((idx,) if row_index else ())
        return f(*args).reshape(yy.shape[0], width)

    nz = [j for j, row in enumerate(tab.p) if any(row)]  # stages the dense output uses
    p = torch.tensor([tab.p[j] for j in nz], dtype=dtype, device=device)  # (s', q)
    y = y0.reshape(b, width)
    tc = torch.full((b,), t0, dtype=torch.float64, device=device)
    rows = torch.arange(b, device=device)
    k1 = rhs(tc, y, rows)
    if not bool(torch.isfinite(k1).all()):
        raise input_error("f", "a right-hand side that is finite at y0", "NaN or Inf values")
    with torch.no_grad():
        if first_step is None:
            h = _initial_step(rhs, tc, y.detach(), k1.detach(), rows, span, rtol, atol, tab.error_order)
        else:
            h = torch.full_like(tc, min(float(first_step), span))
    nxt = torch.ones(b, dtype=torch.long, device=device)  # index of each row's next output time
    after_reject = torch.zeros(b, dtype=torch.bool, device=device)
    attempts = torch.zeros(b, dtype=torch.long, device=device)
    rejected = torch.zeros(b, dtype=torch.long, device=device)
    # differentiable when y0 or a parameter of f carries gradients (then k1 does)
    outputs = Outputs(n_out * b, y, rows, torch.is_grad_enabled() and (y.requires_grad or k1.requires_grad))
    exponent = -1.0 / (tab.error_order + 1)
    iterations = 0

    while rows.numel() > 0:
        iterations += 1
        if iterations > max_steps:
            raise HopfieldBudgetError(
                f"max_steps = {max_steps} steps were spent before {rows.numel()} trajectories reached the "
                f"end (dopri5-batched; first: row {int(rows[0])} at t = {float(tc[0]):.6g}); is it stiff?",
                argument="max_steps",
                expected=f"at most {max_steps} steps",
                received=f"{rows.numel()} unfinished trajectories",
            )
        with torch.no_grad():
            min_step = 10 * (torch.nextafter(tc, torch.full_like(tc, math.inf)) - tc)
            h = torch.where(after_reject, h, torch.maximum(h, min_step))
            small = ~(h >= min_step)  # NaN too
            if bool(small.any()):
                i = int(small.nonzero()[0])
                raise RuntimeError(
                    f"dopri5-batched: step size fell below 10 ulp at t = {float(tc[i]):.6g} for row "
                    f"{int(rows[i])} ({int(small.sum())} rows): the solution blows up or f is not finite"
                )
            remaining = t_end - tc
            last = h >= remaining
            hs = torch.where(last, remaining, h)
            t_new = torch.where(last, torch.full_like(tc, t_end), tc + hs)
        hy = hs.to(dtype)[:, None]
        ks = [k1]
        for ci, ai in zip(tab.c[1:], tab.a[1:], strict=True):
            ks.append(rhs(tc + ci * hs, torch.addcmul(y, hy, _combine(ks, ai)), rows))
        y_new = torch.addcmul(y, hy, _combine(ks, tab.b))
        ks.append(rhs(t_new, y_new, rows))
        with torch.no_grad():
            scale = torch.maximum(y.abs(), y_new.abs()).mul_(rtol).add_(atol)
            err = _rms(_combine([k.detach() for k in ks], tab.e).mul_(hy).div_(scale))
            accept = err < 1  # NaN rejects
            grow = torch.where(err == 0, MAX_FACTOR, (SAFETY * err.pow(exponent)).clamp(max=MAX_FACTOR))
            grow = torch.where(after_reject, grow.clamp(max=1.0), grow)
            shrink = (SAFETY * err.pow(exponent)).nan_to_num(MIN_FACTOR).clamp(min=MIN_FACTOR)
            h = hs * torch.where(accept, grow, shrink)
            after_reject = ~accept
            attempts[rows] += 1
            rejected[rows] += after_reject.long()
            t_old = tc
            tc = torch.where(accept, t_new, tc)
            # outputs in (t_old, t_new] of the accepted rows: count[i] of them from nxt[i] on
            count = torch.where(accept, torch.searchsorted(tout, t_new, right=True) - nxt, 0)
        y_prev = y
        if bool(accept.all()):
            y, k1 = y_new, ks[-1]
        else:
            y, k1 = torch.where(accept[:, None], y_new, y), torch.where(accept[:, None], ks[-1], k1)
        if bool(count.any()):
            (k, r), value = dense_output(ks, count, nxt, tout, t_old, t_new, hs, y_prev, y_new, p, nz)
            outputs.add(k * b + rows[r], value)
            nxt = nxt + count
        done = nxt >= n_out
        if bool(done.any()):
            keep = torch.nonzero(~done).squeeze(1)
            rows, y, k1, tc, h, nxt, after_reject = (v[keep] for v in (rows, y, k1, tc, h, nxt, after_reject))

    ys = outputs.result().reshape(n_out, *shape)
    stats = RKStats(
        n_accepted=attempts - rejected,
        n_rejected=rejected,
        n_fev=(1 if first_step is not None else 2) + len(tab.c) * attempts,
        n_calls=n_calls,
        n_iterations=iterations,
    )
    return RKSolution(ys, stats)
