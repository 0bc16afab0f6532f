"""The on-disk side of a memory: commit (append with compaction), load, refresh, save.

A commit writes each new or merged segment as a new file (temporary file, fsync, rename, fsync of the
folder), then the manifest the same way (the commit point), then deletes the files it replaced. A
process killed anywhere in between leaves the previous manifest in force: every acknowledged row is
there and nothing partial is, and the files the manifest does not name are removed by the next writer.
Readers load the manifest and map the files it names; a file deleted by a concurrent compaction makes
them reload the newer manifest.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import torch

from hopfield._errors import HopfieldInputError, StoreCorruptError
from hopfield._io import fsync_dir
from hopfield.memory._lock import LOCK_FILE, WriterLock
from hopfield.memory._manifest import MANIFEST, Manifest, read_manifest, write_manifest
from hopfield.memory._segments import Segment, concat, map_segment, merge_plan, split_rows, write_segment

__all__ = ["Store", "compact", "save_store"]

SEGMENT_DIR = "segments"
_RETRIES = 20


def _dtype(name: str) -> torch.dtype:
    dt = getattr(torch, name)
    assert isinstance(dt, torch.dtype)
    return dt


def compact(old: list[Segment], new: list[Segment], cap: int) -> list[Segment]:
    """The in-memory segments after appending ``new`` to ``old``, merged by :func:`merge_plan`."""
    both = old + new
    plan = merge_plan([s.rows for s in both], len(old), cap)
    return [both[g[0]] if len(g) == 1 else concat([both[i] for i in g]) for g in plan]


class Store:
    """A store folder opened for reading or (with the writer lock) for appending."""

    def __init__(self, root: Path, lock: WriterLock | None) -> None:
        self.root = root
        self.lock = lock

    @property
    def readonly(self) -> bool:
        return self.lock is None

    @classmethod
    def open(cls, path: str | os.PathLike[str], readonly: bool) -> Store:
        """Open the store at ``path`` (checking that it is one) and, unless ``readonly``, lock it."""
        root = Path(path)
        read_manifest(root)  # a named error when it is not a store or of another format version
        return cls(root, None if readonly else WriterLock(root))

    def load(self, verify: bool, known: list[Segment] | None = None) -> tuple[Manifest, list[Segment]]:
        """Read the manifest and map its segments (reusing the ``known`` ones already mapped).

        A writer first removes the files no manifest names (leftovers of an interrupted commit). A
        reader whose segment file vanished (a compaction committed meanwhile) rereads the manifest.
        """
        by_file = {s.info.file: s for s in known or () if s.info is not None}
        for attempt in range(_RETRIES):
            m = read_manifest(self.root)
            if not self.readonly:
                self._remove_unlisted(m)
            try:
                segs = [
                    by_file.get(i.file)
                    or map_segment(self.root, i, m.dim, m.value_dim, _dtype(m.dtype), verify)
                    for i in m.segments
                ]
                return m, segs
            except FileNotFoundError as exc:
                if not self.readonly or attempt == _RETRIES - 1:
                    raise StoreCorruptError(
                        f"segment file {exc.filename} named by {self.root / MANIFEST} is missing",
                        argument=str(exc.filename),
                        expected="a file the manifest names",
                        received="no such file",
                    ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _remove_unlisted(self, m: Manifest) -> None:
        listed = {Path(i.file).name for i in m.segments}
        folder = self.root / SEGMENT_DIR
        removed = False
        for f in folder.iterdir() if folder.is_dir() else ():
            if f.name not in listed:
                f.unlink(missing_ok=True)
                removed = True
        for f in self.root.iterdir():  # a temporary manifest of an interrupted commit
            if f.name.startswith(f".{MANIFEST}.") and f.name.endswith(".tmp"):
                f.unlink(missing_ok=True)
                removed = True
        if removed:
            fsync_dir(folder)

    def commit(
        self, m: Manifest, old: list[Segment], new: list[Segment], verify: bool
    ) -> tuple[Manifest, list[Segment]]:
        """Append the ``new`` (in-memory) segments: write the new and merged files, commit the
        manifest, delete the replaced files. Returns the new manifest and mapped segments."""
        assert self.lock is not None and self.lock.held
        cap = split_rows(m.dim, m.value_dim if m.value_dim != m.dim else None, _dtype(m.dtype))
        both = old + new
        plan = merge_plan([s.rows for s in both], len(old), cap)
        infos = []
        for g in plan:
            info = old[g[0]].info if len(g) == 1 and g[0] < len(old) else None
            infos.append(info or write_segment(self.root, concat([both[i] for i in g]), durable=False))
        fsync_dir(self.root / SEGMENT_DIR)  # the new names are on disk before the manifest names them
        count = m.count + sum(s.rows for s in new)
        new_m = replace(m, count=count, generation=m.generation + 1, segments=infos)
        write_manifest(self.root, new_m)  # the commit point
        kept = {i.file for i in new_m.segments}
        for s in old:  # a crash before these unlinks leaves files the next writer removes
            if s.info is not None and s.info.file not in kept:
                (self.root / s.info.file).unlink(missing_ok=True)
        return new_m, self.load(verify=False, known=old)[1]

    def close(self) -> None:
        if self.lock is not None:
            self.lock.release()


def save_store(path: str | os.PathLike[str], m: Manifest, segments: list[Segment]) -> Path:
    """Write a new store at ``path`` (a new or empty folder) holding ``segments``: built in a
    temporary sibling folder and renamed into place, so ``path`` is either complete or absent."""
    root = Path(path)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise HopfieldInputError(
            f"path must be a new or empty folder, got {str(root)!r} (not empty)",
            argument="path",
            expected="a new or empty folder",
            received=str(root),
        )
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", suffix=".tmp", dir=root.parent))
    try:
        (tmp / SEGMENT_DIR).mkdir()
        infos = [write_segment(tmp, replace(s, info=None), durable=False) for s in segments]
        fsync_dir(tmp / SEGMENT_DIR)
        write_manifest(tmp, replace(m, generation=0, segments=infos))
        (tmp / LOCK_FILE).touch()
        if root.exists():
            root.rmdir()
        os.rename(tmp, root)
        fsync_dir(root.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root
