"""One repertoire in memory: amino-acid codes + offsets, with optional counts, V/J calls, implant flags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hopfield._errors import input_error
from hopfield._validate import check_choice
from hopfield.repertoire._alphabet import AMINO_ACIDS, INVALID, decode, encode, join_sequences
from hopfield.repertoire._errors import AminoAcidError, EmptyRepertoireError, RepertoireFileError

__all__ = ["Repertoire", "assemble"]


@dataclass(frozen=True, eq=False)
class Repertoire:
    """A bag of receptor sequences in compact form.

    Attributes
    ----------
    residues:
        uint8 amino-acid codes (``AMINO_ACIDS[code]``) of all sequences, concatenated: ``(n_residues,)``.
    offsets:
        int64, ``(n_sequences + 1,)``: sequence ``i`` is ``residues[offsets[i]:offsets[i + 1]]``.
    counts:
        int64 ``duplicate_count`` per sequence, ``(n_sequences,)``, or None when the file had none.
    v_call, j_call:
        The V and J gene calls per sequence (``""`` where missing), or None when the file had none.
    implanted:
        bool per sequence: the simulator's ground truth (a motif was implanted), or None.
    source:
        Where it was read from (a path), or ``""``.
    n_dropped:
        Rows dropped because their sequence was not made of amino acids (``on_invalid="drop"``).
    """

    residues: NDArray[np.uint8]
    offsets: NDArray[np.int64]
    counts: NDArray[np.int64] | None = None
    v_call: tuple[str, ...] | None = None
    j_call: tuple[str, ...] | None = None
    implanted: NDArray[np.bool_] | None = None
    source: str = ""
    n_dropped: int = 0

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> NDArray[np.int64]:
        """Sequence lengths, ``(n_sequences,)``."""
        return np.diff(self.offsets)

    def check(self, name: str = "repertoire") -> Repertoire:
        """Raise unless the arrays are consistent (codes 0..19, offsets from 0 to ``len(residues)``,
        non-decreasing, optional columns of one entry per sequence); returns ``self``."""
        r, o = np.asarray(self.residues), np.asarray(self.offsets)
        n = len(o) - 1
        ok = (
            r.dtype == np.uint8
            and r.ndim == 1
            and o.dtype == np.int64
            and o.ndim == 1
            and n >= 0
            and int(o[0]) == 0
            and int(o[-1]) == len(r)
            and bool((np.diff(o) >= 0).all())
            and (r.size == 0 or int(r.max()) < len(AMINO_ACIDS))
        )
        sizes = [len(x) for x in (self.counts, self.v_call, self.j_call, self.implanted) if x is not None]
        if not ok or any(size != n for size in sizes):
            raise input_error(
                name,
                "uint8 codes 0..19, int64 offsets from 0 to len(residues), optional columns of n_sequences",
                f"residues {r.dtype} {r.shape}, offsets {o.dtype} {o.shape}, optional lengths {sizes}",
            )
        return self

    def sequences(self) -> list[str]:
        """The sequences as strings."""
        return decode(self.residues, self.offsets)

    @classmethod
    def from_sequences(
        cls,
        sequences: Sequence[str],
        *,
        counts: Sequence[int] | NDArray[np.integer] | None = None,
        v_call: Sequence[str] | None = None,
        j_call: Sequence[str] | None = None,
        implanted: Sequence[bool] | NDArray[np.bool_] | None = None,
        on_invalid: str = "raise",
        source: str = "",
    ) -> Repertoire:
        """A repertoire from strings (errors name the sequence's index as its ``line``, 0-based)."""
        lines = np.arange(len(sequences), dtype=np.int64)
        return assemble(
            list(sequences),
            lines,
            counts=None if counts is None else np.asarray(counts, dtype=np.int64),
            v_call=None if v_call is None else tuple(v_call),
            j_call=None if j_call is None else tuple(j_call),
            implanted=None if implanted is None else np.asarray(implanted, dtype=bool),
            source=source or "<sequences>",
            on_invalid=on_invalid,
            column="sequences",
        )


def _first_bad_letter(seq: str) -> str:
    for ch in seq:
        if ch not in AMINO_ACIDS:
            return ch
    return ""


def assemble(
    sequences: list[str],
    lines: NDArray[np.int64],
    *,
    counts: NDArray[np.int64] | None,
    v_call: tuple[str, ...] | None,
    j_call: tuple[str, ...] | None,
    implanted: NDArray[np.bool_] | None,
    source: str,
    on_invalid: str,
    column: str,
) -> Repertoire:
    """Encode parsed rows; refuse or drop rows whose sequence is empty or not made of amino acids.

    ``lines`` gives each row's line in ``source`` for error messages. Raises :class:`AminoAcidError`
    (``on_invalid="raise"``) or :class:`EmptyRepertoireError` when no row is left.
    """
    check_choice(on_invalid, "on_invalid", ("raise", "drop"))
    if not sequences:
        raise EmptyRepertoireError(
            "the repertoire has no sequences",
            path=source,
            argument="repertoire",
            expected="at least one sequence",
            received="none",
        )
    if counts is not None and counts.size and int(counts.min()) < 1:
        i = int(np.argmax(counts < 1))
        raise RepertoireFileError(
            f"duplicate_count must be a positive integer, got {int(counts[i])}",
            path=source,
            line=int(lines[i]),
            argument="duplicate_count",
            expected="a positive integer",
            received=int(counts[i]),
        )
    raw, offsets = join_sequences(sequences)
    codes = encode(raw)
    lengths = np.diff(offsets)
    n = len(sequences)
    bad_residue = np.flatnonzero(codes == INVALID)
    seq_of_bad = np.searchsorted(offsets, bad_residue, side="right") - 1
    bad = np.zeros(n, dtype=bool)
    bad[seq_of_bad] = True
    bad |= lengths == 0
    n_bad = int(bad.sum())
    if n_bad and on_invalid == "raise":
        i = int(np.argmax(bad))
        seq = sequences[i]
        what = "is empty" if not seq else f"holds {_first_bad_letter(seq)!r}, not one of the 20 amino acids"
        raise AminoAcidError(
            f"{column} {seq!r} {what} ({AMINO_ACIDS}); {n_bad} row(s) like this in the file; "
            "on_invalid='drop' drops them and counts them",
            path=source,
            line=int(lines[i]),
            argument=column,
            expected=f"a non-empty string over {AMINO_ACIDS}",
            received=seq,
        )
    if n_bad:
        keep = ~bad
        if not keep.any():
            raise EmptyRepertoireError(
                f"no sequences left after dropping {n_bad} invalid row(s)",
                path=source,
                argument="repertoire",
                expected="at least one valid sequence",
                received=f"{n_bad} invalid rows",
            )
        codes = codes[np.repeat(keep, lengths)]
        lengths = lengths[keep]
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        idx = np.flatnonzero(keep)
        counts = None if counts is None else counts[keep]
        v_call = None if v_call is None else tuple(v_call[i] for i in idx)
        j_call = None if j_call is None else tuple(j_call[i] for i in idx)
        implanted = None if implanted is None else implanted[keep]
    return Repertoire(
        residues=np.ascontiguousarray(codes),
        offsets=offsets,
        counts=counts,
        v_call=v_call,
        j_call=j_call,
        implanted=implanted,
        source=source,
        n_dropped=n_bad,
    )
