"""The Hopfield model at low load: mean-field equations, pure and mixture states (003 §2.2.2).

For ``P`` patterns and ``P / N -> 0`` the quenched free energy (003 Theorem 2.3, eq. (2.9)) is

    f(m) = 1/2 |m|^2 - (1/beta) E_x[ ln 2 cosh(beta m . x) ],     x uniform on {-1, +1}^P,

stationary where ``m = E_x[x tanh(beta m . x)]`` (eq. (2.10)), with Hessian (003 Lemma 2.2.3)
``H = I - beta E_x[sech^2(beta m . x) x x^T]``. The symmetric ``n``-mixture ``m = m_n (1, ..., 1, 0, ...)``
(Lemma 2.2.2) has three Hessian eigenvalues: along ``(1, ..., 1)``, across the mixture (multiplicity
``n - 1``) and outside it (multiplicity ``P - n``). Pure states (n = 1) are minima for ``T < 1``;
odd mixtures are minima below their own critical temperature (0.461 for n = 3); even mixtures never.

Written with ``x / T`` (``T > 0``), so every positive finite temperature works: where ``1/T`` overflows,
Hessian eigenvalues come back as ``-inf`` (their true value is below the float range), never NaN.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy.special import gammaln

from hopfield._errors import input_error
from hopfield._validate import as_input, check_entries, check_int, check_positive
from hopfield.statmech._common import root, sech2, t_logcosh

__all__ = [
    "MeanFieldState",
    "MixtureState",
    "hopfield_free_energy",
    "mean_field_solve",
    "mixture_critical_temperature",
    "mixture_state",
]

#: Largest mixture size (the expectations are sums over its n + 1 values).
MAX_MIXTURE = 10**6
#: Largest number of overlaps of the exact expectations (sums over all 2^P sign vectors).
MAX_OVERLAPS = 20


def _mixture_table(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``z = sum_{nu <= n} x_nu`` over its n + 1 values, their probabilities and ``E[x1 x2 | z]``."""
    k = np.arange(n + 1)
    z = (2 * k - n).astype(np.float64)
    w = np.exp(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) - n * math.log(2.0))  # binom(n,k)/2^n
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


def _mixture_m(n: int, t: float) -> float:
    z, w, _ = _mixture_table(n)

    def g(m: float) -> float:
        with np.errstate(over="ignore"):
            return m - float(np.sum(w * z * np.tanh(m * z / t))) / n

    if t >= 1.0:
        return 0.0
    hi = float(np.sum(w * np.abs(z))) / n  # E|z| / n bounds the right-hand side
    lo = hi * 1e-12
    if g(lo) >= 0:  # the root is below lo: T within rounding of 1
        return 0.0
    return root(g, lo, hi, xtol=1e-15)


def _mixture_n_patterns(n: int, n_patterns: object) -> int:
    if n_patterns is None:
        return n + 1
    big_p = check_int(n_patterns, "n_patterns")
    if big_p < n:
        raise input_error("n_patterns", f"an integer >= n = {n}", big_p)
    return big_p


def mixture_state(n: int, temperature: float, n_patterns: int | None = None) -> MixtureState:
    """Solve the mean-field equation for the symmetric ``n``-mixture and test its Hessian (003 §2.2.2).

    Parameters
    ----------
    n:
        Number of mixed patterns (1 = pure state), an integer in ``[1, 10**6]``.
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
    n = check_int(n, "n", maximum=MAX_MIXTURE)
    t = check_positive(temperature, "temperature")
    big_p = _mixture_n_patterns(n, n_patterns)
    m = _mixture_m(n, t)
    z, w, pair = _mixture_table(n)
    with np.errstate(over="ignore"):
        s2 = sech2(m * z / t)
        # Hessian I - beta E[sech^2 x x^T] on the three invariant subspaces; each coefficient is formed
        # before dividing by T so that a zero z (sech^2 = 1) cannot give inf - inf
        eig = {"parallel": 1.0 - float(np.sum(w * s2 * z * z)) / n / t}
        if n > 1:
            eig["transverse"] = 1.0 - float(np.sum(w * s2 * (1.0 - pair))) / t
        if big_p > n:
            eig["outside"] = 1.0 - float(np.sum(w * s2)) / t
    f = n * m * m / 2 - float(np.sum(w * t_logcosh(m * z, t))) - t * math.log(2.0)
    return MixtureState(n, t, m, f, eig, all(v > 0 for v in eig.values()))


def mixture_critical_temperature(n: int, n_patterns: int | None = None) -> float:
    """Temperature below which the symmetric ``n``-mixture is a local minimum; ``nan`` if never.

    1 for pure states (n = 1), about 0.461 for n = 3, ``nan`` for every even ``n`` (003 §2.2.2: "m^n is
    a minimum if n is odd [below its critical temperature], not a minimum if n is even"). Found by a
    scan of ``T`` in (0.01, 1) and bisection on the smallest Hessian eigenvalue.
    """
    n = check_int(n, "n", maximum=MAX_MIXTURE)
    _mixture_n_patterns(n, n_patterns)
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
    return root(lam, float(temps[last]), float(temps[last + 1]), xtol=1e-12)


def _overlaps(m: Any, name: str) -> tuple[np.ndarray, Any]:
    """Overlaps ``(P,)``, ``1 <= P <= 20``, each in [-1, 1]: float64 NumPy, and the input's form."""
    t, out = as_input(
        m, name, ranks=(1,), shape=f"(n_patterns,) with 1 to {MAX_OVERLAPS} entries", batch=False
    )
    if t.shape[0] > MAX_OVERLAPS:
        raise input_error(
            name,
            f"shape (n_patterns,) with 1 to {MAX_OVERLAPS} entries",
            f"shape {tuple(t.shape)}",
            verb="have",
        )
    check_entries(t, name, low=-1.0, high=1.0)
    return t.detach().to(device="cpu", dtype=torch.float64).numpy(), (out, t.device)


def _back(form: Any, a: np.ndarray) -> Any:
    out, device = form
    return out(torch.from_numpy(np.ascontiguousarray(a)).to(device), batch_axis=False)


def _cube(p: int) -> np.ndarray:
    return np.array(list(itertools.product((-1.0, 1.0), repeat=p)))


def _free_energy(mv: np.ndarray, t: float) -> float:
    xs = _cube(mv.size)
    return float(0.5 * mv @ mv - np.mean(t_logcosh(xs @ mv, t)) - t * math.log(2.0))


def hopfield_free_energy(m: Any, temperature: float) -> float:
    """Low-load quenched free energy (003 Theorem 2.3, eq. (2.9)) at overlaps ``m``.

    ``m``: ``(P,)`` overlaps in [-1, 1], ``1 <= P <= 20`` (the expectation is exact, over all ``2^P``
    sign vectors), a floating array (NumPy, torch or a list); ``temperature > 0``.
    """
    t = check_positive(temperature, "temperature")
    mv, _ = _overlaps(m, "m")
    return _free_energy(mv, t)


@dataclass(frozen=True)
class MeanFieldState:
    """Result of :func:`mean_field_solve`: a solution ``m`` of eq. (2.10), its free energy (2.9), the
    Hessian eigenvalues (ascending), ``stable`` (all positive), ``converged`` and ``iterations``.
    ``m`` and ``eigenvalues`` come in the form and dtype of ``m0``."""

    m: Any
    free_energy: float
    eigenvalues: Any
    stable: bool
    converged: bool
    iterations: int


def mean_field_solve(
    m0: Any, temperature: float, *, tol: float = 1e-12, max_iter: int = 200
) -> MeanFieldState:
    """Solve ``m = E_x[x tanh(beta m . x)]`` (003 eq. (2.10)) by Newton's method from ``m0``.

    The expectation is exact, over all ``2^P`` sign vectors (``m0``: ``(P,)`` overlaps in [-1, 1],
    ``P <= 20``). The Newton matrix is the Hessian ``I - beta E[sech^2(beta m . x) x x^T]``
    (Lemma 2.2.3); a step that does not lower the residual is halved (down to ``1e-6``). At most
    ``max_iter`` steps: ``converged`` says whether the largest residual reached ``tol``.
    """
    t = check_positive(temperature, "temperature")
    tol = check_positive(tol, "tol")
    max_iter = check_int(max_iter, "max_iter")
    mv, form = _overlaps(m0, "m0")
    m = mv.copy()
    xs = _cube(m.size)

    def resid(v: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return np.asarray(v - np.mean(xs * np.tanh(xs @ v / t)[:, None], axis=0))

    def curvature(v: np.ndarray) -> np.ndarray:  # E[sech^2(m . x / T) x x^T]: the Hessian is I - this / T
        with np.errstate(over="ignore"):
            s2 = sech2(xs @ v / t)
        return np.asarray((xs * s2[:, None]).T @ xs / xs.shape[0])

    r = resid(m)
    converged, k = bool(np.abs(r).max() <= tol), 0
    for k in range(1, max_iter + 1):
        if converged:
            k -= 1
            break
        with np.errstate(over="ignore"):
            hess = np.eye(m.size) - curvature(m) / t
        step = r
        if np.all(np.isfinite(hess)):
            try:
                step = np.linalg.solve(hess, r)
            except np.linalg.LinAlgError:
                step = r
        if not np.all(np.isfinite(step)):
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
    with np.errstate(over="ignore"):
        eig = np.sort(1.0 - np.linalg.eigvalsh(curvature(m)) / t)
    return MeanFieldState(
        _back(form, m), _free_energy(m, t), _back(form, eig), bool(eig.min() > 0), converged, k
    )
