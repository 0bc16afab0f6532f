"""The metadata table of a dataset: one row per repertoire, naming its file (or id) and its label.

A CSV (``.csv``) or TSV (any other suffix) with a header. The id column holds a file name relative to the
repertoire folder (the metadata's folder by default), with or without its suffix (``.tsv``, ``.tsv.gz``,
``.csv``, ``.txt`` are tried), or an id that names the file that way. Labels are binary: the positive
value is given, or recognized among ``1/0``, ``true/false``, ``T/F``, ``+/-``, ``positive/negative``.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from hopfield._errors import input_error
from hopfield.repertoire._errors import ColumnError, MissingRepertoireError, RepertoireFileError
from hopfield.repertoire._read import open_text

__all__ = ["ID_COLUMNS", "Metadata", "read_metadata"]

#: Id columns looked for when ``id_column`` is not given, in order.
ID_COLUMNS = ("filename", "file_name", "repertoire_file", "file", "repertoire_id", "sample_id", "ID", "id")
_SUFFIXES = ("", ".tsv", ".tsv.gz", ".csv", ".txt")
_POSITIVE = (("1", "0"), ("true", "false"), ("t", "f"), ("+", "-"), ("positive", "negative"))


@dataclass(frozen=True)
class Metadata:
    """A dataset's table: ``ids`` and ``files`` of the repertoires, ``labels`` 0/1 ``(n_repertoires,)``,
    the ``label_column`` and its ``(negative, positive)`` values, and the metadata ``path``."""

    ids: tuple[str, ...]
    files: tuple[Path, ...]
    labels: NDArray[np.int64]
    label_column: str
    label_values: tuple[str, str]
    path: Path

    def __len__(self) -> int:
        return len(self.ids)


def _positive_value(values: set[str], positive: str | None, path: str, column: str) -> tuple[str, str]:
    if len(values) > 2:
        raise RepertoireFileError(
            f"label column {column!r} holds {len(values)} values ({', '.join(sorted(values)[:6])}); "
            "only binary labels are supported",
            path=path,
            argument="label_column",
            expected="a column with two values",
            received=sorted(values),
        )
    if positive is not None:
        if positive not in values and len(values) == 2:
            raise input_error("positive", f"one of the label values {sorted(values)}", repr(positive))
        others = sorted(values - {positive})
        return (others[0] if others else f"not {positive}"), positive
    lowered = {v.lower(): v for v in values}
    for pos, neg in _POSITIVE:
        if set(lowered) <= {pos, neg}:
            return lowered.get(neg, neg), lowered.get(pos, pos)
    raise input_error(
        "positive",
        f"the positive label value (one of {sorted(values)}) for column {column!r}",
        "None",
        hint="; it is recognized only for 1/0, true/false, T/F, +/- and positive/negative",
    )


def _resolve(folder: Path, value: str) -> Path | None:
    for suffix in _SUFFIXES:
        candidate = folder / (value + suffix)
        if candidate.is_file():
            return candidate
    return None


def read_metadata(
    path: str | os.PathLike[str],
    *,
    label_column: str,
    id_column: str | None = None,
    positive: str | None = None,
    repertoires_dir: str | os.PathLike[str] | None = None,
) -> Metadata:
    """Read a metadata CSV/TSV and resolve every repertoire file (all before anything is converted).

    Parameters
    ----------
    path:
        The metadata file (``.csv``: comma-separated; otherwise tab-separated), with a header.
    label_column:
        The column of binary labels.
    id_column:
        The column naming each repertoire's file or id; default: the first of :data:`ID_COLUMNS` present.
    positive:
        The label value of the positive class (default: recognized, see the module docstring).
    repertoires_dir:
        Where the repertoire files are (default: the metadata's folder).

    Raises
    ------
    ColumnError
        The label or id column is missing (the message lists the columns found).
    MissingRepertoireError
        A row names a file that does not exist (file and line of the metadata).
    RepertoireFileError
        An empty or duplicate id, an empty label, more than two label values.
    """
    p = Path(path)
    if not p.is_file():
        raise input_error("metadata", "an existing metadata file", str(p))
    if not isinstance(label_column, str):
        raise input_error("label_column", "a column name (str)", repr(label_column))
    folder = Path(repertoires_dir) if repertoires_dir is not None else p.parent
    if not folder.is_dir():
        raise input_error("repertoires_dir", "an existing folder", str(folder))
    src = str(p)
    with open_text(p) as handle:
        reader = csv.reader(handle, delimiter="," if ".csv" in p.suffixes else "\t")
        header = [h.strip() for h in next(reader, [])]
        if id_column is None:
            id_column = next((c for c in ID_COLUMNS if c in header), None)
        for arg, name in (("id_column", id_column), ("label_column", label_column)):
            if name is None or name not in header:
                want = repr(name) if name is not None else f"one of {', '.join(ID_COLUMNS)}"
                raise ColumnError(
                    f"has no {arg.split('_')[0]} column {want}; its columns: {', '.join(header) or 'none'}",
                    path=src,
                    argument=arg,
                    expected=f"a column named {want}",
                    received=header,
                )
        assert id_column is not None
        i_id, i_label = header.index(id_column), header.index(label_column)
        ids: list[str] = []
        files: list[Path] = []
        raw_labels: list[str] = []
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise RepertoireFileError(
                    f"has {len(row)} fields where the header has {len(header)}",
                    path=src,
                    line=line,
                    argument="metadata",
                    expected=f"{len(header)} fields",
                    received=len(row),
                )
            rid, label = row[i_id].strip(), row[i_label].strip()
            for arg, name, value in (("id_column", id_column, rid), ("label_column", label_column, label)):
                if not value:
                    raise RepertoireFileError(
                        f"{name} is empty",
                        path=src,
                        line=line,
                        argument=arg,
                        expected="a value",
                        received="''",
                    )
            if rid in seen:
                raise RepertoireFileError(
                    f"{id_column} {rid!r} appears twice",
                    path=src,
                    line=line,
                    argument=id_column,
                    expected="unique ids",
                    received=rid,
                )
            found = _resolve(folder, rid)
            if found is None:
                raise MissingRepertoireError(
                    f"{id_column} {rid!r} names no file: {folder / rid} (also tried "
                    f"{', '.join(s for s in _SUFFIXES if s)}) does not exist",
                    path=src,
                    line=line,
                    argument=id_column,
                    expected="an existing repertoire file",
                    received=str(folder / rid),
                )
            seen.add(rid)
            ids.append(rid)
            files.append(found)
            raw_labels.append(label)
    if not ids:
        raise RepertoireFileError(
            "has no rows", path=src, argument="metadata", expected="one row per repertoire", received="none"
        )
    negative, pos = _positive_value(set(raw_labels), positive, src, label_column)
    labels = np.array([int(v == pos) for v in raw_labels], dtype=np.int64)
    return Metadata(tuple(ids), tuple(files), labels, label_column, (negative, pos), p)
