"""Storage capacity (004 Theorems B5, B6, B7, B10, §B4.1.2) and Definition B4 checked by simulation."""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given
from scipy.special import lambertw

from hopfield import theory


def test_theorem_b5_examples() -> None:
    """The two examples printed after Theorem B5 (and Corollary 1's): the seed's numbers check out."""
    ex1 = theory.capacity_b5(1.0, 3.0, 20, 0.001)
    assert ex1.c == pytest.approx(3.15461, abs=1e-5) and ex1.c >= 3.1546
    assert ex1.a + math.log(ex1.b) > 1.27
    assert ex1.c_corollary == pytest.approx(3.14441, abs=1e-5) and ex1.c_corollary <= ex1.c
    ex2 = theory.capacity_b5(1.0, 1.0, 75, 0.001)
    assert ex2.c == pytest.approx(1.37188, abs=1e-5) and ex2.c >= 1.3718
    assert ex2.a + math.log(ex2.b) < -0.94
    assert ex2.c_corollary == pytest.approx(1.25850, abs=1e-5) and ex2.c_corollary <= ex2.c
    for ex in (ex1, ex2):
        assert ex.valid  # assumption (323)
        # c solves a c + c ln c - b = 0 (eq. (334))
        assert ex.a * ex.c + ex.c * math.log(ex.c) - ex.b == pytest.approx(0, abs=1e-12)


@given(
    beta=st.floats(0.1, 5.0),
    k=st.floats(0.5, 4.0),
    d=st.integers(2, 400),
    p=st.floats(1e-6, 1.0),
)
def test_theorem_b5_and_b6_are_inverse(beta: float, k: float, d: int, p: float) -> None:
    """Theorem B6 (d from c) inverts Theorem B5 (c from d): both solve eq. (358) with equality."""
    c = theory.capacity_b5(beta, k, d, p).c
    assert c > 0
    try:
        r = theory.dimension_b6(beta, k, c, p)
    except ValueError:
        return  # a exp(-b) < -1/e: no real root (then d is not a root of (361) either)
    # the root found is one of the (at most two) roots of (361); d is a root too
    x = d - 1
    assert math.log(x) + r.a * x + r.b == pytest.approx(0, abs=1e-9 * max(1.0, abs(r.b)))
    roots = [1 + float(lambertw(r.a * math.exp(-r.b), br).real) / r.a for br in (0, -1)] if r.a < 0 else [r.d]
    assert any(abs(v - d) <= 1e-6 * d for v in roots)


def test_corollary_2_sign_error() -> None:
    """Seed error: eq. (366) 1 + (b - ln(-a))/a has the wrong sign for a < 0; the corrected Lambert-free
    dimension 1 + e/(e-1) (b - ln(-a))/(-a) bounds Theorem B6's d from above (eq. (370))."""
    c = theory.capacity_b5(2.0, 1.0, 30, 0.01).c
    r = theory.dimension_b6(2.0, 1.0, c, 0.01)
    assert r.branch == -1 and r.holds_above and r.d == pytest.approx(30, rel=1e-9)
    assert r.d_corollary_seed < 0 < r.d < r.d_corollary
    # the seed's example beta = 1, K = 3, c = 2, p = 0.001 violates its own assumption (367)
    with pytest.raises(ValueError, match=r"c must be a base for which a exp\(-b\) >= -1/e"):
        theory.dimension_b6(1.0, 3.0, 2.0, 0.001)


def test_theorem_b7_example_is_off() -> None:
    """Seed error: (376) with beta = 1, K = 3, c = 2 holds from d = 21, not from d >= 17 as printed."""
    assert theory.min_dimension_b7(1.0, 3.0, 2.0) == 21
    assert not theory.capacity_b7(1.0, 3.0, 2.0, 17)[0]
    assert not theory.capacity_b7(1.0, 3.0, 2.0, 20)[0]
    assert all(theory.capacity_b7(1.0, 3.0, 2.0, d)[0] for d in range(21, 200))
    assert theory.capacity_b7(1.0, 3.0, 2.0, 21)[1] == pytest.approx(2**5)
    best = theory.capacity_b7_best(1.0, 3.0, 40)
    assert best > 32 and theory.capacity_b7(1.0, 3.0, best ** (4 / 39) * 0.999, 40)[0]


def test_classical_and_dense_capacity() -> None:
    cl = theory.classical_capacity(1000)
    assert cl["hebb_error_tolerant"] == pytest.approx(138.0)
    assert cl["one_pattern_stable"] == pytest.approx(1000 / (2 * math.log(1000)))
    assert cl["all_patterns_stable"] == pytest.approx(cl["one_pattern_stable"] / 2)
    assert theory.dense_capacity_alpha(0.0) == pytest.approx(math.log(2) / 2)  # I(1)/2
    a = 1 - 2 * 0.1
    assert theory.dense_capacity_alpha(0.1) == pytest.approx(
        ((1 + a) * math.log(1 + a) + (1 - a) * math.log(1 - a)) / 4
    )
    assert theory.dense_capacity_alpha(0.49) < 0.001
    assert theory.dense_capacity(10) == pytest.approx(math.exp(5 * math.log(2)) + 1)


def test_measured_capacity_is_above_theorem_b5() -> None:
    """Random patterns on the sphere M = 3 sqrt(d-1), beta = 1: at N = the Theorem B5 bound (p = 0.2)
    every pattern is stored (Definition B4, checked by simulation) in every trial."""
    d, p = 12, 0.2
    b5 = theory.capacity_b5(1.0, 3.0, d, p)
    assert b5.valid
    n = max(2, math.ceil(b5.n_patterns))
    for t in range(5):
        x = theory.sphere_patterns(n, d, 3 * math.sqrt(d - 1), seed=t)
        assert theory.stored_patterns(x, 1.0, n_queries=2, seed=t).all_stored


def test_stored_patterns_detects_failure() -> None:
    """Two nearly equal patterns are not stored separately; well separated ones are."""
    x = theory.sphere_patterns(5, 6, 10.0, seed=1)
    assert theory.stored_patterns(x, 1.0, seed=2).all_stored
    x[1] = x[0] * 0.999 + 0.001 * x[2]
    check = theory.stored_patterns(x, 1.0, seed=2)
    assert not check.stored[0] and not check.stored[1] and check.stored[3]


def test_stored_patterns_fixed_point_outside_sphere() -> None:
    """Two antipodal patterns, beta M^2 = 1.1: the fixed point lies 0.5 M from x_i, outside S_i (radius
    M / 2.2), although it attracts S_i and the spheres are disjoint: not stored (Definition B4)."""
    m = 2.0
    x = [[m, 0.0], [-m, 0.0]]
    check = theory.stored_patterns(np.array(x), 1.1 / m**2, n_queries=3, seed=0)
    assert check.attracts.all() and check.disjoint.all()
    assert not check.in_sphere.any() and not check.stored.any()
    assert check.radius == pytest.approx(m / 2.2)
    assert check.all_stored is False


def test_rate_function_and_dense_capacity_alpha_agree() -> None:
    """Theorem B10's exponent is I(1 - 2 rho)/2, with one rate function (I(0) = 0, I(1) = ln 2)."""
    assert theory.rate_function(0.0) == 0.0 and theory.rate_function(1.0) == math.log(2)
    for rho in (0.0, 0.1, 0.125, 0.3, 0.49):
        assert theory.dense_capacity_alpha(rho) == theory.rate_function(1 - 2 * rho) / 2


def test_poly_capacity_theory_large_and_bad_input() -> None:
    """Beyond the float range: inf, not an OverflowError; bad arguments: named errors."""
    assert theory.poly_capacity_theory(2, 100, 0.01) == pytest.approx(1 + 100 / 2.3263478740408408**2)
    assert theory.poly_capacity_theory(300, 10**6, 0.01) == math.inf
    assert theory.double_factorial(7) == 105 and theory.double_factorial(-1) == 1
    for fn, args, name in (
        (theory.rate_function, (1.5,), "a"),
        (theory.poly_capacity_theory, (1, 10, 0.01), "n"),
        (theory.poly_capacity_theory, (3, 0, 0.01), "d"),
        (theory.poly_capacity_theory, (3, 10, 0.5), "error"),
        (theory.double_factorial, (-2,), "k"),
    ):
        with pytest.raises(ValueError, match=f"^{name} "):
            fn(*args)
