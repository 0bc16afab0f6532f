"""The prepared on-disk layout: names, dtypes and the manifest's format version (shared by writer and reader).

A prepared dataset is a folder::

    manifest.json            format, version, counts, labels, per-repertoire records, array checksums
    residues.npy             uint8  (n_residues,)       amino-acid codes 0..19 of every sequence, concatenated
    sequence_offsets.npy     int64  (n_sequences + 1,)  sequence s is residues[so[s]:so[s + 1]]
    repertoire_offsets.npy   int64  (n_repertoires + 1,) repertoire r is sequences ro[r]..ro[r + 1] - 1
    labels.npy               int64  (n_repertoires,)    0/1
    counts.npy               int64  (n_sequences,)      optional: duplicate_count (1 where a file had none)
    v_call.npy, j_call.npy   int32  (n_sequences,)      optional: index into manifest "values", -1: none
    implanted.npy            bool   (n_sequences,)      optional: the simulator's ground truth

Every ``.npy`` is a plain NumPy file (``np.load(..., mmap_mode="r")`` reads it). The manifest is written
last and the folder is renamed into place, so a folder with a manifest is complete.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FORMAT", "FORMAT_VERSION", "MANIFEST", "OPTIONAL", "REQUIRED"]

FORMAT = "hopfield-repertoire"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: Arrays every prepared dataset has, with their dtypes.
REQUIRED: dict[str, np.dtype[np.generic]] = {
    "residues": np.dtype(np.uint8),
    "sequence_offsets": np.dtype(np.int64),
    "repertoire_offsets": np.dtype(np.int64),
    "labels": np.dtype(np.int64),
}
#: Per-sequence arrays a dataset may have, with their dtypes and the fill value of a repertoire without them.
OPTIONAL: dict[str, tuple[np.dtype[np.generic], int | bool]] = {
    "counts": (np.dtype(np.int64), 1),
    "v_call": (np.dtype(np.int32), -1),
    "j_call": (np.dtype(np.int32), -1),
    "implanted": (np.dtype(np.bool_), False),
}
