"""Segments of a memory: blocks of consecutive stored rows, and their safetensors files.

A segment holds ``patterns`` ``(n, d)``, their int64 time indices ``times`` ``(n,)`` and, where they
differ from the patterns, ``values`` ``(n, dv)``. In memory it is a set of tensors; on disk it is one
immutable safetensors file (written once, atomically, then only read or deleted) that is memory-mapped
when read, so a store can be larger than the RAM: only the pages a retrieval touches are resident, and
the kernel can drop them again.

Files are written with ``safetensors.torch.save`` and read by our own header parser plus
``numpy.memmap`` (safetensors' loaders copy the tensors into memory). Every check of a file raises
:class:`~hopfield.StoreCorruptError` naming the file and what failed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

import numpy as np
import torch
from torch import Tensor

from hopfield._errors import StoreCorruptError
from hopfield._io import atomic_write

__all__ = [
    "SEGMENT_BYTES",
    "Segment",
    "SegmentInfo",
    "concat",
    "file_sha256",
    "map_segment",
    "merge_plan",
    "split_rows",
    "write_segment",
]

#: Target size of one segment (bytes of patterns, values and times): large enough that the fused
#: attention kernel runs on long blocks (a few calls for 10^6 patterns), small enough to rewrite.
SEGMENT_BYTES = 64 << 20

SEGMENT_FORMAT = "hopfield.memory.segment"

_CODES = {
    torch.float16: ("F16", np.uint16),
    torch.bfloat16: ("BF16", np.uint16),  # NumPy has no bfloat16: mapped as uint16, viewed by torch
    torch.float32: ("F32", np.float32),
    torch.float64: ("F64", np.float64),
    torch.int64: ("I64", np.int64),
}


@dataclass(frozen=True)
class SegmentInfo:
    """A segment file as the manifest lists it.

    ``file`` is relative to the store; ``first_row`` is the position of its first row in the memory;
    ``first_time``/``last_time`` its time indices; ``nbytes`` and ``sha256`` the file's size and
    checksum; ``has_values`` whether it stores values apart from the patterns; ``max_norm`` the
    largest pattern norm (the energy's M and the fused kernel's overflow check).
    """

    file: str
    rows: int
    first_row: int
    first_time: int
    last_time: int
    nbytes: int
    sha256: str
    has_values: bool
    max_norm: float


@dataclass(frozen=True)
class Segment:
    """Consecutive stored rows: ``patterns`` (n, d), ``times`` (n,) int64, ``values`` (n, dv) or None
    (the values are the patterns), the position ``first_row`` of the first row, ``max_norm``, and the
    file it was read from (``info``, None in memory)."""

    patterns: Tensor
    times: Tensor
    values: Tensor | None
    first_row: int
    max_norm: float
    info: SegmentInfo | None = None

    @property
    def rows(self) -> int:
        return int(self.patterns.shape[0])

    @property
    def value_rows(self) -> Tensor:
        """The values, ``(n, dv)`` (the patterns when none are stored)."""
        return self.patterns if self.values is None else self.values


def row_bytes(dim: int, value_dim: int | None, dtype: torch.dtype) -> int:
    """Bytes one stored row takes: pattern, value (when stored) and its int64 time."""
    return (dim + (value_dim or 0)) * torch.finfo(dtype).bits // 8 + 8


def split_rows(dim: int, value_dim: int | None, dtype: torch.dtype) -> int:
    """Most rows in one segment (at least 1)."""
    return max(1, SEGMENT_BYTES // row_bytes(dim, value_dim, dtype))


def merge_plan(rows: list[int], n_old: int, cap: int) -> list[list[int]]:
    """Which segments to merge, as groups of indices into ``rows`` (old segments first, then new ones).

    The new segments are appended one at a time; after each, the last two groups merge while they fit
    in ``cap`` rows and the older is at most twice the newer. Sizes then fall geometrically along the
    memory: O(log N) segments, each row rewritten O(log N) times over any sequence of appends.
    """
    groups: list[list[int]] = [[i] for i in range(n_old)]
    sizes = rows[:n_old]
    for i in range(n_old, len(rows)):
        groups.append([i])
        sizes = [*sizes, rows[i]]
        while len(groups) >= 2 and sizes[-2] + sizes[-1] <= cap and sizes[-2] <= 2 * sizes[-1]:
            groups[-2:] = [groups[-2] + groups[-1]]
            sizes[-2:] = [sizes[-2] + sizes[-1]]
    return groups


def concat(parts: list[Segment]) -> Segment:
    """One segment of consecutive segments (values stored when any part stores them)."""
    if len(parts) == 1:
        return replace(parts[0], info=None)
    has_values = any(p.values is not None for p in parts)
    return Segment(
        patterns=torch.cat([p.patterns for p in parts]),
        times=torch.cat([p.times for p in parts]),
        values=torch.cat([p.value_rows for p in parts]) if has_values else None,
        first_row=parts[0].first_row,
        max_norm=max(p.max_norm for p in parts),
    )


# ------------------------------------------------------------------------------------------- files
def write_segment(folder: Path, seg: Segment, *, durable: bool = True) -> SegmentInfo:
    """Write ``seg`` as a new safetensors file under ``folder/segments`` (temporary file, fsync,
    rename and, with ``durable``, fsync of the folder) and return its manifest entry."""
    tensors = {"patterns": seg.patterns.contiguous().cpu(), "times": seg.times.contiguous().cpu()}
    if seg.values is not None:
        tensors["values"] = seg.values.contiguous().cpu()
    from safetensors.torch import save

    data = save(tensors, metadata={"format": SEGMENT_FORMAT, "first_row": str(seg.first_row)})
    name = f"segments/seg-{seg.first_row:012d}-{seg.rows:010d}-{secrets.token_hex(4)}.safetensors"

    def put(f: IO[bytes]) -> None:
        f.write(data)

    atomic_write(folder / name, put, durable=durable)
    return SegmentInfo(
        file=name,
        rows=seg.rows,
        first_row=seg.first_row,
        first_time=int(seg.times[0]),
        last_time=int(seg.times[-1]),
        nbytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        has_values=seg.values is not None,
        max_norm=seg.max_norm,
    )


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 8 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(8 << 20):
            h.update(block)
    return h.hexdigest()


def _corrupt(path: Path, expected: str, received: str) -> StoreCorruptError:
    return StoreCorruptError(
        f"segment file {path} is corrupt: expected {expected}, got {received}",
        argument=str(path),
        expected=expected,
        received=received,
    )


def _header(path: Path, size: int) -> tuple[int, dict[str, Any]]:
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise _corrupt(path, "an 8-byte safetensors header length", f"{len(head)} bytes")
        (n,) = struct.unpack("<Q", head)
        if n > size - 8:
            raise _corrupt(path, f"a header of at most {size - 8} bytes", f"a header length of {n}")
        raw = f.read(n)
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _corrupt(path, "a JSON safetensors header", f"unreadable header ({exc})") from None
    if not isinstance(header, dict):
        raise _corrupt(path, "a JSON object as header", type(header).__name__)
    return 8 + n, header


def map_segment(
    root: Path, info: SegmentInfo, dim: int, value_dim: int, dtype: torch.dtype, verify: bool
) -> Segment:
    """Memory-map the segment file ``root / info.file`` after checking it against its manifest entry.

    Checks: the size, the header (format, tensor names, dtypes, shapes, offsets inside the file) and,
    with ``verify``, the SHA-256 of the whole file (reads it once). Raises ``FileNotFoundError`` when
    the file is gone (a reader racing a compaction retries) and :class:`StoreCorruptError` otherwise.
    """
    path = root / info.file
    size = path.stat().st_size
    if size != info.nbytes:
        raise _corrupt(path, f"{info.nbytes} bytes (manifest)", f"{size} bytes (truncated or overwritten)")
    start, header = _header(path, size)
    meta = header.pop("__metadata__", {})
    if not isinstance(meta, dict) or meta.get("format") != SEGMENT_FORMAT:
        raise _corrupt(path, f"metadata format {SEGMENT_FORMAT!r}", repr(meta)[:80])
    want: dict[str, tuple[torch.dtype, tuple[int, ...]]] = {
        "patterns": (dtype, (info.rows, dim)),
        "times": (torch.int64, (info.rows,)),
    }
    if info.has_values:
        want["values"] = (dtype, (info.rows, value_dim))
    if set(header) != set(want):
        raise _corrupt(path, f"tensors {sorted(want)}", f"tensors {sorted(header)}")
    if verify:
        digest = file_sha256(path)
        if digest != info.sha256:
            raise _corrupt(path, f"SHA-256 {info.sha256} (manifest)", f"{digest} (bit rot or overwrite)")
    out: dict[str, Tensor] = {}
    for name, (dt, shape) in want.items():
        entry = header[name]
        code, np_dtype = _CODES[dt]
        if not isinstance(entry, dict):
            raise _corrupt(path, f"an entry for {name}", repr(entry)[:80])
        lo, hi = entry.get("data_offsets", (-1, -1))
        nbytes = int(np.prod(shape)) * np.dtype(np_dtype).itemsize
        if entry.get("dtype") != code or list(entry.get("shape", ())) != list(shape) or hi - lo != nbytes:
            raise _corrupt(path, f"{name} {code} {list(shape)}", json.dumps(entry)[:120])
        if lo < 0 or start + hi > size:
            raise _corrupt(path, f"{name} inside the file's {size} bytes", f"offsets [{lo}, {hi}]")
        if nbytes == 0:
            out[name] = torch.empty(shape, dtype=dt)
            continue
        arr = np.memmap(path, dtype=np_dtype, mode="c", offset=start + lo, shape=shape)
        out[name] = torch.from_numpy(arr).view(dt)  # copy-on-write map: the file is never written
    return Segment(out["patterns"], out["times"], out.get("values"), info.first_row, info.max_norm, info)
