"""What every thin network class shares: where its tensors live, the bounded cast cache, ``.to``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import torch
from torch import Tensor

from hopfield._arrays import CastCache
from hopfield._validate import check_choice

__all__ = ["Network", "PatternNetwork"]

T = TypeVar("T")
N = TypeVar("N", bound="Network")


class Network:
    """Base of the network classes.

    A network keeps its stored tensors (the attributes named in ``_stored``; each a tensor or an object
    with ``.to(dtype=, device=)``) on one device and in one dtype. NumPy input goes to that device and
    comes back as NumPy; torch input keeps its device and dtype, and the stored tensors are cast for it
    through a bounded cache (:class:`~hopfield._arrays.CastCache`, two entries): no copy of the stored
    patterns per call, and no cache that grows.
    """

    _stored: tuple[str, ...] = ()

    def _init_cache(self) -> None:
        self._cache: CastCache[Any] = CastCache()

    def _first(self) -> Any:
        return getattr(self, self._stored[0])

    @property
    def device(self) -> torch.device:
        """The device of the stored tensors (NumPy input is computed there)."""
        return self._first().device  # type: ignore[no-any-return]

    @property
    def dtype(self) -> torch.dtype:
        """The dtype of the stored tensors."""
        return self._first().dtype  # type: ignore[no-any-return]

    def _cast(self, key: tuple[torch.dtype, torch.device], make: Callable[[], T]) -> T:
        """The stored tensors converted for ``key = (dtype, device)``: ``make()`` once, then cached."""
        value: T = self._cache.get(key, make)
        return value

    def to(self: N, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> N:
        """Move the stored tensors to ``device`` and/or ``dtype`` (in place, like ``nn.Module.to``).

        ``dtype`` must be a floating dtype (float16, bfloat16, float32, float64). Returns ``self``.
        """
        if dtype is not None:
            check_choice(
                str(dtype).removeprefix("torch."), "dtype", ("float16", "bfloat16", "float32", "float64")
            )
        dev = None if device is None else torch.device(device)
        for name in self._stored:
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, value.to(dtype=dtype or value.dtype, device=dev or value.device))
        self._cache.clear()
        return self


class PatternNetwork(Network):
    """A network that stores its patterns as rows, ``patterns`` ``(N, d)`` (dense and modern memories)."""

    _stored = ("patterns",)
    patterns: Tensor

    @property
    def n_patterns(self) -> int:
        """N, the number of stored patterns."""
        return int(self.patterns.shape[0])

    @property
    def dim(self) -> int:
        """d, the dimension of a pattern (the number of neurons)."""
        return int(self.patterns.shape[1])
