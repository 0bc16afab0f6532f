"""Continuous dense associative memory (seed 001 §2.1): Theorem 12, Examples 13-15, Lemma 16."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from helpers import assert_close
from hopfield import ContinuousDenseMemory, ModernHopfield
from hopfield.functional import continuous_dense as D
from hopfield.functional.modern import update

F64 = torch.float64


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def memories(n: int, d: int, seed: int, unit: bool = False) -> torch.Tensor:
    w = torch.randn(n, d, generator=_gen(seed), dtype=F64)
    return torch.nn.functional.normalize(w, dim=-1) if unit else w / math.sqrt(d)


def softplus_sum(z: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.softplus(z).sum(-1)


def memory(kind, n=5, d=4, seed=0, beta=2.0, tau=1.3, with_bias=True):
    w = memories(n, d, seed)
    b = 0.3 * torch.randn(n, generator=_gen(seed + 1), dtype=F64) if with_bias else None
    v = 0.2 * torch.randn(d, generator=_gen(seed + 2), dtype=F64) if with_bias else None
    return ContinuousDenseMemory(w, b, v, tau=tau, interaction=kind, beta=beta)


def starts(b: int, d: int, seed: int) -> torch.Tensor:
    return torch.randn(b, d, generator=_gen(seed + 3), dtype=F64)


KINDS = ["lse", "sigmoid", softplus_sum]


# ------------------------------------------------------------------ Theorem 12
@pytest.mark.parametrize("kind", KINDS)
def test_velocity_is_minus_energy_gradient_over_tau(kind):
    """Theorem 12: tau dx/dt = -grad E(x), E = 1/2 x^T x - v^T x - F(W x + b)."""
    mem = memory(kind)
    x = starts(3, 4, 0).requires_grad_(True)
    (grad,) = torch.autograd.grad(mem.energy(x).sum(), x)
    assert_close(mem.velocity(x.detach()), -grad / mem.tau)


@given(
    n=st.integers(1, 7),
    d=st.integers(1, 6),
    seed=st.integers(0, 10_000),
    beta=st.floats(0.1, 10.0),
    kind=st.sampled_from(["lse", "sigmoid"]),
)
def test_energy_decreases_along_trajectories(n, d, seed, beta, kind):
    """Theorem 12: E is a Lyapunov function (bounded grad F: softmax, sigmoid)."""
    w = memories(n, d, seed) * 3
    mem = ContinuousDenseMemory(
        w, 0.5 * torch.randn(n, generator=_gen(seed), dtype=F64), interaction=kind, beta=beta
    )
    t = torch.linspace(0, 10, 51, dtype=F64)
    traj = mem.simulate(starts(3, d, seed) * 2, t, rtol=1e-10, atol=1e-12)
    e = mem.energy(traj.reshape(-1, d)).reshape(len(t), 3)
    assert float((e[1:] - e[:-1]).max()) <= 1e-9


def test_example_13_is_the_sigmoid_form():
    """Example 13: F = sum int sigma gives tau dx/dt = -x + W^T sigma(W x + b) + v."""
    mem = memory("sigmoid", beta=1.0)
    x = starts(3, 4, 1)
    expected = (-x + torch.sigmoid(x @ mem.weights.T + mem.bias) @ mem.weights + mem.v) / mem.tau
    assert_close(mem.velocity(x), expected)


def test_example_14_seeds_potential_has_the_wrong_gradient():
    """Example 14 writes F = beta^-1 ln(beta sum e^z): its gradient is softmax(z)/beta, not softmax(beta z).

    F = beta^-1 ln sum e^(beta z) (what the library uses) has gradient softmax(beta z), the dynamics the
    example states.
    """
    beta = 3.0
    z = torch.randn(4, 6, generator=_gen(2), dtype=F64).requires_grad_(True)
    (seed_grad,) = torch.autograd.grad((torch.log(beta * torch.exp(z).sum(-1)) / beta).sum(), z)
    assert_close(seed_grad, torch.softmax(z, -1) / beta)
    assert float((seed_grad - torch.softmax(beta * z.detach(), -1)).abs().max()) > 0.1
    lse = D.INTERACTIONS.get("lse")
    (grad,) = torch.autograd.grad(lse.potential(z, beta).sum(), z)
    assert_close(grad, torch.softmax(beta * z, -1))
    assert_close(lse.grad(z.detach(), beta), grad)


@pytest.mark.parametrize("beta", [0.5, 4.0, 20.0])
def test_example_14_fixed_points_are_the_modern_networks(beta):
    """b = 0, v = 0, F = lse: fixed points x = W^T softmax(beta W x) = the modern update (004 eq. 17)."""
    pats = memories(6, 5, 3, unit=True) * 2
    mem = ContinuousDenseMemory(pats, beta=beta)
    x0 = starts(8, 5, 3)
    res = mem.retrieve(x0, tol=1e-11, t_max=2000.0)
    assert res.all_converged
    assert_close(update(res.state, pats, beta), res.state, scale=100.0)
    modern = ModernHopfield(pats, beta=beta)
    fixed = modern.retrieve(x0, max_steps=5000, tol=1e-13)
    assert fixed.all_converged
    assert float(mem.velocity(fixed.state).abs().max()) < 1e-10
    # the energies differ by the constant beta^-1 ln N + 1/2 M^2 of 004 eq. (3)
    m = float(pats.norm(dim=-1).max())
    shift = math.log(6) / beta + 0.5 * m * m
    assert_close(mem.energy(x0) + shift, modern.energy(x0), scale=10.0)


# ------------------------------------------------------------------ Lemma 16
def covariance_reference(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, beta: float) -> torch.Tensor:
    """Cov_p(v^alpha, v^beta) with explicit loops over memories and coordinates."""
    n, d = w.shape
    z = [sum(float(w[i, k]) * float(x[k]) for k in range(d)) + float(b[i]) for i in range(n)]
    top = max(z)
    e = [math.exp(beta * (zi - top)) for zi in z]
    p = [ei / sum(e) for ei in e]
    mean = [sum(p[i] * float(w[i, a]) for i in range(n)) for a in range(d)]
    cov = torch.empty(d, d, dtype=F64)
    for a in range(d):
        for c in range(d):
            cov[a, c] = sum(p[i] * (float(w[i, a]) - mean[a]) * (float(w[i, c]) - mean[c]) for i in range(n))
    return cov


@pytest.mark.parametrize("beta", [0.3, 1.0, 5.0])
def test_lemma_16_jacobian_is_minus_identity_plus_beta_covariance(beta):
    """J = (-I + beta Cov_p(v)) / tau: against autograd and a loop reference. The seed's statement
    (-I + Cov_p) drops the beta that its own proof derives."""
    w = memories(5, 4, 4, unit=True)
    b = 0.4 * torch.randn(5, generator=_gen(5), dtype=F64)
    mem = ContinuousDenseMemory(w, b, tau=0.7, beta=beta)
    x = starts(3, 4, 4)
    jac = mem.jacobian(x)
    eye = torch.eye(4, dtype=F64)
    for k in range(3):
        auto = torch.autograd.functional.jacobian(lambda z: mem.velocity(z), x[k])
        assert_close(jac[k], auto, scale=10.0)
        cov = covariance_reference(x[k], w, b, beta)
        assert_close(mem.covariance(x[k]), cov, scale=10.0)
        assert_close(jac[k], (-eye + beta * cov) / 0.7, scale=10.0)
        if beta != 1.0:
            assert float((jac[k] - (-eye + cov) / 0.7).abs().max()) > 1e-3


@pytest.mark.parametrize("kind", KINDS)
def test_jacobian_matches_autograd_for_every_interaction(kind):
    mem = memory(kind, seed=6)
    x = starts(2, 4, 6)
    jac = mem.jacobian(x)
    for k in range(2):
        auto = torch.autograd.functional.jacobian(lambda z: mem.velocity(z), x[k])
        assert_close(jac[k], auto, scale=10.0)
        assert_close(jac[k], jac[k].T)  # minus the Hessian of E over tau: symmetric


def test_example_15_at_a_stored_pattern():
    """At x = v_1, p is one-hot only as beta -> oo: v_1 is not exactly a fixed point for finite beta, and
    J -> -I (stable) as beta grows, as the seed's remark after Lemma 16 says in the limit."""
    w = memories(4, 6, 7, unit=True)
    v1 = w[0]
    previous = math.inf
    for beta in (2.0, 8.0, 32.0, 128.0):
        mem = ContinuousDenseMemory(w, beta=beta)
        p = mem.probabilities(v1)
        assert bool((p[1:] > 0).all())  # never one-hot
        speed = float(mem.velocity(v1).abs().max())
        dev = float((mem.jacobian(v1) + torch.eye(6, dtype=F64)).abs().max())
        assert dev < previous
        previous = dev
        if beta >= 32.0:
            assert mem.stability(v1).verdict == "stable"
    assert speed < 1e-6 and dev < 1e-6
    assert float(ContinuousDenseMemory(w, beta=2.0).velocity(v1).abs().max()) > 1e-3


def test_negative_definite_needs_beta_cov_below_one():
    """J = -I + beta Cov_p is not always negative definite: two opposite memories make x = 0 a fixed
    point with Cov = v v^T, stable for beta < 1 and a saddle for beta > 1."""
    v = torch.nn.functional.normalize(torch.randn(3, generator=_gen(8), dtype=F64), dim=0)
    w = torch.stack([v, -v])
    origin = torch.zeros(3, dtype=F64)
    for beta, verdict in ((0.5, "stable"), (2.0, "unstable")):
        mem = ContinuousDenseMemory(w, beta=beta)
        assert float(mem.velocity(origin).abs().max()) < 1e-15
        s = mem.stability(origin)
        assert s.verdict == verdict
        assert float(s.max_real) == pytest.approx(-1 + beta)


# ------------------------------------------------------------------ arrays and bad input
def test_numpy_in_numpy_out():
    mem = ContinuousDenseMemory(np.eye(3), beta=8.0)
    x = np.array([0.9, 0.2, 0.1])
    res = mem.retrieve(x)
    assert isinstance(res.state, np.ndarray) and res.state.shape == (3,) and bool(res.converged)
    assert int(np.argmax(res.state)) == 0
    assert mem.simulate(x, np.linspace(0, 1, 4)).shape == (4, 3)
    assert mem.probabilities(x).shape == (3,)
    assert mem.jacobian(np.ones((2, 3))).shape == (2, 3, 3)
    assert isinstance(mem.energy(x), np.ndarray)
    f32 = mem.retrieve(torch.tensor([0.9, 0.2, 0.1]))
    assert f32.state.dtype == torch.float32 and bool(f32.converged)


def test_bad_arguments():
    w = memories(3, 4, 0)
    with pytest.raises(ValueError, match="weights must have shape"):
        ContinuousDenseMemory(torch.zeros(4, dtype=F64))
    with pytest.raises(ValueError, match="weights must be non-empty"):
        ContinuousDenseMemory(torch.zeros(0, 4, dtype=F64))
    with pytest.raises(ValueError, match="bias must have last dimension 3"):
        ContinuousDenseMemory(w, bias=torch.zeros(4, dtype=F64))
    with pytest.raises(ValueError, match="v must have last dimension 4"):
        ContinuousDenseMemory(w, v=torch.zeros(3, dtype=F64))
    for name, kw in (("tau", {"tau": 0.0}), ("beta", {"beta": -1.0}), ("beta", {"beta": float("nan")})):
        with pytest.raises(ValueError, match=name):
            ContinuousDenseMemory(w, **kw)
    with pytest.raises(ValueError, match=r"interaction must .*'lse', 'sigmoid'"):
        ContinuousDenseMemory(w, interaction="relu")
    with pytest.raises(TypeError, match="interaction must be a name"):
        ContinuousDenseMemory(w, interaction=1.0)
    mem = ContinuousDenseMemory(w)
    with pytest.raises(ValueError, match="state must contain only finite"):
        mem.retrieve(torch.tensor([0.0, float("nan"), 0.0, 0.0], dtype=F64))
    with pytest.raises(ValueError, match="t must be strictly increasing"):
        mem.simulate(torch.zeros(4, dtype=F64), [1.0, 0.0])
    with pytest.raises(ValueError, match="state must have last dimension 4"):
        mem.energy(torch.zeros(3, dtype=F64))
