"""k-mers of ragged sequences, vectorized: window codes, motif matches, exact sequence keys.

A k-mer is coded ``sum_j c_j 20^(k-1-j)`` (``c_j`` the amino-acid codes), so the 20^k k-mers are
``0 .. 20^k - 1``; only windows inside one sequence count.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

from hopfield._errors import input_error
from hopfield._validate import check_int
from hopfield.repertoire._alphabet import AMINO_ACIDS, N_AMINO_ACIDS

__all__ = ["kmer_code", "kmer_counts", "kmer_windows", "motif_codes", "motif_matches", "sequence_keys"]


def kmer_windows(
    residues: NDArray[np.uint8], offsets: NDArray[np.int64], k: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Codes of the k-mer windows inside sequences and the sequence of each, two ``(n_windows,)`` arrays."""
    k = check_int(k, "k", 1, 13)  # 20^13 < 2^63
    r = np.asarray(residues, dtype=np.int64)
    n = len(r) - k + 1
    if n <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    codes = np.zeros(n, dtype=np.int64)
    for j in range(k):
        codes = codes * N_AMINO_ACIDS + r[j : j + n]
    start = np.arange(n, dtype=np.int64)
    seq = np.searchsorted(offsets, start, side="right") - 1
    inside = start + k <= np.asarray(offsets)[seq + 1]
    return codes[inside], seq[inside]


def kmer_counts(residues: NDArray[np.uint8], offsets: NDArray[np.int64], k: int) -> NDArray[np.int64]:
    """How often each of the 20^k k-mers occurs: ``(20^k,)``."""
    codes, _ = kmer_windows(residues, offsets, k)
    return np.bincount(codes, minlength=N_AMINO_ACIDS**k)


def kmer_code(text: str) -> int:
    """The code of one k-mer string."""
    code = 0
    for ch in text:
        code = code * N_AMINO_ACIDS + AMINO_ACIDS.index(ch)
    return code


def motif_codes(motif: str, max_substitutions: int = 0) -> NDArray[np.int64]:
    """Codes of ``motif`` and of every variant with at most ``max_substitutions`` substituted positions."""
    if not motif or any(c not in AMINO_ACIDS for c in motif):
        raise input_error("motif", f"a non-empty string over {AMINO_ACIDS}", repr(motif))
    m = check_int(max_substitutions, "max_substitutions", 0, min(3, len(motif)))
    out = {kmer_code(motif)}
    for n_sub in range(1, m + 1):
        for where in itertools.combinations(range(len(motif)), n_sub):
            choices = [[a for a in AMINO_ACIDS if a != motif[i]] for i in where]
            for letters in itertools.product(*choices):
                chars = list(motif)
                for i, a in zip(where, letters, strict=True):
                    chars[i] = a
                out.add(kmer_code("".join(chars)))
    return np.array(sorted(out), dtype=np.int64)


def motif_matches(
    residues: NDArray[np.uint8],
    offsets: NDArray[np.int64],
    motifs: Iterable[str],
    *,
    max_substitutions: int = 0,
    deletions: bool = False,
) -> NDArray[np.bool_]:
    """Which sequences hold any of ``motifs`` (``(n_sequences,)`` bool).

    A match is a window equal to a motif with at most ``max_substitutions`` substituted positions, or,
    with ``deletions``, to a motif with one position left out.
    """
    n = len(offsets) - 1
    hit = np.zeros(n, dtype=bool)
    by_length: dict[int, set[int]] = {}
    for motif in motifs:
        by_length.setdefault(len(motif), set()).update(motif_codes(motif, max_substitutions).tolist())
        if deletions and len(motif) > 1:
            for i in range(len(motif)):
                by_length.setdefault(len(motif) - 1, set()).add(kmer_code(motif[:i] + motif[i + 1 :]))
    for k, accepted in by_length.items():
        codes, seq = kmer_windows(residues, offsets, k)
        hit[seq[np.isin(codes, np.fromiter(accepted, dtype=np.int64))]] = True
    return hit


def sequence_keys(residues: NDArray[np.uint8], offsets: NDArray[np.int64], width: int) -> NDArray[np.void]:
    """One exact key per sequence (``(n_sequences,)`` of a void dtype): equal keys iff equal sequences.

    Each sequence is padded with 255 to ``width`` (at least the longest sequence) and viewed as bytes.
    """
    lengths = np.diff(offsets)
    n = len(lengths)
    if n and int(lengths.max()) > width:
        raise input_error("width", f">= the longest sequence ({int(lengths.max())})", width)
    padded = np.full((n, width), 255, dtype=np.uint8)
    seq = np.repeat(np.arange(n), lengths)
    pos = np.arange(len(residues)) - np.repeat(np.asarray(offsets[:-1]), lengths)
    padded[seq, pos] = residues
    return np.ascontiguousarray(padded).view(np.dtype((np.void, width))).reshape(n)


def _check_motifs(motifs: Sequence[str] | str) -> list[str]:
    items = [motifs] if isinstance(motifs, str) else list(motifs)
    if not items:
        raise input_error("motifs", "at least one motif", "none")
    for m in items:
        if not isinstance(m, str) or not m or any(c not in AMINO_ACIDS for c in m):
            raise input_error("motifs", f"strings over {AMINO_ACIDS}", repr(m))
    return items
