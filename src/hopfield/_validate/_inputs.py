"""The one input rule (``docs/conventions.md``): arrays from users become checked tensors."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor

from hopfield._arrays import FLOAT_DTYPES, Output, is_numpy
from hopfield._errors import HopfieldTypeError, input_error
from hopfield._validate._scalars import describe
from hopfield._validate._tensors import check_binary, check_dim, check_finite

Kind = Literal["float", "binary", "any"]


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
    if (kind == "float" and not floating) or (floating and t.dtype not in FLOAT_DTYPES):
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
