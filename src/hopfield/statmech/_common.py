"""Shared pieces of ``hopfield.statmech``: number-or-array input, a bracketed root, stable tanh-family terms.

**Input rule.** A physical argument that may be a number or an array (``m``, ``temperature``, ``beta``)
goes through :func:`as_values`: a Python or NumPy number is checked like any scalar and gives a float;
an array (NumPy, torch, or a list) goes through :func:`hopfield._validate.as_input` (float16, bfloat16,
float32 or float64), is computed in float64 and comes back in the caller's form: NumPy for NumPy or a
list, a tensor on the input's device otherwise, in the input's dtype.

**Temperatures.** Formulas are written with ``x / T`` rather than ``beta x`` (``T > 0``), and
``T ln 2 cosh(x / T)`` as ``|x| + T (log1p(e^{-2|x|/T}) - ln 2)``, so that a temperature down to the
smallest float gives the low-temperature limit instead of ``inf * 0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import torch
from scipy.optimize import brentq

from hopfield._arrays import Output, is_numpy
from hopfield._errors import HopfieldTypeError, input_error
from hopfield._validate import as_input, check_entries, check_real, describe

__all__ = ["Values", "as_values", "root", "sech2", "t_logcosh"]


@dataclass(frozen=True)
class Values:
    """A number-or-array argument as a float64 NumPy array, and how to give results back."""

    array: np.ndarray
    scalar: bool
    out: Output | None = None
    device: torch.device | None = None

    def back(self, result: np.ndarray) -> Any:
        """``result`` (float64, the argument's shape) as a float for a number, else in the caller's form."""
        r = np.asarray(result, dtype=np.float64)
        if self.scalar or self.out is None:
            return float(r) if r.ndim == 0 else r
        return self.out(
            torch.from_numpy(np.ascontiguousarray(r).reshape(r.shape)).to(self.device), batch_axis=False
        )

    def back_1d(self, result: np.ndarray) -> Any:
        """Like :meth:`back` for results over a grid (a number counts as a grid of one: NumPy out)."""
        return np.asarray(result, dtype=np.float64) if self.scalar else self.back(result)


def as_values(
    x: Any,
    name: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
    ranks: Sequence[int] = tuple(range(33)),
    shape: str = "any",
) -> Values:
    """Check a number or an array of numbers, each finite and in ``[low, high]`` (ends open on request)."""
    if isinstance(x, Real) and not isinstance(x, (bool, np.bool_)):
        v = check_real(x, name, low=low, high=high, low_open=low_open, high_open=high_open)
        return Values(np.asarray(v), scalar=True)
    if not (isinstance(x, torch.Tensor) or is_numpy(x)) or isinstance(x, (bool, np.bool_)):
        raise input_error(
            name, "a number or an array of numbers (NumPy or torch)", describe(x), cls=HopfieldTypeError
        )
    t, out = as_input(x, name, ranks=ranks, shape=shape, batch=False)
    check_entries(t, name, low=low, high=high, low_open=low_open, high_open=high_open)
    arr = t.detach().to(device="cpu", dtype=torch.float64).numpy()
    return Values(arr, scalar=False, out=out, device=t.device)


def root(f: Callable[[float], float], lo: float, hi: float, *, xtol: float = 1e-14) -> float:
    """The root of ``f`` in ``[lo, hi]`` by Brent's method, where ``f(lo)`` and ``f(hi)`` differ in sign.

    Never raises: a bracket without a sign change gives the end with the smaller ``|f|``, and the
    iteration budget (1000 steps; Brent needs far fewer) ends with the best estimate.
    """
    f_lo, f_hi = f(lo), f(hi)
    if f_lo == 0.0:
        return lo
    if f_hi == 0.0 or (f_lo > 0) == (f_hi > 0):
        return hi if abs(f_hi) <= abs(f_lo) else lo
    x, _ = brentq(
        f, lo, hi, xtol=xtol, rtol=4 * np.finfo(float).eps, maxiter=1000, full_output=True, disp=False
    )
    return float(x)


def sech2(a: np.ndarray) -> np.ndarray:
    """``sech^2 a`` without overflow (``4 e^{-2|a|} / (1 + e^{-2|a|})^2``)."""
    e = np.exp(-2 * np.abs(a))
    return np.asarray(4 * e / (1 + e) ** 2)


def t_logcosh(x: np.ndarray, t: float) -> np.ndarray:
    """``T ln cosh(x / T)`` for ``T > 0``, finite and accurate for every finite ``x`` and every ``T``.

    ``u = |x| / T``: ``|x| (u/2) (1 - u^2/6)`` for ``u < 1e-4`` (the series: ``u^2`` may underflow),
    ``T ln(1 + 2 sinh^2(u/2))`` for ``u < 1`` (no cancellation), else ``|x| + T (log1p(e^{-2u}) - ln 2)``
    (no overflow).
    """
    ax = np.abs(np.asarray(x, dtype=np.float64))
    with np.errstate(over="ignore", divide="ignore"):
        u = ax / t
        series = ax * (u / 2) * (1 - u * u / 6)
        small = t * np.log1p(2 * np.sinh(np.minimum(u, 1.0) / 2) ** 2)
        large = ax + t * (np.log1p(np.exp(-2 * u)) - math.log(2.0))
    return np.asarray(np.where(u < 1e-4, series, np.where(u < 1.0, small, large)))
