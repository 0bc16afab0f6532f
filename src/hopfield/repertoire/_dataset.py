"""``RepertoireDataset``: a prepared dataset opened lazily, a ``torch.utils.data.Dataset`` of repertoires.

Arrays are memory-mapped: opening reads the manifest and the ``.npy`` headers only, and reading a
repertoire touches only its own bytes, so RAM stays bounded by the repertoires in use. Training can
subsample ``max_sequences`` sequences per repertoire; the choice depends only on ``(seed, epoch, index)``,
so it is the same with any number of DataLoader workers or processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch.utils.data import Dataset

from hopfield._validate import check_bool, check_int, check_optional_int
from hopfield.repertoire._batch import RepertoireBag, gather_sequences
from hopfield.repertoire._errors import PreparedFormatError
from hopfield.repertoire._layout import FORMAT, FORMAT_VERSION, MANIFEST, OPTIONAL, REQUIRED
from hopfield.repertoire._repertoire import Repertoire
from hopfield.repertoire._rng import resolve_seed

__all__ = ["RepertoireDataset", "read_manifest"]


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a prepared dataset folder, checked for format and version."""
    folder = Path(path)
    file = folder / MANIFEST
    if not file.is_file():
        raise PreparedFormatError(
            f"is not a prepared dataset (no {MANIFEST}; make one with prepare())",
            path=str(folder),
            argument="path",
            expected="a prepared dataset folder",
            received=str(folder),
        )
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PreparedFormatError(
            f"is not valid JSON ({exc})",
            path=str(file),
            argument="path",
            expected="a JSON manifest",
            received=str(exc),
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PreparedFormatError(
            f"is not a {FORMAT} manifest",
            path=str(file),
            argument="path",
            expected=f"format {FORMAT!r}",
            received=str(type(manifest)),
        )
    if manifest.get("version") != FORMAT_VERSION:
        raise PreparedFormatError(
            f"has format version {manifest.get('version')!r}; this hopfield reads version {FORMAT_VERSION}",
            path=str(file),
            argument="path",
            expected=f"version {FORMAT_VERSION}",
            received=manifest.get("version"),
        )
    return manifest


def _release_pages(arrays: dict[str, NDArray[Any]]) -> None:
    """Drop the memory-mapped pages just read from this process's resident set (``MADV_DONTNEED``).

    The copies handed out are in fresh arrays, so nothing refers to the mapped pages any more; they stay in
    the kernel's page cache (a later read is still cheap), but the process's RSS no longer grows with the
    number of repertoires an epoch has touched. A no-op where ``madvise`` is unavailable.
    """
    advice = getattr(mmap, "MADV_DONTNEED", None)
    if advice is None:
        return
    for arr in arrays.values():
        mapped = getattr(arr, "_mmap", None)
        if isinstance(mapped, mmap.mmap):
            with contextlib.suppress(OSError, ValueError):
                mapped.madvise(advice)


class RepertoireDataset(Dataset[RepertoireBag]):
    """A prepared dataset (see :func:`prepare`), read lazily; item ``i`` is a :class:`RepertoireBag`.

    Parameters
    ----------
    path:
        The prepared dataset folder.
    max_sequences:
        Subsample at most this many sequences per repertoire (without replacement, kept in their order);
        None: every sequence (prediction).
    seed:
        The subsampling seed (int, ``torch.Generator`` or None = random, drawn once here). The sequences
        of item ``i`` depend only on ``(seed, epoch, i)``; change the epoch with :meth:`set_epoch`.
    verify:
        Check every array's SHA-256 against the manifest now (reads all data once, in chunks).

    Attributes
    ----------
    manifest:
        The manifest (dict). ``labels`` (int64 ``(n,)``), ``ids``, ``n_sequences`` (int64 ``(n,)``).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_sequences: int | None = None,
        seed: int | torch.Generator | None = None,
        verify: bool = False,
    ) -> None:
        self.path = Path(path)
        self.manifest = read_manifest(self.path)
        self.max_sequences = check_optional_int(max_sequences, "max_sequences", 1)
        self.seed = resolve_seed(seed)
        self.epoch = 0
        self._arrays: dict[str, NDArray[Any]] | None = None
        arrays = self._open()  # checks presence, dtypes and shapes now
        self.labels: NDArray[np.int64] = np.array(arrays["labels"], dtype=np.int64)
        self._rep_offsets: NDArray[np.int64] = np.array(arrays["repertoire_offsets"], dtype=np.int64)
        self.n_sequences: NDArray[np.int64] = np.diff(self._rep_offsets)
        self.ids: list[str] = [r["id"] for r in self.manifest["repertoires"]]
        if check_bool(verify, "verify"):
            self.verify()

    # ----------------------------------------------------------------------------------- arrays
    def _open(self) -> dict[str, NDArray[Any]]:
        if self._arrays is not None:
            return self._arrays
        arrays: dict[str, NDArray[Any]] = {}
        listed = self.manifest.get("arrays", {})
        for name in (*REQUIRED, *OPTIONAL):
            if name not in listed:
                if name in REQUIRED:
                    raise PreparedFormatError(
                        f"manifest lists no array {name!r}",
                        path=str(self.path),
                        argument="path",
                        expected=f"array {name}",
                        received="none",
                    )
                continue
            file = self.path / f"{name}.npy"
            try:
                arr = np.load(file, mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise PreparedFormatError(
                    f"cannot read {file.name} ({exc})",
                    path=str(self.path),
                    argument="path",
                    expected=f"a readable {file.name}",
                    received=str(exc),
                ) from None
            want = listed[name]
            if arr.dtype.str != want["dtype"] or list(arr.shape) != want["shape"]:
                raise PreparedFormatError(
                    f"{file.name} holds {arr.dtype.str} {list(arr.shape)}, the manifest says "
                    f"{want['dtype']} {want['shape']} (a truncated or replaced file)",
                    path=str(self.path),
                    argument="path",
                    expected=str(want),
                    received=list(arr.shape),
                )
            arrays[name] = arr
        n_seq, n_res = self.manifest["n_sequences"], self.manifest["n_residues"]
        so, ro = arrays["sequence_offsets"], arrays["repertoire_offsets"]
        if (
            len(so) != n_seq + 1
            or int(so[-1]) != n_res
            or int(ro[-1]) != n_seq
            or len(arrays["residues"]) != n_res
        ):
            raise PreparedFormatError(
                "arrays disagree with each other or the manifest",
                path=str(self.path),
                argument="path",
                expected="consistent offsets",
                received="mismatch",
            )
        self._arrays = arrays
        return arrays

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_arrays"] = None  # memory maps are reopened in the worker process
        return state

    def verify(self) -> None:
        """Check each array's SHA-256 against the manifest (:class:`PreparedFormatError` on a mismatch)."""
        for name, want in self.manifest["arrays"].items():
            file = self.path / f"{name}.npy"
            h = hashlib.sha256()
            with open(file, "rb") as f:
                fmt = np.lib.format
                if fmt.read_magic(f) == (1, 0):  # leaves f at the data
                    fmt.read_array_header_1_0(f)
                else:
                    fmt.read_array_header_2_0(f)
                while chunk := f.read(1 << 22):
                    h.update(chunk)
            if h.hexdigest() != want["sha256"]:
                raise PreparedFormatError(
                    f"{file.name} fails its checksum (corrupt)",
                    path=str(self.path),
                    argument="path",
                    expected=want["sha256"],
                    received=h.hexdigest(),
                )

    # ----------------------------------------------------------------------------------- items
    def __len__(self) -> int:
        return len(self.labels)

    def set_epoch(self, epoch: int) -> None:
        """Draw other subsamples: item ``i`` depends on ``(seed, epoch, i)``."""
        self.epoch = check_int(epoch, "epoch", 0)

    def sample_index(self, i: int) -> NDArray[np.int64]:
        """The indices (within repertoire ``i``, ascending) of the sequences item ``i`` holds now."""
        n = int(self.n_sequences[i])
        k = self.max_sequences
        if k is None or n <= k:
            return np.arange(n, dtype=np.int64)
        rng = np.random.default_rng([self.seed, self.epoch, i])
        return np.sort(rng.choice(n, size=k, replace=False)).astype(np.int64)

    def _index(self, i: Any) -> int:
        n = len(self)
        idx = check_int(i, "index", -n, n - 1) if n else check_int(i, "index", 0, -1)
        return idx + n if idx < 0 else idx

    def __getitem__(self, i: int) -> RepertoireBag:
        i = self._index(i)
        arrays = self._open()
        start, stop = int(self._rep_offsets[i]), int(self._rep_offsets[i + 1])
        sel = self.sample_index(i)
        offsets = np.asarray(arrays["sequence_offsets"][start : stop + 1])
        if len(sel) == stop - start:
            residues = np.array(arrays["residues"][offsets[0] : offsets[-1]])
            offsets = offsets - offsets[0]
        else:
            residues, offsets = gather_sequences(arrays["residues"], offsets, sel)
        extra = {
            k: torch.from_numpy(np.array(arrays[k][start + sel]))
            for k in ("counts", "implanted")
            if k in arrays
        }
        _release_pages(arrays)
        return RepertoireBag(
            residues=torch.from_numpy(residues),
            offsets=torch.from_numpy(offsets),
            label=torch.tensor(float(self.labels[i]), dtype=torch.float32),
            index=i,
            sequence_index=torch.from_numpy(sel),
            counts=extra.get("counts"),
            implanted=extra.get("implanted"),
        )

    def repertoire(self, i: int) -> Repertoire:
        """Repertoire ``i`` in full (every sequence, NumPy), with counts, V/J calls and implant flags."""
        i = self._index(i)
        arrays = self._open()
        start, stop = int(self._rep_offsets[i]), int(self._rep_offsets[i + 1])
        offsets = np.asarray(arrays["sequence_offsets"][start : stop + 1])
        values = self.manifest.get("values", {})

        def calls(name: str) -> tuple[str, ...] | None:
            if name not in arrays:
                return None
            vocab = [*values.get(name, []), ""]  # code -1 reads the last entry: ""
            return tuple(vocab[c] for c in np.asarray(arrays[name][start:stop]).tolist())

        record = self.manifest["repertoires"][i]
        return Repertoire(
            residues=np.array(arrays["residues"][offsets[0] : offsets[-1]]),
            offsets=offsets - offsets[0],
            counts=np.array(arrays["counts"][start:stop]) if "counts" in arrays else None,
            v_call=calls("v_call"),
            j_call=calls("j_call"),
            implanted=np.array(arrays["implanted"][start:stop]) if "implanted" in arrays else None,
            source=record.get("source", ""),
            n_dropped=int(record.get("n_dropped", 0)),
        )

    def sequences(self, i: int) -> list[str]:
        """The sequences of repertoire ``i`` as strings."""
        return self.repertoire(i).sequences()

    @property
    def attributes(self) -> dict[str, Any]:
        """The manifest's ``attributes`` (e.g. the simulator's ground truth)."""
        return dict(self.manifest.get("attributes", {}))

    def __repr__(self) -> str:
        m = self.manifest
        return (
            f"RepertoireDataset({str(self.path)!r}: {m['n_repertoires']} repertoires "
            f"({m['n_positive']} positive), {m['n_sequences']} sequences, max_sequences={self.max_sequences})"
        )
