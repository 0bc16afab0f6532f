"""The Hopfield model at low load: mean-field equations, pure and mixture states (003 §2.2.2).

For ``P`` patterns and ``P / N -> 0`` the quenched free energy (003 Theorem 2.3, eq. (2.9)) is

    f(m) = 1/2 |m|^2 - (1/beta) E_x[ ln 2 cosh(beta m . x) ],     x uniform on {-1, +1}^P,

stationary where ``m = E_x[x tanh(beta m . x)]`` (eq. (2.10)), with Hessian (003 Lemma 2.2.3)
``H = I - beta E_x[sech^2(beta m . x) x x^T]``. The symmetric ``n``-mixture ``m = m_n (1, ..., 1, 0, ...)``
(Lemma 2.2.2) has three Hessian eigenvalues: along ``(1, ..., 1)``, across the mixture (multiplicity
``n - 1``) and outside it (multiplicity ``P - n``). Pure states (n = 1) are minima for ``T < 1``;
odd mixtures are minima below their own critical temperature (0.461 for n = 3); even mixtures never.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import comb

from hopfield._validate import check_int, check_positive

__all__ = [
    "MeanFieldState",
    "MixtureState",
    "hopfield_free_energy",
    "mean_field_solve",
    "mixture_critical_temperature",
    "mixture_state",
]


def _logcosh(a: np.ndarray) -> np.ndarray:
    a = np.abs(a)
    return a + np.log1p(np.exp(-2 * a)) - math.log(2.0)


def _sech2(a: np.ndarray) -> np.ndarray:
    e = np.exp(-2 * np.abs(a))
    return 4 * e / (1 + e) ** 2


def _mixture_table(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``z = sum_{nu <= n} x_nu`` over its n + 1 values, their probabilities and ``E[x1 x2 | z]``."""
    k = np.arange(n + 1)
    z = (2 * k - n).astype(np.float64)
    w = comb(n, k) / 2.0**n
    pair = (z**2 - n) / (n * (n - 1)) if n > 1 else np.zeros_like(z)
    return z, w, pair


@dataclass(frozen=True)
class MixtureState:
    """Result of :func:`mixture_state`: the symmetric ``n``-mixture at temperature ``T``.

    Attributes
    ----------
    n, temperature:
        The mixture size and temperature.
    m:
        The overlap ``m_n`` with each mixed pattern (0 when only the trivial solution exists, T >= 1).
    free_energy:
        ``f(m^n)``, eq. (2.9) of 003.
    eigenvalues:
        Hessian eigenvalues: ``"parallel"`` (along (1, ..., 1)), ``"transverse"`` (across the mixture,
        ``n >= 2``), ``"outside"`` (along uncondensed patterns, present when ``n_patterns > n``).
    stable:
        All eigenvalues positive: a local minimum of the free energy.
    """

    n: int
    temperature: float
    m: float
    free_energy: float
    eigenvalues: dict[str, float]
    stable: bool


def _mixture_m(n: int, beta: float) -> float:
    z, w, _ = _mixture_table(n)

    def g(m: float) -> float:
        return m - float(np.sum(w * z * np.tanh(beta * m * z))) / n

    if beta <= 1.0:
        return 0.0
    hi = float(np.sum(w * np.abs(z))) / n  # E|z| / n bounds the right-hand side
    lo = hi * 1e-12
    if g(lo) >= 0:  # the root is below lo: beta within rounding of 1
        return 0.0
    return brentq(g, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps)


def mixture_state(n: int, temperature: float, n_patterns: int | None = None) -> MixtureState:
    """Solve the mean-field equation for the symmetric ``n``-mixture and test its Hessian (003 §2.2.2).

    Parameters
    ----------
    n:
        Number of mixed patterns (1 = pure state).
    temperature:
        ``T = 1 / beta > 0``.
    n_patterns:
        Total number of patterns ``P >= n``; default ``n + 1`` (so the "outside" direction exists).

    Examples
    --------
    >>> s = mixture_state(1, 0.5)
    >>> round(s.m, 4), s.stable
    (0.9575, True)
    >>> mixture_state(2, 0.3).stable, mixture_state(3, 0.4).stable, mixture_state(3, 0.5).stable
    (False, True, False)
    """
    n = check_int(n, "n")
    t = check_positive(temperature, "temperature")
    big_p = n + 1 if n_patterns is None else check_int(n_patterns, "n_patterns")
    if big_p < n:
        raise ValueError(f"n_patterns must be >= n = {n}, got {big_p}")
    beta = 1.0 / t
    m = _mixture_m(n, beta)
    z, w, pair = _mixture_table(n)
    s2 = _sech2(beta * m * z)
    a = 1.0 - beta * float(np.sum(w * s2))
    b = -beta * float(np.sum(w * pair * s2))
    eig = {"parallel": a + (n - 1) * b}
    if n > 1:
        eig["transverse"] = a - b
    if big_p > n:
        eig["outside"] = a
    f = n * m * m / 2 - float(np.sum(w * _logcosh(beta * m * z))) / beta - t * math.log(2.0)
    return MixtureState(n, t, m, f, eig, all(v > 0 for v in eig.values()))


def mixture_critical_temperature(n: int, n_patterns: int | None = None) -> float:
    """Temperature below which the symmetric ``n``-mixture is a local minimum; ``nan`` if never.

    1 for pure states (n = 1), about 0.461 for n = 3, ``nan`` for every even ``n`` (003 §2.2.2: "m^n is
    a minimum if n is odd [below its critical temperature], not a minimum if n is even"). Found by a
    scan of ``T`` in (0.01, 1) and bisection on the smallest Hessian eigenvalue.
    """
    n = check_int(n, "n")
    if n == 1:
        return 1.0

    def lam(t: float) -> float:
        return min(mixture_state(n, t, n_patterns).eigenvalues.values())

    temps = np.linspace(0.01, 0.999, 100)
    vals = np.array([lam(t) for t in temps])
    if not np.any(vals > 0):
        return math.nan
    last = int(np.flatnonzero(vals > 0).max())
    if last == len(temps) - 1:
        return float(temps[-1])
    return brentq(lam, temps[last], temps[last + 1], xtol=1e-12)


def hopfield_free_energy(m: Any, temperature: float) -> float:
    """Low-load quenched free energy (003 Theorem 2.3, eq. (2.9)) at overlaps ``m`` of length P <= 20."""
    t = check_positive(temperature, "temperature")
    mv = _overlaps(m)
    xs = _cube(mv.size)
    return float(0.5 * mv @ mv - t * np.mean(_logcosh(xs @ mv / t)) - t * math.log(2.0))


def _overlaps(m: Any) -> np.ndarray:
    mv = np.asarray(m, dtype=np.float64).reshape(-1)
    if mv.size == 0 or mv.size > 20:
        raise ValueError(f"m must hold 1 to 20 overlaps (one per pattern), got {mv.size}")
    if not np.all(np.isfinite(mv)):
        raise ValueError("m must contain only finite values")
    return mv


def _cube(p: int) -> np.ndarray:
    return np.array(list(itertools.product((-1.0, 1.0), repeat=p)))


@dataclass(frozen=True)
class MeanFieldState:
    """Result of :func:`mean_field_solve`: a solution ``m`` of eq. (2.10), its free energy (2.9), the
    Hessian eigenvalues (ascending), ``stable`` (all positive), ``converged`` and ``iterations``."""

    m: np.ndarray
    free_energy: float
    eigenvalues: np.ndarray
    stable: bool
    converged: bool
    iterations: int


def mean_field_solve(
    m0: Any, temperature: float, *, tol: float = 1e-12, max_iter: int = 200
) -> MeanFieldState:
    """Solve ``m = E_x[x tanh(beta m . x)]`` (003 eq. (2.10)) by Newton's method from ``m0``.

    The expectation is exact, over all ``2^P`` sign vectors (``P = len(m0) <= 20``). The Newton matrix is
    the Hessian ``I - beta E[sech^2(beta m . x) x x^T]`` (Lemma 2.2.3); a step that does not lower the
    residual is halved.
    """
    t = check_positive(temperature, "temperature")
    check_positive(tol, "tol")
    max_iter = check_int(max_iter, "max_iter")
    beta = 1.0 / t
    m = _overlaps(m0).copy()
    xs = _cube(m.size)

    def resid(v: np.ndarray) -> np.ndarray:
        return v - np.mean(xs * np.tanh(beta * xs @ v)[:, None], axis=0)

    def hess(v: np.ndarray) -> np.ndarray:
        s2 = _sech2(beta * xs @ v)
        return np.eye(v.size) - beta * (xs * s2[:, None]).T @ xs / xs.shape[0]

    r = resid(m)
    converged, k = bool(np.abs(r).max() <= tol), 0
    for k in range(1, max_iter + 1):
        if converged:
            k -= 1
            break
        try:
            step = np.linalg.solve(hess(m), r)
        except np.linalg.LinAlgError:
            step = r
        scale = 1.0
        while True:
            cand = m - scale * step
            rc = resid(cand)
            if np.linalg.norm(rc) < np.linalg.norm(r) or scale < 1e-6:
                break
            scale /= 2
        m, r = cand, rc
        converged = bool(np.abs(r).max() <= tol)
    eig = np.linalg.eigvalsh(hess(m))
    f = hopfield_free_energy(m, t)
    return MeanFieldState(m, f, eig, bool(eig.min() > 0), converged, k)
