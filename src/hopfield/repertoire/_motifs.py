"""Motifs and their implantation: the ground-truth signal of the simulator, vectorized over implants.

An implant of a motif (the paper's motif variants): every position is, independently, deleted with
probability ``deletion`` (left out, so the implant is shorter) or else substituted with probability
``substitution`` by one of the 19 other amino acids, uniformly. The implant overwrites residues of the
sequence (its length is unchanged), starting at a uniform offset that keeps ``margin`` residues free at
both ends. An implant whose positions were all deleted changes nothing (probability ``deletion^len``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hopfield._errors import input_error
from hopfield._validate import check_real
from hopfield.repertoire._alphabet import AMINO_ACIDS, N_AMINO_ACIDS, encode

__all__ = ["Implants", "Motif", "implant", "random_motifs"]


@dataclass(frozen=True)
class Motif:
    """A motif: its amino acids and its per-position substitution and deletion probabilities."""

    sequence: str
    substitution: float = 0.0
    deletion: float = 0.0

    def __post_init__(self) -> None:
        if (
            not isinstance(self.sequence, str)
            or not self.sequence
            or any(c not in AMINO_ACIDS for c in self.sequence)
        ):
            raise input_error("motif", f"a non-empty string over {AMINO_ACIDS}", repr(self.sequence))
        object.__setattr__(
            self, "substitution", check_real(self.substitution, "substitution", low=0.0, high=1.0)
        )
        object.__setattr__(self, "deletion", check_real(self.deletion, "deletion", low=0.0, high=1.0))

    def __len__(self) -> int:
        return len(self.sequence)

    def to_dict(self) -> dict[str, object]:
        return {"sequence": self.sequence, "substitution": self.substitution, "deletion": self.deletion}


def random_motifs(rng: np.random.Generator, n: int, length: int = 4) -> list[str]:
    """``n`` distinct random motifs of ``length`` uniform amino acids."""
    out: list[str] = []
    while len(out) < n:
        m = "".join(AMINO_ACIDS[i] for i in rng.integers(0, N_AMINO_ACIDS, size=length))
        if m not in out:
            out.append(m)
    return out


@dataclass(frozen=True)
class Implants:
    """What was implanted: per implanted sequence its index, motif index, offset and variant (the motif
    with ``-`` at deleted positions and the substituted letters in place)."""

    sequence: NDArray[np.int64]
    motif: NDArray[np.int64]
    offset: NDArray[np.int64]
    variant: list[str]


def implant(
    rng: np.random.Generator,
    residues: NDArray[np.uint8],
    offsets: NDArray[np.int64],
    n_implants: int,
    motifs: list[Motif],
    margin: int,
) -> Implants:
    """Implant motifs into ``n_implants`` distinct sequences (in place on ``residues``).

    Sequences are chosen uniformly among those long enough (``len >= len(motif) + 2 margin`` for the
    longest motif), the motif of each implant uniformly among ``motifs``.
    """
    lengths = np.diff(offsets)
    longest = max(len(m) for m in motifs)
    eligible = np.flatnonzero(lengths >= longest + 2 * margin)
    if len(eligible) < n_implants:
        raise input_error(
            "witness_rate",
            f"at most {len(eligible)} implants per repertoire (sequences long "
            f"enough for the motif and margin)",
            f"{n_implants} implants",
        )
    seqs = np.sort(rng.choice(eligible, size=n_implants, replace=False)).astype(np.int64)
    which = rng.integers(0, len(motifs), size=n_implants).astype(np.int64)
    codes = np.full((len(motifs), longest), 0, dtype=np.int64)
    valid = np.zeros((len(motifs), longest), dtype=bool)
    for i, m in enumerate(motifs):
        codes[i, : len(m)] = encode(np.frombuffer(m.sequence.encode("ascii"), dtype=np.uint8))
        valid[i, : len(m)] = True
    p_sub = np.array([m.substitution for m in motifs])[which, None]
    p_del = np.array([m.deletion for m in motifs])[which, None]
    letters = codes[which]  # (k, longest)
    valid_k = valid[which]
    deleted = (rng.random(letters.shape) < p_del) & valid_k
    substituted = (rng.random(letters.shape) < p_sub) & valid_k & ~deleted
    shift = rng.integers(1, N_AMINO_ACIDS, size=letters.shape)  # another amino acid, uniformly
    letters = np.where(substituted, (letters + shift) % N_AMINO_ACIDS, letters)
    kept = valid_k & ~deleted
    span = kept.sum(axis=1)
    room = lengths[seqs] - span - 2 * margin  # free start positions - 1
    offset = margin + np.floor(rng.random(n_implants) * (room + 1)).astype(np.int64)
    rank = np.cumsum(kept, axis=1) - 1
    target = offsets[seqs][:, None] + offset[:, None] + rank
    residues[target[kept]] = letters[kept].astype(np.uint8)
    alphabet = np.frombuffer((AMINO_ACIDS + "-").encode("ascii"), dtype=np.uint8)
    shown = np.where(deleted, N_AMINO_ACIDS, letters)
    variant = [alphabet[row[v]].tobytes().decode("ascii") for row, v in zip(shown, valid_k, strict=True)]
    return Implants(seqs, which, offset, variant)
