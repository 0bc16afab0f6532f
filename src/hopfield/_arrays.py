"""Array conventions: NumPy in gives NumPy out, torch in keeps device and dtype; (d,) vs (B, d).

The seeds write the stored patterns as the columns of a matrix X; this library stores them as rows,
``patterns`` of shape ``(n_patterns, dim)``, so the seeds' ``X`` is ``patterns.T`` and ``X^T xi`` is
``patterns @ xi``. The checks themselves live in :mod:`hopfield._validate` (:func:`as_input`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import torch
from torch import Tensor

__all__ = ["FLOAT_DTYPES", "CastCache", "Output", "is_numpy"]

#: The floating dtypes accepted wherever a float is accepted.
FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)

T = TypeVar("T")


def is_numpy(x: Any) -> bool:
    """True for NumPy arrays and scalars and plain Python sequences (they come back as NumPy)."""
    return isinstance(x, (np.ndarray, list, tuple, np.generic))


@dataclass(frozen=True)
class Output:
    """How to return results in the caller's form.

    Attributes
    ----------
    numpy:
        The input was NumPy (or a sequence): results come back as NumPy arrays on the CPU.
    squeeze:
        The input was one ``(d,)`` state: drop the batch axis of batched results.
    state_dtype:
        The input's dtype: states come back in it, and floating results too when it is floating (a
        family that computed half-precision input in float32 casts back here).
    zero_one:
        States come back in {0, 1} (``(s + 1) / 2``) instead of ±1.
    """

    numpy: bool = False
    squeeze: bool = False
    state_dtype: torch.dtype | None = None
    zero_one: bool = False

    def _finish(self, t: Tensor, batch_axis: bool) -> Any:
        if self.squeeze and batch_axis:
            t = t[0]
        if self.numpy:
            return t.detach().cpu().numpy()
        return t

    def __call__(self, t: Tensor | None, *, batch_axis: bool = True) -> Any:
        """Convert one result tensor (``batch_axis``: its first axis is the query batch).

        A floating result is cast to the input's dtype when that is floating.
        """
        if t is None:
            return None
        sd = self.state_dtype
        if sd is not None and sd.is_floating_point and t.is_floating_point() and t.dtype != sd:
            t = t.to(sd)
        return self._finish(t, batch_axis)

    def state(self, t: Tensor, *, batch_axis: bool = True) -> Any:
        """Convert states (±1 or continuous) back to the input's dtype and, with ``zero_one``, to {0, 1}."""
        if self.zero_one:
            t = (t + 1) / 2
        sd = self.state_dtype
        if sd == torch.bool:
            t = t > 0
        elif sd is not None and t.dtype != sd:
            t = t.to(sd)
        return self._finish(t, batch_axis)


class CastCache(Generic[T]):
    """A bounded cache of converted copies (patterns cast to another dtype or moved to another device).

    ``get(key, make)`` returns the cached value for ``key`` or calls ``make()`` and keeps at most
    ``maxsize`` entries, evicting the least recently used. The networks keep their patterns in one
    dtype and device and call this when a query arrives in another; the default of two entries covers
    the common "float32 and float64" or "CPU and GPU" alternation without growing.
    """

    def __init__(self, maxsize: int = 2) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, T] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value for ``key``, made on first use."""
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]
        value = make()
        self._entries[key] = value
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Drop every entry (after the source changed)."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
