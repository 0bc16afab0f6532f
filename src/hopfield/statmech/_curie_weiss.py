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

Arguments: ``J`` in ``(0, 1e300]`` and ``|h| <= 1e300`` (so that ``J + |h|`` is finite); ``beta`` and
temperatures are any positive finite numbers (the low-temperature limit where ``1 / T`` overflows).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import gammaln, xlogy

from hopfield._validate import check_int, check_nonnegative, check_positive, check_real
from hopfield.statmech._common import as_values, root

__all__ = [
    "CurieWeissRoot",
    "curie_weiss_critical_magnetization",
    "curie_weiss_critical_temperature",
    "curie_weiss_finite_size_magnetization",
    "curie_weiss_free_energy",
    "curie_weiss_magnetization",
    "curie_weiss_roots",
]

#: Largest coupling and field (so that ``J + |h|`` stays finite).
MAX_COUPLING = 1e300
#: Largest number of spins of :func:`curie_weiss_finite_size_magnetization` (a sum over n + 1 terms).
MAX_SPINS = 10**7


def _coupling(J: object) -> float:
    return check_positive(J, "J", maximum=MAX_COUPLING)


def _field(h: object) -> float:
    return check_real(h, "h", low=-MAX_COUPLING, high=MAX_COUPLING)


def curie_weiss_free_energy(m: Any, beta: float, J: float = 1.0, h: float = 0.0) -> Any:
    """Intensive free energy ``f(m)`` of the Curie-Weiss model in the thermodynamic limit (003 §2.2.1).

    ``m`` is a number or an array (NumPy or torch) with entries in [-1, 1]; returns a float for a
    number, else an array in ``m``'s form and dtype (computed in float64).

    Examples
    --------
    >>> round(float(curie_weiss_free_energy(0.0, beta=2.0)), 6)  # -T ln 2
    -0.346574
    """
    beta = check_positive(beta, "beta")
    J = _coupling(J)
    h = _field(h)
    values = as_values(m, "m", low=-1.0, high=1.0)
    arr = values.array
    ent = xlogy((1 + arr) / 2, (1 + arr) / 2) + xlogy((1 - arr) / 2, (1 - arr) / 2)
    with np.errstate(over="ignore"):
        f = -J * arr**2 / 2 - h * arr + ent / beta
    return values.back(f)


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

    Solved in ``x = J m + h`` (``m = tanh(beta x)``, ``|x| <= J + |h|``) so that roots with ``m`` within
    rounding of ±1 are still found and no product ``beta J`` can overflow: ``G(x) = x - J tanh(beta x) - h``
    is monotone on the three intervals cut by ``cosh^2(beta x) = beta J``, and each holds at most one root.

    Examples
    --------
    >>> [round(r.m, 4) for r in curie_weiss_roots(beta=2.0)]
    [-0.9575, 0.0, 0.9575]
    >>> [r.stable for r in curie_weiss_roots(beta=2.0)]
    [True, False, True]
    """
    beta = check_positive(beta, "beta")
    J = _coupling(J)
    h = _field(h)

    def g(x: float) -> float:
        return x - J * math.tanh(beta * x) - h

    span = J + abs(h)
    cuts = [-span, span]
    if beta * J > 1:  # cosh^2(beta x) = beta J, without forming beta J
        xs = math.acosh(math.sqrt(beta) * math.sqrt(J)) / beta
        cuts = [-span, -xs, xs, span]
    xs_found: list[float] = []
    for lo, hi in itertools.pairwise(cuts):
        glo, ghi = g(lo), g(hi)
        if glo == 0.0:
            xs_found.append(lo)
        elif (glo < 0) != (ghi < 0):  # signs, not the product (which underflows for tiny J)
            xs_found.append(root(g, lo, hi, xtol=5e-324))
    if g(cuts[-1]) == 0.0:
        xs_found.append(cuts[-1])
    if h == 0.0 and beta * J > 1:  # the root x = 0 sits exactly on no cut: make it exact
        xs_found = [0.0 if abs(beta * x) < 1e-12 else x for x in xs_found]
    roots = []
    for x in sorted(set(xs_found)):
        y = beta * x
        m = math.tanh(y)
        sech2 = 1.0 / math.cosh(y) ** 2 if abs(y) < 350 else 0.0
        curv = -J + (math.inf if sech2 == 0 else (1.0 / beta) / sech2)
        roots.append((m, float(curie_weiss_free_energy(m, beta, J, h)), curv))
    fmin = min(r[1] for r in roots)
    slack = 1e-12 * max(1.0, abs(fmin)) if math.isfinite(fmin) else 0.0  # fmin = -inf where T overflows
    # At h = 0, T = T_c the root m = 0 has f'' = 0 but f - f(0) ~ T m^4 / 12: still a minimum.
    critical = h == 0.0 and beta * J == 1.0
    return [CurieWeissRoot(m, f, c, c > 0 or (critical and m == 0.0), f <= fmin + slack) for m, f, c in roots]


def curie_weiss_critical_temperature(J: float = 1.0) -> float:
    """``T_c = J`` (003 §2.2.1): one root of eq. (2.8) at h = 0 above it, three below."""
    return _coupling(J)


def curie_weiss_magnetization(temperature: Any, J: float = 1.0, h: float = 0.0) -> Any:
    """Equilibrium magnetization ``m(T)``: the root of lowest free energy (the positive one at h = 0).

    ``temperature`` is a number or an array (NumPy or torch) of temperatures >= 0 (``T = 0``, and any
    ``T`` whose inverse overflows, gives ``sign`` of the field, 1 at h = 0). Returns a float for a number,
    else an array in the argument's form and dtype.

    Examples
    --------
    >>> round(curie_weiss_magnetization(0.5), 4), curie_weiss_magnetization(1.5)
    (0.9575, 0.0)
    """
    J = _coupling(J)
    h = _field(h)
    values = as_values(temperature, "temperature", low=0.0)
    temps = values.array
    out = np.empty_like(temps)
    for k, t in np.ndenumerate(temps):
        beta = 1.0 / float(t) if t > 0 else math.inf
        if math.isinf(beta):
            out[k] = 1.0 if h >= 0 else -1.0
            continue
        best = [r for r in curie_weiss_roots(beta, J, h) if r.global_min]
        out[k] = max(r.m for r in best) if h >= 0 else min(r.m for r in best)
    return values.back(out)


def curie_weiss_critical_magnetization(beta: Any, J: float = 1.0) -> Any:
    """The near-critical law ``m ~ sqrt(3 (beta J - 1) / (beta J)^3)`` (003 §2.2.1); 0 for ``beta J <= 1``.

    The leading term of the expansion of ``m = tanh(beta J m)`` around ``T_c``: its relative error
    vanishes linearly in ``beta J - 1``. ``beta``: a positive number or an array (NumPy or torch) of
    them; a float for a number, else an array in the argument's form and dtype.
    """
    J = _coupling(J)
    values = as_values(beta, "beta", low=0.0, low_open=True)
    with np.errstate(over="ignore"):
        inv = 1.0 / np.maximum(values.array * J, 1.0)  # 1/(beta J), 1 where beta J <= 1 (no overflow)
    return values.back(np.sqrt(3.0 * inv * inv * (1.0 - inv)))


def curie_weiss_finite_size_magnetization(temperature: float, n: int, J: float = 1.0) -> float:
    """Exact ``E|m|`` of the Curie-Weiss model with ``n`` spins at ``h = 0`` (no thermodynamic limit).

    ``P(m) ∝ binom(n, n (1+m)/2) exp(beta J n m^2 / 2)`` over ``m = -1, -1 + 2/n, ..., 1`` (the
    ``J_ii = 0`` constant drops out). This is what a finite simulation measures; it differs from
    :func:`curie_weiss_magnetization` by ``O(n^{-1/4})`` at ``T_c`` and ``O(n^{-1/2})`` above it.
    ``n``: an integer in ``[1, 10**7]`` (the sum has ``n + 1`` terms); ``T = 0`` gives 1.
    """
    t = check_nonnegative(temperature, "temperature")
    n = check_int(n, "n", minimum=1, maximum=MAX_SPINS)
    J = _coupling(J)
    coef = math.inf if t == 0 else J * n / (2 * t)
    if math.isinf(coef):  # all weight on |m| = 1
        return 1.0
    k = np.arange(n + 1)
    m = 2 * k / n - 1
    logw = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + coef * m**2
    w = np.exp(logw - logw.max())
    return float((w * np.abs(m)).sum() / w.sum())
