"""Argument checks and the one input rule shared by every public entry point.

Every check raises :class:`~hopfield.HopfieldInputError` (a ``ValueError``) or
:class:`~hopfield.HopfieldTypeError` (also a ``TypeError``) whose message names the argument, says what
was expected and shows what was received, e.g. ``beta must be a positive finite number, got -1.0``.

:func:`as_input` is the input rule of ``docs/conventions.md``: every array a public entry point takes
goes through it (directly or through :func:`as_patterns` / :func:`as_states`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor

from hopfield._arrays import FLOAT_DTYPES, Output, is_numpy
from hopfield._errors import HopfieldInputError, HopfieldTypeError, input_error

__all__ = [
    "as_indices",
    "as_input",
    "as_integers",
    "as_patterns",
    "as_states",
    "check_binary",
    "check_binary_tol",
    "check_bool",
    "check_callable_output",
    "check_choice",
    "check_dim",
    "check_dtype",
    "check_entries",
    "check_finite",
    "check_int",
    "check_nonnegative",
    "check_optional_int",
    "check_positive",
    "check_probability",
    "check_rank",
    "check_real",
    "check_seed",
    "check_tensor",
    "describe",
    "refuse_unknown",
    "to_tensor",
]

Kind = Literal["float", "binary", "any"]


def describe(value: object) -> str:
    """A short description of a received value for error messages."""
    if isinstance(value, Tensor):
        return f"tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ------------------------------------------------------------------------------------------- scalars
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


# ------------------------------------------------------------------------------------------- tensors
def check_finite(x: Tensor, name: str) -> Tensor:
    """Raise if ``x`` holds a NaN or an infinity."""
    if x.is_floating_point() and not bool(torch.isfinite(x).all()):
        n_bad = int((~torch.isfinite(x)).sum())
        raise input_error(
            name, "only finite values", f"{n_bad} NaN or Inf entries in {describe(x)}", verb="contain"
        )
    return x


def check_rank(x: Tensor, name: str, ranks: Iterable[int], shape_hint: str) -> Tensor:
    """Raise unless ``x.ndim`` is in ``ranks``; ``shape_hint`` reads e.g. ``(batch, dim)``."""
    if x.ndim not in tuple(ranks):
        raise input_error(name, f"shape {shape_hint}", f"shape {tuple(x.shape)}", verb="have")
    return x


def check_dim(x: Tensor, name: str, dim: int, other: str) -> Tensor:
    """Raise unless the last axis of ``x`` has size ``dim`` (matching ``other``)."""
    if x.shape[-1] != dim:
        raise input_error(
            name, f"last dimension {dim} to match {other}", f"shape {tuple(x.shape)}", verb="have"
        )
    return x


def check_dtype(x: Tensor, name: str, dtypes: Iterable[torch.dtype], expected: str) -> Tensor:
    """Raise a :class:`HopfieldTypeError` unless ``x.dtype`` is one of ``dtypes`` (``expected`` in words)."""
    if x.dtype not in tuple(dtypes):
        raise input_error(name, expected, f"dtype {x.dtype}", cls=HopfieldTypeError, verb="have")
    return x


def check_tensor(
    x: object,
    name: str,
    *,
    ranks: Iterable[int] = (1, 2),
    shape: str = "(dim,) or (batch, dim)",
    dim: int | None = None,
    other: str = "patterns",
) -> Tensor:
    """A floating ``torch.Tensor`` of an accepted rank (and last dimension), returned as it is.

    For the PyTorch layers (``hopfield.nn``): no conversion, no copy and no look at the values (a NaN
    check costs a pass over the data and a device synchronization per call), so it is cheap and
    traceable by ``torch.compile``/``torch.export``. Refuses NumPy arrays and integer or complex tensors.
    """
    if not isinstance(x, Tensor):
        raise input_error(name, "a torch.Tensor", type(x).__name__, cls=HopfieldTypeError)
    check_dtype(x, name, FLOAT_DTYPES, "a floating dtype (float16, bfloat16, float32 or float64)")
    check_rank(x, name, ranks, shape)
    if dim is not None:
        check_dim(x, name, dim, other)
    return x


def check_binary(x: Tensor, name: str, *, zero_one: bool = False) -> Tensor:
    """Raise unless every entry of ``x`` is -1 or +1 (0 or 1 with ``zero_one``)."""
    lo = 0 if zero_one else -1
    bad = (x != 1) & (x != lo)
    if bool(bad.any()):
        example = x[bad].flatten()[0].item()
        expected = "binary with entries in {0, 1}" if zero_one else "binary with entries in {-1, +1}"
        raise input_error(name, expected, f"{int(bad.sum())} other entries (e.g. {example!r})")
    return x


def check_callable_output(got: object, expected_shape: tuple[int, ...], name: str) -> Tensor:
    """Raise unless a user callable returned a finite floating tensor of ``expected_shape``."""
    if not isinstance(got, Tensor) or tuple(got.shape) != expected_shape or not got.is_floating_point():
        raise input_error(
            name,
            f"a callable returning a floating tensor of shape {expected_shape}",
            describe(got),
            cls=HopfieldTypeError,
        )
    return got


def _to_tensor(x: Any, name: str) -> tuple[Tensor, bool]:
    """``x`` as a tensor (no copy where possible) and whether it came from NumPy or a sequence."""
    if isinstance(x, Tensor):
        return x, False
    if not is_numpy(x):
        raise input_error(name, "a torch.Tensor or a NumPy array", type(x).__name__, cls=HopfieldTypeError)
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged sequences
        raise input_error(name, "a rectangular numeric array", f"{exc}", cls=HopfieldTypeError) from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise input_error(name, "a numeric array", f"dtype {arr.dtype}", cls=HopfieldTypeError)
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise input_error(name, "a real array", f"dtype {arr.dtype}", cls=HopfieldTypeError)
    return torch.from_numpy(np.ascontiguousarray(arr).reshape(arr.shape)), True  # 0-d stays 0-d


def as_input(
    x: Any,
    name: str,
    *,
    kind: Kind = "float",
    ranks: Sequence[int] = (1, 2),
    shape: str = "(dim,) or (batch, dim)",
    dim: int | None = None,
    other: str = "patterns",
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
    zero_one: bool = False,
    finite: bool = True,
    nonempty: bool = True,
    batch: bool | None = None,
) -> tuple[Tensor, Output]:
    """The one input rule (``docs/conventions.md``): check and convert an array argument.

    Parameters
    ----------
    x:
        A ``torch.Tensor``, a NumPy array or a (nested) sequence of numbers.
    name:
        The argument's name, for error messages.
    kind:
        ``"float"``: float16, bfloat16, float32 or float64 (integers and bools are refused);
        ``"binary"``: entries -1/+1 (0/1 with ``zero_one``) of any real dtype or bool (True is +1), returned
        as a floating tensor of ``dtype`` when the input is not floating; ``"any"``: any real dtype.
    ranks, shape:
        Accepted numbers of axes, and the shape in words for the message (``"(batch, 64)"``).
    dim, other:
        Required size of the last axis and what it must match.
    device:
        Where NumPy input goes (the network's device); torch input keeps its own.
    dtype:
        The dtype for integer or bool input (``"binary"``/``"any"``); floating input keeps its own.
    zero_one:
        With ``"binary"``: entries in {0, 1}, mapped to ±1 by ``2x - 1``.
    finite, nonempty:
        Refuse NaN/Inf entries; refuse an empty tensor.
    batch:
        Make rank-1 input one row of a batch, ``(1, dim)`` (undone by the returned ``Output``); default
        True when ``ranks`` is ``(1, 2)``.

    Returns
    -------
    (tensor, Output)
        The contiguous tensor, rank-1 input made ``(1, dim)`` when ``2 in ranks``, and the
        :class:`~hopfield._arrays.Output` that restores the caller's form (NumPy, rank, state dtype).
    """
    t, numpy_in = _to_tensor(x, name)
    if t.is_complex():
        raise input_error(name, "a real tensor", f"dtype {t.dtype}", cls=HopfieldTypeError)
    floating = t.is_floating_point()
    if kind == "float" and not floating:
        raise input_error(
            name,
            "a floating dtype (float16, bfloat16, float32 or float64)",
            f"dtype {t.dtype}",
            cls=HopfieldTypeError,
            verb="have",
        )
    if floating and t.dtype not in FLOAT_DTYPES:
        raise input_error(
            name,
            "a floating dtype (float16, bfloat16, float32 or float64)",
            f"dtype {t.dtype}",
            cls=HopfieldTypeError,
            verb="have",
        )
    if t.ndim not in tuple(ranks):
        raise input_error(name, f"shape {shape}", f"shape {tuple(t.shape)}", verb="have")
    if nonempty and t.numel() == 0:
        raise input_error(name, f"non-empty, of shape {shape}", f"shape {tuple(t.shape)}")
    if dim is not None:
        check_dim(t, name, dim, other)
    state_dtype = t.dtype
    if finite:
        check_finite(t, name)
    if numpy_in and device is not None:
        t = t.to(device=device)
    is_bool = t.dtype == torch.bool
    if not floating:
        t = t.to(dtype or torch.get_default_dtype())
    if is_bool and kind == "binary":  # True is +1, False is -1 (with or without zero_one)
        t = 2 * t - 1
        zero_one_map = False
    else:
        zero_one_map = zero_one
    if kind == "binary":
        check_binary(t, name, zero_one=zero_one_map)
        if zero_one_map:
            t = 2 * t - 1
    if batch is None:
        batch = set(ranks) == {1, 2}
    squeeze = batch and t.ndim == 1
    if squeeze:
        t = t.unsqueeze(0)
    out = Output(numpy=numpy_in, squeeze=squeeze, state_dtype=state_dtype, zero_one=zero_one)
    return t.contiguous(), out


def as_integers(x: Any, name: str, length: int) -> Tensor:
    """Integer input (torch or NumPy integers, or a sequence of ints) as an int64 ``(length,)`` tensor.

    Floating and bool dtypes are refused (an index must be exact: ``1e9 + 1`` is not a float32).
    """
    t, _ = _to_tensor(x, name)
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        raise input_error(name, "an integer dtype", f"dtype {t.dtype}", cls=HopfieldTypeError, verb="have")
    if tuple(t.shape) != (length,):
        raise input_error(name, f"shape ({length},)", f"shape {tuple(t.shape)}", verb="have")
    return t.to(torch.int64).contiguous()


def _kind(kwargs: dict[str, Any]) -> None:
    if kwargs.pop("allow_int", False):
        kwargs.setdefault("kind", "any")


def as_patterns(x: Any, name: str = "patterns", **kwargs: Any) -> Tensor:
    """Stored patterns as a non-empty ``(n_patterns, dim)`` tensor (rows are patterns)."""
    kwargs.setdefault("shape", "(n_patterns, dim)")
    _kind(kwargs)
    t, _ = as_input(x, name, ranks=(2,), **kwargs)
    return t


def as_states(x: Any, dim: int, name: str = "state", **kwargs: Any) -> tuple[Tensor, Output]:
    """States/queries as a ``(B, dim)`` tensor plus the :class:`Output` that restores the caller's form."""
    kwargs.setdefault("shape", f"({dim},) or (batch, {dim})")
    _kind(kwargs)
    return as_input(x, name, ranks=(1, 2), dim=dim, **kwargs)


def to_tensor(
    x: Any,
    name: str,
    *,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
    allow_int: bool = False,
    finite: bool = True,
) -> Tensor:
    """Any-rank array input through :func:`as_input` (empty allowed), then cast to ``dtype``/``device``."""
    t, _ = as_input(
        x,
        name,
        kind="any" if allow_int else "float",
        ranks=range(0, 33),
        shape="any",
        finite=finite,
        nonempty=False,
        dtype=dtype,
    )
    if dtype is not None or device is not None:
        t = t.to(dtype=dtype or t.dtype, device=device)
    return t


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


def check_entries(
    x: Tensor,
    name: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> Tensor:
    """Raise unless every entry of the floating tensor ``x`` is finite and in ``[low, high]`` (ends open
    on request): :func:`check_real` for each entry of an array (temperatures >= 0, magnetizations in
    [-1, 1], ...)."""
    ok = torch.isfinite(x) & (x > low if low_open else x >= low) & (x < high if high_open else x <= high)
    if not bool(ok.all()):
        bad = ~ok
        example = x[bad].flatten()[0].item()
        raise input_error(
            name,
            f"entries that are each {_interval(low, high, low_open, high_open)}",
            f"{int(bad.sum())} other entries (e.g. {example!r})",
            verb="have",
        )
    return x


def as_indices(x: Any, name: str, size: int, *, other: str = "patterns") -> Tensor:
    """Indices into ``size`` rows (of ``other``) as a 1-d ``int64`` tensor.

    Accepts a Python or NumPy integer, or an integer NumPy array / torch tensor of rank 0 or 1; bools,
    floats and strings are refused (:class:`HopfieldTypeError`), as are indices outside ``[0, size)``.
    """
    expected = f"an integer index in [0, {size - 1}] into {other}, or a 1-d integer array of them"
    if isinstance(x, Integral) and not isinstance(x, (bool, np.bool_)):
        if not 0 <= int(x) < size:
            raise input_error(name, expected, int(x))
        return torch.tensor([int(x)], dtype=torch.int64)
    if not (isinstance(x, Tensor) or is_numpy(x)) or isinstance(x, (bool, np.bool_, np.generic)):
        raise input_error(name, expected, describe(x), cls=HopfieldTypeError)
    t, _ = _to_tensor(x, name)
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        raise input_error(name, expected, f"dtype {t.dtype}", cls=HopfieldTypeError)
    if t.ndim > 1 or t.numel() == 0:
        raise input_error(name, expected, f"shape {tuple(t.shape)}")
    t = t.reshape(-1).to(torch.int64)
    bad = (t < 0) | (t >= size)
    if bool(bad.any()):
        raise input_error(name, expected, f"{int(bad.sum())} indices outside (e.g. {int(t[bad][0])})")
    return t
