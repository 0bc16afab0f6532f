"""Atomic file writes: write to a temporary file in the same folder, fsync, then rename over the target.

:class:`NpyStreamWriter` does the same for a 1-D ``.npy`` array of unknown final length, appended chunk
by chunk with bounded memory (the header is fixed at :meth:`~NpyStreamWriter.commit`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import numpy as np

__all__ = [
    "NPY_HEADER_BYTES",
    "NpyStreamWriter",
    "atomic_write",
    "commit_folder",
    "fsync_dir",
    "save_figure",
    "temporary_folder",
    "write_json",
    "write_text",
]


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Flush a folder's entries (a rename or unlink inside it) to disk; a no-op where folders cannot
    be opened (Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[IO[bytes]], object], *, durable: bool = False
) -> Path:
    """Call ``write(f)`` on a temporary binary file and rename it to ``path``; nothing half-written stays.

    The file is fsynced before the rename. With ``durable`` the folder is fsynced after it too, so
    that the new name survives a power loss (what a store's commit needs: SQLite and LMDB do the same).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        if durable:
            fsync_dir(path.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) atomically."""
    return atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot write {type(obj).__name__} to JSON")


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as indented JSON atomically (tensors and arrays become lists)."""
    return write_text(path, json.dumps(data, indent=2, default=_jsonable, allow_nan=True) + "\n")


def save_figure(path: str | os.PathLike[str], fig: Any, dpi: int = 120) -> Path:
    """Save a ``matplotlib.figure.Figure`` as PNG atomically (no pyplot, no backend change)."""
    return atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=dpi, bbox_inches="tight"))


def temporary_folder(path: str | os.PathLike[str]) -> Path:
    """A new empty folder beside ``path`` (same file system) to build ``path``'s content in."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))


def commit_folder(tmp: str | os.PathLike[str], path: str | os.PathLike[str]) -> Path:
    """Rename the finished folder ``tmp`` to ``path``, replacing an existing folder there.

    The old folder is first renamed aside and removed after the new one is in place, so ``path`` is
    always either the old or the new content, never a mixture.
    """
    tmp, path = Path(tmp), Path(path)
    old = None
    if path.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
        os.replace(path, old / path.name)
    os.replace(tmp, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return path


#: Size of the header :class:`NpyStreamWriter` writes (a multiple of 64, so the data are aligned).
NPY_HEADER_BYTES = 128


def _npy_header(dtype: np.dtype[Any], length: int) -> bytes:
    """A ``.npy`` version 1.0 header for a 1-D C-order array, padded to :data:`NPY_HEADER_BYTES`."""
    descr = np.lib.format.dtype_to_descr(dtype)
    text = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': ({length},), }}"
    room = NPY_HEADER_BYTES - 10  # magic (6), version (2), header length (2)
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", room) + text.ljust(room - 1).encode("latin1") + b"\n"


class NpyStreamWriter:
    """Write a 1-D ``.npy`` file chunk by chunk, atomically, with bounded memory.

    Chunks go to a temporary file beside ``path``; :meth:`commit` writes the final header (shape), fsyncs
    and renames it to ``path``; :meth:`abort` (or an exception inside ``with``) removes it. The SHA-256 of
    the data bytes (the file after its header) is computed on the way: ``sha256`` after commit.
    """

    def __init__(self, path: str | os.PathLike[str], dtype: Any) -> None:
        self.path = Path(path)
        self.dtype = np.dtype(dtype)
        self.length = 0
        self.sha256 = ""
        self._hash = hashlib.sha256()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        self._tmp = Path(tmp)
        self._file: IO[bytes] | None = os.fdopen(fd, "wb")
        self._file.write(_npy_header(self.dtype, 0))

    def append(self, chunk: Any) -> None:
        """Append the values of a 1-D array-like (cast to the writer's dtype)."""
        if self._file is None:
            raise RuntimeError(f"{self.path}: append after commit or abort")
        data = np.ascontiguousarray(chunk, dtype=self.dtype).reshape(-1)
        buf = data.data.cast("B")
        self._file.write(buf)
        self._hash.update(buf)
        self.length += data.size

    def commit(self) -> Path:
        """Fix the header, fsync, and rename the file to ``path``."""
        if self._file is None:
            raise RuntimeError(f"{self.path}: commit after commit or abort")
        f, self._file = self._file, None
        try:
            f.seek(0)
            f.write(_npy_header(self.dtype, self.length))
            f.flush()
            os.fsync(f.fileno())
            f.close()
            os.replace(self._tmp, self.path)
        except BaseException:
            f.close()
            self._tmp.unlink(missing_ok=True)
            raise
        self.sha256 = self._hash.hexdigest()
        return self.path

    def abort(self) -> None:
        """Close and remove the temporary file (nothing is left at ``path``)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> NpyStreamWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            if self._file is not None:
                self.commit()
        else:
            self.abort()
