"""Streaming retrieval's memory does not grow with the store (issue 13, item 1).

Every aten op run by ``Memory.retrieve`` is recorded (a ``TorchDispatchMode``) with the bytes of each
fresh allocation (an output that shares no storage with the op's inputs: views of memory-mapped
segments are free). The largest one must not depend on the number of stored rows N: one ``(B, chunk)``
block or ``(B, d)`` accumulator, and with forgetting the fused kernel's age mask for one block of
``FUSED_BLOCK_ROWS`` rows, never one float per stored row.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from helpers import assert_close
from hopfield import Memory
from hopfield.memory import _stream

D, B = 16, 8


class _Largest(TorchDispatchMode):
    """Records the largest fresh allocation (bytes) of any op."""

    def __init__(self) -> None:
        super().__init__()
        self.nbytes = 0

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        given = tree_flatten((args, kwargs))[0]
        inputs = {t.untyped_storage().data_ptr() for t in given if isinstance(t, torch.Tensor)}
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor) and t.untyped_storage().data_ptr() not in inputs:
                self.nbytes = max(self.nbytes, t.untyped_storage().nbytes())
        return out


def _memory(n: int, gamma: float, chunk_size: int | None) -> tuple[Memory, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, D, generator=g) / 2
    mem = Memory(D, beta=2.0, forgetting=gamma, chunk_size=chunk_size)
    for part in x.split(n // 2):
        mem.add(part)
    return mem, x


def _largest(n: int, gamma: float, chunk_size: int | None) -> int:
    mem, _ = _memory(n, gamma, chunk_size)
    q = torch.randn(B, D, generator=torch.Generator().manual_seed(1))
    with _Largest() as rec:
        mem.retrieve(q, max_steps=1)
    return rec.nbytes


@pytest.mark.parametrize("gamma", [0.0, 0.05])
@pytest.mark.parametrize("chunk_size", [None, 64])  # the fused kernel per segment; our chunked merge
def test_largest_allocation_does_not_grow_with_the_store(
    gamma: float, chunk_size: int | None, monkeypatch
) -> None:
    monkeypatch.setattr(_stream, "FUSED_BLOCK_ROWS", 256)
    small, large = _largest(1024, gamma, chunk_size), _largest(8192, gamma, chunk_size)
    assert small == large
    assert large <= 4 * B * max(64, D, 256 // B + 1) * 8, large  # a (B, 64) block or the 256-row mask


@pytest.mark.parametrize("block_rows", [50, 256, 1 << 16])
def test_fused_blocks_with_forgetting_equal_the_formula(block_rows: int, monkeypatch) -> None:
    """The fused kernel on blocks of rows, merged, equals the in-memory formula (float64)."""
    monkeypatch.setattr(_stream, "FUSED_BLOCK_ROWS", block_rows)
    calls = []
    real = _stream.flash_op()
    assert real is not None

    def spy(*a: Any, **kw: Any) -> Any:
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(_stream, "flash_op", lambda: spy)
    mem, x = _memory(1000, 0.05, None)
    q = torch.randn(5, D, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    logits = 2.0 * q @ x.double().T - 0.05 * (999 - torch.arange(1000)).double()
    expected = torch.softmax(logits, -1) @ x.double()
    assert_close(mem.retrieve(q, max_steps=1).state, expected, torch.float64)
    assert len(calls) == sum(-(-seg.rows // block_rows) for seg in mem._segments)  # one call per block
