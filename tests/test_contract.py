"""The contract of docs/conventions.md, for every entry point of ``contract_table`` (issue 10).

For each entry point, dtype (float16, bfloat16, float32, float64, NumPy float16/32/64; int and bool for
binary families), device (cpu; cuda and mps when present) and rank ((d,) and (B, d)): the result's type
(NumPy for NumPy input), dtype (states in the input's dtype; floating results in the input's floating
dtype), device (the input's) and shape follow the rule, and no warning is raised.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

from contract_table import ENTRIES, FUNCTIONAL, D, Entry

B = 3

DEVICES = ["cpu"]
if torch.cuda.is_available():
    DEVICES.append("cuda")
if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
    DEVICES.append("mps")

FLOAT_TORCH = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
FLOAT_NUMPY = [np.float16, np.float32, np.float64]
BINARY_EXTRA_TORCH = [torch.int64, torch.int8, torch.bool]
BINARY_EXTRA_NUMPY = [np.int64, np.bool_]


def _dtypes(kind: str) -> list[Any]:
    if kind == "tensor":
        return FLOAT_TORCH
    out: list[Any] = [*FLOAT_TORCH, *FLOAT_NUMPY]
    if kind == "binary":
        out += [*BINARY_EXTRA_TORCH, *BINARY_EXTRA_NUMPY]
    return out


def _name(dtype: Any) -> str:
    return str(dtype).removeprefix("torch.") if isinstance(dtype, torch.dtype) else f"np.{np.dtype(dtype)}"


def make_state(entry: Entry, dtype: Any, device: str, batched: bool) -> Any:
    """A valid state of the entry's kind in ``dtype`` on ``device`` (NumPy: on the CPU)."""
    g = torch.Generator().manual_seed(7)
    if entry.kind == "binary":
        s = torch.randint(0, 2, (B, D), generator=g).to(torch.float64) * 2 - 1
    else:
        s = torch.randn(B, D, generator=g, dtype=torch.float64) * entry.scale
    if not batched:
        s = s[0]
    if isinstance(dtype, torch.dtype):
        if dtype == torch.bool:
            return (s > 0).to(device)
        return s.to(device=device, dtype=dtype)
    if np.dtype(dtype) == np.bool_:
        return (s > 0).numpy()
    return s.numpy().astype(dtype)


def _field(result: Any, path: str) -> Any:
    return result if path == "" else getattr(result, path)


def _expected_shape(shape: tuple[str | int, ...], batched: bool) -> tuple[int, ...]:
    return tuple(B if a == "B" else int(a) for a in shape if batched or a != "B")


def _check_dtype(value: Any, rule: str, in_dtype: Any, numpy_in: bool, path: str) -> None:
    got = value.dtype
    if rule == "bool":
        assert got in (torch.bool, np.bool_), (path, got)
    elif rule == "int":
        assert (got in (torch.int64, torch.int32)) or np.issubdtype(got, np.integer), (path, got)
    elif rule in ("state", "float"):
        floating_in = (
            in_dtype.is_floating_point
            if isinstance(in_dtype, torch.dtype)
            else np.issubdtype(np.dtype(in_dtype), np.floating)
        )
        if rule == "state" or floating_in:
            want = in_dtype if isinstance(in_dtype, torch.dtype) else np.dtype(in_dtype)
            assert got == want, (path, got, want)
        else:  # a real result of integer/bool input: the computing float dtype
            assert (
                got.is_floating_point if isinstance(got, torch.dtype) else np.issubdtype(got, np.floating)
            ), (path, got)


def check_result(entry: Entry, result: Any, dtype: Any, device: str, batched: bool) -> None:
    numpy_in = not isinstance(dtype, torch.dtype)
    for path, shape in entry.shapes.items():
        value = _field(result, path)
        assert value is not None, f"{entry.name}: {path or 'result'} is None"
        if numpy_in:
            assert isinstance(value, (np.ndarray, np.generic)), (entry.name, path, type(value))
        else:
            assert isinstance(value, torch.Tensor), (entry.name, path, type(value))
            assert value.device.type == torch.device(device).type, (entry.name, path, value.device)
        assert tuple(np.shape(value)) == _expected_shape(shape, batched), (entry.name, path, np.shape(value))
        rule = entry.follows.get(path)
        if rule is not None:
            _check_dtype(value, rule, dtype, numpy_in, f"{entry.name}:{path}")
    if "state" in entry.shapes and "cycle" in entry.shapes:  # a Retrieval: the same fields everywhere
        assert isinstance(result, __import__("hopfield").Retrieval)


def _cases() -> list[Any]:
    cases = []
    for entry in [*ENTRIES, *FUNCTIONAL]:
        for dtype in _dtypes(entry.kind):
            for device in DEVICES:
                if not isinstance(dtype, torch.dtype) and device != "cpu":
                    continue  # NumPy input is on the CPU; the network's device is tested with torch input
                for batched in (True, False) if entry.kind != "tensor" else (True,):
                    cases.append(
                        pytest.param(
                            entry,
                            dtype,
                            device,
                            batched,
                            id=f"{entry.name}-{_name(dtype)}-{device}-{'B' if batched else '1'}",
                        )
                    )
    return cases


@pytest.mark.parametrize(("entry", "dtype", "device", "batched"), _cases())
def test_contract(entry: Entry, dtype: Any, device: str, batched: bool) -> None:
    obj = entry.make(device) if entry.make is not None else None
    state = make_state(entry, dtype, device, batched)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = entry.call(obj, state)
    check_result(entry, result, dtype, device, batched)


def test_every_public_network_class_is_in_the_table() -> None:
    """A new public class must join the contract table."""
    import hopfield

    classes = {n for n in hopfield.__all__ if isinstance(getattr(hopfield, n), type)}
    classes -= {
        "Registry",
        "Retrieval",
        "HopfieldInputError",
        "HopfieldTypeError",
        "HopfieldBudgetError",
        "StoreCorruptError",
    }
    covered = {e.name.split(".")[0].split("(")[0] for e in ENTRIES}
    assert classes <= covered, classes - covered


def test_every_functional_family_is_in_the_table() -> None:
    """Each family's functional core has entry points in the contract table."""
    families = {"modern", "lse", "classical", "dense", "continuous", "continuous_dense"}
    covered = {e.name.split(".")[1] for e in FUNCTIONAL}
    assert families <= covered, families - covered
