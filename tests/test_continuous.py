"""Continuous-time Hopfield network (seed 001 §1.2): dynamics, energy, stability, solvers, arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import quad, solve_ivp

from helpers import assert_close
from hopfield import ContinuousTimeHopfield, Retrieval
from hopfield.functional import continuous as C

F64 = torch.float64


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def random_symmetric(d: int, seed: int, gain: float = 2.0, zero_diagonal: bool = True) -> torch.Tensor:
    a = torch.randn(d, d, generator=_gen(seed), dtype=F64)
    w = gain * (a + a.T) / math.sqrt(2 * d)
    return C.project(w) if zero_diagonal else w


def random_net(d: int, seed: int, *, zero_diagonal: bool = True, activation="tanh", tau: float = 1.0):
    w = random_symmetric(d, seed, zero_diagonal=zero_diagonal)
    b = 0.3 * torch.randn(d, generator=_gen(seed + 1), dtype=F64)
    return ContinuousTimeHopfield(w, b, tau=tau, activation=activation)


def starts(b: int, d: int, seed: int) -> torch.Tensor:
    return torch.rand(b, d, generator=_gen(seed + 2), dtype=F64) * 2 - 1


def tanh_callable(a: torch.Tensor) -> torch.Tensor:
    return torch.tanh(a)


# ------------------------------------------------------------------ Definition 5, Lemma 7, Theorem 9
def test_velocity_is_definition_5():
    net = random_net(5, 0, tau=0.7)
    x = starts(3, 5, 0)
    expected = (-x + torch.tanh(x @ net.weights.T + net.bias)) / 0.7
    assert_close(net.velocity(x), expected)


@given(
    d=st.integers(2, 8),
    seed=st.integers(0, 10_000),
    zero_diagonal=st.booleans(),
    activation=st.sampled_from(["tanh", "sigmoid"]),
    tau=st.floats(0.2, 3.0),
)
def test_lyapunov_never_increases_along_trajectories(d, seed, zero_diagonal, activation, tau):
    """Lemma 7 / Theorem 9 for random symmetric W; Remark 8: with or without a zero diagonal."""
    net = random_net(d, seed, zero_diagonal=zero_diagonal, activation=activation, tau=tau)
    t = torch.linspace(0, 8 * tau, 81, dtype=F64)
    traj = net.simulate(starts(4, d, seed), t, rtol=1e-10, atol=1e-12)
    e = net.lyapunov(traj.reshape(-1, d)).reshape(len(t), 4)
    assert float((e[1:] - e[:-1]).max()) <= 1e-9
    assert float(net.energy_rate(traj.reshape(-1, d)).max()) <= 0.0


@given(d=st.integers(2, 8), seed=st.integers(0, 10_000), zero_diagonal=st.booleans(), tau=st.floats(0.2, 3.0))
def test_energy_rate_is_the_chain_rule(d, seed, zero_diagonal, tau):
    """The proof of Lemma 7: dE/dt = grad E . dx/dt = -tau sum f'(a) (da/dt)^2."""
    for activation in ("tanh", "sigmoid", tanh_callable):
        net = random_net(d, seed, zero_diagonal=zero_diagonal, activation=activation, tau=tau)
        x = starts(3, d, seed).requires_grad_(True)
        (grad,) = torch.autograd.grad(net.lyapunov(x).sum(), x)
        chain = (grad * net.velocity(x.detach())).sum(-1)
        assert_close(net.energy_rate(x.detach()), chain, scale=10.0)


def test_energy_gradient_is_the_seeds_formula():
    """dE/dy = -W y - b + f^-1(y), as the proof of Lemma 7 states (tanh: artanh; sigmoid: logit)."""
    for activation, inverse, y in (
        ("tanh", torch.atanh, starts(3, 6, 1) * 0.95),
        ("sigmoid", torch.logit, (starts(3, 6, 1) + 1) / 2 * 0.95 + 0.02),
    ):
        net = random_net(6, 1, activation=activation)
        y = y.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(net.energy(y).sum(), y)
        expected = -(y @ net.weights.T) - net.bias + inverse(y)
        assert_close(grad, expected.detach(), scale=10.0)
        assert torch.autograd.gradcheck(
            lambda yy, n=net: C.energy(yy, n.weights, n.bias, n.activation),
            (y.detach().requires_grad_(True),),
        )


def test_energy_closed_forms_against_quadrature():
    """int_{f(0)}^y f^-1: closed forms equal scipy's quad and the callable's own quadrature."""
    ys = np.array([-0.999, -0.5, 0.0, 0.3, 0.9, 0.99999])
    tanh = C.ACTIVATIONS.get("tanh")
    got = tanh.inverse_integral(torch.tensor(ys, dtype=F64)).numpy()
    ref = [quad(np.arctanh, 0.0, y)[0] for y in ys]
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)
    assert float(tanh.inverse_integral(torch.tensor([1.0, -1.0], dtype=F64)).max()) == pytest.approx(
        math.log(2)
    )
    sig = C.ACTIVATIONS.get("sigmoid")
    yp = (ys + 1) / 2
    got = sig.inverse_integral(torch.tensor(yp, dtype=F64)).numpy()
    ref = [quad(lambda s: math.log(s / (1 - s)), 0.5, y)[0] for y in yp]
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)
    assert torch.isinf(tanh.inverse_integral(torch.tensor([1.5], dtype=F64))).all()
    assert torch.isinf(sig.inverse_integral(torch.tensor([-0.1], dtype=F64))).all()
    # a callable: bisection + Gauss-Legendre on geometric panels
    cal = C.callable_activation(torch.tanh)
    y = torch.tensor(ys, dtype=F64)
    assert_close(cal.inverse_integral(y), tanh.inverse_integral(y), scale=100.0)
    a = torch.tensor([-60.0, -3.0, -0.1, 0.0, 0.5, 2.0, 40.0], dtype=F64)
    assert_close(cal.legendre(a), tanh.legendre(a), scale=10.0)
    # an activation without symmetry: f(a) = tanh(a + 0.3), f^-1(s) = artanh(s) - 0.3
    shifted = C.callable_activation(lambda u: torch.tanh(u + 0.3))
    y0 = math.tanh(0.3)
    ref = [quad(lambda s_: np.arctanh(s_) - 0.3, y0, y)[0] for y in ys[1:-1]]
    np.testing.assert_allclose(shifted.inverse_integral(torch.tensor(ys[1:-1], dtype=F64)), ref, atol=1e-9)
    ref = [quad(lambda u: u / np.cosh(u + 0.3) ** 2, 0.0, v)[0] for v in (-3.0, -0.1, 0.5, 2.0)]
    got = shifted.legendre(torch.tensor([-3.0, -0.1, 0.5, 2.0], dtype=F64))
    np.testing.assert_allclose(got, ref, atol=1e-10)


def test_energy_and_lyapunov_forms_agree():
    """lyapunov(x) = energy(f(W x + b)), and at a fixed point energy(x*) = lyapunov(x*)."""
    for activation in ("tanh", "sigmoid", tanh_callable):
        net = random_net(6, 3, activation=activation)
        x = starts(4, 6, 3)
        y = net.reconstruct(x)
        assert_close(net.lyapunov(x), net.energy(y), scale=100.0)
        res = net.retrieve(x, tol=1e-10, t_max=2000.0)
        assert res.all_converged
        assert_close(res.energy, net.energy(res.state), scale=1000.0)


def test_nonsymmetric_weights_break_lemma_7():
    """Definition 5 requires W = W^T: without it the 'energy' rises and a limit cycle appears."""
    w = torch.tensor([[2.0, -3.0], [3.0, 2.0]], dtype=F64)
    net = ContinuousTimeHopfield(w)
    assert not net.symmetric
    t = torch.linspace(0, 40, 801, dtype=F64)
    traj = net.simulate(torch.tensor([0.05, 0.0], dtype=F64), t)
    e = C.lyapunov(traj, w, net.bias, net.activation)
    assert float((e[1:] - e[:-1]).max()) > 1e-3
    assert float(traj[-200:].norm(dim=-1).min()) > 0.3  # it keeps circling, away from the only fixed point 0
    with pytest.raises(ValueError, match="weights must be symmetric"):
        net.energy(torch.zeros(2, dtype=F64))
    with pytest.raises(ValueError, match="weights must be symmetric"):
        net.lyapunov(torch.zeros(2, dtype=F64))
    assert net.retrieve(torch.zeros(2, dtype=F64)).energy is None  # no energy: Lemma 7 needs W = W^T


# ------------------------------------------------------------------ Remark 6
def discrete_sync_reference(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """x_a(t+1) = sign(sum_b W_ab x_b + b_a), explicit loops (Definition 1 of 001)."""
    out = torch.empty_like(x)
    for n in range(x.shape[0]):
        for a in range(x.shape[1]):
            field = sum(float(w[a, c]) * float(x[n, c]) for c in range(x.shape[1])) + float(b[a])
            out[n, a] = 1.0 if field > 0 else -1.0 if field < 0 else 0.0
    return out


@given(d=st.integers(2, 9), seed=st.integers(0, 10_000), tau=st.floats(0.1, 5.0))
def test_remark_6_euler_step_with_sign_is_the_discrete_update(d, seed, tau):
    w = random_symmetric(d, seed)
    b = 0.3 * torch.randn(d, generator=_gen(seed + 1), dtype=F64)
    x = torch.where(torch.rand(5, d, generator=_gen(seed + 2)) < 0.5, -1.0, 1.0).to(F64)
    net = ContinuousTimeHopfield(w, b, tau=tau, activation="sign")
    step = net.simulate(x, [0.0, tau], method="euler")[-1]
    ref = discrete_sync_reference(w, b, x)
    assert_close(step, ref, scale=10.0)
    assert torch.equal(net.reconstruct(x), ref)


# ------------------------------------------------------------------ §1.2.5 stability
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "sign", tanh_callable])
@pytest.mark.parametrize("symmetric", [True, False])
def test_jacobian_matches_autograd(activation, symmetric):
    d = 6
    w = random_symmetric(d, 4) if symmetric else torch.randn(d, d, generator=_gen(4), dtype=F64)
    net = ContinuousTimeHopfield(
        w, torch.randn(d, generator=_gen(5), dtype=F64), tau=1.7, activation=activation
    )
    x = starts(3, d, 4)
    jac = net.jacobian(x)
    for k in range(3):
        ref = torch.autograd.functional.jacobian(lambda z: net.velocity(z), x[k])
        assert_close(jac[k], ref, scale=10.0)


def test_jacobian_at_fixed_point_uses_one_minus_x_squared_not_the_seeds_half():
    """§1.2.5 writes f'(z) = 1/2 (1 - f^2) for tanh; the derivative of tanh is 1 - tanh^2."""
    net = random_net(6, 7, tau=2.0)
    x_star = net.retrieve(starts(2, 6, 7), tol=1e-11, t_max=2000.0).state
    eye = torch.eye(6, dtype=F64)
    correct = (-eye + (1 - x_star**2)[:, :, None] * net.weights) / 2.0
    seed_version = (-eye + 0.5 * (1 - x_star**2)[:, :, None] * net.weights) / 2.0
    jac = net.jacobian(x_star)
    assert_close(jac, correct, scale=100.0)
    assert float((jac - seed_version).abs().max()) > 1e-2


def test_stability_eigenvalues_and_verdicts():
    net = random_net(6, 8, tau=1.5)
    x = starts(3, 6, 8)
    st_ = net.stability(x)
    eig = torch.linalg.eigvals(net.jacobian(x))
    assert_close(st_.eigenvalues, eig.real.sort(dim=-1).values, scale=10.0)
    assert float(eig.imag.abs().max()) < 1e-8  # similar to a symmetric matrix: real spectrum
    # a fixed point reached by relaxing is stable; the origin of a high-gain network is not
    fixed = net.retrieve(x, tol=1e-10, t_max=2000.0).state
    assert all(v == "stable" for v in net.stability(fixed).verdict)
    assert float(net.stability(fixed).speed.max()) < 1e-10
    w = torch.tensor([[0.0, 3.0], [3.0, 0.0]], dtype=F64)
    origin = ContinuousTimeHopfield(w).stability(torch.zeros(2, dtype=F64))
    assert origin.verdict == "unstable" and not bool(origin.stable)
    assert_close(origin.eigenvalues, torch.tensor([-4.0, 2.0], dtype=F64))
    marginal = ContinuousTimeHopfield(w / 3).stability(torch.zeros(2, dtype=F64))
    assert marginal.verdict == "marginal"
    # non-symmetric W: complex eigenvalues, verdict on the real part
    rot = ContinuousTimeHopfield(torch.tensor([[2.0, -3.0], [3.0, 2.0]], dtype=F64))
    s = rot.stability(torch.zeros(2, dtype=F64))
    assert s.eigenvalues.is_complex() and s.verdict == "unstable"
    assert float(s.max_real) == pytest.approx(1.0)


# ------------------------------------------------------------------ solvers
def test_solvers_agree_with_a_fine_fixed_step_reference():
    net = random_net(8, 9, tau=0.8)
    x0 = starts(3, 8, 9)
    t = torch.linspace(0, 4, 9, dtype=F64)
    ref = net.simulate(x0, t, method="rk4", step_size=1e-3)
    for method, kw, tol in (
        ("dopri5-batched", {"rtol": 1e-10, "atol": 1e-12}, 1e-8),
        ("dopri5", {"rtol": 1e-10, "atol": 1e-12}, 1e-8),
        ("dopri8", {"rtol": 1e-10, "atol": 1e-12}, 1e-7),  # torchdiffeq interpolates dopri8 at low order
        ("bosh3", {"rtol": 1e-8, "atol": 1e-10}, 1e-5),
        ("adaptive_heun", {"rtol": 1e-6, "atol": 1e-8}, 1e-4),
        ("rk4", {"step_size": 1e-2}, 1e-7),
        ("midpoint", {"step_size": 1e-3}, 1e-5),
        ("euler", {"step_size": 1e-3}, 2e-3),
    ):
        got = net.simulate(x0, t, method=method, **kw)
        assert float((got - ref).abs().max()) < tol, method
    # an independent reference: scipy's DOP853 on one trajectory
    sol = solve_ivp(
        lambda _t, y: net.velocity(y),
        (0.0, 4.0),
        x0[0].numpy(),
        method="DOP853",
        rtol=1e-12,
        atol=1e-13,
        t_eval=t.numpy(),
    )
    np.testing.assert_allclose(sol.y.T, ref[:, 0].numpy(), atol=1e-9)


def test_unknown_method_lists_the_solvers():
    net = random_net(3, 0)
    with pytest.raises(ValueError, match=r"method must .*ODE solver.*'dopri5', 'dopri5-batched'.*'rk4'"):
        net.simulate(starts(1, 3, 0), [0.0, 1.0], method="RK45")
    with pytest.raises(ValueError, match=r"adjoint must be False with method 'dopri5-batched' .*'dopri5'"):
        net.simulate(starts(1, 3, 0), [0.0, 1.0], method="dopri5-batched", adjoint=True)
    with pytest.raises(ValueError, match=r"step_size must be None for the adaptive method 'dopri5'.*rk4"):
        net.simulate(starts(1, 3, 0), [0.0, 1.0], method="dopri5", step_size=0.1)
    assert "scipy_solver" not in C.SOLVERS


@pytest.mark.parametrize("method", ["dopri5-batched", "dopri5"])
def test_batched_tolerance_is_per_trajectory(method):
    """One moving trajectory among 63 resting ones (x = 0, b = 0) is solved exactly as accurately as
    alone; torchdiffeq's default RMS over the whole batch would loosen its tolerance about 8 times
    (``dopri5-batched`` steps each row alone; torchdiffeq's ``dopri5`` gets a per-trajectory norm)."""
    net = ContinuousTimeHopfield(random_symmetric(6, 10, gain=3.0))
    x0 = torch.cat([starts(1, 6, 10), torch.zeros(63, 6, dtype=F64)])
    t = torch.linspace(0, 5, 6, dtype=F64)
    ref = net.simulate(x0[:1], t, method=method, rtol=1e-12, atol=1e-14)
    alone = net.simulate(x0[:1], t, method=method, rtol=1e-6, atol=1e-8)
    batched = net.simulate(x0, t, method=method, rtol=1e-6, atol=1e-8)
    assert_close(batched[:, :1], alone)
    assert float((batched[:, :1] - ref).abs().max()) < 2 * float((alone - ref).abs().max())
    assert torch.all(batched[:, 1:] == 0)


# ------------------------------------------------------------------ gradients
def test_gradcheck_through_the_solver():
    d = 3
    w0 = random_symmetric(d, 11)
    x0 = starts(2, d, 11)
    t = torch.tensor([0.0, 0.5, 1.0], dtype=F64)

    def final(w):
        return ContinuousTimeHopfield(w).simulate(x0, t, method="rk4", step_size=0.1)[-1]

    assert torch.autograd.gradcheck(final, (w0.clone().requires_grad_(True),))


def test_adjoint_gradient_equals_backprop():
    d = 4
    x0 = starts(3, d, 12)
    t = torch.tensor([0.0, 2.0], dtype=F64)
    grads = []
    for adjoint in (False, True):
        w = random_symmetric(d, 12).requires_grad_(True)
        b = torch.zeros(d, dtype=F64, requires_grad=True)
        out = ContinuousTimeHopfield(w, b).simulate(
            x0, t, method="dopri5", rtol=1e-10, atol=1e-12, adjoint=adjoint
        )
        out[-1].pow(2).sum().backward()
        grads.append((w.grad.clone(), b.grad.clone()))
    assert_close(grads[0][0], grads[1][0], scale=1e4)
    assert_close(grads[0][1], grads[1][1], scale=1e4)


# ------------------------------------------------------------------ relax and arrays
def test_relax_reaches_fixed_points_and_reports_time():
    net = random_net(8, 13, tau=0.5)
    x0 = starts(5, 8, 13)
    res = net.retrieve(x0, tol=1e-9, dt=0.05)
    assert isinstance(res, Retrieval) and res.all_converged
    assert float(net.velocity(res.state).abs().max()) < 1e-9
    assert_close(res.extras["time"], res.steps.to(F64) * 0.05, scale=10.0)
    traj = net.simulate(x0, torch.tensor([0.0, float(res.extras["time"][0])], dtype=F64))
    assert_close(traj[-1, 0], res.state[0], scale=1e4)
    assert_close(res.energy, net.lyapunov(res.state))
    short = net.retrieve(x0, tol=1e-9, t_max=0.1, dt=0.05)
    assert not bool(short.converged.any())
    assert torch.all(short.extras["time"] == 0.1)


def test_relax_at_a_fixed_point_takes_no_time():
    net = random_net(4, 14)
    x_star = net.retrieve(starts(2, 4, 14), tol=1e-11, t_max=2000.0).state
    res = net.retrieve(x_star, tol=1e-10)
    assert res.all_converged and torch.all(res.steps == 0) and torch.all(res.extras["time"] == 0)


def test_numpy_in_numpy_out_and_shapes():
    w = random_symmetric(4, 15).numpy()
    net = ContinuousTimeHopfield(w)
    x = np.full(4, 0.2)
    traj = net.simulate(x, np.linspace(0, 1, 5))
    assert isinstance(traj, np.ndarray) and traj.shape == (5, 4)
    res = net.retrieve(x)
    assert isinstance(res.state, np.ndarray) and res.state.shape == (4,) and res.converged.shape == ()
    assert isinstance(res.extras["time"], np.ndarray)
    assert isinstance(net.energy(res.state), np.ndarray) and net.energy(res.state).shape == ()
    assert net.jacobian(x).shape == (4, 4)
    assert isinstance(net.stability(res.state).verdict, str)
    xb = np.full((3, 4), 0.2)
    assert net.simulate(xb, [0.0, 1.0]).shape == (2, 3, 4)
    assert net.jacobian(xb).shape == (3, 4, 4)
    assert len(net.stability(xb).verdict) == 3


def test_float32_states_keep_their_dtype_and_agree_with_float64():
    net = random_net(6, 16)
    x64 = starts(4, 6, 16)
    t = torch.linspace(0, 3, 4)
    y32 = net.simulate(x64.float(), t)
    y64 = net.simulate(x64, t.double())
    assert y32.dtype == torch.float32
    assert float((y32.double() - y64).abs().max()) < 1e-4
    r32 = net.retrieve(x64.float())
    assert r32.state.dtype == torch.float32 and r32.all_converged
    assert float((r32.state.double() - net.retrieve(x64).state).abs().max()) < 1e-3
