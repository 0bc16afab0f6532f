"""hopfield.theory: separation, beta selection, Jacobian and error bounds, fixed-point classes
(004 §B2.4-B2.5, 003 §3.3, §4.4) as tests: the seeds' numbers, theorems on random instances, bad input."""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
import pytest
import torch
from hypothesis import given

from helpers import assert_close
from hopfield import ModernHopfield, theory
from hopfield.data import load_digit_patterns
from hopfield.experiments.theory import SEED_TABLE_4_1 as TABLE_4_1
from hopfield.functional import modern as F


def _x(n: int, d: int, seed: int, scale: float = 1.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g, dtype=torch.float64) * scale


# ------------------------------------------------------------------------------------- separation
def test_separation_matches_definition_and_types() -> None:
    """Delta_i = x_i.x_i - max_{j != i} x_i.x_j (eq. (286)), by explicit loops; NumPy in, NumPy out."""
    x = _x(7, 5, 0)
    ref = [float(x[i] @ x[i]) - max(float(x[i] @ x[j]) for j in range(7) if j != i) for i in range(7)]
    assert_close(theory.separation(x), torch.tensor(ref, dtype=torch.float64))
    out = theory.separation(x.numpy())
    assert isinstance(out, np.ndarray) and out.shape == (7,)
    # equal norms: Delta_i = 1/2 min_j ||x_i - x_j||^2 (eq. (287))
    u = x / torch.linalg.vector_norm(x, dim=-1, keepdim=True)
    half = 0.5 * torch.cdist(u, u).fill_diagonal_(float("inf")).amin(-1) ** 2
    assert_close(theory.separation(u), half)


def test_max_norm_radius_spread() -> None:
    x = _x(5, 3, 1)
    assert theory.max_norm(x) == pytest.approx(float(torch.linalg.vector_norm(x, dim=-1).max()))
    assert theory.sphere_radius(2.0, 5, 4.0) == pytest.approx(1 / 40)
    center, spread = theory.pattern_spread(x.numpy())
    assert isinstance(center, np.ndarray)
    assert spread == pytest.approx(float(torch.linalg.vector_norm(x - x.mean(0), dim=-1).max()))


def test_digit_patterns_table_4_1(data_dir: str) -> None:
    """M = 31.3933 and the Delta table of 003 Table 4.1; the smallest Delta is 35.19 (not 37.5255)."""
    x, names = load_digit_patterns(data_dir)
    assert theory.max_norm(x) == pytest.approx(31.3933, abs=5e-5)
    delta = theory.separation(x)
    np.testing.assert_allclose(delta.numpy(), np.array(TABLE_4_1).reshape(-1), rtol=1e-5)
    assert float(delta.min()) == pytest.approx(35.1906, abs=5e-4)
    assert names[int(delta.argmin())] == "pattern7_2"  # the seed's text says 37.5255 (pattern5_2)
    assert float(delta.min()) < 37.5255 - 2


def test_digit_patterns_beta_selection(data_dir: str) -> None:
    """The documented condition first holds at beta = 0.383; the seed's beta = 0.0727 violates it."""
    x, _ = load_digit_patterns(data_dir)
    sel = theory.select_beta(x)
    assert sel.beta_plus == pytest.approx(0.3825, abs=5e-4)
    assert sel.beta_plus_iteration == pytest.approx(sel.beta_plus, rel=1e-12)
    assert sel.holds(sel.beta_plus) and sel.holds(0.5) and not sel.holds(0.0727)
    assert sel.margin(0.0727) < -100
    # with the seed's own Delta_min the condition still does not give 0.0727
    assert theory.select_beta_from(37.5255, 31.3933, 30).beta_plus == pytest.approx(0.3569, abs=5e-4)
    # at beta_+ every pattern is its own fixed point (Lemma 7), at the seed's beta most are not
    for beta, expected in ((sel.beta_plus, 30), (0.0727, None)):
        res = ModernHopfield(x, beta).retrieve(x, max_steps=300, return_weights=True)
        own = int((res.weights.argmax(-1) == torch.arange(30)).sum())
        kinds = theory.classify_fixed_point(res.state, x, beta)
        n_pattern = sum(k.kind == "pattern" for k in kinds)
        if expected is not None:
            assert own == expected and n_pattern == 30
            assert max(float(torch.linalg.vector_norm(res.state[i] - x[i])) for i in range(30)) <= (
                theory.sphere_radius(beta, 30, theory.max_norm(x))
            )
        else:
            assert n_pattern < 20 and any(k.kind == "metastable" for k in kinds)


# ------------------------------------------------------------------------------------- beta selection
@given(
    delta=st.floats(0.01, 1e3),
    m=st.floats(0.1, 1e2),
    n=st.integers(2, 10**6),
)
def test_lambert_w_agrees_with_fixed_point_iteration(delta: float, m: float, n: int) -> None:
    """beta_+ and beta_- by Lambert W equal the seed's fixed-point iteration, and are the two roots."""
    s = theory.select_beta_from(delta, m, n)
    if s.always_holds:
        return
    assert s.beta_plus == pytest.approx(s.beta_plus_iteration, rel=1e-11)
    assert s.beta_minus == pytest.approx(s.beta_minus_iteration, rel=1e-11)
    assert s.beta_minus < 1 / delta < s.beta_plus
    for b in (s.beta_plus, s.beta_minus):  # u - ln u = a at u = beta Delta_min
        u = b * delta
        assert u - math.log(u) == pytest.approx(s.a, rel=1e-12)
    # the condition holds outside [beta_-, beta_+] and fails strictly inside
    assert s.holds(s.beta_plus * 1.01) and not s.holds(math.sqrt(s.beta_plus * s.beta_minus))


def test_select_beta_large_a_and_always_holds() -> None:
    """exp(-a) underflows for a > 700: Newton replaces Lambert W; a <= 1 means every beta works."""
    s = theory.select_beta_from(1e-300, 1.0, 10)
    assert s.beta_plus_iteration == pytest.approx(s.beta_plus, rel=1e-10)
    loose = theory.select_beta_from(1e6, 1e-3, 2)
    assert loose.always_holds and loose.beta_plus == 0 and loose.beta_minus == math.inf and loose.holds(1.0)


# ------------------------------------------------------------------------------------- Jacobian
def _jacobian_autograd(xi: torch.Tensor, x: torch.Tensor, beta: float) -> torch.Tensor:
    return torch.autograd.functional.jacobian(
        lambda s: F.update(s[None], x, beta, backend="materialized")[0], xi
    )


@pytest.mark.parametrize("seed", range(4))
def test_jacobian_norm_and_bounds(seed: int) -> None:
    """||J||_2 by the closed form equals autograd's; Lemma 2 (49) and Lemma 3 (71) bound it."""
    x = _x(9, 6, seed, scale=1.5)
    q = _x(5, 6, seed + 10)
    beta = [0.1, 0.5, 1.0, 3.0][seed]
    jb = theory.jacobian_bound(x, beta, q)
    for b in range(5):
        j = _jacobian_autograd(q[b], x, beta)
        assert_close(jb.norm[b], torch.linalg.matrix_norm(j, ord=2), scale=10)
        assert torch.allclose(j, j.T, atol=1e-12)  # symmetric (eq. (48))
    assert bool((jb.norm <= jb.bound + 1e-12).all())
    assert bool((jb.norm <= jb.lemma2_state + 1e-12).all())
    assert bool((jb.lemma2_state <= jb.lemma2_bound + 1e-12).all())


def test_global_fixed_point_below_beta_global() -> None:
    """Lemma 3: for beta m_max^2 < 1 every query converges to the same fixed point, near the mean."""
    x = _x(12, 8, 3)
    bg = theory.global_convergence_beta(x)
    beta = 0.9 * bg
    assert theory.jacobian_bound(x, beta).contraction
    q = _x(64, 8, 4, scale=20.0)
    res = ModernHopfield(x, beta).retrieve(q, max_steps=500)
    assert bool(res.converged.all())
    spread = (res.state - res.state[0]).abs().max()
    assert float(spread) < 1e-8
    kinds = theory.classify_fixed_point(res.state[:3], x, beta)
    assert all(k.kind == "global" and k.evidence["contraction"] for k in kinds)
    assert not theory.jacobian_bound(x, 1.1 * bg).contraction
    assert theory.global_convergence_beta(torch.ones(3, 2)) == math.inf


# ------------------------------------------------------------------------------------- error bounds
@pytest.mark.parametrize("seed", range(6))
def test_bounds_hold_on_random_instances(seed: int) -> None:
    """Measured errors <= the bounds: 003 Lemma 3.3.2 / 004 Lemma 4, Theorem B8, Theorem B9 (390) and the
    corrected (391), with fixed points found by ModernHopfield.retrieve."""
    g = torch.Generator().manual_seed(seed)
    n, d = 3 + 7 * seed, 4 + 5 * seed
    x = _x(n, d, seed, scale=0.5 + 0.4 * seed)
    beta = [0.05, 0.3, 1.0, 2.0, 0.7, 5.0][seed]
    q = x[torch.randint(0, n, (16,), generator=g)] + 0.2 * torch.randn(
        16, d, generator=g, dtype=torch.float64
    )
    ob = theory.one_step_bound(q, x, beta)
    assert bool((ob.error <= ob.bound * (1 + 1e-9) + 1e-12).all())
    fp = ModernHopfield(x, beta).retrieve(x, max_steps=5000, tol=1e-13).state
    rb = theory.retrieval_error_bounds(x, beta, fixed_points=fp)
    assert bool((rb.error <= rb.bound * (1 + 1e-9) + 1e-12).all())
    app = rb.applies
    assert bool((rb.error[app] <= rb.bound_simple[app] * (1 + 1e-9) + 1e-12).all())
    start = x + 0.05 * torch.randn(n, d, generator=g, dtype=torch.float64)
    ub = theory.update_bound(start, x, beta, fp, torch.arange(n))
    assert bool((ub.error <= ub.bound * (1 + 1e-9) + 1e-12).all())


def test_theorem_b9_bound_is_tight_enough_to_fail_when_broken() -> None:
    """A well separated instance: the measured error is within a factor ~1 of (390)'s order."""
    x = torch.tensor([[3.0, 0.0], [0.0, 3.0], [-3.0, 0.0]], dtype=torch.float64)
    rb = theory.retrieval_error_bounds(x, 0.5)
    ratio = rb.error / rb.bound
    assert bool((ratio <= 1).all()) and float(ratio.max()) > 0.2


def test_theorem_b9_eq_391_as_printed_is_wrong() -> None:
    """Seed error: eq. (391) e (N-1) M exp(-beta Delta_i) drops the 2 of eq. (390). Two antipodal patterns,
    beta M^2 = 1.5: the retrieval error exceeds the printed bound while ||x - x*|| <= 1/(2 beta M)."""
    m = 2.0
    beta = 1.5 / m**2
    rb = theory.retrieval_error_bounds(np.array([[m, 0.0], [-m, 0.0]]), beta)
    assert rb.applies.all()
    t = m * 0.858560  # the fixed point (t, 0) solves t = M tanh(beta M t)
    assert rb.error[0] == pytest.approx(m - t, rel=1e-5)
    assert rb.error[0] > rb.bound_seed[0] * 1.04  # printed (391) violated by 4%
    assert rb.error[0] <= rb.bound_simple[0] and rb.error[0] <= rb.bound[0]


# ------------------------------------------------------------------------------------- fixed-point classes
def test_classify_three_kinds() -> None:
    """Figure B1 of 004: a separated pattern, a metastable state of two similar patterns, the global one."""
    x = torch.tensor(
        [[10.0, 0.0, 0.0], [0.0, 10.0, 0.2], [0.0, 10.0, -0.2], [-10.0, 0.0, 0.0]], dtype=torch.float64
    )
    beta = 1.0
    net = ModernHopfield(x, beta)
    single = net.retrieve(torch.tensor([9.0, 1.0, 0.0], dtype=torch.float64)).state
    meta = net.retrieve(torch.tensor([0.0, 9.0, 0.0], dtype=torch.float64)).state
    c1, c2 = theory.classify_fixed_point(torch.stack([single, meta]), x, beta)
    assert c1.kind == "pattern" and c1.indices == [0] and c1.evidence["is_fixed_point"]
    assert c1.evidence["in_sphere"] and c1.evidence["separated"] and c1.evidence["jacobian_norm"] < 1
    assert c2.kind == "metastable" and sorted(c2.indices) == [1, 2] and c2.mass > 0.95
    assert c2.evidence["spread_condition"] and c2.evidence["distance"] < 0.05
    low = 0.5 * theory.global_convergence_beta(x)
    glob = ModernHopfield(x, low).retrieve(torch.tensor([5.0, 5.0, 1.0], dtype=torch.float64)).state
    c3 = theory.classify_fixed_point(glob, x, low)
    assert c3.kind == "global" and len(c3.indices) == 4 and c3.evidence["contraction"]
    # not a fixed point: reported as such
    c4 = theory.classify_fixed_point(np.array([5.0, 5.0, 0.0]), x.numpy(), beta)
    assert not c4.evidence["is_fixed_point"]


def test_one_step_and_update_bounds_are_tight_on_two_antipodal_patterns() -> None:
    """N = 2, x_2 = -x_1: Lemma 4's bound 2 (N-1) e^{-beta c} M and Theorem B8's Lipschitz bound are
    attained up to factors close to 1, so a weaker implementation would fail here."""
    m, beta = 2.0, 0.6
    x = torch.tensor([[m, 0.0], [-m, 0.0]], dtype=torch.float64)
    ob = theory.one_step_bound(x[:1], x, beta)
    c = 2 * m * m
    assert int(ob.index[0]) == 0 and float(ob.gap[0]) == pytest.approx(c)
    assert float(ob.bound[0]) == pytest.approx(2 * math.exp(-beta * c) * m)
    assert 0.9 < float(ob.error[0] / ob.bound[0]) <= 1
    fp = ModernHopfield(x, beta).retrieve(x[:1], tol=1e-14).state
    start = fp + torch.tensor([[-1e-4, 0.0]], dtype=torch.float64)
    ub = theory.update_bound(start, x, beta, fp, 0)
    r = max(float(torch.linalg.vector_norm(start - x[0])), float(torch.linalg.vector_norm(fp - x[0])))
    assert float(ub.lipschitz[0]) == pytest.approx(2 * beta * 2 * m * m * math.exp(-beta * (c - 2 * r * m)))
    assert 0.5 < float(ub.error[0] / ub.bound[0]) <= 1


def test_jacobian_bound_is_attained() -> None:
    """Seed detail: 003 Proposition 3.3 prints ||J||_2 < beta m_max^2 (strict); only <= holds. Two
    antipodal patterns and the query 0 (p uniform) give equality."""
    x = np.array([[1.0, 0.0], [-1.0, 0.0]])
    jb = theory.jacobian_bound(x, 0.5, np.zeros(2))
    assert float(jb.norm) == pytest.approx(jb.bound, rel=1e-12) and jb.bound == 0.5
