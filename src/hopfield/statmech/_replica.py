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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import erf

from hopfield._validate import check_nonnegative, check_positive
from hopfield.statmech._mean_field import _logcosh, _sech2

__all__ = [
    "PhaseDiagram",
    "ReplicaState",
    "ags_alpha_c",
    "ags_phase_diagram",
    "ags_retrieval",
    "ags_spin_glass",
    "spin_glass_temperature",
]

_Z = np.linspace(-10.0, 10.0, 8001)
_W = np.exp(-0.5 * _Z**2) / math.sqrt(2 * math.pi) * (_Z[1] - _Z[0])
_W /= _W.sum()


def _avg(values: np.ndarray) -> float:
    return float(values @ _W)


def _m_of_sigma(beta: float, sigma: float) -> float:
    """The positive root of ``m = <tanh beta (m + sigma z)>``, or 0 if there is none."""
    if beta * _avg(_sech2(beta * sigma * _Z)) <= 1.0:
        return 0.0

    def g(m: float) -> float:
        return m - _avg(np.tanh(beta * (m + sigma * _Z)))

    lo = 1e-9
    if g(lo) >= 0:
        return 0.0
    return brentq(g, lo, 1.0, xtol=1e-14)


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


def _state(beta: float, sigma: float, m: float, kind: str) -> ReplicaState:
    u = beta * (m + sigma * _Z)
    q = _avg(np.tanh(u) ** 2)
    c = beta * (1.0 - q)
    if c >= 1.0 or q <= 0.0:  # outside the physical range (1 - beta (1 - q) > 0)
        return ReplicaState(math.nan, 1.0 / beta, m, q, math.nan, sigma, math.nan, kind)
    alpha = sigma**2 * (1.0 - c) ** 2 / q
    r = sigma**2 / alpha if alpha > 0 else q
    f = (
        alpha / 2
        + m * m / 2
        + alpha / (2 * beta) * (math.log(1.0 - c) - beta * q / (1.0 - c))
        + sigma**2 * c / 2
        - (_avg(_logcosh(u)) + math.log(2.0)) / beta
    )
    return ReplicaState(alpha, 1.0 / beta, m, q, r, sigma, f, kind)


def _retrieval_branch(beta: float) -> tuple[float, float]:
    """``(sigma_lo, sigma_at_alpha_max)`` of the stable retrieval branch at ``beta``, and alpha_max."""

    # Largest sigma with a positive overlap: beta <sech^2(beta sigma z)> = 1.
    def edge(s: float) -> float:
        return beta * _avg(_sech2(beta * s * _Z)) - 1.0

    s_hi = 10.0
    if edge(s_hi) > 0:
        raise RuntimeError("retrieval branch does not end: temperature too low for the quadrature grid")
    s_edge = brentq(edge, 1e-12, s_hi, xtol=1e-12)

    def neg_alpha(s: float) -> float:
        m = _m_of_sigma(beta, s)
        if m == 0.0:
            return 0.0
        st = _state(beta, s, m, "retrieval")
        return 0.0 if math.isnan(st.alpha) else -st.alpha

    grid = np.geomspace(1e-4, s_edge * (1 - 1e-9), 60)
    vals = np.array([neg_alpha(s) for s in grid])
    k = int(vals.argmin())
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    res = minimize_scalar(neg_alpha, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
    best = res.x if res.fun < vals[k] else grid[k]
    return float(best), -min(float(res.fun), float(vals[k]))


def ags_alpha_c(temperature: float = 0.0) -> float:
    """``alpha_M(T)``: the largest load at which retrieval states exist (0.138 at T = 0), 0 for T >= 1.

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
            options={"xatol": 1e-12},
        )
        return float(-res.fun)
    return _retrieval_branch(1.0 / t)[1]


def ags_retrieval(alpha: float, temperature: float) -> ReplicaState | None:
    """The stable retrieval solution of the replica-symmetric equations at ``(alpha, T)``, ``T > 0``.

    ``None`` when ``alpha > alpha_M(T)`` (no retrieval state). ``alpha = 0`` gives the Curie-Weiss/pure
    state ``m = tanh(beta m)``.
    """
    alpha = check_nonnegative(alpha, "alpha")
    t = check_positive(temperature, "temperature")
    if t >= 1.0:
        return None
    beta = 1.0 / t
    if alpha == 0.0:
        m = _m_of_sigma(beta, 0.0)
        return _state(beta, 0.0, m, "retrieval") if m > 0 else None
    s_best, a_max = _retrieval_branch(beta)
    if alpha > a_max:
        return None

    def g(s: float) -> float:
        return _state(beta, s, _m_of_sigma(beta, s), "retrieval").alpha - alpha

    s = brentq(g, 1e-9, s_best, xtol=1e-13) if alpha < a_max else s_best
    return _state(beta, s, _m_of_sigma(beta, s), "retrieval")


def spin_glass_temperature(alpha: float) -> float:
    """``T_g = 1 + sqrt(alpha)``: below it the spin-glass solution (m = 0, q > 0) exists."""
    return 1.0 + math.sqrt(check_nonnegative(alpha, "alpha"))


def ags_spin_glass(alpha: float, temperature: float) -> ReplicaState | None:
    """The spin-glass solution ``m = 0, q > 0`` at ``(alpha, T)``; ``None`` for ``T >= 1 + sqrt(alpha)``."""
    alpha = check_positive(alpha, "alpha")
    t = check_positive(temperature, "temperature")
    if t >= spin_glass_temperature(alpha):
        return None
    beta = 1.0 / t

    def g(s: float) -> float:
        u = beta * s * _Z
        q = _avg(np.tanh(u) ** 2)
        c = beta * (1.0 - q)
        if c >= 1.0:
            return -alpha
        return s * s * (1.0 - c) ** 2 / q - alpha

    lo = 1e-6
    while g(lo) > 0 and lo > 1e-12:
        lo /= 10
    hi = 1.0
    while g(hi) < 0:
        hi *= 2
    # the smallest sigma where C < 1 sits at the edge of the physical range: start just inside it
    s = brentq(g, lo, hi, xtol=1e-13)
    return _state(beta, s, 0.0, "spin-glass")


@dataclass(frozen=True)
class PhaseDiagram:
    """The ``(alpha, T)`` phase diagram (AGS): arrays over ``temperatures``.

    ``alpha_m``: retrieval states exist for ``alpha < alpha_m(T)``; ``alpha_c``: they are global minima
    for ``alpha < alpha_c(T)`` (nan where not found); ``alpha_g``: spin-glass states exist for
    ``alpha > alpha_g(T) = (T - 1)^2`` when ``T > 1`` (0 below).
    """

    temperatures: np.ndarray
    alpha_m: np.ndarray
    alpha_c: np.ndarray
    alpha_g: np.ndarray


def _alpha_global(beta: float) -> float:
    """Load at which the retrieval state's free energy equals the spin glass's, at ``beta``."""
    s_best, _ = _retrieval_branch(beta)

    def df(s: float) -> float:
        r = _state(beta, s, _m_of_sigma(beta, s), "retrieval")
        sg = ags_spin_glass(r.alpha, 1.0 / beta)
        return r.free_energy - (sg.free_energy if sg is not None else math.inf)

    grid = np.geomspace(1e-3, s_best, 25)
    vals = np.array([df(s) for s in grid])
    sign = np.flatnonzero((vals[:-1] < 0) & (vals[1:] >= 0))
    if sign.size == 0:
        return math.nan
    k = int(sign[0])
    s = brentq(df, grid[k], grid[k + 1], xtol=1e-10)
    return _state(beta, s, _m_of_sigma(beta, s), "retrieval").alpha


def _alpha_global_t0() -> float:
    """``alpha`` where retrieval and spin-glass ground-state energies are equal at ``T = 0`` (~0.0519)."""

    def energy(alpha: float, m: float, sigma: float, c: float) -> float:
        mean_abs = m * erf(m / (math.sqrt(2) * sigma)) + sigma * math.sqrt(2 / math.pi) * math.exp(
            -(m * m) / (2 * sigma * sigma)
        )
        return alpha / 2 + m * m / 2 - alpha / (2 * (1 - c)) + alpha * c / (2 * (1 - c) ** 2) - mean_abs

    def gap(y: float) -> float:
        m = erf(y)
        sigma = m / (math.sqrt(2) * y)
        c = math.sqrt(2 / math.pi) * math.exp(-y * y) / sigma
        alpha = sigma**2 * (1 - c) ** 2
        a = math.sqrt(2 / (math.pi * alpha))
        c_sg = a / (1 + a)
        return energy(alpha, m, sigma, c) - energy(alpha, 0.0, math.sqrt(alpha) / (1 - c_sg), c_sg)

    y = brentq(gap, 1.6, 4.0, xtol=1e-14)
    m = erf(y)
    sigma = m / (math.sqrt(2) * y)
    return sigma**2 * (1 - math.sqrt(2 / math.pi) * math.exp(-y * y) / sigma) ** 2


def ags_phase_diagram(temperatures: np.ndarray | None = None, *, global_line: bool = True) -> PhaseDiagram:
    """Compute ``alpha_M(T)``, ``alpha_c(T)`` and ``alpha_g(T)`` on a temperature grid (default 0..0.95).

    Known values: ``alpha_M(0) = 0.138``, ``alpha_c(0) ~ 0.051``; ``alpha_M(T) -> 0`` as ``T -> 1``.
    ``global_line=False`` skips the (slower) ``alpha_c`` line.
    """
    temps = np.linspace(0.0, 0.95, 20) if temperatures is None else np.asarray(temperatures, float)
    if temps.ndim != 1 or temps.size == 0 or np.any(~np.isfinite(temps)) or np.any(temps < 0):
        raise ValueError(f"temperatures must be a non-empty 1-d array of finite values >= 0, got {temps!r}")
    am = np.array([ags_alpha_c(float(t)) for t in temps])
    ac = np.full_like(am, math.nan)
    if global_line:
        for k, t in enumerate(temps):
            if t == 0.0:
                ac[k] = _alpha_global_t0()
            elif t < 1.0:
                ac[k] = _alpha_global(1.0 / float(t))
    ag = np.where(temps > 1, (temps - 1) ** 2, 0.0)
    return PhaseDiagram(temps, am, ac, ag)
