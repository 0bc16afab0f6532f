"""Checks of scalar arguments (numbers, integers, flags, names, seeds) and the description of a value."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from torch import Tensor

from hopfield._errors import HopfieldInputError, HopfieldTypeError, input_error


def describe(value: object) -> str:
    """A short description of a received value for error messages."""
    if isinstance(value, Tensor):
        return f"tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _real(value: object, name: str, expected: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise input_error(name, expected, describe(value), cls=HopfieldTypeError)
    try:
        return float(value)
    except OverflowError:  # an int beyond float range
        raise input_error(name, expected, describe(value)) from None


def _interval(low: float, high: float, low_open: bool, high_open: bool) -> str:
    """``"a finite number >= 0"``, ``"a finite number in (0, 1]"``, ...: the interval in words."""
    lo, hi = "(" if low_open else "[", ")" if high_open else "]"
    if math.isinf(low) and math.isinf(high):
        return "a finite number"
    if math.isinf(high):
        return f"a finite number {'>' if low_open else '>='} {low:g}"
    if math.isinf(low):
        return f"a finite number {'<' if high_open else '<='} {high:g}"
    return f"a finite number in {lo}{low:g}, {high:g}{hi}"


def check_real(
    value: object,
    name: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a finite float in the interval ``[low, high]`` (ends open on request)."""
    expected = _interval(low, high, low_open, high_open)
    v = _real(value, name, expected)
    ok = math.isfinite(v) and (v > low if low_open else v >= low) and (v < high if high_open else v <= high)
    if not ok:
        raise input_error(name, expected, v)
    return v


def check_positive(value: object, name: str, *, maximum: float = math.inf) -> float:
    """Return ``value`` as a float, or raise if it is not a positive finite number (<= ``maximum``)."""
    if math.isinf(maximum):
        v = _real(value, name, "a positive finite number")
        if not (math.isfinite(v) and v > 0):
            raise input_error(name, "a positive finite number", v)
        return v
    return check_real(value, name, low=0.0, high=maximum, low_open=True)


#: The smallest normal float64: a smaller beta leaves no digits in ``beta (s - max s)``.
BETA_MIN = sys.float_info.min


def check_beta(value: object, name: str = "beta") -> float:
    """An inverse temperature of a network: a positive finite number, at least :data:`BETA_MIN`
    (a subnormal beta underflows even in float64; a beta below float32's smallest normal number makes
    the networks compute in float64, see :func:`hopfield._tolerances.compute_dtype`)."""
    v = check_positive(value, name)
    if v < BETA_MIN:
        raise input_error(name, f"a positive finite number >= {BETA_MIN!r} (the smallest normal float64)", v)
    return v


def check_nonnegative(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number >= 0."""
    return check_real(value, name, low=0.0)


def check_probability(value: object, name: str, *, closed_low: bool = False) -> float:
    """Return ``value`` as a float in (0, 1] (or [0, 1] with ``closed_low``), or raise."""
    return check_real(value, name, low=0.0, high=1.0, low_open=not closed_low)


def check_int(value: object, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an int (Python or NumPy integer); raise unless ``minimum <= value <= maximum``."""
    expected = f"an integer >= {minimum}" if maximum is None else f"an integer in [{minimum}, {maximum}]"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise input_error(name, expected, describe(value), cls=HopfieldTypeError)
    v = int(value)
    if v < minimum or (maximum is not None and v > maximum):
        raise input_error(name, expected, v)
    return v


def check_optional_int(value: object, name: str, minimum: int = 1, maximum: int | None = None) -> int | None:
    """:func:`check_int`, letting ``None`` through."""
    return None if value is None else check_int(value, name, minimum, maximum)


def check_bool(value: object, name: str) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (or a NumPy bool); strings and ints are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise input_error(name, "True or False", describe(value), cls=HopfieldTypeError)
    return bool(value)


def check_choice(value: object, name: str, choices: Iterable[str]) -> str:
    """Raise unless ``value`` is one of ``choices`` (the message lists them)."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        raise input_error(name, f"one of {', '.join(map(repr, choices))}", describe(value))
    return value


def check_binary_tol(value: object, name: str = "tol") -> None:
    """Raise unless ``value`` is ``None`` or 0: binary networks stop at exact fixed points only."""
    if value is None:
        return
    expected = "None or 0 (binary networks stop at exact fixed points)"
    if _real(value, name, expected) != 0:
        raise input_error(name, expected, describe(value))


#: Seeds must fit torch's generator: an integer in [0, 2**64).
SEED_MAX = 2**64 - 1


def check_seed(value: object, name: str = "seed") -> int | torch.Generator | None:
    """A seed: ``None`` (random), an integer in ``[0, 2**64)`` (Python or NumPy) or a ``torch.Generator``."""
    if value is None or isinstance(value, torch.Generator):
        return value
    expected = f"an integer in [0, {SEED_MAX}], a torch.Generator or None"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise input_error(name, expected, describe(value), cls=HopfieldTypeError)
    v = int(value)
    if not 0 <= v <= SEED_MAX:
        raise input_error(name, expected, v)
    return v


def refuse_unknown(options: dict[str, Any], valid: Iterable[str], what: str) -> None:
    """Raise naming the first key of ``options`` not in ``valid`` (and listing the valid ones)."""
    valid = sorted(valid)
    for key in options:
        if key not in valid:
            raise HopfieldInputError(
                f"{what} has no option {key!r}; its options: {', '.join(valid) or 'none'}",
                argument=key,
                expected=f"one of {', '.join(valid) or 'none'}",
                received=key,
            )
