"""sequence_features: one-hot + start/centre/end ramps, padding, against a slow reference loop."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from hopfield import HopfieldInputError, HopfieldTypeError
from hopfield.repertoire import N_FEATURES, Repertoire, sequence_features, slice_sequences


def reference(sequences: list[list[int]], min_length: int) -> np.ndarray:
    """DeepRC's construction, one residue at a time in float64: v = 2|0.5 - x| on x = linspace(1, 0, L);
    the first ceil(L/2) positions carry v as 'start', the others as 'end'; 'centre' is 1 - v."""
    width = max([min_length] + [len(s) for s in sequences])
    out = np.zeros((len(sequences), 23, width))
    for i, seq in enumerate(sequences):
        length = len(seq)
        xs = np.linspace(1.0, 0.0, num=length)
        for p, code in enumerate(seq):
            v = 2 * abs(0.5 - xs[p])
            out[i, code, p] = 1
            out[i, 20 if p < math.ceil(length / 2) else 22, p] = v
            out[i, 21, p] = 1 - v
    return out


def ragged(sequences: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    offsets = torch.tensor([0, *np.cumsum([len(s) for s in sequences]).tolist()], dtype=torch.int64)
    return torch.tensor([c for s in sequences for c in s], dtype=torch.uint8), offsets


def test_shape_ramps_and_padding() -> None:
    rep = Repertoire.from_sequences(["CASSF", "ACDEFGHIKLMNPQRSTVWY", "W"])
    f = sequence_features(torch.from_numpy(rep.residues), torch.from_numpy(rep.offsets))
    assert f.shape == (3, N_FEATURES, 20) and N_FEATURES == 23 and f.dtype == torch.float32
    assert torch.equal(f[1, :20, :], torch.eye(20))  # one-hot in AMINO_ACIDS order
    start, centre, end = f[0, 20], f[0, 21], f[0, 22]
    torch.testing.assert_close(start[:5], torch.tensor([1.0, 0.5, 0.0, 0.0, 0.0]))
    torch.testing.assert_close(centre[:5], torch.tensor([0.0, 0.5, 1.0, 0.5, 0.0]))
    torch.testing.assert_close(end[:5], torch.tensor([0.0, 0.0, 0.0, 0.5, 1.0]))
    assert not f[0, :, 5:].any() and not f[2, :, 1:].any()  # zero past each sequence's end
    assert f[2, 20, 0] == 1 and f[2, 21, 0] == 0 and f[2, 22, 0] == 0  # a single residue is a start
    short = sequence_features(torch.from_numpy(rep.residues[:5]), torch.tensor([0, 5]), min_length=9)
    assert short.shape == (1, 23, 9) and not short[0, :, 5:].any()


def test_numpy_in_numpy_out_and_dtype() -> None:
    rep = Repertoire.from_sequences(["CASSLGQAYEQYF", "CASSPDRGNTEAFF"])
    f = sequence_features(rep.residues, rep.offsets, dtype=torch.float64)
    assert isinstance(f, np.ndarray) and f.dtype == np.float64 and f.shape == (2, 23, 14)
    np.testing.assert_allclose(
        f, reference([list(rep.residues[:13]), list(rep.residues[13:])], 9), atol=1e-12
    )


@given(
    st.lists(st.lists(st.integers(0, 19), min_size=1, max_size=25), min_size=1, max_size=12),
    st.integers(1, 30),
)
def test_equals_the_slow_reference(sequences, min_length) -> None:
    got = sequence_features(*ragged(sequences), min_length=min_length, dtype=torch.float64)
    np.testing.assert_allclose(got.numpy(), reference(sequences, min_length), rtol=0, atol=1e-12)
    residue = got[:, :20].sum(1) == 1
    torch.testing.assert_close(
        got[:, 20:].sum(1)[residue], torch.ones(int(residue.sum()), dtype=torch.float64)
    )


def test_chunks_equal_the_whole(np_rng) -> None:
    seqs = [list(np_rng.integers(0, 20, size=int(n))) for n in np_rng.integers(1, 20, size=40)]
    res, off = ragged(seqs)
    whole = sequence_features(res, off, min_length=20)
    parts = [
        sequence_features(*slice_sequences(res, off, a, min(a + 7, 40)), min_length=20)
        for a in range(0, 40, 7)
    ]
    assert torch.equal(torch.cat(parts), whole)


@pytest.mark.parametrize(
    ("residues", "offsets", "kwargs", "error", "match"),
    [
        (
            torch.tensor([0, 20], dtype=torch.uint8),
            torch.tensor([0, 2]),
            {},
            HopfieldInputError,
            r"residues must be amino-acid codes in \[0, 19\]",
        ),
        (
            torch.tensor([0, 1]),
            torch.tensor([0, 3]),
            {},
            HopfieldInputError,
            r"offsets must be starting at 0 and ending at len\(residues\) = 2",
        ),
        (
            torch.tensor([0, 1]),
            torch.tensor([0, 2, 1, 2]),
            {},
            HopfieldInputError,
            r"offsets must be non-decreasing",
        ),
        (
            torch.tensor([0.0, 1.0]),
            torch.tensor([0, 2]),
            {},
            HopfieldTypeError,
            r"residues must be a 1-D integer array",
        ),
        (
            torch.tensor([0, 1]),
            torch.tensor([0, 2]),
            {"min_length": 0},
            HopfieldInputError,
            r"min_length must be an integer >= 1",
        ),
        (
            torch.tensor([0, 1]),
            torch.tensor([0, 2]),
            {"dtype": torch.int32},
            HopfieldTypeError,
            r"dtype must be a floating torch.dtype",
        ),
        (
            [0, 1],
            torch.tensor([0, 2]),
            {},
            HopfieldTypeError,
            r"residues must be a torch.Tensor or a NumPy array, got list",
        ),
    ],
)
def test_bad_input(residues, offsets, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        sequence_features(residues, offsets, **kwargs)
