"""The amino-acid alphabet: 20 one-letter codes as uint8 codes 0..19, encoded and decoded vectorized.

Code ``i`` is ``AMINO_ACIDS[i]`` (alphabetical one-letter codes). Anything else (lower case, ``X``, the
stop ``*``, a frameshift ``_``, digits, non-ASCII) is not an amino acid.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["AMINO_ACIDS", "INVALID", "N_AMINO_ACIDS", "decode", "encode", "join_sequences"]

#: The 20 standard amino acids, in the order of their codes.
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
N_AMINO_ACIDS = len(AMINO_ACIDS)
#: The code of a byte that is not an amino acid.
INVALID = 255

_ENCODE = np.full(256, INVALID, dtype=np.uint8)
_ENCODE[np.frombuffer(AMINO_ACIDS.encode("ascii"), dtype=np.uint8)] = np.arange(N_AMINO_ACIDS, dtype=np.uint8)
_DECODE = np.frombuffer(AMINO_ACIDS.encode("ascii"), dtype=np.uint8)


def join_sequences(sequences: Sequence[str]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Concatenate strings into raw bytes and offsets (one byte per character, non-ASCII as ``?``).

    Returns ``(raw, offsets)``: ``raw`` of shape ``(n_residues,)``, ``offsets`` of shape
    ``(n_sequences + 1,)`` with ``raw[offsets[i]:offsets[i + 1]]`` the ``i``-th string.
    """
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    offsets = np.zeros(len(sequences) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    raw = np.frombuffer("".join(sequences).encode("ascii", errors="replace"), dtype=np.uint8)
    return raw, offsets


def encode(raw: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """ASCII bytes to amino-acid codes 0..19; bytes that are not amino acids become ``INVALID`` (255)."""
    return _ENCODE[raw]


def decode(codes: NDArray[np.uint8], offsets: NDArray[np.int64]) -> list[str]:
    """Codes and offsets back to strings (the inverse of :func:`join_sequences` then :func:`encode`)."""
    text = _DECODE[np.asarray(codes, dtype=np.intp)].tobytes().decode("ascii")
    off = np.asarray(offsets).tolist()
    return [text[a:b] for a, b in itertools.pairwise(off)]
