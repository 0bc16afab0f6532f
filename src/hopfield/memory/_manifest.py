"""The manifest of a memory store: ``manifest.json``, written last and atomically at every commit.

It names the store's parameters (``dim``, ``value_dim``, ``beta``, ``gamma``, ``dtype``), the number
of stored rows and, for each segment file in order, its rows, time indices, size and SHA-256. A store
is exactly what its manifest lists: a file the manifest does not name is a leftover of an interrupted
append (removed by the next writer), never part of the memory.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from hopfield._errors import HopfieldInputError, StoreCorruptError
from hopfield._io import atomic_write
from hopfield.memory._segments import SegmentInfo

__all__ = ["FORMAT", "FORMAT_VERSION", "MANIFEST", "Manifest", "read_manifest", "write_manifest"]

FORMAT = "hopfield.memory"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DTYPES = ("float16", "bfloat16", "float32", "float64")


@dataclass
class Manifest:
    """The parameters and the segment list of a store (see ``docs/memory.md``, "On disk")."""

    dim: int
    value_dim: int
    beta: float
    gamma: float
    dtype: str
    count: int = 0
    generation: int = 0
    segments: list[SegmentInfo] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            **{k: v for k, v in asdict(self).items() if k != "segments"},
            "segments": [asdict(s) for s in self.segments],
        }


def _bad(path: Path, what: str, got: object) -> StoreCorruptError:
    return StoreCorruptError(
        f"manifest {path} is corrupt: expected {what}, got {got!r}"[:400],
        argument=str(path),
        expected=what,
        received=got,
    )


def _int(d: dict[str, Any], key: str, path: Path, low: int = 0) -> int:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise _bad(path, f"{key!r} an integer >= {low}", v)
    return v


def _float(d: dict[str, Any], key: str, path: Path, positive: bool) -> float:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise _bad(path, f"{key!r} a finite number", v)
    if v < 0 or (positive and v == 0):
        raise _bad(path, f"{key!r} {'> 0' if positive else '>= 0'}", v)
    return float(v)


def _segment(d: Any, path: Path, first_row: int, after: int | None) -> SegmentInfo:
    if not isinstance(d, dict):
        raise _bad(path, "a segment entry (object)", d)
    rows = _int(d, "rows", path, 1)
    if _int(d, "first_row", path) != first_row:
        raise _bad(path, f"segment starting at row {first_row}", d.get("first_row"))
    t0, t1 = d.get("first_time"), d.get("last_time")
    if not (isinstance(t0, int) and isinstance(t1, int) and t1 - t0 >= rows - 1):
        raise _bad(path, f"increasing int time indices spanning {rows} rows", (t0, t1))
    if after is not None and t0 <= after:
        raise _bad(path, f"first_time > {after} (times increase across segments)", t0)
    name, sha = d.get("file"), d.get("sha256")
    if not (isinstance(name, str) and name.startswith("segments/") and ".." not in name):
        raise _bad(path, "a file name under segments/", name)
    if not (isinstance(sha, str) and len(sha) == 64):
        raise _bad(path, "a 64-digit SHA-256", sha)
    return SegmentInfo(
        file=name,
        rows=rows,
        first_row=first_row,
        first_time=t0,
        last_time=t1,
        nbytes=_int(d, "nbytes", path, 1),
        sha256=sha,
        has_values=bool(d.get("has_values")),
        max_norm=_float(d, "max_norm", path, positive=False),
    )


def read_manifest(root: Path) -> Manifest:
    """Read and check ``root/manifest.json``.

    Raises :class:`~hopfield.HopfieldInputError` (argument ``path``) when ``root`` is not a store or
    was written by another format version, and :class:`~hopfield.StoreCorruptError` when the manifest
    is unreadable or inconsistent.
    """
    path = root / MANIFEST
    if not path.is_file():
        raise HopfieldInputError(
            f"path must be a memory store (a folder with {MANIFEST}), got {str(root)!r}",
            argument="path",
            expected=f"a memory store (a folder with {MANIFEST})",
            received=str(root),
        )
    try:
        d = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _bad(path, "JSON", str(exc)) from None
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        got = d.get("format") if isinstance(d, dict) else d
        raise HopfieldInputError(
            f"path must be a memory store (format {FORMAT!r}), got format {got!r} in {path}",
            argument="path",
            expected=f"format {FORMAT!r}",
            received=got,
        )
    if d.get("format_version") != FORMAT_VERSION:
        raise HopfieldInputError(
            f"path must be a store of format version {FORMAT_VERSION} (this hopfield reads only that), "
            f"got version {d.get('format_version')!r} in {path}",
            argument="path",
            expected=f"format version {FORMAT_VERSION}",
            received=d.get("format_version"),
        )
    if d.get("dtype") not in DTYPES:
        raise _bad(path, f"'dtype' one of {DTYPES}", d.get("dtype"))
    raw = d.get("segments")
    if not isinstance(raw, list):
        raise _bad(path, "'segments' a list", raw)
    segments: list[SegmentInfo] = []
    row = 0
    for s in raw:
        segments.append(_segment(s, path, row, segments[-1].last_time if segments else None))
        row += segments[-1].rows
    m = Manifest(
        dim=_int(d, "dim", path, 1),
        value_dim=_int(d, "value_dim", path, 1),
        beta=_float(d, "beta", path, positive=True),
        gamma=_float(d, "gamma", path, positive=False),
        dtype=d["dtype"],
        count=_int(d, "count", path),
        generation=_int(d, "generation", path),
        segments=segments,
    )
    if m.count != row:
        raise _bad(path, f"'count' equal to the segments' {row} rows", m.count)
    return m


def write_manifest(root: Path, m: Manifest) -> None:
    """Commit ``m``: write ``root/manifest.json`` atomically and durably (the store's commit point)."""
    data = (json.dumps(m.to_json(), indent=1) + "\n").encode()

    def put(f: IO[bytes]) -> None:
        f.write(data)

    atomic_write(root / MANIFEST, put, durable=True)
