"""Per-sequence input features of the DeepRC sequence embedding, vectorized over a ragged batch.

For a sequence of length ``L`` and position ``p`` (0-based) let ``t = p / (L - 1)`` (``t = 0`` when
``L = 1``). The three position features are piecewise-linear ramps:

    start(p)  = max(0, 1 - 2 t)          1 at the first residue, 0 from the centre on
    centre(p) = 1 - |1 - 2 t|            0 at both ends, 1 at the centre
    end(p)    = max(0, 2 t - 1)          0 up to the centre, 1 at the last residue

so ``start + centre + end = 1`` at every residue (DeepRC, Widrich et al. 2020, Sec. 3 "sequence
embedding"). Positions past a sequence's end are zero in all 23 channels.
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np
import torch
from numpy.typing import NDArray
from torch import Tensor

from hopfield._errors import HopfieldTypeError, input_error
from hopfield._validate import check_int
from hopfield.repertoire._alphabet import N_AMINO_ACIDS

__all__ = ["N_FEATURES", "sequence_features", "slice_sequences"]

#: Channels: 20 one-hot amino acids (in ``AMINO_ACIDS`` order), then start, centre, end.
N_FEATURES = N_AMINO_ACIDS + 3


def _tensor(x: Any, name: str, integer: bool) -> Tensor:
    t = torch.from_numpy(np.ascontiguousarray(x)) if isinstance(x, np.ndarray) else x
    if not isinstance(t, Tensor):
        raise input_error(name, "a torch.Tensor or a NumPy array", type(x).__name__, cls=HopfieldTypeError)
    if t.ndim != 1 or (integer and (t.is_floating_point() or t.is_complex() or t.dtype == torch.bool)):
        raise input_error(
            name, "a 1-D integer array", f"shape {tuple(t.shape)}, dtype {t.dtype}", cls=HopfieldTypeError
        )
    return t


def _check(residues: Tensor, offsets: Tensor) -> None:
    if offsets.numel() == 0 or int(offsets[0]) != 0 or int(offsets[-1]) != residues.numel():
        raise input_error(
            "offsets",
            f"starting at 0 and ending at len(residues) = {residues.numel()}",
            f"{offsets.numel()} offsets"
            if offsets.numel() == 0
            else f"first {int(offsets[0])}, last {int(offsets[-1])}",
        )
    if offsets.numel() > 1 and bool((offsets.diff() < 0).any()):
        raise input_error("offsets", "non-decreasing", "a decreasing step")
    if residues.numel() and (int(residues.min()) < 0 or int(residues.max()) >= N_AMINO_ACIDS):
        raise input_error(
            "residues",
            f"amino-acid codes in [0, {N_AMINO_ACIDS - 1}]",
            f"values in [{int(residues.min())}, {int(residues.max())}]",
        )


@overload
def sequence_features(
    residues: Tensor, offsets: Tensor, *, min_length: int = 9, dtype: torch.dtype = torch.float32
) -> Tensor: ...
@overload
def sequence_features(
    residues: NDArray[Any], offsets: NDArray[Any], *, min_length: int = 9, dtype: torch.dtype = torch.float32
) -> NDArray[Any]: ...
def sequence_features(
    residues: Any, offsets: Any, *, min_length: int = 9, dtype: torch.dtype = torch.float32
) -> Any:
    """One-hot amino acids + 3 position ramps, channels first: ``(n_sequences, 23, max_len)``.

    Parameters
    ----------
    residues:
        Integer amino-acid codes 0..19 (uint8 as stored), ``(n_residues,)``.
    offsets:
        ``(n_sequences + 1,)``, from 0 to ``n_residues``: sequence ``i`` is
        ``residues[offsets[i]:offsets[i + 1]]``.
    min_length:
        Zero-pad to at least this length (the convolution's kernel size, 9 in DeepRC):
        ``max_len = max(min_length, longest sequence)``.
    dtype:
        A floating dtype for the result.

    Returns
    -------
    Tensor or ndarray
        ``(n_sequences, 23, max_len)``, the layout ``torch.nn.Conv1d`` takes: channels 0..19 one-hot
        (``AMINO_ACIDS`` order), 20 start, 21 centre, 22 end (module docstring); zero past each sequence's
        end. torch in: on the residues' device; NumPy in: NumPy out.

    Examples
    --------
    >>> from hopfield.repertoire import Repertoire, sequence_features
    >>> rep = Repertoire.from_sequences(["CASSF", "W"])
    >>> x = sequence_features(rep.residues, rep.offsets)
    >>> x.shape
    (2, 23, 9)
    >>> x[0, 20:, :5].round(2).tolist()  # start, centre, end along CASSF
    [[1.0, 0.5, 0.0, 0.0, 0.0], [0.0, 0.5, 1.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.5, 1.0]]
    """
    numpy_in = isinstance(residues, np.ndarray)
    res = _tensor(residues, "residues", integer=True)
    off = _tensor(offsets, "offsets", integer=True).to(device=res.device, dtype=torch.int64)
    min_length = check_int(min_length, "min_length", 1)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise input_error("dtype", "a floating torch.dtype", repr(dtype), cls=HopfieldTypeError)
    _check(res, off)
    n = off.numel() - 1
    lengths = off.diff()
    width = max(min_length, int(lengths.max()) if n else 0)
    out = torch.zeros(n, N_FEATURES, width, dtype=dtype, device=res.device)
    seq = torch.repeat_interleave(torch.arange(n, device=res.device), lengths)  # (n_residues,)
    pos = torch.arange(res.numel(), device=res.device) - off[:-1][seq]  # position within its sequence
    out[seq, res.long(), pos] = 1
    span = (lengths[seq] - 1).clamp(min=1).to(torch.float64)
    t = pos.to(torch.float64) / span  # 0..1 along the sequence (0 when L = 1)
    start, end = (1 - 2 * t).clamp(min=0), (2 * t - 1).clamp(min=0)
    out[seq, N_AMINO_ACIDS, pos] = start.to(dtype)
    out[seq, N_AMINO_ACIDS + 1, pos] = (1 - start - end).to(dtype)
    out[seq, N_AMINO_ACIDS + 2, pos] = end.to(dtype)
    return out.numpy() if numpy_in else out


def slice_sequences(residues: Tensor, offsets: Tensor, start: int, stop: int) -> tuple[Tensor, Tensor]:
    """Sequences ``start..stop-1`` of a ragged array as ``(residues, offsets)``, offsets from 0 (the
    residues are a view).

    The model embeds a large bag in chunks: ``sequence_features(*slice_sequences(r, o, a, b))``.
    """
    n = offsets.numel() - 1
    start = check_int(start, "start", 0, n)
    stop = check_int(stop, "stop", start, n)
    lo, hi = int(offsets[start]), int(offsets[stop])
    return residues[lo:hi], offsets[start : stop + 1] - lo
