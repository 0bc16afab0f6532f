"""Checks of tensors that are already tensors (finite, rank, size, dtype, binary, monotone) and of user
callables' results."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import torch
from torch import Tensor

from hopfield._arrays import FLOAT_DTYPES
from hopfield._errors import HopfieldInputError, HopfieldTypeError, input_error
from hopfield._validate._scalars import _interval, describe


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


def check_increasing(t: Tensor, name: str, min_size: int = 2) -> Tensor:
    """Raise unless the 1-d ``t`` holds at least ``min_size`` strictly increasing values (e.g. times)."""
    if t.numel() < min_size:
        raise input_error(name, f"at least {min_size} values", f"{t.numel()}", verb="hold")
    if not bool((t[1:] > t[:-1]).all()):
        shown = f"{t.tolist()[:8]}{'...' if t.numel() > 8 else ''}"
        raise input_error(name, "strictly increasing", shown)
    return t


R = TypeVar("R")


def call_user(fn: Callable[..., R], name: str, expected: str, *args: Any) -> R:
    """``fn(*args)`` for a callable the user passed as ``name``; an exception it raises becomes a
    :class:`~hopfield.HopfieldInputError` naming ``name`` (the original chained as its cause)."""
    try:
        return fn(*args)
    except HopfieldInputError:
        raise
    except Exception as exc:
        raise input_error(name, expected, f"a callable that raised {type(exc).__name__}: {exc}") from exc


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
