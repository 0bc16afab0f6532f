"""``hopfield memory create|add|query|info PATH``: a memory store from the command line (.npy in and out)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import IO, Any

import numpy as np

from hopfield._errors import HopfieldInputError, HopfieldTypeError
from hopfield._io import atomic_write
from hopfield._table import format_table
from hopfield.memory._manifest import DTYPES, FORMAT_VERSION
from hopfield.memory._memory import Memory

__all__ = ["add_parser"]


def _load(path: str, option: str) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise HopfieldInputError(
            f"{option} must be a readable .npy file, got {path!r} ({exc})",
            argument=option,
            expected="a readable .npy file",
            received=path,
        ) from None
    if not isinstance(arr, np.ndarray):
        raise HopfieldInputError(f"{option} must be one .npy array, got {path!r}", argument=option)
    return arr


def _output(path: str, option: str) -> Path:
    """Check an output path before any work: its folder must exist or be creatable."""
    out = Path(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HopfieldInputError(
            f"{option} must be a writable path, got {path!r} ({exc})", argument=option
        ) from None
    if out.is_dir() or not out.parent.is_dir():
        raise HopfieldInputError(f"{option} must be a file path in a folder, got {path!r}", argument=option)
    return out


def _save(path: Path, arr: Any) -> None:
    def put(f: IO[bytes]) -> None:
        np.save(f, np.asarray(arr))

    atomic_write(path, put)


def _create(a: argparse.Namespace) -> int:
    mem = Memory(a.dim, a.beta, a.forgetting, value_dim=a.value_dim, dtype=a.dtype)
    print(f"created {mem.save(a.path)}")
    return 0


def _stored(arr: np.ndarray, mem: Memory, option: str, cast: bool) -> np.ndarray:
    if cast and np.issubdtype(arr.dtype, np.floating) and str(mem.dtype) != "torch.bfloat16":
        return arr.astype(str(mem.dtype).removeprefix("torch."))
    if np.issubdtype(arr.dtype, np.floating) and np.dtype(arr.dtype).itemsize * 8 > mem.dtype.itemsize * 8:
        raise HopfieldTypeError(
            f"{option} must have dtype {mem.dtype} or one it holds exactly, got {arr.dtype} "
            "(pass --cast to convert)",
            argument=option,
            expected=str(mem.dtype),
            received=str(arr.dtype),
        )
    return arr


def _add(a: argparse.Namespace) -> int:
    patterns = _load(a.patterns, "patterns")
    values = None if a.values is None else _load(a.values, "--values")
    times = None if a.times is None else _load(a.times, "--times")
    with Memory.open(a.path) as mem:
        patterns = _stored(patterns, mem, "patterns", a.cast)
        values = None if values is None else _stored(values, mem, "--values", a.cast)
        mem.add(patterns, values, times=times)
        print(
            f"added {len(np.atleast_2d(patterns))} rows to {a.path}: {mem.count} rows, newest time {mem.time}"
        )
    return 0


def _query(a: argparse.Namespace) -> int:
    out = _output(a.out, "--out")
    stem = out.with_suffix("")
    idx_out = _output(a.indices or f"{stem}-indices.npy", "--indices") if a.topk else None
    w_out = _output(a.weights or f"{stem}-weights.npy", "--weights") if a.topk else None
    queries = _load(a.queries, "queries")
    mem = Memory.open(a.path, readonly=True, verify=a.verify)
    res = mem.retrieve(queries, max_steps=a.max_steps, topk=a.topk)
    _save(out, res.state)
    written = [str(out)]
    if idx_out is not None and w_out is not None:
        _save(idx_out, res.topk_indices)
        _save(w_out, res.topk_weights)
        written += [str(idx_out), str(w_out)]
    print(
        f"retrieved {np.atleast_2d(res.state).shape[0]} queries from {mem.count} rows: {', '.join(written)}"
    )
    return 0


def _info(a: argparse.Namespace) -> int:
    mem = Memory.open(a.path, readonly=True, verify=a.verify)
    segs = mem._segments
    rows = [
        ("path", str(mem.path)),
        ("format version", FORMAT_VERSION),
        ("dim / value_dim", f"{mem.dim} / {mem.value_dim}"),
        ("beta", mem.beta),
        ("forgetting (gamma)", mem.forgetting),
        ("dtype", str(mem.dtype).removeprefix("torch.")),
        ("rows", mem.count),
        ("newest time", mem.time),
        ("segments", len(segs)),
        ("bytes", sum(s.info.nbytes for s in segs if s.info)),
        ("checksums", "verified" if a.verify else "not checked (--verify)"),
    ]
    print(format_table(("field", "value"), rows))
    return 0


def add_parser(sub: Any) -> None:
    """Add ``memory`` with its four subcommands to the ``hopfield`` command's subparsers."""
    m = sub.add_parser("memory", help="a persistent associative memory store (create, add, query, info)")
    ms = m.add_subparsers(dest="memory_command", required=True)

    c = ms.add_parser("create", help="create an empty store")
    c.add_argument("path")
    c.add_argument("--dim", type=int, required=True, help="pattern dimension")
    c.add_argument("--beta", type=float, default=1.0, help="inverse temperature (default 1)")
    c.add_argument(
        "--forgetting", type=float, default=0.0, help="gamma, forgetting per time step (default 0)"
    )
    c.add_argument("--value-dim", type=int, default=None, help="value dimension (default: --dim)")
    c.add_argument("--dtype", choices=DTYPES, default="float32")
    c.set_defaults(fn=_create)

    a = ms.add_parser("add", help="append the rows of a .npy file (one commit)")
    a.add_argument("path")
    a.add_argument("patterns", help=".npy file, (n, dim) or (dim,)")
    a.add_argument("--values", help=".npy file, (n, value_dim)")
    a.add_argument("--times", help=".npy file of n increasing integer time indices")
    a.add_argument("--cast", action="store_true", help="convert floating input to the store's dtype")
    a.set_defaults(fn=_add)

    q = ms.add_parser("query", help="retrieve for the queries of a .npy file")
    q.add_argument("path")
    q.add_argument("queries", help=".npy file, (B, dim) or (dim,)")
    q.add_argument("--out", required=True, help="output .npy of the retrieved states")
    q.add_argument("--max-steps", type=int, default=1)
    q.add_argument("--topk", type=int, default=None, help="also write the k largest weights and rows")
    q.add_argument("--indices", help="output .npy of the top-k rows (default OUT-indices.npy)")
    q.add_argument("--weights", help="output .npy of the top-k weights (default OUT-weights.npy)")
    q.add_argument("--verify", action="store_true", help="check every segment's SHA-256 first")
    q.set_defaults(fn=_query)

    i = ms.add_parser("info", help="describe a store")
    i.add_argument("path")
    i.add_argument("--verify", action="store_true", help="check every segment's SHA-256")
    i.set_defaults(fn=_info)
