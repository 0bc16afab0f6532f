"""The modern Hopfield network: the theorems of 004 §B2 (000, 002, 003 §3) as tests."""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
import pytest
import torch
import torch.nn.functional as tnf
from hypothesis import given

from helpers import assert_close
from hopfield import ModernHopfield
from hopfield.functional import modern as F

DTYPES = [torch.float32, torch.float64]


def _patterns(n: int, d: int, seed: int, scale: float = 1.0, dtype=torch.float64) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g, dtype=dtype) * scale


def _reference_update(state: torch.Tensor, patterns: torch.Tensor, beta: float) -> torch.Tensor:
    """Slow float64 reference of eq. (17): explicit loops over queries and patterns."""
    out = torch.zeros(state.shape, dtype=torch.float64)
    for b in range(state.shape[0]):
        logits = [beta * float(patterns[i].double() @ state[b].double()) for i in range(len(patterns))]
        m = max(logits)
        w = [math.exp(v - m) for v in logits]
        z = sum(w)
        for i in range(len(patterns)):
            out[b] += (w[i] / z) * patterns[i].double()
    return out


def _reference_energy(state: torch.Tensor, patterns: torch.Tensor, beta: float) -> torch.Tensor:
    """Eq. (3) in float64 straight from its definition (fine for moderate beta)."""
    s, x = state.double(), patterns.double()
    m = torch.linalg.vector_norm(x, dim=-1).max()
    n = x.shape[0]
    return (
        -torch.logsumexp(beta * s @ x.T, -1) / beta + 0.5 * (s * s).sum(-1) + math.log(n) / beta + 0.5 * m**2
    )


# --------------------------------------------------------------------------- the plain formulas
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("chunk", [None, 1, 5, 8, 13, 40])
def test_chunked_update_equals_reference(dtype: torch.dtype, chunk: int | None) -> None:
    """Chunked online-lse update equals the loop reference, for chunks that do and do not divide N=40."""
    x = _patterns(40, 6, 1, dtype=dtype)
    q = _patterns(4, 6, 2, dtype=dtype)
    ref = _reference_update(q, x, 0.8)
    for backend in ("chunked", "materialized", "sdpa"):
        assert_close(F.update(q, x, 0.8, chunk, backend), ref, dtype, scale=10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_energy_equals_reference(dtype: torch.dtype) -> None:
    x = _patterns(30, 5, 3, dtype=dtype)
    q = _patterns(6, 5, 4, dtype=dtype)
    for chunk in (None, 7):
        assert_close(F.energy(q, x, 0.5, chunk), _reference_energy(q, x, 0.5), dtype, scale=100)


def test_update_is_sdpa_attention() -> None:
    """§B5 of 004: the update is attention with keys = values = stored patterns and scale = beta."""
    x = _patterns(50, 16, 5, dtype=torch.float32)
    q = _patterns(8, 16, 6, dtype=torch.float32)
    attn = tnf.scaled_dot_product_attention(q[None, None], x[None, None], x[None, None], scale=0.3)[0, 0]
    assert_close(F.update(q, x, 0.3, 7), attn, torch.float32)


# --------------------------------------------------------------------------- Lemma 1
@given(st.integers(0, 10_000), st.floats(1e-3, 1e3), st.integers(1, 20), st.integers(1, 8))
def test_energy_nonnegative_and_bounded_on_hull(seed: int, beta: float, n: int, d: int) -> None:
    """004 Lemma 1 (003 Lemmas 3.2.1-3.2.2): E >= 0 everywhere; on the convex hull of the patterns
    E <= beta^-1 ln N + M^2 / 2 and E <= 2 M^2."""
    x = _patterns(n, d, seed, scale=3.0)
    g = torch.Generator().manual_seed(seed + 1)
    anywhere = torch.randn(16, d, generator=g, dtype=torch.float64) * 10
    p = torch.distributions.Dirichlet(torch.ones(n, dtype=torch.float64) * 0.3).sample((16,))
    hull = p @ x
    m = float(F.max_norm(x))
    slack = 1e-9 * (1 + m * m)
    assert (F.energy(anywhere, x, beta) >= -slack).all()
    e_hull = F.energy(hull, x, beta)
    assert (e_hull >= -slack).all()
    assert (e_hull <= math.log(n) / beta + 0.5 * m * m + slack).all()
    assert (e_hull <= 2 * m * m + slack).all()


# --------------------------------------------------------------------------- Theorem B1
@pytest.mark.parametrize("beta", [1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0, 1e3])
def test_energy_never_increases_along_retrieval(beta: float) -> None:
    """004 Theorem B1 / 000 Theorem 1 / 003 Proposition 3.2: E(xi_{t+1}) <= E(xi_t)."""
    for seed in range(5):
        x = _patterns(25, 8, seed)
        xi = _patterns(10, 8, seed + 100, scale=2.0)
        e_old = F.energy(xi, x, beta)
        for _ in range(15):
            xi = F.update(xi, x, beta)
            e_new = F.energy(xi, x, beta)
            assert (e_new <= e_old + 1e-10 * (1 + e_old.abs())).all()
            e_old = e_new


# --------------------------------------------------------------------------- 003 Theorem 3.1
@given(st.integers(0, 10_000), st.floats(0.05, 20.0))
def test_gradient_of_energy_is_state_minus_update(seed: int, beta: float) -> None:
    """grad E(xi) = xi - X softmax(beta X^T xi), so update(xi) = xi exactly when grad E(xi) = 0."""
    x = _patterns(12, 5, seed)
    xi = _patterns(3, 5, seed + 1).requires_grad_(True)
    (grad,) = torch.autograd.grad(F.energy(xi, x, beta).sum(), xi)
    assert_close(grad, xi.detach() - F.update(xi.detach(), x, beta))


def test_fixed_point_iff_stationary() -> None:
    """003 Theorem 3.1 both ways: at a converged fixed point the gradient vanishes; away from it neither
    the gradient nor update(xi) - xi does."""
    x = _patterns(10, 4, 7, scale=2.0)
    net = ModernHopfield(x, beta=2.0)
    res = net.retrieve(_patterns(5, 4, 8), max_steps=1000, tol=1e-13)
    assert res.all_converged
    star = res.state.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.energy(star, x, 2.0).sum(), star)
    assert grad.abs().max() < 1e-10
    assert (F.update(res.state, x, 2.0) - res.state).abs().max() < 1e-12
    away = res.state + 0.3
    (grad_away,) = torch.autograd.grad(F.energy(away.requires_grad_(True), x, 2.0).sum(), away)
    assert (grad_away.abs().amax(-1) > 1e-3).all()
    assert ((F.update(away.detach(), x, 2.0) - away.detach()).abs().amax(-1) > 1e-3).all()


def test_energy_and_update_gradcheck() -> None:
    x = _patterns(9, 3, 11).requires_grad_(True)
    xi = _patterns(2, 3, 12).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a, b: F.energy(a, b, 0.9, 4), (xi, x))
    assert torch.autograd.gradcheck(lambda a, b: F.update(a, b, 0.9, 4), (xi, x))


# --------------------------------------------------------------------------- Theorem B9
@given(st.integers(0, 10_000), st.floats(0.05, 5.0), st.integers(2, 30), st.integers(2, 16))
def test_one_step_error_below_theorem_b9(seed: int, beta: float, n: int, d: int) -> None:
    """004 Theorem B9 / 003 Lemma 3.3.2: one update from a separated pattern x_i lands within
    2 (N-1) M exp(-beta Delta_i) of it, hence within the seed's e (N-1) M exp(-beta Delta_i)."""
    x = _patterns(n, d, seed, scale=2.0)
    delta = F.separation(x)
    m = float(F.max_norm(x))
    err = torch.linalg.vector_norm(F.update(x, x, beta) - x, dim=-1)
    separated = delta > 0
    tight = 2 * (n - 1) * m * torch.exp(-beta * delta)
    seed_bound = math.e * (n - 1) * m * torch.exp(-beta * delta)
    assert (err[separated] <= tight[separated] * (1 + 1e-9) + 1e-12).all()
    assert (err[separated] <= seed_bound[separated] * (1 + 1e-9) + 1e-12).all()


def test_separation_matches_definition() -> None:
    """Eq. (286): Delta_i = x_i^T x_i - max_{j != i} x_i^T x_j, against a double loop."""
    x = _patterns(17, 4, 13)
    ref = torch.tensor(
        [float(x[i] @ x[i]) - max(float(x[i] @ x[j]) for j in range(17) if j != i) for i in range(17)],
        dtype=torch.float64,
    )
    for chunk in (None, 3, 17):
        assert_close(F.separation(x, chunk), ref)


# --------------------------------------------------------------------------- numerics
@pytest.mark.parametrize("beta", [1e-6, 1e-3, 1.0, 1e3, 1e6])
@pytest.mark.parametrize("norm", [1e-3, 1.0, 1e3])
def test_no_nan_or_inf_float32(beta: float, norm: float) -> None:
    x = torch.nn.functional.normalize(_patterns(100, 16, 14, dtype=torch.float32), dim=-1) * norm
    q = torch.nn.functional.normalize(_patterns(8, 16, 15, dtype=torch.float32), dim=-1) * norm
    net = ModernHopfield(x, beta=beta)
    res = net.retrieve(q, max_steps=5, topk=3)
    for value in (net.update(q), net.energy(q), res.state, res.energy, res.topk_weights):
        assert torch.isfinite(value).all()
    assert (res.energy >= -1e-6 * (1 + norm**2)).all()


def test_energy_tiny_beta_float32_matches_float64() -> None:
    x = _patterns(200, 8, 16)
    q = _patterns(4, 8, 17)
    e64 = F.energy(q, x, 1e-6)
    e32 = F.energy(q.float(), x.float(), 1e-6)
    assert_close(e32, e64, torch.float32, scale=10)


def test_topk_matches_full_weights() -> None:
    x = _patterns(57, 5, 18)
    q = _patterns(6, 5, 19)
    w = F.update_weights(q, x, 1.5)
    tw, ti = F.topk_weights(q, x, 1.5, 4, chunk_size=10)
    ref_w, ref_i = w.topk(4, dim=-1)
    assert torch.equal(ti, ref_i)
    assert_close(tw, ref_w)


# --------------------------------------------------------------------------- the class
def test_retrieve_reports_steps_and_convergence() -> None:
    x = _patterns(20, 8, 20, scale=2.0)
    net = ModernHopfield(x, beta=4.0)
    q = x[:5] + 0.1 * _patterns(5, 8, 21)
    res = net.retrieve(q, max_steps=50)
    assert res.state.shape == (5, 8) and res.steps.shape == (5,) and res.converged.dtype == torch.bool
    assert res.all_converged and (res.steps >= 1).all() and (res.steps < 50).all()
    short = net.retrieve(_patterns(5, 8, 22) * 0.01, max_steps=1, tol=0.0)
    assert not short.converged.any() and (short.steps == 1).all()
    assert_close(res.energy, net.energy(res.state))
    # Stored, well-separated patterns are retrieved
    assert torch.cdist(res.state, x).argmin(-1).tolist() == [0, 1, 2, 3, 4]


def test_numpy_in_numpy_out_and_single_query() -> None:
    x = np.random.default_rng(0).normal(size=(10, 4))
    net = ModernHopfield(x, beta=1.0)
    res = net.retrieve(x[0])
    assert isinstance(res.state, np.ndarray) and res.state.shape == (4,)
    assert isinstance(res.energy, np.ndarray) and res.energy.shape == ()
    assert isinstance(net.update(x[:3]), np.ndarray) and net.update(x[:3]).shape == (3, 4)
    assert isinstance(net.separation(), np.ndarray) and net.separation().shape == (10,)
    assert isinstance(net.max_norm, float)


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_in_keeps_dtype(dtype: torch.dtype) -> None:
    net = ModernHopfield(_patterns(10, 4, 23), beta=1.0)
    q = _patterns(3, 4, 24, dtype=dtype)
    res = net.retrieve(q, return_weights=True, topk=2)
    for t in (res.state, res.energy, res.weights, res.topk_weights, net.update(q), net.energy(q)):
        assert isinstance(t, torch.Tensor) and t.dtype == dtype and t.device == q.device
    assert res.weights.shape == (3, 10) and res.topk_indices.shape == (3, 2)
    assert_close(res.weights.sum(-1), torch.ones(3, dtype=dtype), dtype)


def test_backends_agree_in_class() -> None:
    x = _patterns(33, 6, 25, dtype=torch.float32)
    q = _patterns(4, 6, 26, dtype=torch.float32)
    outs = [
        ModernHopfield(x, 0.5, backend=b, chunk_size=8).update(q) for b in ("chunked", "sdpa", "materialized")
    ]
    assert_close(outs[0], outs[1], torch.float32)
    assert_close(outs[0], outs[2], torch.float32)
