"""Replica-symmetric (AGS) theory of the Hopfield model at finite load, and Glauber simulation against
Curie-Weiss (003 §2.2; the replica theory goes beyond the seeds)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import erf

from hopfield import statmech as sm


def _gauss(fn) -> float:
    return quad(lambda z: fn(z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi), -12, 12, limit=400)[0]


def test_alpha_c_at_zero_temperature() -> None:
    """alpha_c(T = 0) = 0.138 (Amit, Gutfreund, Sompolinsky): the maximum of the T = 0 retrieval branch."""
    a = sm.ags_alpha_c(0.0)
    assert a == pytest.approx(0.1379, abs=2e-4)
    y = np.linspace(0.5, 3, 20001)
    alpha = 0.5 * (erf(y) / y - 2 / math.sqrt(math.pi) * np.exp(-y * y)) ** 2
    assert a == pytest.approx(float(alpha.max()), rel=1e-6)
    assert sm.ags_alpha_c(1.0) == 0.0
    # the low-T limit of the finite-T branch reaches the T = 0 value (slightly reentrant in between)
    assert sm.ags_alpha_c(0.05) == pytest.approx(a, abs=2e-3)
    assert sm.ags_alpha_c(0.5) < sm.ags_alpha_c(0.3) < sm.ags_alpha_c(0.1)


def test_retrieval_solution_solves_the_saddle_point_equations() -> None:
    """m = <tanh b(m + s z)>, q = <tanh^2 b(m + s z)>, s^2 = alpha q / (1 - b (1 - q))^2, by quadrature."""
    alpha, t = 0.05, 0.3
    st = sm.ags_retrieval(alpha, t)
    assert st is not None and st.kind == "retrieval" and st.alpha == pytest.approx(alpha, rel=1e-9)
    b, s = 1 / t, st.sigma
    m = _gauss(lambda z: math.tanh(b * (st.m + s * z)))
    q = _gauss(lambda z: math.tanh(b * (st.m + s * z)) ** 2)
    assert st.m == pytest.approx(m, abs=1e-7) and st.q == pytest.approx(q, abs=1e-7)
    assert s * s == pytest.approx(alpha * q / (1 - b * (1 - q)) ** 2, rel=1e-6)
    assert st.m > 0.9
    assert sm.ags_retrieval(0.2, t) is None  # beyond alpha_M(T)


def test_zero_load_is_curie_weiss() -> None:
    """At alpha = 0 the retrieval state is the pure state m = tanh(beta m) with the Curie-Weiss f."""
    st = sm.ags_retrieval(0.0, 0.5)
    assert st.m == pytest.approx(sm.curie_weiss_magnetization(0.5), abs=1e-10)
    assert st.free_energy == pytest.approx(sm.curie_weiss_free_energy(st.m, 2.0), abs=1e-9)
    small = sm.ags_retrieval(1e-5, 0.5)
    assert small.m == pytest.approx(st.m, abs=1e-3)


def test_free_energy_is_stationary() -> None:
    """The RS free energy is stationary in m along the solution family: f(m) at the solution is below
    nearby trial values of the m-dependent part (a maximum over q, r and a minimum over m)."""
    alpha, t = 0.03, 0.4
    st = sm.ags_retrieval(alpha, t)
    b, s = 1 / t, st.sigma

    def f_m(m: float) -> float:
        return m * m / 2 - _gauss(lambda z: math.log(2 * math.cosh(b * (m + s * z)))) / b

    h = 1e-4
    assert (f_m(st.m + h) - f_m(st.m - h)) / (2 * h) == pytest.approx(0, abs=1e-6)
    assert f_m(st.m + 1e-2) > f_m(st.m) and f_m(st.m - 1e-2) > f_m(st.m)


def test_spin_glass_and_phase_lines() -> None:
    """T_g = 1 + sqrt(alpha); the spin-glass solution exists below it only; retrieval is the global
    minimum only at low load (alpha_c(T = 0) ~ 0.051, literature)."""
    assert sm.spin_glass_temperature(0.04) == pytest.approx(1.2)
    assert sm.ags_spin_glass(0.04, 1.25) is None
    sg = sm.ags_spin_glass(0.04, 0.5)
    assert sg is not None and sg.m == 0.0 and sg.q > 0 and sg.alpha == pytest.approx(0.04, rel=1e-8)
    low, high = sm.ags_retrieval(0.02, 0.1), sm.ags_retrieval(0.1, 0.1)
    assert low.free_energy < sm.ags_spin_glass(0.02, 0.1).free_energy
    assert high.free_energy > sm.ags_spin_glass(0.1, 0.1).free_energy
    pdg = sm.ags_phase_diagram(np.array([0.0, 0.3, 0.6]))
    assert pdg.alpha_m[0] == pytest.approx(0.1379, abs=2e-4)
    assert pdg.alpha_c[0] == pytest.approx(0.0519, abs=1e-3)  # literature: 0.051
    assert np.all(pdg.alpha_c < pdg.alpha_m) and np.all(np.diff(pdg.alpha_m) < 0)
    assert np.isnan(sm.ags_phase_diagram(np.array([0.2]), global_line=False).alpha_c[0])


# ------------------------------------------------------------------------------------- Glauber
def test_glauber_matches_curie_weiss() -> None:
    """Glauber dynamics of a Hebbian network with one stored pattern (d = 2000, the classical network's
    sampler) follows the Curie-Weiss m(T) within 0.03 (short chains for CI)."""
    temps = [0.3, 0.5, 0.8, 1.2]
    res = sm.glauber_magnetization(temps, 2000, n_chains=8, n_sweeps=30, burn_in=15, seed=3)
    tdl = sm.curie_weiss_magnetization(temps)
    assert np.all(np.abs(res.m - tdl) <= 0.03)
    assert res.m_abs[-1] == pytest.approx(sm.curie_weiss_finite_size_magnetization(1.2, 2000), abs=0.02)
    # 003 §2.2.1 calls this network a Curie-Weiss model with J = 2: that predicts m(1.2) = 0.86, not 0
    assert sm.curie_weiss_magnetization(1.2, J=2.0) > 0.8 and abs(res.m[-1]) < 0.03


@pytest.mark.slow
def test_glauber_matches_curie_weiss_full() -> None:
    """Full check, T in [0.2, 1.2]: the signed overlap within 0.03 of the thermodynamic limit outside the
    critical window |T - 1| < 0.075, and E|m| within 0.03 of the exact d = 2000 law everywhere."""
    temps = np.round(np.arange(0.2, 1.2001, 0.05), 2)
    res = sm.glauber_magnetization(temps, 2000, n_chains=32, n_sweeps=150, burn_in=50, seed=0)
    window = np.abs(temps - 1) < 0.075
    tdl = sm.curie_weiss_magnetization(temps)
    fin = np.array([sm.curie_weiss_finite_size_magnetization(float(t), 2000) for t in temps])
    assert np.all(np.abs(res.m - tdl)[~window] <= 0.03)
    assert np.all(np.abs(res.m_abs - fin) <= 0.03)
