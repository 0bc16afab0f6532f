"""Batched Dormand-Prince 5(4) with per-trajectory step control (``hopfield.functional.batched_rk``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.integrate import RK45, solve_ivp

from helpers import assert_close
from hopfield import ContinuousTimeHopfield
from hopfield.functional import batched_rk as R
from hopfield.functional import batched_rk_output as O
from hopfield.functional import continuous as C

F64 = torch.float64


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def hopfield_problem(b: int, d: int, seed: int, dtype=F64):
    """A random symmetric tanh network (gain 2, zero diagonal) and starts in [-1, 1]^d."""
    a = torch.randn(d, d, generator=_gen(seed), dtype=F64)
    w = C.project(2.0 * (a + a.T) / math.sqrt(2 * d))
    bias = 0.3 * torch.randn(d, generator=_gen(seed + 1), dtype=F64)
    x0 = torch.rand(b, d, generator=_gen(seed + 2), dtype=F64) * 2 - 1
    return w.to(dtype), bias.to(dtype), x0.to(dtype)


# Damped rotations with a rate of their own per row: y' = lam_b (-a I + J) y, J = [[0, 1], [-1, 0]].
DAMPING = 0.1


def rotation_rhs(lam: torch.Tensor):
    def f(t, y, rows):
        la = lam[rows].to(y.dtype)[:, None]
        return la * torch.stack([-DAMPING * y[:, 0] + y[:, 1], -y[:, 0] - DAMPING * y[:, 1]], dim=1)

    return f


def rotation_exact(lam: torch.Tensor, y0: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """exp(-a lam t) [[cos, sin], [-sin, cos]](lam t) y0: (T, B, 2)."""
    th = t[:, None] * lam[None, :]
    c, s, decay = torch.cos(th), torch.sin(th), torch.exp(-DAMPING * th)
    y1 = decay * (c * y0[:, 0] + s * y0[:, 1])
    y2 = decay * (-s * y0[:, 0] + c * y0[:, 1])
    return torch.stack([y1, y2], dim=-1)


# ------------------------------------------------------------------ the method
def test_tableau_is_dormand_prince_as_scipy_rk45():
    """Coefficients equal scipy's RK45 (Dormand & Prince 1980; dense output of HNW §II.6), and the
    order conditions hold: b is 5th order on the quadrature conditions sum b c^k = 1/(k+1)."""
    tab = R.DOPRI5
    a = np.zeros((6, 6))
    for i, row in enumerate(tab.a):
        a[i, : len(row)] = row
    np.testing.assert_allclose(a[:, :5], RK45.A, rtol=0, atol=1e-16)
    np.testing.assert_allclose(tab.b, RK45.B, rtol=0, atol=1e-16)
    np.testing.assert_allclose(tab.c, RK45.C, rtol=0, atol=1e-16)
    np.testing.assert_allclose(tab.e, RK45.E, rtol=0, atol=1e-16)
    np.testing.assert_allclose(np.array(tab.p), RK45.P, rtol=1e-15, atol=1e-16)
    c = np.array(tab.c)
    np.testing.assert_allclose(a.sum(axis=1), c, atol=1e-15)  # c_i = sum_j a_ij
    for k in range(5):
        assert float(np.dot(tab.b, c**k)) == pytest.approx(1 / (k + 1), abs=1e-14)
    assert float(np.sum(tab.e)) == pytest.approx(0.0, abs=1e-15)  # both formulas are consistent


def test_steps_match_scipy_rk45_row_by_row():
    """Each row takes the steps a solo ``solve_ivp(method="RK45")`` call takes (same controller and
    initial step): the same evaluation counts and the same final state, on a Hopfield network."""
    w, bias, x0 = hopfield_problem(12, 16, 0)
    sol = R.dopri5(lambda t, y: torch.tanh(y @ w.T + bias) - y, x0, torch.tensor([0.0, 6.0], dtype=F64))
    wn, bn = w.numpy(), bias.numpy()
    nfev, finals = [], []
    for i in range(12):
        s = solve_ivp(lambda _t, y: np.tanh(wn @ y + bn) - y, (0.0, 6.0), x0[i].numpy(), rtol=1e-7, atol=1e-9)
        nfev.append(s.nfev)
        finals.append(s.y[:, -1])
    ours = sol.stats.n_fev.numpy()
    assert np.abs(ours - np.array(nfev)).max() <= 6  # a rounding-level accept/reject flip at most
    assert np.mean(ours == np.array(nfev)) >= 0.9
    np.testing.assert_allclose(sol.ys[-1].numpy(), np.stack(finals), atol=1e-11)


def test_initial_step_is_hairer_norsett_wanner_as_scipy():
    """HNW §II.4's starting step, per row, equals scipy's ``select_initial_step`` row by row."""
    from scipy.integrate._ivp.common import select_initial_step

    w, _, x0 = hopfield_problem(4, 6, 8)
    x0 = torch.cat([x0, torch.zeros(1, 6, dtype=F64)])  # and a row at rest (the 1e-6 branch)

    def rhs(t, y, rows):
        return torch.tanh(y @ w.T) - y

    f0 = rhs(None, x0, None)
    t0 = torch.zeros(5, dtype=F64)
    ours = R._initial_step(rhs, t0, x0, f0, torch.arange(5), 10.0, 1e-7, 1e-9, 4)
    wn = w.numpy()
    for i in range(5):
        ref = select_initial_step(
            lambda _t, y: np.tanh(wn @ y) - y,
            0.0,
            x0[i].numpy(),
            10.0,
            np.inf,
            f0[i].numpy(),
            1,
            4,
            1e-7,
            1e-9,
        )
        assert float(ours[i]) == pytest.approx(ref, rel=1e-12)


# ------------------------------------------------------------------ accuracy, per row
def test_each_row_meets_its_own_tolerance_with_its_own_steps():
    """Rates from 0.05 to 50 (a 1000x spread of timescales) in one batch: every row's error against
    the exact solution is at its tolerance's level, and equals that of solving the row alone; slow rows
    take far fewer steps than fast ones."""
    lam = torch.logspace(math.log10(0.05), math.log10(50.0), 7, dtype=F64)
    y0 = torch.randn(7, 2, generator=_gen(1), dtype=F64)
    t = torch.linspace(0.0, 3.0, 7, dtype=F64)
    exact = rotation_exact(lam, y0, t)
    for rtol, atol in ((1e-6, 1e-9), (1e-9, 1e-12)):
        sol = R.dopri5(rotation_rhs(lam), y0, t, rtol, atol, row_index=True)
        err = (sol.ys - exact).abs().amax(dim=(0, 2))
        scale = rtol * exact.abs().amax(dim=(0, 2)) + atol
        assert float((err / scale).max()) < 3.0, (err / scale).tolist()
        for i in (0, 3, 6):  # the row alone: the very same steps and values
            alone = R.dopri5(rotation_rhs(lam[i : i + 1]), y0[i : i + 1], t, rtol, atol, row_index=True)
            assert_close(sol.ys[:, i], alone.ys[:, 0], scale=1e-2)
            assert int(alone.stats.n_fev[0]) == int(sol.stats.n_fev[i])
        fev = sol.stats.n_fev
        assert bool((fev[1:] >= fev[:-1]).all())  # faster rotation, more work
        assert int(fev[-1]) > 20 * int(fev[0])
    # scipy's RK45 on the fastest row, for an independent error level at the same tolerances
    ref = solve_ivp(
        lambda _t, y: float(lam[-1]) * np.array([-DAMPING * y[0] + y[1], -y[0] - DAMPING * y[1]]),
        (0.0, 3.0),
        y0[-1].numpy(),
        rtol=1e-9,
        atol=1e-12,
        t_eval=t.numpy(),
    )
    assert float(np.abs(ref.y.T - exact[:, -1].numpy()).max()) == pytest.approx(float(err[-1]), rel=0.5)


def test_agrees_with_fine_fixed_step_reference_and_dop853():
    w, bias, x0 = hopfield_problem(5, 8, 3)
    net = ContinuousTimeHopfield(w, bias, tau=0.7)
    t = torch.linspace(0.0, 4.0, 9, dtype=F64)
    ref = net.simulate(x0, t, method="rk4", step_size=1e-3)
    sol = R.dopri5(lambda _t, y: net.velocity(y), x0, t, rtol=1e-10, atol=1e-12)
    assert float((sol.ys - ref).abs().max()) < 1e-8
    dop = solve_ivp(
        lambda _t, y: net.velocity(y),
        (0.0, 4.0),
        x0[2].numpy(),
        method="DOP853",
        rtol=1e-12,
        atol=1e-13,
        t_eval=t.numpy(),
    )
    np.testing.assert_allclose(sol.ys[:, 2].numpy(), dop.y.T, atol=1e-8)


def test_output_exactly_at_the_requested_times():
    """ys[0] is y0; irregular times (some closer than a step, some far apart) are hit by the dense
    output at the method's accuracy, and the step sequence does not depend on them: the final state and
    the work equal those of a solve that asks only for the end point."""
    lam = torch.tensor([0.3, 2.0, 9.0], dtype=F64)
    y0 = torch.randn(3, 2, generator=_gen(2), dtype=F64)
    t = torch.tensor([0.0, 1e-4, 0.013, 0.5, 0.5001, 2.0, 2.7, 4.3], dtype=F64)
    sol = R.dopri5(rotation_rhs(lam), y0, t, 1e-9, 1e-11, row_index=True)
    assert sol.ys.shape == (8, 3, 2)
    assert torch.equal(sol.ys[0], y0)
    assert float((sol.ys - rotation_exact(lam, y0, t)).abs().max()) < 1e-8
    ends = R.dopri5(rotation_rhs(lam), y0, t[[0, -1]], 1e-9, 1e-11, row_index=True)
    assert torch.equal(sol.ys[-1], ends.ys[-1])
    assert torch.equal(sol.stats.n_fev, ends.stats.n_fev)
    # negative and shifted times, and a time axis given in float32
    shifted = R.dopri5(rotation_rhs(lam), y0, t - 5.0, 1e-9, 1e-11, row_index=True)
    assert float((shifted.ys - sol.ys).abs().max()) < 1e-9
    f32 = R.dopri5(rotation_rhs(lam), y0, t.float(), 1e-9, 1e-11, row_index=True)
    assert float((f32.ys - rotation_exact(lam, y0, t.float().double())).abs().max()) < 1e-8


@pytest.mark.parametrize("small", [0, 1 << 16])
@pytest.mark.parametrize("count", [[2, 2, 0, 2], [1, 1, 0, 1, 9]])
def test_dense_output_against_an_explicit_loop(count, small, monkeypatch):
    """The per-step interpolation (HNW I §II.6) against explicit loops over rows, times, stages and
    powers; small problems take the elementwise path, larger ones (``SMALL`` = 0 here) the padded
    ``bmm`` path for similar counts and the gather path for one long row; a time equal to the end of
    the step returns y_new itself (here deliberately not the interpolant's value)."""
    monkeypatch.setattr(O, "SMALL", small)
    g = _gen(11)
    a, m = len(count), 3
    ks = [torch.randn(a, m, generator=g, dtype=F64) for _ in range(7)]
    y_old, y_new = torch.randn(a, m, generator=g, dtype=F64), torch.randn(a, m, generator=g, dtype=F64)
    t_old = torch.rand(a, generator=g, dtype=F64)
    hs = 0.5 + torch.rand(a, generator=g, dtype=F64)
    t_new = t_old + hs
    cnt = torch.tensor(count)
    # output times: for each row, count[r] sorted times in (t_old, t_new], the last row's ending at t_new
    times, nxt = [0.0], []
    for r in range(a):
        nxt.append(len(times))
        inside = sorted((t_old[r] + hs[r] * torch.rand(count[r], generator=g, dtype=F64)).tolist())
        if r == a - 1:
            inside[-1] = float(t_new[r])
        times += inside
    order = torch.tensor(times, dtype=F64)  # not sorted overall: the helper only indexes it
    nz = [0, 2, 3, 4, 5, 6]
    p = torch.tensor([R.DOPRI5.p[j] for j in nz], dtype=F64)
    (k, r), value = O.dense_output(ks, cnt, torch.tensor(nxt), order, t_old, t_new, hs, y_old, y_new, p, nz)
    assert k.numel() == sum(count)
    for kk, rr, v in zip(k.tolist(), r.tolist(), value, strict=True):
        if times[kk] == float(t_new[rr]):
            assert torch.equal(v, y_new[rr])
            continue
        theta = (times[kk] - float(t_old[rr])) / float(hs[rr])
        ref = y_old[rr].clone()
        for j in range(7):
            ref += float(hs[rr]) * ks[j][rr] * sum(R.DOPRI5.p[j][q] * theta ** (q + 1) for q in range(4))
        assert_close(v, ref)


def test_finished_rows_drop_out_and_stats_add_up():
    """The right-hand side sees fewer rows once slow rows have finished; counts are consistent."""
    lam = torch.tensor([0.1, 0.1, 30.0], dtype=F64)
    sizes = []

    def f(t, y, rows):
        sizes.append(y.shape[0])
        assert t.shape == (y.shape[0],) and rows.shape == (y.shape[0],)
        return rotation_rhs(lam)(t, y, rows)

    y0 = torch.ones(3, 2, dtype=F64)
    sol = R.dopri5(f, y0, torch.tensor([0.0, 2.0], dtype=F64), 1e-8, 1e-10, row_index=True)
    st = sol.stats
    assert sizes[0] == 3 and sizes[-1] == 1 and sorted(sizes, reverse=True) == sizes
    assert st.n_calls == len(sizes)
    assert sum(sizes) == int(st.n_fev.sum())  # every row's evaluations, no more
    assert torch.equal(st.n_fev, 2 + 6 * (st.n_accepted + st.n_rejected))
    assert st.n_iterations == int((st.n_accepted + st.n_rejected).max())
    assert int(st.n_fev[2]) > 5 * int(st.n_fev[0])


def test_rejected_steps_are_retried_smaller():
    """A fixed first step far too large is rejected and shrunk until accepted; the result is right."""
    lam = torch.tensor([5.0], dtype=F64)
    y0 = torch.tensor([[1.0, 0.0]], dtype=F64)
    t = torch.tensor([0.0, 1.0], dtype=F64)
    sol = R.dopri5(rotation_rhs(lam), y0, t, 1e-8, 1e-10, first_step=1.0, row_index=True)
    assert int(sol.stats.n_rejected[0]) >= 2
    assert torch.equal(sol.stats.n_fev, 1 + 6 * (sol.stats.n_accepted + sol.stats.n_rejected))
    assert float((sol.ys - rotation_exact(lam, y0, t)).abs().max()) < 1e-7
    # scipy's RK45 from the same first step: the same attempts (the controller does not grow the step
    # right after a rejection)
    ref = solve_ivp(
        lambda _t, y: 5.0 * np.array([-DAMPING * y[0] + y[1], -y[0] - DAMPING * y[1]]),
        (0.0, 1.0),
        y0[0].numpy(),
        rtol=1e-8,
        atol=1e-10,
        first_step=1.0,
    )
    assert int(sol.stats.n_fev[0]) == ref.nfev


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dtypes_and_state_shapes(dtype):
    """float32 and float64 keep their dtype; a state of any shape (B, ...) works; float32 at its own
    tolerances agrees with float64."""
    w, bias, x0 = hopfield_problem(6, 10, 4)
    t = torch.linspace(0, 3, 5, dtype=F64)
    ref = R.dopri5(lambda _t, y: torch.tanh(y @ w.T + bias) - y, x0, t, 1e-10, 1e-12).ys
    wd, bd = w.to(dtype), bias.to(dtype)
    rtol, atol = (1e-5, 1e-7) if dtype == torch.float32 else (1e-8, 1e-10)
    got = R.dopri5(lambda _t, y: torch.tanh(y @ wd.T + bd) - y, x0.to(dtype), t.to(dtype), rtol, atol).ys
    assert got.dtype == dtype and got.shape == (5, 6, 10)
    assert float((got.double() - ref).abs().max()) < (2e-4 if dtype == torch.float32 else 1e-6)

    def f3(_t, y):  # the same system with states shaped (B, 2, 5)
        return (torch.tanh(y.reshape(-1, 10) @ wd.T + bd) - y.reshape(-1, 10)).reshape(y.shape)

    shaped = R.dopri5(f3, x0.to(dtype).reshape(6, 2, 5), t.to(dtype), rtol, atol).ys
    assert shaped.shape == (5, 6, 2, 5)
    assert_close(shaped.reshape(5, 6, 10), got, dtype=dtype)
    assert R.dopri5(f3, x0.to(dtype)[:0].reshape(0, 2, 5), t.to(dtype)).ys.shape == (5, 0, 2, 5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_agrees_with_cpu():
    w, bias, x0 = hopfield_problem(64, 32, 5)
    t = torch.linspace(0, 5, 6, dtype=F64)
    cpu = R.dopri5(lambda _t, y: torch.tanh(y @ w.T + bias) - y, x0, t)
    wc, bc = w.cuda(), bias.cuda()
    gpu = R.dopri5(lambda _t, y: torch.tanh(y @ wc.T + bc) - y, x0.cuda(), t.cuda())
    assert gpu.ys.device.type == "cuda"
    assert float((gpu.ys.cpu() - cpu.ys).abs().max()) < 1e-9


# ------------------------------------------------------------------ gradients
def test_gradcheck_through_the_solve():
    """Backprop through the steps (float64): gradients in y0, W and b against finite differences."""
    w, bias, x0 = hopfield_problem(2, 3, 6)
    t = torch.tensor([0.0, 0.4, 1.0], dtype=F64)

    def solve(y0, ww, bb):
        return R.dopri5(lambda _t, y: torch.tanh(y @ ww.T + bb) - y, y0, t, 1e-11, 1e-13).ys[1:]

    args = tuple(a.clone().requires_grad_(True) for a in (x0, w, bias))
    assert torch.autograd.gradcheck(solve, args, atol=1e-6)


def test_backprop_gradient_equals_torchdiffeq_adjoint():
    """An independent check of the backprop gradient: torchdiffeq's adjoint method on the same loss."""
    w, bias, x0 = hopfield_problem(3, 4, 7)
    grads = []
    for method, adjoint in (("dopri5-batched", False), ("dopri5", True)):
        ww = w.clone().requires_grad_(True)
        net = ContinuousTimeHopfield(ww, bias)
        out = net.simulate(x0, [0.0, 2.0], method=method, rtol=1e-10, atol=1e-12, adjoint=adjoint)
        out[-1].pow(2).sum().backward()
        grads.append(ww.grad)
    assert_close(grads[0], grads[1], scale=1e3)


# ------------------------------------------------------------------ Theorem 9 of 001 along its trajectories
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("zero_diagonal", [True, False])
def test_hopfield_energy_never_increases_along_batched_trajectories(seed, zero_diagonal):
    """Lemma 7 / Theorem 9: E(f(W x + b)) is non-increasing on every trajectory; the default
    tolerances suffice (the largest rise between output times is rounding-sized)."""
    d = 12
    a = torch.randn(d, d, generator=_gen(seed), dtype=F64)
    w = 2.0 * (a + a.T) / math.sqrt(2 * d)
    w = C.project(w) if zero_diagonal else w
    net = ContinuousTimeHopfield(w, 0.2 * torch.randn(d, generator=_gen(seed + 9), dtype=F64), tau=0.8)
    x0 = torch.rand(16, d, generator=_gen(seed + 3), dtype=F64) * 2 - 1
    t = torch.linspace(0, 12, 241, dtype=F64)
    traj = net.simulate(x0, t, method="dopri5-batched")
    e = net.lyapunov(traj.reshape(-1, d)).reshape(len(t), -1)
    rise = (e[1:] - e[:-1]) / e.abs().amax().clamp(min=1.0)
    assert float(rise.max()) <= 1e-12
    assert float((e[0] - e[-1]).min()) > 0  # and every trajectory did descend


# ------------------------------------------------------------------ bad input
def test_bad_inputs_raise_named_errors():
    def f(t, y):
        return -y

    y0 = torch.ones(2, 3, dtype=F64)
    t = torch.tensor([0.0, 1.0], dtype=F64)
    for bad_t in ([0.0, 1.0, 0.5], [0.0, 0.0], [1.0, 0.0]):
        with pytest.raises(ValueError, match="t must be strictly increasing"):
            R.dopri5(f, y0, torch.tensor(bad_t, dtype=F64))
    with pytest.raises(ValueError, match="t must hold at least 2 values"):
        R.dopri5(f, y0, torch.tensor([0.0], dtype=F64))
    with pytest.raises(ValueError, match="t must contain only finite"):
        R.dopri5(f, y0, torch.tensor([0.0, math.inf], dtype=F64))
    for value in (math.nan, math.inf):
        bad = y0.clone()
        bad[1, 2] = value
        with pytest.raises(ValueError, match="y0 must contain only finite"):
            R.dopri5(f, bad, t)
    with pytest.raises(ValueError, match=r"y0 must have shape \(batch, ...\)"):
        R.dopri5(f, torch.ones(3, dtype=F64), t)
    with pytest.raises(TypeError, match="y0 must have a floating dtype"):
        R.dopri5(f, torch.ones(2, 3, dtype=torch.long), t)
    for name in ("rtol", "atol"):
        for value in (0.0, -1e-6, math.nan):
            with pytest.raises(ValueError, match=name):
                R.dopri5(f, y0, t, **{name: value})
    with pytest.raises(ValueError, match="max_steps"):
        R.dopri5(f, y0, t, max_steps=0)
    with pytest.raises(ValueError, match="first_step"):
        R.dopri5(f, y0, t, first_step=-0.1)
