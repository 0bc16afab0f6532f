"""Ragged bags of sequences: one repertoire (:class:`RepertoireBag`) and a batch of them
(:class:`RepertoireBatch`, made by :func:`collate_bags`), concatenated with offsets, never padded to the
longest repertoire.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch import Tensor

from hopfield._errors import input_error

__all__ = ["RepertoireBag", "RepertoireBatch", "collate_bags", "gather_sequences"]


def gather_sequences(
    residues: NDArray[np.uint8], offsets: NDArray[np.int64], index: NDArray[np.int64]
) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """The sequences ``index`` of a ragged array, as a new ragged array ``(residues, offsets)``.

    ``residues`` may be a memory map: only the selected sequences are read. Vectorized (no loop per
    sequence): positions are ``repeat(starts, lengths) + (arange - repeat(new_starts, lengths))``.
    """
    starts = np.asarray(offsets[index], dtype=np.int64)
    lengths = np.asarray(offsets[index + 1], dtype=np.int64) - starts
    new = np.zeros(len(index) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new[1:])
    pos = np.arange(int(new[-1]), dtype=np.int64) + np.repeat(starts - new[:-1], lengths)
    return np.asarray(residues[pos], dtype=np.uint8), new


@dataclass
class RepertoireBag:
    """One repertoire (or a subsample of it), as read from a :class:`RepertoireDataset`.

    Attributes
    ----------
    residues:
        uint8 amino-acid codes, ``(n_residues,)``.
    offsets:
        int64 ``(n_sequences + 1,)``; sequence ``i`` is ``residues[offsets[i]:offsets[i + 1]]``.
    label:
        float32 scalar tensor, 0 or 1.
    index:
        The repertoire's index in the dataset.
    sequence_index:
        int64 ``(n_sequences,)``: each sequence's index within its repertoire (ascending), to map
        per-sequence results (attention) back to the full repertoire.
    counts, implanted:
        int64 / bool ``(n_sequences,)`` when the dataset has them, else None.
    """

    residues: Tensor
    offsets: Tensor
    label: Tensor
    index: int
    sequence_index: Tensor
    counts: Tensor | None = None
    implanted: Tensor | None = None

    def __len__(self) -> int:
        return int(self.offsets.numel()) - 1


@dataclass
class RepertoireBatch:
    """Several bags concatenated (:func:`collate_bags`).

    Attributes
    ----------
    residues:
        uint8 ``(n_residues,)``, every sequence of every bag.
    sequence_offsets:
        int64 ``(n_sequences + 1,)`` into ``residues``.
    bag_offsets:
        int64 ``(n_bags + 1,)`` into the sequences: bag ``b`` holds sequences
        ``bag_offsets[b]..bag_offsets[b + 1] - 1``.
    labels:
        float32 ``(n_bags,)``.
    indices:
        int64 ``(n_bags,)``: the repertoires' indices in the dataset.
    sequence_index:
        int64 ``(n_sequences,)``: each sequence's index within its repertoire.
    counts, implanted:
        ``(n_sequences,)`` or None.
    """

    residues: Tensor
    sequence_offsets: Tensor
    bag_offsets: Tensor
    labels: Tensor
    indices: Tensor
    sequence_index: Tensor
    counts: Tensor | None = None
    implanted: Tensor | None = None

    @property
    def n_bags(self) -> int:
        return int(self.labels.numel())

    @property
    def bag_sizes(self) -> Tensor:
        """Sequences per bag, int64 ``(n_bags,)``."""
        return self.bag_offsets.diff()

    def bag_ids(self) -> Tensor:
        """The bag of each sequence, int64 ``(n_sequences,)`` (for segment reductions)."""
        return torch.repeat_interleave(
            torch.arange(self.n_bags, device=self.bag_offsets.device), self.bag_sizes
        )

    def _map(self, fn: Any) -> RepertoireBatch:
        changes = {
            f.name: fn(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None
        }
        return replace(self, **changes)

    def to(self, device: torch.device | str, non_blocking: bool = False) -> RepertoireBatch:
        """The batch on ``device`` (every tensor moved)."""
        return self._map(lambda t: t.to(device, non_blocking=non_blocking))

    def pin_memory(self) -> RepertoireBatch:
        """Pinned copies (``DataLoader(pin_memory=True)`` calls this)."""
        return self._map(lambda t: t.pin_memory())


def _cat_optional(values: list[Tensor | None], name: str) -> Tensor | None:
    present = [v is not None for v in values]
    if not any(present):
        return None
    if not all(present):
        raise input_error("bags", f"all with {name} or all without", f"{sum(present)} of {len(values)} with")
    return torch.cat([v for v in values if v is not None])


def collate_bags(bags: Sequence[RepertoireBag]) -> RepertoireBatch:
    """Concatenate bags into a :class:`RepertoireBatch` (``DataLoader(collate_fn=collate_bags)``)."""
    if len(bags) == 0:
        raise input_error("bags", "a non-empty sequence of RepertoireBag", "an empty sequence")
    n_res = torch.tensor([int(b.offsets[-1]) for b in bags], dtype=torch.int64)
    n_seq = torch.tensor([len(b) for b in bags], dtype=torch.int64)
    res_base = torch.cumsum(n_res, 0) - n_res
    seq_offsets = torch.cat(
        [torch.zeros(1, dtype=torch.int64)]
        + [b.offsets[1:] + base for b, base in zip(bags, res_base.tolist(), strict=True)]
    )
    bag_offsets = torch.zeros(len(bags) + 1, dtype=torch.int64)
    torch.cumsum(n_seq, 0, out=bag_offsets[1:])
    return RepertoireBatch(
        residues=torch.cat([b.residues for b in bags]),
        sequence_offsets=seq_offsets,
        bag_offsets=bag_offsets,
        labels=torch.stack([b.label.to(torch.float32).reshape(()) for b in bags]),
        indices=torch.tensor([b.index for b in bags], dtype=torch.int64),
        sequence_index=torch.cat([b.sequence_index for b in bags]),
        counts=_cat_optional([b.counts for b in bags], "counts"),
        implanted=_cat_optional([b.implanted for b in bags], "implanted"),
    )
