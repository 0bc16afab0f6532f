"""The Curie-Weiss model in the thermodynamic limit (003 §2.2.1).

``H = -(N J / 2) m^2 - h N m`` with ``m = (1/N) sum_i xi_i``. The intensive free energy at fixed
magnetization is (003, the formula before eq. (2.8))

    f(m) = -J m^2 / 2 - h m + T [ (1+m)/2 ln((1+m)/2) + (1-m)/2 ln((1-m)/2) ],

its stationary points solve ``m = tanh(beta (J m + h))`` (eq. (2.8)), a root is a minimum where
``f''(m) = -J + T / (1 - m^2) > 0``, the critical temperature is ``T_c = J`` and near it
``m ~ sqrt(3 (beta J - 1) / (beta J)^3)``.

A Hebbian network storing one pattern, with Glauber dynamics ``P(s_i = +1) = (1 + tanh(beta h_i)) / 2``
and local field ``h_i = (1/d) x_i sum_{l != i} x_l s_l``, samples ``exp(-beta H)`` with
``H = -(1/2) sum_{i != j} J_ij s_i s_j``: the Curie-Weiss model with ``J = 1`` (``T_c = 1``, as 003
Lemma 2.2.1 finds for the Hopfield model), not ``J = 2`` as 003 §2.2.1 states with ``H = -sum_{i,j}``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import xlogy

from hopfield._validate import check_nonnegative, check_positive

__all__ = [
    "CurieWeissRoot",
    "curie_weiss_critical_magnetization",
    "curie_weiss_critical_temperature",
    "curie_weiss_finite_size_magnetization",
    "curie_weiss_free_energy",
    "curie_weiss_magnetization",
    "curie_weiss_roots",
]


def _finite(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a finite number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return value


def curie_weiss_free_energy(m: Any, beta: float, J: float = 1.0, h: float = 0.0) -> Any:
    """Intensive free energy ``f(m)`` of the Curie-Weiss model in the thermodynamic limit (003 §2.2.1).

    ``m`` is a number or an array with entries in [-1, 1]; returns a float or a NumPy array.

    Examples
    --------
    >>> round(float(curie_weiss_free_energy(0.0, beta=2.0)), 6)  # -T ln 2
    -0.346574
    """
    beta = check_positive(beta, "beta")
    J = check_positive(J, "J")
    h = _finite(h, "h")
    arr = np.asarray(m, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(np.abs(arr) > 1):
        raise ValueError(f"m must lie in [-1, 1], got values in [{arr.min()!r}, {arr.max()!r}]")
    ent = xlogy((1 + arr) / 2, (1 + arr) / 2) + xlogy((1 - arr) / 2, (1 - arr) / 2)
    f = -J * arr**2 / 2 - h * arr + ent / beta
    return float(f) if f.ndim == 0 else f


@dataclass(frozen=True)
class CurieWeissRoot:
    """One solution of ``m = tanh(beta (J m + h))``.

    ``m``: the magnetization; ``free_energy``: ``f(m)``; ``curvature``: ``f''(m) = -J + T / (1 - m^2)``
    (``inf`` at ``|m| = 1``); ``stable``: ``curvature > 0`` (a local minimum of f); ``global_min``: the
    lowest free energy among the roots (both ``±m`` at ``h = 0``).
    """

    m: float
    free_energy: float
    curvature: float
    stable: bool
    global_min: bool


def curie_weiss_roots(beta: float, J: float = 1.0, h: float = 0.0) -> list[CurieWeissRoot]:
    """Every root of ``m = tanh(beta (J m + h))`` (003 eq. (2.8)), ascending, with its stability.

    Solved in ``y = beta (J m + h)`` (``m = tanh y``) so that roots with ``m`` within ``1e-300`` of ±1
    are still found: ``G(y) = y - beta (J tanh(y) + h)`` is monotone on the three intervals cut by
    ``cosh^2 y = beta J``, and each holds at most one root.

    Examples
    --------
    >>> [round(r.m, 4) for r in curie_weiss_roots(beta=2.0)]
    [-0.9575, 0.0, 0.9575]
    >>> [r.stable for r in curie_weiss_roots(beta=2.0)]
    [True, False, True]
    """
    beta = check_positive(beta, "beta")
    J = check_positive(J, "J")
    h = _finite(h, "h")

    def g(y: float) -> float:
        return y - beta * (J * math.tanh(y) + h)

    span = beta * (J + abs(h)) + 1.0
    cuts = [-span, span]
    if beta * J > 1:
        ys = math.acosh(math.sqrt(beta * J))
        cuts = [-span, -ys, ys, span]
    ys_found: list[float] = []
    for lo, hi in itertools.pairwise(cuts):
        glo, ghi = g(lo), g(hi)
        if glo == 0.0:
            ys_found.append(lo)
        elif glo * ghi < 0:
            ys_found.append(brentq(g, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500))
    if g(cuts[-1]) == 0.0:
        ys_found.append(cuts[-1])
    if h == 0.0 and beta * J > 1:  # the root y = 0 sits exactly on no cut: make it exact
        ys_found = [0.0 if abs(y) < 1e-12 else y for y in ys_found]
    ys_found = sorted(set(ys_found))
    roots = []
    for y in ys_found:
        m = math.tanh(y)
        sech2 = 1.0 / math.cosh(y) ** 2 if abs(y) < 350 else 0.0
        curv = -J + (math.inf if sech2 == 0 else 1.0 / (beta * sech2))
        roots.append((m, float(curie_weiss_free_energy(m, beta, J, h)), curv))
    fmin = min(r[1] for r in roots)
    # At h = 0, T = T_c the root m = 0 has f'' = 0 but f - f(0) ~ T m^4 / 12: still a minimum.
    critical = h == 0.0 and beta * J == 1.0
    return [
        CurieWeissRoot(m, f, c, c > 0 or (critical and m == 0.0), f <= fmin + 1e-12 * max(1.0, abs(fmin)))
        for m, f, c in roots
    ]


def curie_weiss_critical_temperature(J: float = 1.0) -> float:
    """``T_c = J`` (003 §2.2.1): one root of eq. (2.8) at h = 0 above it, three below."""
    return check_positive(J, "J")


def curie_weiss_magnetization(temperature: Any, J: float = 1.0, h: float = 0.0) -> Any:
    """Equilibrium magnetization ``m(T)``: the root of lowest free energy (the positive one at h = 0).

    ``temperature`` is a number or an array of temperatures >= 0 (``T = 0`` gives ``sign`` of the
    field, 1 at h = 0). Returns a float or a NumPy array.

    Examples
    --------
    >>> round(curie_weiss_magnetization(0.5), 4), curie_weiss_magnetization(1.5)
    (0.9575, 0.0)
    """
    J = check_positive(J, "J")
    h = _finite(h, "h")
    temps = np.asarray(temperature, dtype=np.float64)
    if not np.all(np.isfinite(temps)) or np.any(temps < 0):
        raise ValueError(f"temperature must be finite and >= 0, got {temperature!r}")
    out = np.empty_like(temps)
    for k, t in np.ndenumerate(temps):
        if t == 0:
            out[k] = 1.0 if h >= 0 else -1.0
            continue
        best = [r for r in curie_weiss_roots(1.0 / t, J, h) if r.global_min]
        out[k] = max(r.m for r in best) if h >= 0 else min(r.m for r in best)
    return float(out) if out.ndim == 0 else out


def curie_weiss_critical_magnetization(beta: Any, J: float = 1.0) -> Any:
    """The near-critical law ``m ~ sqrt(3 (beta J - 1) / (beta J)^3)`` (003 §2.2.1); 0 for ``beta J <= 1``.

    The leading term of the expansion of ``m = tanh(beta J m)`` around ``T_c``: its relative error
    vanishes linearly in ``beta J - 1``.
    """
    J = check_positive(J, "J")
    b = np.asarray(beta, dtype=np.float64)
    if not np.all(np.isfinite(b)) or np.any(b <= 0):
        raise ValueError(f"beta must be positive and finite, got {beta!r}")
    k = b * J
    out = np.sqrt(np.clip(3 * (k - 1) / k**3, 0, None))
    return float(out) if out.ndim == 0 else out


def curie_weiss_finite_size_magnetization(temperature: float, n: int, J: float = 1.0) -> float:
    """Exact ``E|m|`` of the Curie-Weiss model with ``n`` spins at ``h = 0`` (no thermodynamic limit).

    ``P(m) ∝ binom(n, n (1+m)/2) exp(beta J n m^2 / 2)`` over ``m = -1, -1 + 2/n, ..., 1`` (the
    ``J_ii = 0`` constant drops out). This is what a finite simulation measures; it differs from
    :func:`curie_weiss_magnetization` by ``O(n^{-1/4})`` at ``T_c`` and ``O(n^{-1/2})`` above it.
    """
    from scipy.special import gammaln

    t = check_nonnegative(temperature, "temperature")
    J = check_positive(J, "J")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    k = np.arange(n + 1)
    m = 2 * k / n - 1
    if t == 0:
        return 1.0
    logw = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + J * n * m**2 / (2 * t)
    w = np.exp(logw - logw.max())
    return float((w * np.abs(m)).sum() / w.sum())
