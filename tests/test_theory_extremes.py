"""``hopfield.theory`` at extreme but finite input: the defects of issue 10 (hangs, raw errors, NaN) as
regression tests, and the properties that make the fixes right (scale covariance, the former search as
a slow reference, agreement of the log-space formulas with the direct ones)."""

from __future__ import annotations

import math
import time

import hypothesis.strategies as st
import numpy as np
import pytest
import torch
from hypothesis import given

from hopfield import theory
from hopfield.functional import modern as F
from hopfield.theory._numeric import u_roots, w0_exp
from oracles import theory_loops as oracle

X = np.array([[1.0, 0.2, 0.0], [0.0, 1.0, 0.3], [-1.0, 0.0, 0.5]])


# ------------------------------------------------------------------------------- min_dimension_b7
def test_issue_10_min_dimension_b7_does_not_hang() -> None:
    """``min_dimension_b7(1, 1, 2, d_max=10**9)`` looped over 10**9 dimensions: now it answers at once."""
    start = time.perf_counter()
    assert theory.min_dimension_b7(1.0, 1.0, 2.0, d_max=10**9) == 0  # (376) fails for large d here
    assert theory.min_dimension_b7(1.0, 3.0, 2.0, d_max=10**15) == 21  # holds from 21 on, up to 10**15
    assert theory.min_dimension_b7(1.7e308, 10.0, 2.0, d_max=2**53) == 2  # beta K^2 / (5c) overflows: holds
    assert time.perf_counter() - start < 5


@given(
    beta=st.floats(0.05, 20.0),
    K=st.floats(0.2, 6.0),
    c=st.floats(1.0, 8.0),
    d_max=st.integers(2, 400),
)
def test_min_dimension_b7_equals_the_former_loop(beta: float, K: float, c: float, d_max: int) -> None:
    assert theory.min_dimension_b7(beta, K, c, d_max) == oracle.min_dimension_b7(beta, K, c, d_max)


@pytest.mark.parametrize(
    ("beta", "K", "c"), [(1.0, 3.0, 2.0), (0.3, 2.0, 1.5), (2.0, 1.0, 1.0), (5.0, 0.5, 1.01)]
)
def test_min_dimension_b7_tail_by_bisection_matches_the_loop(beta: float, K: float, c: float) -> None:
    """Past E1 bisection takes over: the answer equals the loop's on a range far beyond E1."""
    assert theory.min_dimension_b7(beta, K, c, 3000) == oracle.min_dimension_b7(beta, K, c, 3000)


@given(beta=st.floats(0.01, 50.0), K=st.floats(0.1, 10.0), c=st.floats(1.0, 100.0), d=st.integers(2, 10**6))
def test_capacity_b7_in_logs_equals_the_former_formula(beta: float, K: float, c: float, d: int) -> None:
    """beta (lhs - rhs) in ln c gives the former verdict, and N where the former did not clamp it."""
    holds, n = theory.capacity_b7(beta, K, c, d)
    old_holds, old_n = oracle.capacity_b7(beta, K, c, d)
    assert holds == old_holds
    if (d - 1) / 4 * math.log(c) < 709:
        assert n == pytest.approx(old_n, rel=1e-12)
    else:
        assert old_n == math.exp(709.0) and (n == math.inf or n > old_n)  # the former clamped N at e^709


def test_min_dimension_b7_holds_fails_then_holds_again() -> None:
    """(376) holds for d <= 34, fails up to d = 14982, then holds: the gap's slope changes sign late
    (E1 = 4096 here), so a search that assumed monotonicity from d = 17 on would answer 2."""
    args = (1.0, 0.04520353656360243, 1.0000001)
    assert theory.capacity_b7(*args, 20)[0] and not theory.capacity_b7(*args, 1000)[0]
    assert theory.min_dimension_b7(*args, 20_000) == oracle.min_dimension_b7(*args, 20_000) == 14983


# ------------------------------------------------------------------------------- capacity in logs
def test_issue_10_capacity_b5_overflow_is_inf_with_its_logarithm() -> None:
    """``capacity_b5(1e6, 1e6, 10**6, 1e-300)`` raised OverflowError: N is beyond the float range."""
    r = theory.capacity_b5(1e6, 1e6, 10**6, 1e-300)
    assert r.n_patterns == math.inf and math.isfinite(r.log_n_patterns) and r.log_n_patterns > 700
    assert r.log_n_patterns == pytest.approx(
        0.5 * math.log(1e-300) + (10**6 - 1) / 4 * math.log(r.c), rel=1e-12
    )
    assert r.a * r.c + r.c * math.log(r.c) - r.b == pytest.approx(0, abs=1e-9 * r.b)  # eq. (334)


@given(beta=st.floats(0.1, 5.0), k=st.floats(0.5, 4.0), d=st.integers(2, 400), p=st.floats(1e-6, 1.0))
def test_capacity_b5_log_form_equals_the_direct_formulas(beta: float, k: float, d: int, p: float) -> None:
    """In the normal range the log-space evaluation gives the printed formulas (322)-(324)."""
    r = theory.capacity_b5(beta, k, d, p)
    a = 2 / (d - 1) * (1 + math.log(2 * beta * k * k * p * (d - 1)))
    assert r.a == pytest.approx(a, rel=1e-12, abs=1e-12)
    assert r.n_patterns == pytest.approx(math.sqrt(p) * r.c ** ((d - 1) / 4), rel=1e-9)
    assert (
        r.valid == (r.c >= (2 / math.sqrt(p)) ** (4 / (d - 1)) * (1 - 1e-15))
        or abs(math.log(r.c) - 4 / (d - 1) * math.log(2 / math.sqrt(p))) < 1e-12
    )


@pytest.mark.parametrize(
    "args",
    [
        (5e-324, 3.0, 20, 0.5),
        (1.0, 1e-300, 20, 0.5),
        (1e300, 3.0, 20, 0.5),
        (1.0, 3.0, 2**53, 1e-300),
        (1.7e308, 1e300, 2, 5e-324),
    ],
)
def test_capacity_b5_is_never_nan(args: tuple) -> None:
    r = theory.capacity_b5(*args)
    assert not any(math.isnan(v) for v in (r.a, r.b, r.c, r.c_corollary, r.n_patterns, r.log_n_patterns))


def test_dense_capacity_overflows_to_inf_and_its_series_is_continuous() -> None:
    assert theory.dense_capacity(2**53) == math.inf and theory.dense_capacity(2048) < math.inf
    below, above = (
        theory.dense_capacity_alpha(0.5 - 0.5e-3 * (1 - 1e-9)),
        theory.dense_capacity_alpha(0.49949),
    )
    assert below == pytest.approx(((1e-3) ** 2) / 4, rel=1e-3) and above > below
    a = 1e-3 * (1 + 1e-9)  # just past the switch: the log form and the series agree
    direct = ((1 + a) * math.log1p(a) + (1 - a) * math.log1p(-a)) / 4
    assert theory.dense_capacity_alpha((1 - a) / 2) == pytest.approx(direct, rel=1e-9)
    assert theory.dense_capacity_alpha(0.5 - 1e-16) > 0  # a = 2e-16: the logarithms would cancel to 0


def test_dimension_b6_from_logarithms() -> None:
    """p = 5e-324 made exp(-b) overflow; W of a tiny or huge argument comes from its logarithm."""
    r = theory.dimension_b6(1.0, 3.0, 10.0, 5e-324)
    x = r.d - 1
    assert math.log(x) + r.a * x + r.b == pytest.approx(0, abs=1e-9 * abs(r.b))
    assert w0_exp(800.0) + math.log(w0_exp(800.0)) == pytest.approx(800.0, rel=1e-15)
    u_minus, u_plus = u_roots(800.0)
    assert u_plus - math.log(u_plus) == pytest.approx(800.0, rel=1e-15) and u_minus == math.exp(-800.0)


def test_capacity_b7_best_bisects_on_log_c() -> None:
    best = theory.capacity_b7_best(1.0, 3.0, 40)
    c = best ** (4 / 39)
    assert (
        theory.capacity_b7(1.0, 3.0, c * (1 - 1e-9), 40)[0]
        and not theory.capacity_b7(1.0, 3.0, c * 1.001, 40)[0]
    )
    assert theory.capacity_b7_best(1.0, 0.1, 40) == 0.0  # (376) fails already at c = 1
    assert math.isfinite(theory.capacity_b7_best(1e300, 3.0, 2))  # c beyond the float range, N = c^(1/4) not


# ------------------------------------------------------------------------------- beta at the extremes
def test_issue_10_jacobian_and_classification_at_beta_1e308() -> None:
    """beta = 1e308 overflowed the scores (NaN softmax, then ``torch._LinAlgError``)."""
    q = -np.array([0.9, 0.1, 0.0])  # every score negative: beta * score = -inf for all
    assert float(theory.jacobian_norm(q, X, 1e308)) == 0.0
    kind = theory.classify_fixed_point(q, X, 1e308)
    assert kind.kind == "pattern" and kind.mass == 1.0 and kind.evidence["jacobian_norm"] == 0.0
    jb = theory.jacobian_bound(X, 1.7e308, q)
    assert float(jb.lemma2_state) == 0.0 and jb.bound == math.inf  # 0 * inf avoided, a true overflow kept


def test_jacobian_norm_of_tied_patterns_overflows_honestly() -> None:
    """Two patterns tie (p = 1/2 each): ||J|| = beta |x1 - x2|^2 / 4 = 4 beta, beyond the float range."""
    x = np.array([[2.0, 0.0], [-2.0, 0.0]])
    assert float(theory.jacobian_norm(np.zeros(2), x, 1.0)) == pytest.approx(4.0)
    assert float(theory.jacobian_norm(np.zeros(2), x, 1e308)) == math.inf


@pytest.mark.parametrize("beta", [5e-324, 1e-300, 1e-6, 1e6, 1e300, 1.7e308])
def test_bounds_are_never_nan(beta: float) -> None:
    q = np.array([[0.9, 0.1, 0.0], [-0.3, 0.2, 0.9]])
    results = [
        theory.jacobian_bound(X, beta, q),
        theory.one_step_bound(q, X, beta),
        theory.update_bound(q, X, beta, q, [0, 2]),
        theory.retrieval_error_bounds(X, beta, max_steps=50),
        theory.stored_patterns(X, beta, max_steps=50, seed=0),
    ]
    for r in results:
        for v in vars(r).values():
            if (isinstance(v, np.ndarray) and v.dtype.kind == "f") or isinstance(v, float):
                assert not np.any(np.isnan(v)), (type(r).__name__, v)
    assert all(not math.isnan(k.evidence["jacobian_norm"]) for k in theory.classify_fixed_point(q, X, beta))
    assert theory.sphere_radius(beta, 3, 1e-300) > 0


def test_all_zero_patterns_give_infinite_radius_not_zero_division() -> None:
    z = np.zeros((3, 2))
    assert theory.retrieval_error_bounds(z, 1.0).applies.all()
    assert theory.classify_fixed_point(np.zeros(2), z, 1.0).kind == "global"
    assert theory.stored_patterns(z, 1.0, seed=0).radius == math.inf


# ------------------------------------------------------------------------------- scale covariance
@pytest.mark.parametrize("k", [-500, -300, 0, 300, 500])
def test_issue_10_beta_selection_is_scale_covariant(k: int) -> None:
    """x -> 2^k x scales Delta by 4^k and beta_+ by 4^-k exactly (float32 of norm 1e30 named delta_min)."""
    base = theory.select_beta(X)
    s = theory.select_beta(X * 2.0**k)
    assert s.a == pytest.approx(base.a, rel=1e-14)
    assert s.beta_plus == pytest.approx(math.ldexp(base.beta_plus, -2 * k), rel=1e-13)
    assert theory.select_beta(X * 2.0**-600).beta_plus == math.inf  # 6.2 * 2**1200: beyond the float range
    f32 = theory.select_beta(X.astype(np.float32) * np.float32(1e30))
    assert f32.beta_plus == pytest.approx(
        theory.select_beta(X.astype(np.float32).astype(np.float64) * 1e30).beta_plus
    )


@pytest.mark.parametrize("k", [-520, 0, 500])
def test_separation_norm_and_spread_are_scale_covariant(k: int) -> None:
    s = 2.0**k
    np.testing.assert_allclose(theory.separation(X * s), theory.separation(X) * s * s, rtol=1e-15)
    assert theory.max_norm(X * s) == pytest.approx(theory.max_norm(X) * s, rel=1e-15)
    assert theory.pattern_spread(X * s)[1] == pytest.approx(theory.pattern_spread(X)[1] * s, rel=1e-15)
    assert theory.global_convergence_beta(X * s) == pytest.approx(
        theory.global_convergence_beta(X) / s / s, rel=1e-14
    )


def test_separation_matches_the_functional_core_in_the_normal_range() -> None:
    x = torch.randn(20, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    assert torch.equal(theory.separation(x), F.separation(x))  # the power-of-two rescaling is exact


def test_select_beta_iteration_budget_is_flagged() -> None:
    """Near a = 1 the seed's fixed-point iteration crawls: the budget ends it, and ``converged`` says so."""
    slow = theory.select_beta_from(1.0, 0.5, 2, max_iter=5)
    assert not slow.converged and slow.iterations == 5
    assert theory.select_beta_from(35.19, 31.3933, 30).converged
