"""Named errors of the repertoire package: each is a :class:`~hopfield.HopfieldInputError` (a ValueError).

They carry ``argument`` / ``expected`` / ``received`` like every input error of the library, and, where a
file is at fault, ``path`` and ``line`` (1-based, the header is line 1).
"""

from __future__ import annotations

from typing import Any

from hopfield._errors import HopfieldInputError

__all__ = [
    "AminoAcidError",
    "CheckpointConfigError",
    "ColumnError",
    "EmptyRepertoireError",
    "MissingDependencyError",
    "MissingRepertoireError",
    "PreparedFormatError",
    "RepertoireFileError",
]


class RepertoireFileError(HopfieldInputError):
    """Bad content in a repertoire, metadata or prepared file; ``path`` and ``line`` say where."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        argument: str | None = None,
        expected: str | None = None,
        received: Any = None,
    ) -> None:
        where = f"{path}:{line}: " if path is not None and line is not None else (f"{path}: " if path else "")
        super().__init__(where + message, argument=argument, expected=expected, received=received)
        self.path = path
        self.line = line


class AminoAcidError(RepertoireFileError):
    """A sequence holds a letter that is not one of the 20 amino acids (or is empty)."""


class EmptyRepertoireError(RepertoireFileError):
    """A repertoire has no sequences (none in the file, or none left after dropping invalid rows)."""


class ColumnError(RepertoireFileError):
    """A required column (sequence, label, id) is missing; the message lists the columns found."""


class MissingRepertoireError(RepertoireFileError):
    """The metadata names a repertoire file that does not exist."""


class PreparedFormatError(RepertoireFileError):
    """A prepared dataset is missing, corrupt (size or checksum), or of an unknown format version."""


class CheckpointConfigError(HopfieldInputError):
    """A model checkpoint was written by a model (or a training run) of another configuration; the
    message names the fields that differ."""


class MissingDependencyError(ImportError):
    """An optional dependency is not installed; the message says which extra installs it."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs the optional package {package!r}: pip install 'hopfield[{extra}]' "
            f"(or pip install {package})",
            name=package,
        )
        self.package = package
        self.extra = extra
