"""``hopfield.statmech`` at extreme but finite input: the defects of issue 10 as regression tests, the
quadrature that makes the replica theory work at every temperature (against adaptive quadrature), and
the low-temperature limits (closed forms at T = 0)."""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given
from scipy.integrate import quad
from scipy.special import erf

from hopfield import statmech as sm
from hopfield.statmech._common import root, t_logcosh
from hopfield.statmech._gauss import averages, mean_c, mean_tanh


def _reference_averages(t: float, m: float, s: float) -> tuple[float, float, float, float]:
    """<tanh u>, <tanh^2 u>, <sech^2 u>/T and T <ln 2 cosh u>, u = (m + s z)/T, by adaptive quadrature
    split at the step z = -m/s (slow reference)."""

    def avg(g) -> float:
        z0 = -m / s
        total = 0.0
        for a, b in ((-14.0, z0 - 0.5), (z0 - 0.5, z0), (z0, z0 + 0.5), (z0 + 0.5, 14.0)):
            total += quad(
                lambda z: g((m + s * z) / t) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi),
                a,
                b,
                limit=800,
                epsabs=1e-15,
                epsrel=1e-13,
            )[0]
        return total

    sech2 = avg(lambda u: 1 / math.cosh(u) ** 2 if abs(u) < 350 else 0.0)
    lncosh2 = avg(lambda u: abs(u) + math.log1p(math.exp(-2 * abs(u))))
    return avg(math.tanh), 1 - sech2, sech2 / t, t * lncosh2


@pytest.mark.parametrize(
    ("t", "m", "s"),
    [
        (0.5, 0.3, 0.2),
        (0.5, 0.3, 0.5),
        (0.5, 0.3, 0.5 * (1 + 1e-9)),
        (0.3, 0.9, 0.6),
        (0.05, 0.95, 0.3),
        (1e-2, 0.9, 0.25),
        (1e-3, 0.99, 0.3),
        (0.2, 0.0, 0.4),
        (0.9, -0.1, 0.95),
    ],
)
def test_gaussian_averages_match_adaptive_quadrature(t: float, m: float, s: float) -> None:
    """Both regimes (grid in z for sigma <= T, split step + Gauss-Legendre in u below) to 1e-13."""
    got = averages(t, m, s)
    for value, ref in zip((got.tanh, got.q, got.c, got.free), _reference_averages(t, m, s), strict=True):
        assert value == pytest.approx(ref, abs=2e-13)
    assert mean_tanh(t, m, s) == got.tanh and mean_c(t, m, s) == got.c


def test_gaussian_averages_at_zero_temperature_limit() -> None:
    """T -> 0: <tanh> -> erf(m / (sqrt 2 sigma)), C -> sqrt(2/pi) e^{-a^2/2} / sigma and
    T <ln 2cosh> -> E|m + s z|."""
    m, s = 0.7, 0.4
    a = m / s
    got = averages(5e-324, m, s)
    assert got.tanh == pytest.approx(float(erf(a / math.sqrt(2))), rel=1e-15)
    assert got.c == pytest.approx(math.sqrt(2 / math.pi) * math.exp(-a * a / 2) / s, rel=1e-14)
    assert got.free == pytest.approx(
        m * float(erf(a / math.sqrt(2))) + s * math.sqrt(2 / math.pi) * math.exp(-a * a / 2)
    )
    assert got.q == 1.0


def test_issue_10_spin_glass_at_tiny_temperature() -> None:
    """``ags_spin_glass(0.1, 1e-300)`` surfaced a SciPy bracket message: the grid could not resolve tanh.
    At T -> 0, C = sqrt(2/pi)/sigma and alpha = sigma^2 (1 - C)^2, so sigma = sqrt(alpha) + sqrt(2/pi)."""
    sg = sm.ags_spin_glass(0.1, 1e-300)
    assert sg is not None and sg.alpha == pytest.approx(0.1, rel=1e-12) and sg.q == 1.0
    assert sg.sigma == pytest.approx(math.sqrt(0.1) + math.sqrt(2 / math.pi), rel=1e-12)
    assert sm.ags_spin_glass(0.1, 1e-6).sigma == pytest.approx(sg.sigma, abs=1e-6)  # continuous at T -> 0


def test_issue_10_alpha_c_at_tiny_temperature() -> None:
    """``ags_alpha_c(1e-300)`` raised a RuntimeError (grid too coarse); now it meets the T = 0 value,
    linearly in T (the replica-symmetric line is slightly reentrant)."""
    a0 = sm.ags_alpha_c(0.0)
    assert sm.ags_alpha_c(1e-300) == pytest.approx(a0, rel=1e-13)
    for t in (1e-6, 1e-4, 1e-3):
        assert 0 <= sm.ags_alpha_c(t) - a0 <= 0.05 * t


def test_retrieval_state_at_tiny_temperature_solves_the_zero_temperature_equations() -> None:
    """T -> 0: m = erf(y), y = m / (sqrt 2 sigma), alpha = sigma^2 (1 - C)^2 and
    C = sqrt(2/pi) e^{-y^2} / sigma."""
    st = sm.ags_retrieval(0.1, 1e-300)
    assert st is not None and st.alpha == pytest.approx(0.1, rel=1e-10) and st.q == 1.0
    y = st.m / (math.sqrt(2) * st.sigma)
    assert st.m == pytest.approx(float(erf(y)), abs=1e-12)
    c = math.sqrt(2 / math.pi) * math.exp(-y * y) / st.sigma
    assert st.sigma**2 * (1 - c) ** 2 == pytest.approx(0.1, rel=1e-10)
    assert sm.ags_retrieval(1e-300, 0.3).alpha == pytest.approx(1e-300, rel=0.2)  # a load near 0 is found


def test_tiny_loads_and_temperatures_give_no_nan() -> None:
    for alpha, t in ((5e-324, 0.999), (1e-300, 0.5), (1e300, 0.5), (1.0, 1.5), (0.1, 5e-324)):
        sg = sm.ags_spin_glass(alpha, t)
        assert sg is not None and not any(math.isnan(v) for v in (sg.alpha, sg.q, sg.sigma, sg.free_energy))
    pdg = sm.ags_phase_diagram([5e-324, 1e-3, 0.999999, 2.0])
    assert not np.isnan(pdg.alpha_m).any() and not np.isnan(pdg.alpha_c[:2]).any()


# ------------------------------------------------------------------------------- Curie-Weiss, mean field
@given(beta=st.floats(0.2, 6.0), J=st.floats(0.3, 2.0), h=st.floats(-0.5, 0.5), k=st.integers(-900, 900))
def test_curie_weiss_roots_are_scale_invariant(beta: float, J: float, h: float, k: int) -> None:
    """(beta, J, h) -> (beta 2^k, J / 2^k, h / 2^k) leaves m = tanh(beta (J m + h)) unchanged: solving in
    x = J m + h finds the same roots for every k in the float range (no product beta J formed)."""
    base = [r.m for r in sm.curie_weiss_roots(beta, J, h)]
    s = 2.0**k
    if J / s > 1e300 or beta * s > 1.7e308:
        return
    scaled = [r.m for r in sm.curie_weiss_roots(beta * s, J / s, h / s)]
    assert len(scaled) == len(base)
    assert scaled == pytest.approx(base, abs=1e-12)


def test_curie_weiss_at_extreme_temperatures() -> None:
    assert (
        sm.curie_weiss_magnetization(5e-324) == 1.0 and sm.curie_weiss_magnetization(5e-324, h=-1.0) == -1.0
    )
    assert sm.curie_weiss_magnetization(1e300) == 0.0
    roots = sm.curie_weiss_roots(1.7e308, 1e300, 0.0)
    assert [r.m for r in roots] == [-1.0, 0.0, 1.0] and roots[0].global_min and roots[2].global_min
    assert sm.curie_weiss_roots(1e-300)[0].global_min  # f = -T ln 2 overflows to -inf: still the minimum
    assert sm.curie_weiss_finite_size_magnetization(1e-300, 100) == 1.0
    np.testing.assert_array_equal(
        sm.curie_weiss_critical_magnetization(np.array([1e-300, 1e300])), [0.0, 0.0]
    )


def test_t_logcosh_is_accurate_at_every_scale() -> None:
    x = np.array([-3.0, -1e-9, 0.0, 1e-9, 0.5, 40.0])
    reference = np.where(np.abs(x) < 1e-6, x * x / 2, np.log(np.cosh(x)))  # cosh(1e-9) rounds to 1
    np.testing.assert_allclose(t_logcosh(x, 1.0), reference, rtol=1e-15, atol=0)
    np.testing.assert_allclose(t_logcosh(x, 5e-324), np.abs(x), rtol=1e-15)
    np.testing.assert_allclose(t_logcosh(x, 1e300), x * x / 2e300, rtol=1e-14)  # no cancellation at T >> |x|


def test_mixtures_and_mean_field_at_tiny_temperature() -> None:
    """T -> 0: the symmetric 3-mixture has m = E|z|/3 = 1/2; the free energy is |m|^2/2 - E|m . x|."""
    mix = sm.mixture_state(3, 1e-300)
    assert mix.m == 0.5 and mix.free_energy == pytest.approx(0.125 * 3 - 0.75)
    even = sm.mixture_state(4, 5e-324)
    assert not even.stable and all(not math.isnan(v) for v in even.eigenvalues.values())
    m = np.array([0.5, 0.0, 0.25])
    xs = np.array([[a, b, c] for a in (-1, 1) for b in (-1, 1) for c in (-1, 1)], dtype=float)
    assert sm.hopfield_free_energy(m, 5e-324) == pytest.approx(0.5 * m @ m - np.mean(np.abs(xs @ m)))
    sol = sm.mean_field_solve(m, 5e-324)
    assert not np.isnan(sol.m).any() and not np.isnan(sol.eigenvalues).any()
    assert sm.mixture_state(10**6, 0.3).m < 0.01  # large mixtures: binomial weights from log-gamma


def test_root_never_raises() -> None:
    assert root(lambda x: x - 0.25, 0.0, 1.0) == pytest.approx(0.25)
    assert root(lambda x: x + 1.0, 0.0, 1.0) == 0.0  # no sign change: the end with the smaller |f|


def test_glauber_at_extreme_temperatures() -> None:
    g = sm.glauber_magnetization([5e-324, 1e300], 20, n_chains=2, n_sweeps=3, burn_in=1, seed=0)
    assert g.m[0] == 1.0 and not np.isnan(g.m).any()
