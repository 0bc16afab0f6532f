"""Gaussian averages of the replica-symmetric equations, accurate at every temperature.

With ``u = (m + sigma z) / T`` and ``z`` standard normal, the AGS equations need ``<tanh u>``,
``<tanh^2 u> = 1 - <sech^2 u>``, ``C = <sech^2 u> / T`` (= ``beta (1 - q)``) and ``T <ln 2 cosh u>``.

- **Broad** integrand (``sigma / T <= 1``: ``tanh u`` varies over at least one unit of ``z``): the
  trapezoid rule on 8001 points of ``z`` in ``[-10, 10]`` (converged to 1e-12 against 48001 points).
- **Steep** integrand (``sigma / T > 1``, low temperature): a grid in ``z`` cannot resolve ``tanh u``
  (at ``T = 1e-3`` its width is below the grid step). Split off the step: ``<sign(m + sigma z)> =
  erf(a / sqrt 2)`` and ``E|m + sigma z| = m erf(a / sqrt 2) + sigma sqrt(2/pi) e^{-a^2/2}``
  (``a = m / sigma``) in closed form, and integrate the rest, ``tanh v - sign v``, ``sech^2 v`` and
  ``ln(1 + e^{-2|v|})``, which decay like ``e^{-2|v|}``, in ``v = u`` over ``[0, 40]`` on both sides by
  Gauss-Legendre panels. The Gaussian density becomes ``phi((v T - m) / sigma) T / sigma``: no ``1/T``
  is ever formed, so ``T`` down to the smallest float works (the ``T -> 0`` limit).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import erf

from hopfield.statmech._common import sech2, t_logcosh

__all__ = ["Averages", "averages", "mean_c", "mean_tanh"]

_Z = np.linspace(-10.0, 10.0, 8001)
_W = np.exp(-0.5 * _Z**2) / math.sqrt(2 * math.pi) * (_Z[1] - _Z[0])
_W /= _W.sum()

_EDGES = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 16.0, 20.0, 24.0, 32.0, 40.0)
_NODES_PER_PANEL = 24


def _panels() -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(_NODES_PER_PANEL)
    nodes, weights = [], []
    for lo, hi in itertools.pairwise(_EDGES):
        nodes.append(lo + (hi - lo) * (x + 1) / 2)
        weights.append(w * (hi - lo) / 2)
    return np.concatenate(nodes), np.concatenate(weights)


_V, _VW = _panels()
_ONE_MINUS_TANH = 2 * np.exp(-2 * _V) / (1 + np.exp(-2 * _V))  # 1 - tanh v, v >= 0
_SECH2 = sech2(_V)
_LOG1P = np.log1p(np.exp(-2 * _V))
_SQRT_2PI = math.sqrt(2 * math.pi)


@dataclass(frozen=True)
class Averages:
    """The averages over ``z``: ``tanh`` ``<tanh u>``, ``q`` ``<tanh^2 u>``, ``c`` ``<sech^2 u> / T``
    and ``free`` ``T <ln 2 cosh u>``."""

    tanh: float
    q: float
    c: float
    free: float


def _steep(t: float, m: float, sigma: float) -> tuple[float, np.ndarray, np.ndarray]:
    """``(a, phi_plus, phi_minus)``: the Gaussian density at ``v T / sigma - a`` and ``-v T / sigma - a``."""
    a = m / sigma
    scale = t / sigma
    plus = np.exp(-0.5 * (_V * scale - a) ** 2) / _SQRT_2PI
    minus = np.exp(-0.5 * (-_V * scale - a) ** 2) / _SQRT_2PI
    return a, plus, minus


def mean_tanh(t: float, m: float, sigma: float) -> float:
    """``<tanh((m + sigma z) / T)>``."""
    if sigma <= t:
        with np.errstate(over="ignore"):
            return float(np.tanh((m + sigma * _Z) / t) @ _W)
    a, plus, minus = _steep(t, m, sigma)
    return float(erf(a / math.sqrt(2.0))) - t / sigma * float((_ONE_MINUS_TANH * (plus - minus)) @ _VW)


def mean_c(t: float, m: float, sigma: float) -> float:
    """``C = <sech^2((m + sigma z) / T)> / T`` (``beta (1 - q)``)."""
    if sigma <= t:
        with np.errstate(over="ignore"):
            return float(sech2((m + sigma * _Z) / t) @ _W) / t
    _, plus, minus = _steep(t, m, sigma)
    return float((_SECH2 * (plus + minus)) @ _VW) / sigma


def averages(t: float, m: float, sigma: float) -> Averages:
    """The four Gaussian averages at temperature ``t > 0``, overlap ``m`` and noise ``sigma >= 0``."""
    if sigma <= t:
        x = m + sigma * _Z
        with np.errstate(over="ignore"):
            u = x / t
            s2 = sech2(u)
            tanh_avg = float(np.tanh(u) @ _W)
        free = float(t_logcosh(x, t) @ _W) + t * math.log(2.0)
        return Averages(tanh_avg, float((1.0 - s2) @ _W), float(s2 @ _W) / t, free)
    a, plus, minus = _steep(t, m, sigma)
    scale = t / sigma  # the density of v = u is phi(v t / sigma - a) t / sigma
    sign_avg = float(erf(a / math.sqrt(2.0)))
    tanh_avg = sign_avg - scale * float((_ONE_MINUS_TANH * (plus - minus)) @ _VW)
    c = float((_SECH2 * (plus + minus)) @ _VW) / sigma
    abs_avg = m * sign_avg + sigma * math.sqrt(2.0 / math.pi) * math.exp(-0.5 * a * a)
    free = abs_avg + t * scale * float((_LOG1P * (plus + minus)) @ _VW)
    return Averages(tanh_avg, 1.0 - t * c, c, free)
