"""The input rule (``as_input``), the error hierarchy, seeds, deprecations and the bounded cast cache."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from hopfield import HopfieldInputError, HopfieldTypeError
from hopfield._arrays import CastCache
from hopfield._deprecation import renamed_arguments
from hopfield._random import make_generator
from hopfield._validate import (
    as_indices,
    as_input,
    check_bool,
    check_entries,
    check_int,
    check_positive,
    check_seed,
)


def test_error_hierarchy_is_also_the_builtin_users_expect() -> None:
    assert issubclass(HopfieldInputError, ValueError)
    assert issubclass(HopfieldTypeError, TypeError) and issubclass(HopfieldTypeError, HopfieldInputError)
    with pytest.raises(HopfieldInputError, match=r"beta must be a positive finite number, got -1.0") as e:
        check_positive(-1.0, "beta")
    assert (e.value.argument, e.value.expected, e.value.received) == (
        "beta",
        "a positive finite number",
        -1.0,
    )


@pytest.mark.parametrize(
    ("dtype", "numpy"),
    [
        (torch.float16, False),
        (torch.bfloat16, False),
        (torch.float32, False),
        (torch.float64, False),
        (np.float16, True),
        (np.float32, True),
        (np.float64, True),
    ],
)
def test_float_input_keeps_its_dtype_and_form(dtype, numpy: bool) -> None:
    x = np.ones((2, 3), dtype=dtype) if numpy else torch.ones(2, 3, dtype=dtype)
    t, out = as_input(x, "state", dim=3)
    assert t.shape == (2, 3) and t.is_contiguous()
    back = out.state(t.to(torch.float32))
    assert isinstance(back, np.ndarray) == numpy
    assert str(back.dtype).removeprefix("torch.") == str(np.dtype(dtype) if numpy else dtype).removeprefix(
        "torch."
    )


def test_rank_one_input_is_one_row_and_comes_back_without_the_batch_axis() -> None:
    t, out = as_input(torch.ones(3), "state", dim=3)
    assert t.shape == (1, 3)
    assert out.state(t).shape == (3,)
    assert out(torch.zeros(1)).shape == ()


@pytest.mark.parametrize(
    ("x", "kind", "exc", "match"),
    [
        (
            torch.ones(2, 3, dtype=torch.int64),
            "float",
            HopfieldTypeError,
            r"state must have a floating dtype",
        ),
        (np.array([["a"]]), "float", HopfieldTypeError, r"state must be a numeric array"),
        ("abc", "float", HopfieldTypeError, r"state must be a torch.Tensor or a NumPy array, got str"),
        (np.ones((2, 3), dtype=complex), "float", HopfieldTypeError, r"state must be a real array"),
        (torch.ones(2, 2, 2), "float", HopfieldInputError, r"state must have shape .*got shape \(2, 2, 2\)"),
        (torch.ones(2, 4), "float", HopfieldInputError, r"state must have last dimension 3"),
        (torch.ones(0, 3), "float", HopfieldInputError, r"state must be non-empty"),
        (
            torch.tensor([[1.0, float("nan"), 0]]),
            "float",
            HopfieldInputError,
            r"only finite values, got 1 NaN",
        ),
        (torch.tensor([[1.0, 0.5, -1]]), "binary", HopfieldInputError, r"binary with entries in \{-1, \+1\}"),
        ([[1, 2], [3]], "float", HopfieldTypeError, r"state must be a rectangular numeric array"),
    ],
)
def test_bad_input_is_named(x, kind: str, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match) as e:
        as_input(x, "state", kind=kind, dim=3 if kind != "binary" else None)
    assert e.value.argument == "state"


def test_binary_accepts_bool_int_and_zero_one_and_returns_the_input_dtype() -> None:
    t, out = as_input(torch.tensor([True, False, True]), "state", kind="binary", dtype=torch.float32)
    assert t.tolist() == [[1.0, -1.0, 1.0]] and t.dtype == torch.float32
    assert out.state(t).dtype == torch.bool and out.state(t).tolist() == [True, False, True]
    t, out = as_input(np.array([1, 0, 1]), "state", kind="binary", zero_one=True, dtype=torch.float64)
    assert t.tolist() == [[1.0, -1.0, 1.0]]
    assert out.state(t).tolist() == [1, 0, 1] and out.state(t).dtype == np.int64


def test_numpy_input_goes_to_the_networks_device() -> None:
    t, _ = as_input(np.ones(3, dtype=np.float32), "state", device="meta")
    assert t.device.type == "meta"


@pytest.mark.parametrize("seed", [0, 7, np.int64(3), 2**64 - 1, None])
def test_valid_seeds(seed) -> None:
    assert isinstance(make_generator(seed), torch.Generator)


@pytest.mark.parametrize(
    ("seed", "exc"),
    [
        (2**70, HopfieldInputError),
        (-1, HopfieldInputError),
        ("3", HopfieldTypeError),
        (1.5, HopfieldTypeError),
        (True, HopfieldTypeError),
    ],
)
def test_invalid_seeds(seed, exc: type) -> None:
    with pytest.raises(exc, match=r"seed must be an integer in \[0, 18446744073709551615\]"):
        check_seed(seed)


def test_same_seed_same_stream() -> None:
    a = torch.rand(3, generator=make_generator(11))
    b = torch.rand(3, generator=make_generator(np.int64(11)))
    assert torch.equal(a, b)


def test_strict_scalars() -> None:
    with pytest.raises(HopfieldTypeError, match=r"flag must be True or False, got 'yes'"):
        check_bool("yes", "flag")
    assert check_bool(np.bool_(True), "flag") is True
    with pytest.raises(HopfieldInputError, match=r"k must be an integer in \[1, 5\], got 99"):
        check_int(99, "k", maximum=5)
    assert check_int(np.int64(3), "k") == 3
    with pytest.raises(HopfieldInputError, match=r"beta must be a positive finite number"):
        check_positive(10**400, "beta")


def test_renamed_arguments_warn_and_still_work() -> None:
    @renamed_arguments(max_sweeps="max_steps")
    def f(*, max_steps: int = 1) -> int:
        return max_steps

    with pytest.warns(FutureWarning, match=r"'max_sweeps' is deprecated .* use 'max_steps'"):
        assert f(max_sweeps=4) == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(max_steps=2) == 2
    with pytest.raises(HopfieldInputError, match=r"not also its deprecated name"):
        f(max_sweeps=1, max_steps=2)


def test_cast_cache_is_bounded_and_least_recently_used() -> None:
    cache: CastCache[int] = CastCache(maxsize=2)
    made: list[str] = []

    def make(k: str) -> int:
        made.append(k)
        return len(made)

    for k in ["a", "b", "a", "c", "a", "b"]:
        cache.get(k, lambda k=k: make(k))
    assert len(cache) == 2
    assert made == ["a", "b", "c", "b"]  # "a" stayed (recently used), "b" was evicted by "c"


def test_check_entries_names_the_interval_and_an_offending_entry() -> None:
    x = torch.tensor([0.5, 0.0, 2.0])
    assert check_entries(x, "temperature", low=0.0) is x
    for bad, example in ((torch.tensor([0.5, -1.0]), "-1.0"), (torch.tensor([0.5, float("nan")]), "nan")):
        with pytest.raises(
            HopfieldInputError,
            match=rf"temperature must have entries that are each a finite "
            rf"number >= 0, got 1 other entries \(e.g. {example}\)",
        ) as info:
            check_entries(bad, "temperature", low=0.0)
        assert info.value.argument == "temperature"
    with pytest.raises(HopfieldInputError, match=r"each a finite number in \(0, 1\]"):
        check_entries(torch.tensor([0.0]), "p", low=0.0, high=1.0, low_open=True)


def test_as_indices_accepts_integers_and_refuses_the_rest() -> None:
    assert as_indices(np.int64(2), "index", 3).tolist() == [2]
    assert as_indices(np.array([0, 1]), "index", 3).tolist() == [0, 1]
    assert as_indices(torch.tensor(1), "index", 3).dtype == torch.int64
    for bad in (1.0, True, "1", None, np.array([0.5]), torch.tensor([True])):
        with pytest.raises(HopfieldTypeError, match=r"index must be an integer index in \[0, 2\]"):
            as_indices(bad, "index", 3)
    for bad in (3, -1, 10**30, np.array([[1]]), np.array([], dtype=np.int64), [0, 5]):
        with pytest.raises(HopfieldInputError, match=r"index must be an integer index in \[0, 2\]") as info:
            as_indices(bad, "index", 3)
        assert info.value.argument == "index"


def test_numpy_scalars_and_zero_d_arrays_keep_their_rank() -> None:
    """``np.ascontiguousarray`` makes 0-d input 1-d; the input rule must not (a rank-1 check would pass)."""
    for x in (np.float64(0.5), np.array(0.5)):
        t, _ = as_input(x, "x", ranks=(0, 1), shape="any", batch=False)
        assert t.shape == ()
        with pytest.raises(HopfieldInputError, match=r"x must have shape \(n,\), got shape \(\)"):
            as_input(x, "x", ranks=(1,), shape="(n,)")
