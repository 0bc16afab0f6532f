"""``prepare``: convert a dataset once into the compact memory-mapped layout of :mod:`._layout`.

Repertoires are read and appended one at a time (:class:`PreparedWriter`), so memory stays bounded by the
largest repertoire, not the dataset. Everything is written into a temporary folder beside the target and
renamed into place at the end (the manifest last): an error or interruption leaves nothing half-written.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from hopfield import __version__
from hopfield._errors import HopfieldTypeError, input_error
from hopfield._io import NpyStreamWriter, commit_folder, temporary_folder, write_json
from hopfield._validate import check_bool, check_choice
from hopfield.repertoire._layout import FORMAT, FORMAT_VERSION, MANIFEST, OPTIONAL
from hopfield.repertoire._metadata import read_metadata
from hopfield.repertoire._read import read_repertoire
from hopfield.repertoire._repertoire import Repertoire

__all__ = ["PreparedWriter", "check_output_folder", "prepare", "write_prepared"]

_CHUNK = 1 << 20


def check_output_folder(
    out: str | os.PathLike[str],
    overwrite: bool,
    *,
    marker: str = MANIFEST,
    what: str = "a prepared dataset",
    argument: str = "out",
) -> Path:
    """Refuse an unusable output folder before any work: a file, a non-empty folder that is not ``what``
    (recognized by its ``marker`` file), or an existing ``what`` without ``overwrite``. Returns the path."""
    p = Path(out)
    check_bool(overwrite, "overwrite")
    if p.exists() and not p.is_dir():
        raise input_error(argument, "a folder path", str(p), hint=" (a file)")
    if p.is_dir() and any(p.iterdir()):
        if not (p / marker).is_file():
            raise input_error(
                argument,
                f"a new or empty folder, or {what} to overwrite",
                str(p),
                hint=f" (a non-empty folder that is not {what})",
            )
        if not overwrite:
            raise input_error(
                argument, "a new folder (or pass overwrite=True)", str(p), hint=f" ({what} exists there)"
            )
    parent = p.parent
    parent.mkdir(parents=True, exist_ok=True)
    if not os.access(parent, os.W_OK):
        raise input_error(argument, "a folder in a writable place", str(p))
    return p


class _Column:
    """An optional per-sequence array, opened at its first use and backfilled for earlier sequences."""

    def __init__(self, folder: Path, name: str) -> None:
        self.path = folder / f"{name}.npy"
        self.dtype, self.fill = OPTIONAL[name]
        self.writer: NpyStreamWriter | None = None

    def add(self, values: np.ndarray[Any, Any] | None, n: int, written_before: int) -> None:
        if values is None and self.writer is None:
            return
        if self.writer is None:
            self.writer = NpyStreamWriter(self.path, self.dtype)
            for start in range(0, written_before, _CHUNK):
                self.writer.append(np.full(min(_CHUNK, written_before - start), self.fill, self.dtype))
        self.writer.append(np.full(n, self.fill, self.dtype) if values is None else values)


class PreparedWriter:
    """Append repertoires to a new prepared dataset; ``with`` commits on success and cleans up on error.

    Parameters
    ----------
    out:
        The dataset folder (checked by :func:`check_output_folder`).
    overwrite:
        Replace an existing prepared dataset at ``out``.
    label_column, label_values:
        Recorded in the manifest (the metadata's label column and its ``(negative, positive)`` values).
    attributes:
        A JSON-able dict stored in the manifest (e.g. the simulator's ground truth).
    """

    def __init__(
        self,
        out: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        label_column: str = "label",
        label_values: tuple[str, str] = ("0", "1"),
        attributes: dict[str, Any] | None = None,
    ) -> None:
        self.out = check_output_folder(out, overwrite)
        self._tmp = temporary_folder(self.out)
        self._residues = NpyStreamWriter(self._tmp / "residues.npy", np.uint8)
        self._seq_offsets = NpyStreamWriter(self._tmp / "sequence_offsets.npy", np.int64)
        self._seq_offsets.append(np.zeros(1, np.int64))
        self._columns = {name: _Column(self._tmp, name) for name in OPTIONAL}
        self._vocab: dict[str, dict[str, int]] = {"v_call": {}, "j_call": {}}
        self._records: list[dict[str, Any]] = []
        self._ids: set[str] = set()
        self._rep_offsets = [0]
        self._n_residues = 0
        self._manifest_extra = {
            "label_column": label_column,
            "label_values": list(label_values),
            "attributes": attributes or {},
        }
        self._open = True

    def _codes(self, name: str, calls: tuple[str, ...] | None) -> np.ndarray[Any, Any] | None:
        if calls is None:
            return None
        vocab = self._vocab[name]
        return np.array([vocab.setdefault(c, len(vocab)) if c else -1 for c in calls], dtype=np.int32)

    def add(self, repertoire: Repertoire, *, label: int, id: str, source: str | None = None) -> None:
        """Append one repertoire with its 0/1 ``label`` and ``id``."""
        if not self._open:
            raise RuntimeError("PreparedWriter: add after commit or abort")
        if label not in (0, 1) or isinstance(label, bool):
            raise input_error("label", "0 or 1", label)
        if not isinstance(repertoire, Repertoire):
            raise input_error("repertoire", "a Repertoire", type(repertoire).__name__, cls=HopfieldTypeError)
        repertoire.check()
        if str(id) in self._ids:
            raise input_error("id", "unique repertoire ids", repr(id))
        self._ids.add(str(id))
        n = len(repertoire)
        before = self._rep_offsets[-1]
        self._residues.append(repertoire.residues)
        self._seq_offsets.append(repertoire.offsets[1:] + self._n_residues)
        self._columns["counts"].add(repertoire.counts, n, before)
        self._columns["v_call"].add(self._codes("v_call", repertoire.v_call), n, before)
        self._columns["j_call"].add(self._codes("j_call", repertoire.j_call), n, before)
        self._columns["implanted"].add(repertoire.implanted, n, before)
        self._n_residues += int(repertoire.offsets[-1])
        self._rep_offsets.append(before + n)
        self._records.append(
            {
                "id": str(id),
                "source": source if source is not None else repertoire.source,
                "label": int(label),
                "n_sequences": n,
                "n_dropped": int(repertoire.n_dropped),
            }
        )

    def commit(self) -> Path:
        """Write the remaining arrays and the manifest, then rename the folder to ``out``."""
        if not self._records:
            raise input_error("repertoires", "at least one repertoire", "none")
        files: dict[str, Any] = {}
        small = {
            "repertoire_offsets": np.asarray(self._rep_offsets, np.int64),
            "labels": np.asarray([r["label"] for r in self._records], np.int64),
        }
        for name, arr in small.items():
            with NpyStreamWriter(self._tmp / f"{name}.npy", arr.dtype) as w:
                w.append(arr)
            files[name] = w
        for name, w in (("residues", self._residues), ("sequence_offsets", self._seq_offsets)):
            w.commit()
            files[name] = w
        for name, col in self._columns.items():
            if col.writer is not None:
                col.writer.commit()
                files[name] = col.writer
        n_seq = self._rep_offsets[-1]
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_by": f"hopfield {__version__}",
            "n_repertoires": len(self._records),
            "n_sequences": n_seq,
            "n_residues": self._n_residues,
            "n_positive": int(sum(r["label"] for r in self._records)),
            "n_dropped": int(sum(r["n_dropped"] for r in self._records)),
            **self._manifest_extra,
            "values": {k: list(v) for k, v in self._vocab.items() if k in files},
            "arrays": {
                k: {"dtype": w.dtype.str, "shape": [w.length], "sha256": w.sha256} for k, w in files.items()
            },
            "repertoires": self._records,
        }
        write_json(self._tmp / MANIFEST, manifest)
        self._open = False
        return commit_folder(self._tmp, self.out)

    def abort(self) -> None:
        """Remove everything written so far."""
        self._open = False
        for w in (self._residues, self._seq_offsets, *(c.writer for c in self._columns.values())):
            if w is not None:
                w.abort()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> PreparedWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None and self._open:
            try:
                self.commit()
            except BaseException:
                self.abort()
                raise
        elif self._open:
            self.abort()


def _progress(progress: bool | Callable[..., Any]) -> Callable[..., Any]:
    if callable(progress):
        return progress
    if check_bool(progress, "progress"):
        from tqdm.auto import tqdm

        return lambda it, **kw: tqdm(it, **kw)
    return lambda it, **kw: it


def write_prepared(
    repertoires: Iterable[tuple[str, Repertoire, int]],
    out: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    label_column: str = "label",
    label_values: tuple[str, str] = ("0", "1"),
    attributes: dict[str, Any] | None = None,
) -> Path:
    """Write ``(id, repertoire, label)`` triples (any iterable, consumed once) as a prepared dataset."""
    with PreparedWriter(
        out, overwrite=overwrite, label_column=label_column, label_values=label_values, attributes=attributes
    ) as writer:
        for rid, rep, label in repertoires:
            writer.add(rep, label=label, id=rid)
    return writer.out


def prepare(
    metadata: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    label_column: str,
    id_column: str | None = None,
    positive: str | None = None,
    repertoires_dir: str | os.PathLike[str] | None = None,
    format: str = "airr",
    sequence_column: str | None = None,
    count_column: str | None = None,
    implant_column: str | None = "implanted",
    on_invalid: str = "raise",
    overwrite: bool = False,
    attributes: dict[str, Any] | None = None,
    progress: bool | Callable[..., Any] = False,
) -> Path:
    """Convert a dataset (metadata + repertoire files) into the prepared layout at ``out``.

    The metadata is read and every file resolved first (:func:`read_metadata`), the output folder
    checked (:func:`check_output_folder`), then repertoires are read (:func:`read_repertoire`, with
    ``format``, ``sequence_column``, ``count_column``, ``implant_column``, ``on_invalid``) and appended one
    at a time. Open the result with :class:`RepertoireDataset`. Returns ``out``.

    Raises the named errors of :func:`read_metadata` and :func:`read_repertoire` (file and line); on
    any error nothing is left at ``out`` (an existing dataset stays as it was).
    """
    check_choice(format, "format", ("airr", "plain"))
    check_choice(on_invalid, "on_invalid", ("raise", "drop"))
    meta = read_metadata(
        metadata,
        label_column=label_column,
        id_column=id_column,
        positive=positive,
        repertoires_dir=repertoires_dir,
    )
    wrap = _progress(progress)
    check_output_folder(out, overwrite)

    def repertoires() -> Iterable[tuple[str, Repertoire, int]]:
        for rid, path, label in wrap(
            list(zip(meta.ids, meta.files, meta.labels.tolist(), strict=True)), desc="prepare", unit="rep"
        ):
            rep = read_repertoire(
                path,
                format=format,
                sequence_column=sequence_column,
                count_column=count_column,
                implant_column=implant_column,
                on_invalid=on_invalid,
            )
            yield rid, rep, int(label)

    info = {"metadata": str(meta.path), "format": format, **(attributes or {})}
    return write_prepared(
        repertoires(),
        out,
        overwrite=overwrite,
        label_column=meta.label_column,
        label_values=meta.label_values,
        attributes=info,
    )
