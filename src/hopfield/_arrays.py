"""Array conventions: NumPy in gives NumPy out, torch in keeps device and dtype; (d,) vs (B, d).

The seeds write the stored patterns as the columns of a matrix X; this library stores them as rows,
``patterns`` of shape ``(n_patterns, dim)``, so the seeds' ``X`` is ``patterns.T`` and ``X^T xi`` is
``patterns @ xi``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from hopfield._validate import check_dim, check_finite, check_float_dtype, check_nonempty, check_rank

__all__ = ["Output", "as_patterns", "as_states", "is_numpy", "to_tensor"]

_FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def is_numpy(x: Any) -> bool:
    """True for NumPy arrays and plain Python sequences (they come back as NumPy)."""
    return isinstance(x, (np.ndarray, list, tuple, np.generic))


def to_tensor(
    x: Any,
    name: str,
    *,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
    allow_int: bool = False,
    finite: bool = True,
) -> Tensor:
    """Convert ``x`` (tensor, NumPy array or sequence) to a tensor without copying when possible.

    Integer and boolean input raises ``TypeError`` unless ``allow_int`` (then it becomes float32, or
    ``dtype``). ``finite`` rejects NaN and Inf with a ``ValueError`` naming ``name``.
    """
    if isinstance(x, Tensor):
        t = x
    elif is_numpy(x):
        arr = np.asarray(x)
        if arr.dtype == object or not (
            np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
        ):
            raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
        if np.issubdtype(arr.dtype, np.complexfloating):
            raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(arr))
    else:
        raise TypeError(f"{name} must be a torch.Tensor or a NumPy array, got {type(x).__name__}")
    if t.is_complex():
        raise TypeError(f"{name} must be real, got dtype {t.dtype}")
    if not torch.is_floating_point(t):
        if not allow_int:
            check_float_dtype(t, name)
        t = t.to(dtype or torch.get_default_dtype())
    if dtype is not None or device is not None:
        t = t.to(dtype=dtype or t.dtype, device=device)
    if finite:
        check_finite(t, name)
    return t


def as_patterns(x: Any, name: str = "patterns", **kwargs: Any) -> Tensor:
    """Patterns as a non-empty ``(n_patterns, dim)`` tensor (rows are patterns)."""
    t = to_tensor(x, name, **kwargs)
    check_rank(t, name, (2,), "(n_patterns, dim)")
    return check_nonempty(t, name)


@dataclass(frozen=True)
class Output:
    """How to return results: as NumPy or torch, and whether to drop the batch axis."""

    numpy: bool = False
    squeeze: bool = False

    def __call__(self, t: Tensor | None, *, batch_axis: bool = True) -> Any:
        """Convert one result tensor (``batch_axis``: its first axis is the query batch)."""
        if t is None:
            return None
        if self.squeeze and batch_axis:
            t = t[0]
        if self.numpy:
            return t.detach().cpu().numpy()
        return t


def as_states(
    x: Any,
    dim: int,
    name: str = "state",
    *,
    like: Tensor | None = None,
    other: str = "patterns",
    allow_int: bool = False,
) -> tuple[Tensor, Output]:
    """States/queries as a ``(B, dim)`` tensor plus the :class:`Output` that restores the caller's form.

    ``(dim,)`` input becomes ``(1, dim)`` and comes back squeezed. With ``like``, the tensor is moved to
    its device and dtype (NumPy input) or checked against them (torch input keeps its own; a mismatch
    raises).
    """
    numpy_in = not isinstance(x, Tensor)
    t = to_tensor(x, name, allow_int=allow_int)
    check_rank(t, name, (1, 2), f"({dim},) or (batch, {dim})")
    check_dim(t, name, dim, other)
    squeeze = t.ndim == 1
    if squeeze:
        t = t.unsqueeze(0)
    if like is not None:
        if numpy_in:
            t = t.to(device=like.device, dtype=like.dtype)
        elif t.device != like.device:
            raise ValueError(f"{name} must be on device {like.device} like {other}, got {t.device}")
        elif t.dtype != like.dtype:
            raise TypeError(f"{name} must have dtype {like.dtype} like {other}, got {t.dtype}")
    return t, Output(numpy=numpy_in, squeeze=squeeze)


def float_dtype_of(t: Tensor) -> torch.dtype:
    """The dtype ``t`` computes in: its own if floating, else the default float dtype."""
    return t.dtype if t.dtype in _FLOAT_DTYPES else torch.get_default_dtype()
