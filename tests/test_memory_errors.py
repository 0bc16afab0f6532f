"""Bad input to the memory store: each case raises a named error and leaves the store unchanged.

The table is ``(label, callable, exception_type, match_regex)``; every callable gets a :class:`Ctx`
holding a store of 10 rows (time indices 0..9) opened for writing.
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch

from hopfield import HopfieldInputError, HopfieldTypeError, Memory, StoreCorruptError

D = 6
Q = np.ones(D, dtype=np.float32)


@dataclass
class Ctx:
    path: Path
    mem: Memory
    tmp: Path
    made: dict[Path, dict[str, bytes]] = field(default_factory=dict)

    def variant(self, **changes: object) -> Path:
        """A copy of the store with manifest fields changed (watched for changes too)."""
        out = self.tmp / f"variant-{len(list(self.tmp.iterdir()))}"
        shutil.copytree(self.path, out)
        manifest = out / "manifest.json"
        manifest.write_text(json.dumps({**json.loads(manifest.read_text()), **changes}))
        self.made[out] = snapshot(out)
        return out


def rows(n: int = 2, dim: int = D, dtype=np.float32) -> np.ndarray:
    return np.random.default_rng(n).standard_normal((n, dim)).astype(dtype)


def with_value(value: float) -> np.ndarray:
    x = rows()
    x[1, 2] = value
    return x


CASES = [
    # patterns and values
    ("patterns of the wrong dimension", lambda c: c.mem.add(rows(dim=D + 1)), HopfieldInputError,
     r"patterns must have last dimension 6 to match the memory's patterns \(6\), got shape \(2, 7\)"),
    ("patterns of rank 3", lambda c: c.mem.add(np.ones((1, 2, D), np.float32)), HopfieldInputError,
     r"patterns must have shape \(6,\) or \(n_patterns, 6\), got shape \(1, 2, 6\)"),
    ("integer patterns", lambda c: c.mem.add(np.ones((2, D), np.int32)), HopfieldTypeError,
     r"patterns must have a floating dtype .*got dtype torch.int32"),
    ("float64 patterns into a float32 store", lambda c: c.mem.add(rows(dtype=np.float64)), HopfieldTypeError,
     r"patterns must have dtype float32 or one it holds exactly .*got dtype torch.float64"),
    ("NaN pattern", lambda c: c.mem.add(with_value(math.nan)), HopfieldInputError,
     r"patterns must contain only finite values, got 1 NaN or Inf"),
    ("Inf pattern", lambda c: c.mem.add(with_value(math.inf)), HopfieldInputError,
     r"patterns must contain only finite values"),
    ("no patterns", lambda c: c.mem.add(np.empty((0, D), np.float32)), HopfieldInputError,
     r"patterns must be non-empty"),
    ("values with other rows", lambda c: c.mem.add(rows(2), rows(3)), HopfieldInputError,
     r"values must have 2 rows \(one per pattern\), got shape \(3, 6\)"),
    ("values of the wrong dimension", lambda c: c.mem.add(rows(2), rows(2, 4)), HopfieldInputError,
     r"values must have last dimension 6"),
    ("float times", lambda c: c.mem.add(rows(2), times=np.array([20.0, 21.0])), HopfieldTypeError,
     r"times must have an integer dtype, got dtype torch.float64"),
    ("times not increasing", lambda c: c.mem.add(rows(2), times=[20, 20]), HopfieldInputError,
     r"times must be strictly increasing and after the newest time index 9, got \[20, 20\]"),
    ("times before the newest", lambda c: c.mem.add(rows(2), times=[5, 11]), HopfieldInputError,
     r"times must be strictly increasing and after the newest time index 9"),
    ("times of the wrong length", lambda c: c.mem.add(rows(2), times=[11]), HopfieldInputError,
     r"times must have shape \(2,\), got shape \(1,\)"),
    # queries and options
    ("queries of the wrong dimension", lambda c: c.mem.retrieve(np.ones(D + 1, np.float32)),
     HopfieldInputError, r"state must have last dimension 6"),
    ("NaN query", lambda c: c.mem.search(np.full(D, np.nan, np.float32)), HopfieldInputError,
     r"state must contain only finite values"),
    ("topk beyond the rows", lambda c: c.mem.retrieve(Q, topk=11), HopfieldInputError,
     r"topk must be an integer in \[1, 10\], got 11"),
    ("k of 0", lambda c: c.mem.search(Q, k=0), HopfieldInputError,
     r"k must be an integer in \[1, 10\], got 0"),
    ("max_steps of 0", lambda c: c.mem.retrieve(Q, max_steps=0), HopfieldInputError,
     r"max_steps must be an integer >= 1, got 0"),
    ("return_weights not a bool", lambda c: c.mem.retrieve(Q, return_weights="yes"), HopfieldTypeError,
     r"return_weights must be True or False"),
    ("energy before the newest time", lambda c: c.mem.energy(Q, time=3), HopfieldInputError,
     r"time must be an integer >= 9, got 3"),
    ("empty memory", lambda c: Memory(D).retrieve(Q), HopfieldInputError,
     r"memory must hold at least one stored pattern to retrieve from, got 0 patterns"),
    ("several steps of a hetero-associative memory",
     lambda c: (m := Memory(D, value_dim=2), m.add(rows(1), rows(1, 2)), m.retrieve(Q, max_steps=2)),
     HopfieldInputError, r"max_steps must be 1 when value_dim \(2\) differs from dim \(6\), got 2"),
    # parameters
    ("beta 0", lambda c: Memory(D, 0.0), HopfieldInputError,
     r"beta must be a positive finite number, got 0.0"),
    ("beta negative", lambda c: Memory(D, -1.0), HopfieldInputError,
     r"beta must be a positive finite number"),
    ("beta NaN", lambda c: Memory(D, math.nan), HopfieldInputError, r"beta must be a positive finite number"),
    ("gamma negative", lambda c: Memory(D, 1.0, -0.1), HopfieldInputError,
     r"forgetting must be a finite number >= 0, got -0.1"),
    ("gamma infinite", lambda c: Memory(D, 1.0, math.inf), HopfieldInputError,
     r"forgetting must be a finite number >= 0, got inf"),
    ("integer storage dtype", lambda c: Memory(D, dtype=torch.int32), HopfieldInputError,
     r"dtype must be one of 'float16', 'bfloat16', 'float32', 'float64', got 'int32'"),
    ("dim 0", lambda c: Memory(0), HopfieldInputError, r"dim must be an integer >= 1, got 0"),
    # paths and stores
    ("a folder that is not a store", lambda c: Memory.open(c.tmp), HopfieldInputError,
     r"path must be a memory store \(a folder with manifest.json\)"),
    ("a file that is not a store", lambda c: Memory.open(c.path / "manifest.json"), HopfieldInputError,
     r"path must be a memory store"),
    ("another format version", lambda c: Memory.open(c.variant(format_version=2)), HopfieldInputError,
     r"path must be a store of format version 1 .*got version 2"),
    ("another format", lambda c: Memory.open(c.variant(format="other")), HopfieldInputError,
     r"path must be a memory store \(format 'hopfield.memory'\), got format 'other'"),
    ("a manifest whose count disagrees", lambda c: Memory.open(c.variant(count=11)), StoreCorruptError,
     r"manifest .* is corrupt: expected 'count' equal to the segments' 10 rows, got 11"),
    ("a manifest with a negative gamma", lambda c: Memory.open(c.variant(gamma=-1)), StoreCorruptError,
     r"expected 'gamma' >= 0, got -1"),
    ("saving over a store", lambda c: c.mem.save(c.path), HopfieldInputError,
     r"path must be a new or empty folder, got .* \(not empty\)"),
    ("a second writer", lambda c: Memory.open(c.path), HopfieldInputError,
     r"path must be a store that no other writer has open"),
    ("adding to a read-only store", lambda c: Memory.open(c.path, readonly=True).add(rows()),
     HopfieldInputError, r"memory must be writable to add, got the read-only store"),
]  # fmt: skip


def snapshot(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("label", "call", "error", "match"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_named_and_changes_nothing(label, call, error, match, tmp_path) -> None:
    path = tmp_path / "store"
    Memory(D, 2.0, 0.1).save(path)
    mem = Memory.open(path)
    mem.add(rows(10))
    before = snapshot(path)
    answer = mem.retrieve(Q).state
    ctx = Ctx(path, mem, tmp_path / "work")
    ctx.tmp.mkdir()
    with pytest.raises(error, match=match) as info:
        call(ctx)
    assert isinstance(info.value, HopfieldInputError)
    assert snapshot(path) == before, label
    for variant, files in ctx.made.items():
        assert snapshot(variant) == files, label
    assert mem.count == 10 and mem.time == 9
    np.testing.assert_array_equal(mem.retrieve(Q).state, answer)
    mem.close()
