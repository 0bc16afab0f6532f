"""Reading repertoire files: AIRR Community rearrangement TSV (with the ``airr`` package) and plain TSV/CSV.

AIRR files are read with :class:`airr.io.RearrangementReader`; the sequence is ``junction_aa`` (preferred)
or ``cdr3_aa``, with optional ``v_call``, ``j_call``, ``duplicate_count`` and the simulator's
``implanted`` column. Typed AIRR fields are checked by ``airr`` (a bad integer or boolean is reported with
file and line); the header need not hold every AIRR-required field, only a sequence column. A plain file is
a TSV (or ``.csv``) with a header naming a sequence column. ``.gz`` files are read transparently.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from hopfield._errors import input_error
from hopfield._validate import check_choice
from hopfield.repertoire._errors import ColumnError, MissingDependencyError, RepertoireFileError
from hopfield.repertoire._repertoire import Repertoire, assemble

__all__ = ["AIRR_SEQUENCE_COLUMNS", "PLAIN_SEQUENCE_COLUMNS", "open_text", "read_repertoire"]

#: AIRR sequence columns, in order of preference.
AIRR_SEQUENCE_COLUMNS = ("junction_aa", "cdr3_aa")
#: Sequence columns looked for in a plain file when ``sequence_column`` is not given.
PLAIN_SEQUENCE_COLUMNS = ("junction_aa", "cdr3_aa", "amino_acid", "cdr3", "sequence")
_TRUE = {"t", "true", "1", "yes"}
_FALSE = {"f", "false", "0", "no"}


def open_text(path: str | os.PathLike[str]) -> IO[str]:
    """Open a text file for reading (``.gz`` decompressed), UTF-8, universal newlines off for csv."""
    p = Path(path)
    if p.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(p, "rb"), encoding="utf-8", newline="")
    return open(p, encoding="utf-8", newline="")


def _airr() -> Any:
    try:
        import airr.io
        import airr.schema
    except ImportError:
        raise MissingDependencyError("airr", "repertoire", "reading AIRR rearrangement files") from None
    return airr


def _missing(fields: Sequence[str], what: str, named: str, path: str, argument: str) -> ColumnError:
    return ColumnError(
        f"has no {what}; its columns: {', '.join(fields)}",
        path=path,
        argument=argument,
        expected=f"a column named {named}",
        received=list(fields),
    )


def _require(fields: Sequence[str], wanted: str, path: str, argument: str) -> str:
    if wanted not in fields:
        raise _missing(fields, f"column {wanted!r}", repr(wanted), path, argument)
    return wanted


def _pick(fields: Sequence[str], wanted: str | None, defaults: Sequence[str], path: str) -> str:
    if wanted is not None:
        return _require(fields, wanted, path, "sequence_column")
    for name in defaults:
        if name in fields:
            return name
    named = ", ".join(defaults)
    raise _missing(fields, f"sequence column (one of {named})", f"one of {named}", path, "sequence_column")


class _Columns:
    """Row values collected while reading one file."""

    def __init__(self, counts: bool, v: bool, j: bool, implanted: bool) -> None:
        self.sequences: list[str] = []
        self.lines = array("q")
        self.counts = array("q") if counts else None
        self.v: list[str] | None = [] if v else None
        self.j: list[str] | None = [] if j else None
        self.implanted = array("b") if implanted else None

    def genes(self) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
        """The V and J calls; None for a column that is absent or empty throughout."""
        v = tuple(self.v) if self.v is not None and any(self.v) else None
        j = tuple(self.j) if self.j is not None and any(self.j) else None
        return v, j


def _flag(value: Any, path: str, line: int, column: str) -> int:
    if isinstance(value, bool):
        return int(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    raise RepertoireFileError(
        f"{column} must be T or F, got {value!r}",
        path=path,
        line=line,
        argument=column,
        expected="T or F",
        received=value,
    )


def _count(value: Any, path: str, line: int, column: str) -> int:
    if value is None or value == "":
        return 1  # a null duplicate_count reads as one copy (documented)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise RepertoireFileError(
            f"{column} must be an integer, got {value!r}",
            path=path,
            line=line,
            argument=column,
            expected="an integer",
            received=value,
        ) from None


def _read_airr_rows(
    handle: IO[str], path: str, sequence_column: str | None, implant_column: str | None
) -> tuple[_Columns, str]:
    airr = _airr()
    reader = airr.io.RearrangementReader(handle, validate=False)
    fields = list(reader.fields or [])
    if not fields:
        raise ColumnError(
            "is empty (no header line)",
            path=path,
            argument="path",
            expected="an AIRR TSV file with a header",
            received="an empty file",
        )
    col = _pick(fields, sequence_column, AIRR_SEQUENCE_COLUMNS, path)
    imp = implant_column if implant_column in fields else None
    out = _Columns("duplicate_count" in fields, "v_call" in fields, "j_call" in fields, imp is not None)
    rows = iter(reader)  # the header is not checked for every AIRR-required field ...
    reader.validate = True  # ... but typed fields are (bad integers and booleans raise)
    dict_reader = reader.dict_reader
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except (airr.schema.ValidationError, ValueError) as exc:
            raise RepertoireFileError(
                f"not a valid AIRR row: {exc}",
                path=path,
                line=dict_reader.line_num,
                argument="path",
                expected="an AIRR rearrangement row",
                received=str(exc),
            ) from None
        line = dict_reader.line_num
        out.sequences.append(row[col] or "")
        out.lines.append(line)
        if out.counts is not None:
            out.counts.append(_count(row["duplicate_count"], path, line, "duplicate_count"))
        if out.v is not None:
            out.v.append(row["v_call"] or "")
        if out.j is not None:
            out.j.append(row["j_call"] or "")
        if out.implanted is not None:
            out.implanted.append(_flag(row[imp], path, line, str(imp)))
    return out, col


def _read_plain_rows(
    handle: IO[str],
    path: str,
    sequence_column: str | None,
    count_column: str | None,
    implant_column: str | None,
) -> tuple[_Columns, str]:
    reader = csv.reader(handle, delimiter="," if ".csv" in Path(path).suffixes else "\t")
    header = next(reader, None)
    if not header:
        raise ColumnError(
            "is empty (no header line)",
            path=path,
            argument="path",
            expected="a TSV file with a header",
            received="an empty file",
        )
    defaults = header[:1] if len(header) == 1 else PLAIN_SEQUENCE_COLUMNS
    col = _pick(header, sequence_column, defaults, path)
    if count_column is not None:
        _require(header, count_column, path, "count_column")
    i_seq = header.index(col)
    i_cnt = None if count_column is None else header.index(count_column)
    i_imp = header.index(implant_column) if implant_column in header else None
    out = _Columns(i_cnt is not None, False, False, i_imp is not None)
    for row in reader:
        line = reader.line_num
        if len(row) != len(header):
            if not any(row):
                continue  # a blank line
            raise RepertoireFileError(
                f"has {len(row)} fields where the header has {len(header)}",
                path=path,
                line=line,
                argument="path",
                expected=f"{len(header)} fields per row",
                received=len(row),
            )
        out.sequences.append(row[i_seq].strip())
        out.lines.append(line)
        if out.counts is not None and i_cnt is not None:
            out.counts.append(_count(row[i_cnt], path, line, str(count_column)))
        if out.implanted is not None and i_imp is not None:
            out.implanted.append(_flag(row[i_imp], path, line, str(implant_column)))
    return out, col


def read_repertoire(
    path: str | os.PathLike[str],
    *,
    format: str = "airr",
    sequence_column: str | None = None,
    count_column: str | None = None,
    implant_column: str | None = "implanted",
    on_invalid: str = "raise",
) -> Repertoire:
    """Read one repertoire file.

    Parameters
    ----------
    path:
        An AIRR rearrangement TSV (``format="airr"``) or a plain TSV/CSV with a header (``"plain"``);
        ``.gz`` is decompressed.
    sequence_column:
        The amino-acid sequence column. AIRR default: ``junction_aa``, else ``cdr3_aa``. Plain default: the
        only column, else the first of :data:`PLAIN_SEQUENCE_COLUMNS` present.
    count_column:
        Plain files only: a column of copy counts (AIRR files use ``duplicate_count`` when present; an
        empty count reads as 1).
    implant_column:
        A T/F column of ground-truth implant flags, read when present (the simulator writes
        ``implanted``).
    on_invalid:
        ``"raise"``: a sequence that is empty or holds a letter other than the 20 amino acids raises
        :class:`AminoAcidError` naming the file and line; ``"drop"``: such rows are dropped and counted in
        ``Repertoire.n_dropped``.

    Raises
    ------
    AminoAcidError, EmptyRepertoireError, ColumnError, RepertoireFileError
        Bad content (each a :class:`~hopfield.HopfieldInputError` naming file and line).
    MissingDependencyError
        ``format="airr"`` without the ``airr`` package (``pip install 'hopfield[repertoire]'``).
    """
    check_choice(format, "format", ("airr", "plain"))
    check_choice(on_invalid, "on_invalid", ("raise", "drop"))
    p = Path(path)
    if not p.is_file():
        raise input_error("path", "an existing repertoire file", str(p))
    if format == "airr" and count_column is not None:
        raise input_error("count_column", "None for AIRR files (they use duplicate_count)", count_column)
    src = str(p)
    try:
        with open_text(src) as handle:
            if format == "airr":
                cols, col = _read_airr_rows(handle, src, sequence_column, implant_column)
            else:
                cols, col = _read_plain_rows(handle, src, sequence_column, count_column, implant_column)
    except UnicodeDecodeError as exc:
        raise RepertoireFileError(
            f"is not UTF-8 text ({exc.reason})",
            path=src,
            argument="path",
            expected="a UTF-8 text file",
            received="undecodable bytes",
        ) from None
    v_call, j_call = cols.genes()
    return assemble(
        cols.sequences,
        np.frombuffer(cols.lines, dtype=np.int64) if cols.lines else np.zeros(0, np.int64),
        counts=None if cols.counts is None else np.array(cols.counts, dtype=np.int64),
        v_call=v_call,
        j_call=j_call,
        implanted=None if cols.implanted is None else np.array(cols.implanted, dtype=bool),
        source=src,
        on_invalid=on_invalid,
        column=col,
    )
