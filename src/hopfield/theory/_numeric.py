"""Scalar numerics of ``hopfield.theory``: no overflow, no domain error.

The seeds' formulas multiply and exponentiate numbers that leave the float range for extreme but finite
arguments (``beta = 1e-300``, ``d = 10**6``, ``p = 1e-300``). Here they are evaluated as sums of
logarithms, and a value beyond the float range comes back as ``inf`` (or 0): never an ``OverflowError``,
a ``math domain error`` or a NaN. Lambert W (004 §B3) is evaluated for arguments ``± e^t`` given by
their logarithm ``t``, so that it works where ``e^t`` itself under- or overflows.
"""

from __future__ import annotations

import math

from scipy.special import lambertw

from hopfield._validate import check_int

__all__ = [
    "MAX_COUNT",
    "check_count",
    "exp_or_inf",
    "ln",
    "u_roots",
    "w0_exp",
]

#: Largest dimension or count accepted: beyond 2**53 an integer is not exact in float64.
MAX_COUNT = 2**53

# Beyond this |t|, e^t under- or overflows in float64 and Newton replaces scipy's Lambert W.
_LAMBERT_MAX = 700.0
_NEWTON_STEPS = 100


def check_count(value: object, name: str, minimum: int = 1) -> int:
    """An integer in ``[minimum, 2**53]`` (dimensions and counts enter the formulas as floats)."""
    return check_int(value, name, minimum=minimum, maximum=MAX_COUNT)


def exp_or_inf(x: float) -> float:
    """``e^x``, ``inf`` where it overflows (``math.exp`` raises there)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def ln(x: float) -> float:
    """``ln x`` for ``x >= 0``, ``-inf`` at 0 (``math.log`` raises there)."""
    return -math.inf if x == 0 else math.log(x)


def w0_exp(t: float) -> float:
    """``W_0(e^t)``, the root ``w > 0`` of ``w + ln w = t``, for any finite ``t``."""
    if t < -_LAMBERT_MAX:  # W_0(z) = z - z^2 + ...: equal to z = e^t in float64
        return math.exp(t)
    if t <= _LAMBERT_MAX:
        return float(lambertw(math.exp(t), 0).real)
    w = t - math.log(t)  # Newton on w + ln w = t (converges in a few steps from here)
    for _ in range(_NEWTON_STEPS):
        step = (w + math.log(w) - t) / (1.0 + 1.0 / w)
        w -= step
        if abs(step) <= 1e-15 * w:
            break
    return w


def u_roots(a: float) -> tuple[float, float]:
    """The roots ``u_- <= 1 <= u_+`` of ``u - ln u = a`` for ``a >= 1``.

    ``u e^{-u} = e^{-a}``, so ``u_- = -W_0(-e^{-a})`` and ``u_+ = -W_{-1}(-e^{-a})`` (004 Definition
    B10). For ``a > 700``, ``e^{-a}`` underflows: then ``u_- = e^{-a}`` to all digits and ``u_+`` comes
    from Newton's method started at ``a + ln a``.
    """
    if a > _LAMBERT_MAX:
        u = a + math.log(a)
        for _ in range(_NEWTON_STEPS):
            step = (u - math.log(u) - a) / (1.0 - 1.0 / u)
            u -= step
            if abs(step) <= 1e-15 * u:
                break
        return math.exp(-a), u
    z = -math.exp(-a)
    return -float(lambertw(z, 0).real), -float(lambertw(z, -1).real)
