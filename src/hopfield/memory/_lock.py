"""The writer lock of a store: one writer at a time, any number of readers.

An advisory ``flock`` on ``PATH/writer.lock``, taken without waiting: a second writer (another
process, or another ``Memory.open`` in the same process) is refused with a named error. The operating
system releases the lock when its holder exits, even when it is killed, so a crash never leaves a
store locked. Readers take no lock: every commit is an atomic rename of the manifest. POSIX only
(``fcntl``).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from hopfield._errors import HopfieldInputError

__all__ = ["LOCK_FILE", "WriterLock"]

LOCK_FILE = "writer.lock"


class WriterLock:
    """Hold the writer lock of the store at ``root`` until :meth:`release` (or the process ends)."""

    def __init__(self, root: Path) -> None:
        path = root / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise HopfieldInputError(
                f"path must be a store that no other writer has open, got {str(root)!r} held by "
                f"process {holder} (open it with readonly=True to read while it writes)",
                argument="path",
                expected="a store that no other writer has open",
                received=f"{root} (writer: process {holder})",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return getattr(self, "_fd", None) is not None

    def release(self) -> None:
        """Release the lock (idempotent)."""
        fd = getattr(self, "_fd", None)  # unset when __init__ refused the lock
        if fd is not None:
            self._fd = None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __del__(self) -> None:
        self.release()
