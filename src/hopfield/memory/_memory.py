"""``Memory``: a growing associative memory with forgetting, in RAM or in a crash-safe store on disk."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from hopfield._errors import HopfieldInputError, HopfieldTypeError, input_error
from hopfield._validate import (
    as_input,
    as_integers,
    check_beta,
    check_bool,
    check_choice,
    check_int,
    check_nonnegative,
    check_optional_int,
)
from hopfield.memory._manifest import DTYPES, Manifest
from hopfield.memory._reader import MemoryReader
from hopfield.memory._segments import Segment, split_rows
from hopfield.memory._store import Store, compact, save_store

__all__ = ["Memory"]


def _dtype_name(dtype: object) -> str:
    name = str(dtype).removeprefix("torch.") if isinstance(dtype, (torch.dtype, str)) else repr(dtype)
    return check_choice(name, "dtype", DTYPES)


class Memory(MemoryReader):
    """A sequential softmax associative memory (004 §B2.7): patterns arrive over time and are kept.

    Row ``i`` (in the order of :meth:`add`) has a time index ``t_i`` (int64; by default ``0, 1, 2,
    ...``). A query ``xi`` retrieves ``sum_i softmax_i v_i`` over the logits
    ``beta x_i^T xi - gamma (t - t_i)``, where ``t`` is the newest time index (age 0): eq. (446) of 004,
    and with ``gamma = 0`` the infinite memory of eq. (436). The result is the exact softmax retrieval,
    streamed over segments and chunks with the library's one log-sum-exp merge: peak extra memory
    ``O(B chunk + B d)`` whatever the number of rows.

    Parameters
    ----------
    dim:
        d, the dimension of a pattern.
    beta:
        Inverse temperature, a positive finite number.
    forgetting:
        gamma >= 0, the forgetting rate per unit of time (0: nothing is forgotten).
    value_dim:
        Dimension of the stored values (default ``dim``: values are the patterns unless given to
        :meth:`add`). A memory with ``value_dim != dim`` is hetero-associative: one update only.
    dtype:
        The storage dtype (float16, bfloat16, float32 or float64; a ``torch.dtype`` or its name).
    device:
        Where an in-memory store keeps its rows and where NumPy queries are computed.
    chunk_size:
        Rows per score block of our chunked merge. ``None`` (default): the fused CPU attention kernel
        per segment where it applies, else blocks of about 1M scores; an explicit size always uses
        our merge.

    A memory lives in RAM until :meth:`save` writes it as a store; :meth:`open` works on a store in
    place (memory-mapped, so it may be larger than the RAM): every :meth:`add` is then committed to
    disk before it returns. See ``docs/memory.md``.

    Examples
    --------
    >>> import numpy as np
    >>> mem = Memory(3, beta=8.0)
    >>> mem.add(np.eye(3, dtype=np.float32))
    >>> query = np.array([0.9, 0.2, 0.1], dtype=np.float32)
    >>> mem.retrieve(query, max_steps=10).state.round(3)
    array([0.999, 0.   , 0.   ], dtype=float32)
    >>> weights, rows = mem.search(query, k=2)
    >>> rows
    array([0, 1])
    """

    def __init__(
        self,
        dim: int,
        beta: float = 1.0,
        forgetting: float = 0.0,
        *,
        value_dim: int | None = None,
        dtype: torch.dtype | str = torch.float32,
        device: torch.device | str | None = None,
        chunk_size: int | None = None,
    ) -> None:
        dim = check_int(dim, "dim")
        self._m = Manifest(
            dim=dim,
            value_dim=dim if value_dim is None else check_int(value_dim, "value_dim"),
            beta=check_beta(beta),
            gamma=check_nonnegative(forgetting, "forgetting"),
            dtype=_dtype_name(dtype),
        )
        self._device = torch.device("cpu" if device is None else device)
        self.chunk_size = check_optional_int(chunk_size, "chunk_size")
        self._segments: list[Segment] = []
        self._store: Store | None = None
        self._verify = True

    # ------------------------------------------------------------------ persistence
    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        readonly: bool = False,
        verify: bool = True,
        device: torch.device | str | None = None,
        chunk_size: int | None = None,
    ) -> Memory:
        """Open the store at ``path`` (written by :meth:`save`) in place.

        ``readonly=False`` takes the store's writer lock (a second writer is refused) and makes
        :meth:`add` durable; readers (``readonly=True``) may open it meanwhile and see new rows after
        :meth:`refresh`. ``verify`` checks every segment's SHA-256 (reads the store once); without
        it only sizes and headers are checked. Segments are memory-mapped.
        """
        check_bool(readonly, "readonly")
        verify = check_bool(verify, "verify")
        store = Store.open(path, readonly)
        try:
            m, segs = store.load(verify)
        except BaseException:
            store.close()
            raise
        mem = cls(m.dim, m.beta, m.gamma, value_dim=m.value_dim, dtype=m.dtype, device=device)
        mem.chunk_size = check_optional_int(chunk_size, "chunk_size")
        mem._m, mem._segments, mem._store, mem._verify = m, segs, store, verify
        return mem

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write this memory as a new store at ``path`` (a new or empty folder), atomically.

        The memory itself is unchanged (still in RAM, or still working on its own store); open the
        new store with :meth:`open` to append to it.
        """
        return save_store(path, self._m, self._segments)

    def refresh(self) -> bool:
        """Reload the manifest of a store opened read-only (rows another process appended since).

        Returns True when the memory changed. A no-op for in-memory and writable memories.
        """
        if self._store is None or not self._store.readonly:
            return False
        m, segs = self._store.load(self._verify, self._segments)
        changed = m.generation != self._m.generation
        self._m, self._segments = m, segs
        return changed

    def close(self) -> None:
        """Release the store's writer lock (the memory stays readable)."""
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> Memory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ adding
    def _rows(self, x: Any, name: str, width: int, n: int | None) -> Tensor:
        shape = f"({width},) or (n_patterns, {width})"
        t, _ = as_input(x, name, shape=shape, dim=width, other=f"the memory's {name} ({width})", batch=True)
        if torch.promote_types(t.dtype, self.dtype) != self.dtype:
            raise input_error(
                name,
                f"dtype {self._m.dtype} or one it holds exactly (cast first: no silent downcast)",
                f"dtype {t.dtype}",
                cls=HopfieldTypeError,
                verb="have",
            )
        if n is not None and t.shape[0] != n:
            raise input_error(name, f"{n} rows (one per pattern)", f"shape {tuple(t.shape)}", verb="have")
        return t.to(dtype=self.dtype, device=self._device if self._store is None else "cpu")

    def add(self, patterns: Any, values: Any = None, *, times: Any = None) -> None:
        """Append patterns (rows) and, optionally, their values, at the next time indices.

        Parameters
        ----------
        patterns:
            ``(d,)`` or ``(n, d)``, in the memory's dtype or one it holds exactly.
        values:
            ``(n, value_dim)`` values to retrieve (default: the patterns themselves; required when
            ``value_dim != dim``).
        times:
            ``(n,)`` integer time indices, increasing and after :attr:`time` (default: the next
            ones, ``time + 1, time + 2, ...``; 0 for the first row).

        On a store opened for writing the rows are on disk (fsynced, manifest committed) when this
        returns. Bad input raises a named error and leaves the memory unchanged.
        """
        if self._store is not None and self._store.readonly:
            raise HopfieldInputError(
                f"memory must be writable to add, got the read-only store {self.path}",
                argument="memory",
                expected="writable",
                received=f"read-only store {self.path}",
            )
        x = self._rows(patterns, "patterns", self.dim, None)
        n = x.shape[0]
        if values is None and self.value_dim != self.dim:
            raise input_error("values", f"given: value_dim {self.value_dim} differs from dim", None)
        v = None if values is None else self._rows(values, "values", self.value_dim, n)
        last = self.time
        if times is None:
            start = 0 if last is None else last + 1
            t = torch.arange(start, start + n, dtype=torch.int64)
        else:
            t = as_integers(times, "times", n)
            after = "" if last is None else f" and after the newest time index {last}"
            if (n > 1 and bool((t[1:] <= t[:-1]).any())) or (last is not None and int(t[0]) <= last):
                raise input_error("times", f"strictly increasing{after}", f"{t.tolist()[:8]}")
        t = t.to(x.device)
        cap = split_rows(self.dim, self.value_dim if v is not None else None, self.dtype)
        new = [
            Segment(
                x[a : a + cap],
                t[a : a + cap],
                None if v is None else v[a : a + cap],
                self.count + a,
                float(torch.linalg.vector_norm(x[a : a + cap].double(), dim=-1).amax()),
            )
            for a in range(0, n, cap)
        ]
        if self._store is not None:
            self._m, self._segments = self._store.commit(self._m, self._segments, new, self._verify)
        else:
            self._segments = compact(self._segments, new, cap)
            self._m.count += n
