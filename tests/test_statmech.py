"""Curie-Weiss model and the Hopfield model at low load (003 §2.2) as tests."""

from __future__ import annotations

import itertools
import math

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

from hopfield import statmech as sm


# ------------------------------------------------------------------------------------- Curie-Weiss
def test_free_energy_formula_and_derivative() -> None:
    """f(m) = -J m^2/2 - h m + T[(1+m)/2 ln((1+m)/2) + (1-m)/2 ln((1-m)/2)]; f'(m) = -J m - h + T atanh(m)."""
    beta, J, h = 1.7, 1.3, 0.2
    m = np.linspace(-0.95, 0.95, 41)
    f = sm.curie_weiss_free_energy(m, beta, J, h)
    ent = (1 + m) / 2 * np.log((1 + m) / 2) + (1 - m) / 2 * np.log((1 - m) / 2)
    np.testing.assert_allclose(f, -J * m**2 / 2 - h * m + ent / beta, rtol=1e-13)
    eps = 1e-6
    num = (
        sm.curie_weiss_free_energy(m + eps, beta, J, h) - sm.curie_weiss_free_energy(m - eps, beta, J, h)
    ) / (2 * eps)
    np.testing.assert_allclose(num, -J * m - h + np.arctanh(m) / beta, atol=1e-8)
    assert sm.curie_weiss_free_energy(1.0, 2.0) == pytest.approx(-0.5)  # xlogy(0, 0) = 0 at the ends


def _brute_roots(beta: float, J: float, h: float) -> list[float]:
    """Sign changes of m - tanh(beta (J m + h)) on a fine grid (slow reference)."""
    m = np.linspace(-1 + 1e-12, 1 - 1e-12, 400001)
    g = m - np.tanh(beta * (J * m + h))
    idx = np.flatnonzero(np.sign(g[:-1]) != np.sign(g[1:]))
    return [float(m[i]) for i in idx]


@given(beta=st.floats(0.2, 6.0), J=st.floats(0.3, 2.0), h=st.floats(-0.5, 0.5))
def test_every_root_found_with_stability(beta: float, J: float, h: float) -> None:
    """Every root of eq. (2.8) is found; stable roots are local minima of f, unstable ones maxima."""
    roots = sm.curie_weiss_roots(beta, J, h)
    brute = _brute_roots(beta, J, h)
    if h != 0:  # tangential double roots have no sign change; skip those rare cases
        assert len(roots) >= len(brute)
    for r in roots:
        assert r.m == pytest.approx(math.tanh(beta * (J * r.m + h)), abs=1e-12)
        if abs(r.m) < 1 - 1e-3 and abs(r.curvature) > 1e-6:
            d = 1e-4
            f0 = sm.curie_weiss_free_energy(r.m, beta, J, h)
            side = min(
                sm.curie_weiss_free_energy(r.m + d, beta, J, h),
                sm.curie_weiss_free_energy(r.m - d, beta, J, h),
            )
            assert (side > f0) == r.stable
    for b in brute:
        assert min(abs(b - r.m) for r in roots) < 1e-4
    assert sum(r.global_min for r in roots) >= 1


def test_critical_temperature_is_J() -> None:
    """T_c = J (003 §2.2.1): one root at h = 0 for T >= J, three below; m = 0 unstable below."""
    for J in (0.5, 1.0, 2.0):
        assert sm.curie_weiss_critical_temperature(J) == J
        above = sm.curie_weiss_roots(1 / (1.01 * J), J)
        below = sm.curie_weiss_roots(1 / (0.99 * J), J)
        assert [r.m for r in above] == [0.0] and above[0].stable
        assert len(below) == 3 and not below[1].stable and below[0].stable and below[2].stable
        assert below[0].m == pytest.approx(-below[2].m)
    at = sm.curie_weiss_roots(1.0, 1.0)
    assert len(at) == 1 and at[0].m == 0.0 and at[0].stable  # quartic minimum at T = T_c
    assert sm.curie_weiss_magnetization(1.5) == 0.0
    assert sm.curie_weiss_magnetization(0.0) == 1.0
    np.testing.assert_allclose(sm.curie_weiss_magnetization([0.5, 2.0]), [0.957504024077, 0.0], atol=1e-10)


@pytest.mark.parametrize("J", [1.0, 2.0])
def test_near_critical_law(J: float) -> None:
    """m ~ sqrt(3 (beta J - 1)/(beta J)^3) near T_c: relative error -> 0 linearly in beta J - 1."""
    errs = []
    for eps in (1e-2, 1e-3, 1e-4):
        beta = (1 + eps) / J
        exact = sm.curie_weiss_magnetization(1 / beta, J)
        law = sm.curie_weiss_critical_magnetization(beta, J)
        errs.append(abs(exact / law - 1))
    assert errs[0] < 0.01 and errs[2] < 1e-4
    assert errs[1] / errs[0] == pytest.approx(0.1, rel=0.05)  # linear convergence
    # next order: m = sqrt(3 delta - 2.4 delta^2) with delta = 1 - 1/(beta J), so m / law = 1 + 0.6 delta
    delta = 1 - 1 / (1 + 1e-4)
    assert errs[2] / delta == pytest.approx(0.6, abs=1e-3)
    assert sm.curie_weiss_critical_magnetization(0.5 / J, J) == 0.0


def test_field_breaks_symmetry() -> None:
    """With h > 0 the global minimum is the positive root; a metastable negative root survives at low T."""
    roots = sm.curie_weiss_roots(2.0, 1.0, 0.1)
    assert len(roots) == 3
    assert roots[2].global_min and roots[2].m > 0.9 and roots[0].stable and not roots[0].global_min
    assert len(sm.curie_weiss_roots(2.0, 1.0, 1.0)) == 1


def test_extreme_low_temperature() -> None:
    """Roots within rounding of +-1 are still found (solved in y = beta (J m + h))."""
    roots = sm.curie_weiss_roots(1e3)
    assert [r.m for r in roots] == [-1.0, 0.0, 1.0] and roots[0].stable and roots[2].stable


def _exact_finite(temperature: float, n: int) -> float:
    """E|m| by enumerating all 2^n states with H = -(1/2) sum_{i != j} (1/n) s_i s_j (slow reference)."""
    z = em = 0.0
    for s in itertools.product((-1, 1), repeat=n):
        tot = sum(s)
        energy = -0.5 * (tot * tot - n) / n
        w = math.exp(-energy / temperature)
        z += w
        em += w * abs(tot) / n
    return em / z


@pytest.mark.parametrize("temperature", [0.3, 1.0, 2.5])
def test_finite_size_magnetization_by_enumeration(temperature: float) -> None:
    """The exact finite-size E|m| equals enumeration of all 2^10 states of the one-pattern network."""
    assert sm.curie_weiss_finite_size_magnetization(temperature, 10) == pytest.approx(
        _exact_finite(temperature, 10), rel=1e-12
    )


# ------------------------------------------------------------------------------------- Hopfield, low load
def test_pure_states_minima_below_one() -> None:
    """Pure states (n = 1) reduce to Curie-Weiss (J = 1) and are minima for every T < 1 (Lemma 2.2.3)."""
    for t in (0.1, 0.5, 0.9, 0.99):
        s = sm.mixture_state(1, t, n_patterns=5)
        assert s.m == pytest.approx(sm.curie_weiss_magnetization(t), abs=1e-12) and s.stable
    assert sm.mixture_state(1, 1.2).m == 0.0
    assert sm.mixture_critical_temperature(1) == 1.0


def test_odd_mixtures_metastable_even_never() -> None:
    """n = 3 is a minimum below T_3 ~ 0.46 (literature 0.461), not above; even n never; T_5 < T_3."""
    t3 = sm.mixture_critical_temperature(3)
    assert 0.455 < t3 < 0.465
    assert sm.mixture_state(3, t3 - 0.01).stable and not sm.mixture_state(3, t3 + 0.01).stable
    t5 = sm.mixture_critical_temperature(5)
    assert 0.35 < t5 < t3
    for n in (2, 4, 6):
        assert math.isnan(sm.mixture_critical_temperature(n))
        assert not any(sm.mixture_state(n, t).stable for t in (0.05, 0.2, 0.5, 0.9))
    # f(m^1) < f(m^3) < f(m^5) (003 §2.2.2)
    f = [sm.mixture_state(n, 0.2).free_energy for n in (1, 3, 5)]
    assert f[0] < f[1] < f[2]


def test_mixture_matches_general_solver_and_hessian() -> None:
    """The symmetric mixture solves eq. (2.10) exactly (enumeration over 2^P) and its three Hessian
    eigenvalues match the full Hessian of eq. (2.9) (finite differences of the free energy)."""
    t, n, p = 0.35, 3, 5
    mix = sm.mixture_state(n, t, n_patterns=p)
    m0 = np.array([mix.m] * n + [0.0] * (p - n))
    sol = sm.mean_field_solve(m0 * 1.05 + 0.01 * np.arange(p), t)
    assert sol.converged
    np.testing.assert_allclose(np.sort(sol.m)[::-1], np.sort(m0)[::-1], atol=1e-10)
    assert sol.free_energy == pytest.approx(mix.free_energy, abs=1e-12)
    h = 1e-4
    hess = np.empty((p, p))
    for i in range(p):
        for j in range(p):

            def f(a: float, b: float, i: int = i, j: int = j) -> float:
                v = m0.copy()
                v[i] += a
                v[j] += b
                return sm.hopfield_free_energy(v, t)

            hess[i, j] = (f(h, h) - f(h, -h) - f(-h, h) + f(-h, -h)) / (4 * h * h)
    eig = np.sort(np.linalg.eigvalsh(hess))
    expect = sorted(
        [mix.eigenvalues["parallel"]]
        + [mix.eigenvalues["transverse"]] * (n - 1)
        + [mix.eigenvalues["outside"]] * (p - n)
    )
    np.testing.assert_allclose(eig, expect, atol=1e-5)
    np.testing.assert_allclose(sol.eigenvalues, expect, atol=1e-9)


def test_only_zero_solution_above_one() -> None:
    """Lemma 2.2.1 of 003: for beta < 1 the only solution of eq. (2.10) is m = 0."""
    rng = np.random.default_rng(0)
    for _ in range(5):
        sol = sm.mean_field_solve(rng.uniform(-1, 1, 4), 1.3)
        assert sol.converged and np.abs(sol.m).max() < 1e-10 and sol.stable
