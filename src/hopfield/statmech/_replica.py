"""Replica-symmetric theory of the Hopfield model at finite load (Amit, Gutfreund, Sompolinsky 1985/87).

Beyond the seeds (003 §2.2.2 stops at low load). With ``alpha = P / N`` and ``Dz`` the standard Gaussian
measure, the replica-symmetric saddle point of a retrieval state with overlap ``m`` solves

    m = <tanh beta (m + sigma z)>,   q = <tanh^2 beta (m + sigma z)>,   r = q / (1 - beta (1 - q))^2,

with ``sigma^2 = alpha r``, and its free energy per neuron is

    f = alpha/2 + m^2/2 + alpha/(2 beta) [ln(1 - C) - beta q / (1 - C)] + sigma^2 C / 2
        - (1/beta) <ln 2 cosh beta (m + sigma z)>,      C = beta (1 - q).

Parametrizing the solutions by ``sigma`` makes each a one-dimensional root: for fixed ``sigma`` the
overlap equation has a unique positive root (the right side is concave in ``m > 0``), then
``alpha = sigma^2 (1 - C)^2 / q``. At ``T = 0`` with ``y = m / (sqrt(2) sigma)``:
``m = erf(y)`` and ``alpha = (erf(y)/y - 2/sqrt(pi) e^{-y^2})^2 / 2``, whose maximum is
``alpha_c = 0.138``. Lines of the phase diagram: ``T_g = 1 + sqrt(alpha)`` (spin glass),
``T_M(alpha)`` (retrieval states exist below) and ``T_c(alpha)`` (retrieval states are global minima).

The Gaussian averages come from :mod:`hopfield.statmech._gauss`, accurate at every temperature down to
the smallest float; every root search is bracketed and budgeted (:func:`hopfield.statmech._common.root`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import erf

from hopfield._validate import check_bool, check_nonnegative, check_positive
from hopfield.statmech._common import as_values, root
from hopfield.statmech._gauss import averages, mean_c, mean_tanh

__all__ = [
    "PhaseDiagram",
    "ReplicaState",
    "ags_alpha_c",
    "ags_phase_diagram",
    "ags_retrieval",
    "ags_spin_glass",
    "spin_glass_temperature",
]

_SIGMA_HI = 10.0  # C(m = 0, sigma) <= 0.8 / sigma < 1 here at every temperature
_MAX_DOUBLINGS = 1100  # of the spin-glass bracket: sigma up to 2**1100 covers every finite alpha


def _m_of_sigma(t: float, sigma: float) -> float:
    """The positive root of ``m = <tanh (m + sigma z) / T>``, or 0 if there is none."""
    if mean_c(t, 0.0, sigma) <= 1.0:
        return 0.0

    def g(m: float) -> float:
        return m - mean_tanh(t, m, sigma)

    lo = 1e-9
    if g(lo) >= 0:
        return 0.0
    return root(g, lo, 1.0, xtol=1e-14)


@dataclass(frozen=True)
class ReplicaState:
    """A replica-symmetric solution: ``alpha``, ``temperature``, overlap ``m``, Edwards-Anderson ``q``,
    ``r``, ``sigma = sqrt(alpha r)``, free energy ``f`` per neuron, and ``kind`` (``"retrieval"`` or
    ``"spin-glass"``)."""

    alpha: float
    temperature: float
    m: float
    q: float
    r: float
    sigma: float
    free_energy: float
    kind: str


def _state(t: float, sigma: float, m: float, kind: str) -> ReplicaState:
    avg = averages(t, m, sigma)
    q, c = avg.q, avg.c
    if c >= 1.0 or q <= 0.0:  # outside the physical range (1 - beta (1 - q) > 0)
        return ReplicaState(math.nan, t, m, q, math.nan, sigma, math.nan, kind)
    alpha = sigma**2 * (1.0 - c) ** 2 / q
    r = sigma**2 / alpha if alpha > 0 else q
    f = (
        alpha / 2
        + m * m / 2
        + alpha * t * math.log(1.0 - c) / 2
        - alpha * q / (2 * (1.0 - c))
        + sigma**2 * c / 2
        - avg.free
    )
    return ReplicaState(alpha, t, m, q, r, sigma, f, kind)


def _sigma_edge(t: float) -> float:
    """The ``sigma`` where ``beta <sech^2(beta sigma z)> = 1`` (``C = 1`` at ``m = 0``), for ``T < 1``."""
    return root(lambda s: mean_c(t, 0.0, s) - 1.0, 1e-12, _SIGMA_HI, xtol=1e-12)


def _retrieval_branch(t: float) -> tuple[float, float]:
    """``(sigma at alpha_max, alpha_max)`` of the stable retrieval branch at ``T < 1``."""
    s_edge = _sigma_edge(t)  # the largest sigma with a positive overlap

    def neg_alpha(s: float) -> float:
        m = _m_of_sigma(t, s)
        if m == 0.0:
            return 0.0
        st = _state(t, s, m, "retrieval")
        return 0.0 if math.isnan(st.alpha) else -st.alpha

    grid = np.geomspace(1e-4, s_edge * (1 - 1e-9), 60)
    vals = np.array([neg_alpha(s) for s in grid])
    k = int(vals.argmin())
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    res = minimize_scalar(
        neg_alpha, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10, "maxiter": 500}
    )
    best = res.x if res.fun < vals[k] else grid[k]
    return float(best), -min(float(res.fun), float(vals[k]))


def ags_alpha_c(temperature: float = 0.0) -> float:
    """``alpha_M(T)``: the largest load at which retrieval states exist (0.138 at T = 0), 0 for T >= 1.

    ``temperature``: a finite number >= 0.

    Examples
    --------
    >>> round(ags_alpha_c(0.0), 4)
    0.1379
    """
    t = check_nonnegative(temperature, "temperature")
    if t >= 1.0:
        return 0.0
    if t == 0.0:
        res = minimize_scalar(
            lambda y: -0.5 * (erf(y) / y - 2 / math.sqrt(math.pi) * math.exp(-y * y)) ** 2,
            bounds=(0.5, 3.0),
            method="bounded",
            options={"xatol": 1e-12, "maxiter": 500},
        )
        return float(-res.fun)
    return _retrieval_branch(t)[1]


def _load_root(g: Any, hi: float) -> float:
    """The smallest-``sigma`` root of ``g(sigma) = alpha(sigma) - alpha`` below ``hi`` (``g(hi) >= 0``).

    ``alpha(sigma) ~ sigma^2`` near 0: the lower end moves down until ``g < 0`` (a tiny load), at most to
    ``1e-300``.
    """
    lo = 1e-9
    while g(lo) >= 0 and lo > 1e-300:
        lo *= 1e-10
    return root(g, lo, hi, xtol=1e-300) if g(lo) < 0 else lo


def ags_retrieval(alpha: float, temperature: float) -> ReplicaState | None:
    """The stable retrieval solution of the replica-symmetric equations at ``(alpha, T)``, ``T > 0``.

    ``None`` when ``alpha > alpha_M(T)`` (no retrieval state). ``alpha = 0`` gives the Curie-Weiss/pure
    state ``m = tanh(beta m)``. ``alpha``: a finite number >= 0; ``temperature``: positive and finite.
    """
    alpha = check_nonnegative(alpha, "alpha")
    t = check_positive(temperature, "temperature")
    if t >= 1.0:
        return None
    if alpha == 0.0:
        m = _m_of_sigma(t, 0.0)
        return _state(t, 0.0, m, "retrieval") if m > 0 else None
    s_best, a_max = _retrieval_branch(t)
    if alpha > a_max:
        return None

    def g(s: float) -> float:
        return _state(t, s, _m_of_sigma(t, s), "retrieval").alpha - alpha

    s = _load_root(g, s_best) if alpha < a_max else s_best
    return _state(t, s, _m_of_sigma(t, s), "retrieval")


def spin_glass_temperature(alpha: float) -> float:
    """``T_g = 1 + sqrt(alpha)``: below it the spin-glass solution (m = 0, q > 0) exists."""
    return 1.0 + math.sqrt(check_nonnegative(alpha, "alpha"))


def ags_spin_glass(alpha: float, temperature: float) -> ReplicaState | None:
    """The spin-glass solution ``m = 0, q > 0`` at ``(alpha, T)``; ``None`` for ``T >= 1 + sqrt(alpha)``.

    ``alpha`` and ``temperature``: positive finite numbers. ``sigma`` is bracketed between the edge of
    the physical range (``C = 1``, for ``T < 1``) and a doubling upper end, then found by Brent's method.
    A load below the resolution of ``sigma`` near the edge (``alpha`` of order ``1e-30`` and below)
    gives the solution at the edge, whose ``alpha`` field says the load actually solved.
    """
    alpha = check_positive(alpha, "alpha")
    t = check_positive(temperature, "temperature")
    if t >= spin_glass_temperature(alpha):
        return None

    def g(s: float) -> float:
        avg = averages(t, 0.0, s)
        if avg.c >= 1.0 or avg.q <= 0.0:
            return -alpha
        return s * s * (1.0 - avg.c) ** 2 / avg.q - alpha

    lo = _sigma_edge(t) if t < 1.0 else 1e-6
    while t >= 1.0 and g(lo) >= 0 and lo > 1e-300:
        lo *= 1e-10
    hi = max(1.0, 2.0 * lo)
    for _ in range(_MAX_DOUBLINGS):
        if g(hi) >= 0:
            break
        hi *= 2.0
    s = root(g, lo, hi, xtol=1e-13)
    state = _state(t, s, 0.0, "spin-glass")
    step = 2.0**-52
    for _ in range(64):  # rounding left s on the unphysical side of the edge (C >= 1): step inside
        if not math.isnan(state.alpha):
            break
        s, step = s * (1.0 + step), 2.0 * step
        state = _state(t, s, 0.0, "spin-glass")
    return state


@dataclass(frozen=True)
class PhaseDiagram:
    """The ``(alpha, T)`` phase diagram (AGS): arrays over ``temperatures``.

    ``alpha_m``: retrieval states exist for ``alpha < alpha_m(T)``; ``alpha_c``: they are global minima
    for ``alpha < alpha_c(T)`` (nan where not found); ``alpha_g``: spin-glass states exist for
    ``alpha > alpha_g(T) = (T - 1)^2`` when ``T > 1`` (0 below). In the form and dtype of the
    temperatures given.
    """

    temperatures: Any
    alpha_m: Any
    alpha_c: Any
    alpha_g: Any


def _alpha_global(t: float) -> float:
    """Load at which the retrieval state's free energy equals the spin glass's, at ``T < 1``."""
    s_best, _ = _retrieval_branch(t)

    def df(s: float) -> float:
        r = _state(t, s, _m_of_sigma(t, s), "retrieval")
        sg = ags_spin_glass(r.alpha, t) if r.alpha > 0 else None
        return r.free_energy - (sg.free_energy if sg is not None else math.inf)

    grid = np.geomspace(1e-3, s_best, 25)
    vals = np.array([df(s) for s in grid])
    sign = np.flatnonzero((vals[:-1] < 0) & (vals[1:] >= 0))
    if sign.size == 0:
        return math.nan
    k = int(sign[0])
    s = root(df, float(grid[k]), float(grid[k + 1]), xtol=1e-10)
    return _state(t, s, _m_of_sigma(t, s), "retrieval").alpha


def _alpha_global_t0() -> float:
    """``alpha`` where retrieval and spin-glass ground-state energies are equal at ``T = 0`` (~0.0519)."""

    def energy(alpha: float, m: float, sigma: float, c: float) -> float:
        mean_abs = m * float(erf(m / (math.sqrt(2) * sigma))) + sigma * math.sqrt(2 / math.pi) * math.exp(
            -(m * m) / (2 * sigma * sigma)
        )
        return alpha / 2 + m * m / 2 - alpha / (2 * (1 - c)) + alpha * c / (2 * (1 - c) ** 2) - mean_abs

    def gap(y: float) -> float:
        m = float(erf(y))
        sigma = m / (math.sqrt(2) * y)
        c = math.sqrt(2 / math.pi) * math.exp(-y * y) / sigma
        alpha = sigma**2 * (1 - c) ** 2
        a = math.sqrt(2 / (math.pi * alpha))
        c_sg = a / (1 + a)
        return energy(alpha, m, sigma, c) - energy(alpha, 0.0, math.sqrt(alpha) / (1 - c_sg), c_sg)

    y = root(gap, 1.6, 4.0, xtol=1e-14)
    m = float(erf(y))
    sigma = m / (math.sqrt(2) * y)
    return sigma**2 * (1 - math.sqrt(2 / math.pi) * math.exp(-y * y) / sigma) ** 2


def ags_phase_diagram(temperatures: Any = None, *, global_line: bool = True) -> PhaseDiagram:
    """Compute ``alpha_M(T)``, ``alpha_c(T)`` and ``alpha_g(T)`` on a temperature grid (default 0..0.95).

    ``temperatures``: a number or a non-empty 1-d array (NumPy, torch or a list) of finite values >= 0;
    the lines come back in its form and dtype (NumPy float64 for the default grid). Known values:
    ``alpha_M(0) = 0.138``, ``alpha_c(0) ~ 0.051``; ``alpha_M(T) -> 0`` as ``T -> 1``.
    ``global_line=False`` skips the (slower) ``alpha_c`` line.
    """
    global_line = check_bool(global_line, "global_line")
    if temperatures is None:
        temperatures = np.linspace(0.0, 0.95, 20)
    values = as_values(temperatures, "temperatures", low=0.0, ranks=(0, 1), shape="(n_temperatures,)")
    temps = np.atleast_1d(values.array)
    am = np.array([ags_alpha_c(float(t)) for t in temps])
    ac = np.full_like(am, math.nan)
    if global_line:
        for k, t in enumerate(temps):
            if t == 0.0:
                ac[k] = _alpha_global_t0()
            elif t < 1.0:
                ac[k] = _alpha_global(float(t))
    with np.errstate(over="ignore"):  # (T - 1)^2 beyond the float range is inf
        ag = np.where(temps > 1, (temps - 1) ** 2, 0.0)
    back = values.back_1d
    return PhaseDiagram(back(temps), back(am), back(ac), back(ag))
