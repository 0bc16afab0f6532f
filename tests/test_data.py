"""hopfield.data's corruption helpers follow the input rule (docs/conventions.md): torch or NumPy,
``(d,)`` or ``(B, d)``, returned in the input's form and dtype; bad input gets a named error."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from hopfield import HopfieldInputError, HopfieldTypeError, data

X = torch.tensor([[1.0, -1.0, 1.0, -1.0, 1.0, -1.0], [1.0, 1.0, 1.0, -1.0, -1.0, -1.0]])


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: data.flip(x, 0.5, seed=3),
        lambda x: data.mask(x, 0.5, seed=3),
        lambda x: data.gaussian_noise(x, 0.5, seed=3),
    ],
    ids=["flip", "mask", "gaussian_noise"],
)
def test_numpy_and_single_rows_come_back_in_their_form(fn: Any) -> None:
    ref = fn(X)
    assert isinstance(ref, torch.Tensor) and ref.shape == X.shape and ref.dtype == X.dtype
    got = fn(X.numpy())
    assert isinstance(got, np.ndarray) and np.array_equal(got, ref.numpy())
    one = fn(X[0])
    assert one.shape == (6,) and torch.equal(one, ref[0])


def test_flip_changes_exactly_the_fraction_and_keeps_integer_and_bool_dtypes() -> None:
    out = data.flip(X, 0.5, seed=1)
    assert ((out != X).sum(dim=-1) == 3).all()
    ints = data.flip(X.to(torch.int64), 0.5, seed=1)
    assert ints.dtype == torch.int64 and torch.equal(ints, out.to(torch.int64))
    bools = data.flip(X > 0, 0.5, seed=1)
    assert bools.dtype == torch.bool and torch.equal(bools, out > 0)


def test_mask_fills_exactly_the_fraction() -> None:
    out = data.mask(X, 1 / 3, seed=2, fill=7.0)
    assert ((out == 7.0).sum(dim=-1) == 2).all()


@pytest.mark.parametrize(
    ("call", "error", "argument"),
    [
        (lambda: data.flip(torch.ones(2, 2, 4), 0.5, seed=1), HopfieldInputError, "x"),
        (lambda: data.mask("abc", 0.5, seed=1), HopfieldTypeError, "x"),
        (lambda: data.mask(torch.tensor([[1.0, float("nan")]]), 0.5, seed=1), HopfieldInputError, "x"),
        (
            lambda: data.gaussian_noise(torch.ones(2, 3, dtype=torch.int64), 1.0, seed=1),
            HopfieldTypeError,
            "x",
        ),
        (lambda: data.flip(X, 1.5, seed=1), HopfieldInputError, "fraction"),
        (lambda: data.gaussian_noise(X, -1.0, seed=1), HopfieldInputError, "sigma"),
        (lambda: data.flip(X, 0.5, seed=-1), HopfieldInputError, "seed"),
    ],
)
def test_bad_input_is_named(call: Any, error: type, argument: str) -> None:
    with pytest.raises(error) as info:
        call()
    assert info.value.argument == argument, str(info.value)
