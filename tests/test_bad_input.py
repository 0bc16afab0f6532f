"""The bad-input sweep of issue 10, generated from the contract table (``contract_table``).

For every entry point that takes a state: wrong rank, wrong last dimension, NaN, Inf, empty, wrong types
and dtypes (and non-binary entries for binary families) each raise a ``HopfieldInputError`` (or
``HopfieldTypeError``) whose ``argument`` is the state's name and whose message says what was expected
and what was received; the network is unchanged afterwards. Then the constructors: beta <= 0, unknown
names, empty/NaN/wrongly typed patterns, each named. The families' own, longer tables live in
``tests/test_*_errors.py``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest
import torch

import hopfield as H
from contract_table import ENTRIES, D, Entry, binary_patterns, float_patterns, symmetric_weights
from hopfield import HopfieldInputError, HopfieldTypeError

B = 3


def _bad_states(kind: str) -> list[tuple[str, Any, type[Exception], str]]:
    """(label, state, exception, regex) cases for a state of ``kind``."""
    ok = torch.ones(B, D, dtype=torch.float64)
    nan, inf = ok.clone(), ok.clone()
    nan[1, 2] = float("nan")
    inf[0, 0] = float("inf")
    cases = [
        (
            "rank 3",
            torch.ones(2, B, D, dtype=torch.float64),
            HopfieldInputError,
            r"must have shape .*got shape \(2, 3, 8\)",
        ),
        (
            "rank 0",
            torch.tensor(1.0, dtype=torch.float64),
            HopfieldInputError,
            r"must have shape .*got shape \(\)",
        ),
        (
            "wrong dim",
            torch.ones(B, D + 1, dtype=torch.float64),
            HopfieldInputError,
            r"last dimension 8 .*got shape \(3, 9\)",
        ),
        ("NaN", nan, HopfieldInputError, r"only finite values, got 1 NaN or Inf"),
        ("Inf", inf, HopfieldInputError, r"only finite values, got 1 NaN or Inf"),
        (
            "empty",
            torch.ones(0, D, dtype=torch.float64),
            HopfieldInputError,
            r"non-empty.*got shape \(0, 8\)",
        ),
        ("complex", torch.ones(B, D, dtype=torch.complex64), HopfieldTypeError, r"real"),
        ("a string", "abc", HopfieldTypeError, r"a torch.Tensor or a NumPy array, got str"),
        ("object array", np.array([[None] * D] * B), HopfieldTypeError, r"numeric array, got dtype object"),
        ("ragged list", [[1.0] * D, [1.0]], HopfieldTypeError, r"rectangular numeric array"),
    ]
    if kind == "float":
        cases.append(("integers", torch.ones(B, D, dtype=torch.int64), HopfieldTypeError, r"floating dtype"))
    else:
        half = ok.clone()
        half[2, 3] = 0.5
        cases.append(
            ("not binary", half, HopfieldInputError, r"binary with entries in \{-1, \+1\}, got 1 other")
        )
    return cases


def _tensors(obj: Any, depth: int = 0) -> list[torch.Tensor]:
    """Every tensor held by ``obj`` (attributes, dataclass fields, one level of containers)."""
    out: list[torch.Tensor] = []
    if isinstance(obj, torch.Tensor):
        return [obj]
    if depth > 3 or obj is None or isinstance(obj, (int, float, str, bool)):
        return out
    if isinstance(obj, (list, tuple)):
        for v in obj:
            out += _tensors(v, depth + 1)
        return out
    if isinstance(obj, dict):
        for v in obj.values():
            out += _tensors(v, depth + 1)
        return out
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            out += _tensors(getattr(obj, f.name), depth + 1)
        return out
    if hasattr(obj, "__dict__") and type(obj).__module__.startswith("hopfield"):
        for k, v in vars(obj).items():
            if k != "_cache":
                out += _tensors(v, depth + 1)
    return out


def snapshot(obj: Any) -> list[torch.Tensor]:
    if isinstance(obj, H.Memory):
        return [t.clone() for t in obj.read()]
    return [t.detach().clone() for t in _tensors(obj)]


def _cases() -> list[Any]:
    out = []
    for entry in ENTRIES:
        for label, state, exc, match in _bad_states(entry.kind):
            out.append(pytest.param(entry, state, exc, match, id=f"{entry.name}-{label}"))
    return out


@pytest.mark.parametrize(("entry", "state", "exc", "match"), _cases())
def test_bad_state_is_named_and_changes_nothing(entry: Entry, state: Any, exc: type, match: str) -> None:
    obj = entry.make("cpu") if entry.make is not None else None
    before = snapshot(obj)
    with pytest.raises(exc, match=match) as info:
        entry.call(obj, state)
    err = info.value
    assert isinstance(err, HopfieldInputError)
    assert err.argument == "state", (entry.name, err.argument, str(err))
    assert str(err).startswith("state must "), str(err)
    assert ", got " in str(err)
    after = snapshot(obj)
    assert len(before) == len(after) and all(
        torch.equal(a, b) or (a.is_floating_point() and bool(torch.isnan(a).eq(torch.isnan(b)).all()))
        for a, b in zip(before, after, strict=True)
    ), entry.name


# ------------------------------------------------------------------------------------------ constructors
X = float_patterns()
BX = binary_patterns()
W = symmetric_weights()
NAN = X.clone()
NAN[0, 0] = float("nan")

#: (class, valid keyword arguments, {argument: [bad values]})
CONSTRUCTORS: list[tuple[type, dict[str, Any], dict[str, list[Any]]]] = [
    (
        H.ModernHopfield,
        {"patterns": X, "beta": 1.0},
        {
            "patterns": [X[0], torch.empty(0, D, dtype=torch.float64), NAN, X.to(torch.int64), "x"],
            "beta": [0.0, -1.0, math.nan, math.inf, "1", True, 10**400],
            "chunk_size": [0, -3, 1.5],
            "backend": ["nope", 3],
        },
    ),
    (
        H.ClassicalHopfield,
        {"patterns": BX, "rule": "hebb"},
        {
            "patterns": [BX[0], torch.empty(0, D, dtype=torch.float64), X, NAN],
            "rule": ["nope", 1],
        },
    ),
    (
        H.DenseAssociativeMemory,
        {"patterns": BX, "interaction": "exp", "beta": 1.0},
        {
            "patterns": [BX[0], torch.empty(0, D, dtype=torch.float64), X],
            "interaction": ["nope", 1],
            "beta": [0.0, -2.0, math.nan, math.inf, "2"],
        },
    ),
    (
        H.ContinuousTimeHopfield,
        {"weights": W},
        {
            "weights": [W[0], torch.empty(0, 0, dtype=torch.float64), NAN[:, :5], W[:, :5]],
            "tau": [0.0, -1.0, math.nan],
            "activation": ["nope"],
        },
    ),
    (
        H.ContinuousDenseMemory,
        {"weights": X, "beta": 1.0},
        {
            "weights": [X[0], torch.empty(0, D, dtype=torch.float64), NAN],
            "beta": [0.0, -1.0, math.inf],
            "interaction": ["nope"],
        },
    ),
    (
        H.Memory,
        {"dim": D, "beta": 1.0},
        {
            "dim": [0, -1, 2.5, "8"],
            "beta": [0.0, -1.0, math.nan],
            "forgetting": [-0.1, math.nan, math.inf],
        },
    ),
]


def _ctor_cases() -> list[Any]:
    out = []
    for cls, valid, bad in CONSTRUCTORS:
        for arg, values in bad.items():
            for i, v in enumerate(values):
                out.append(pytest.param(cls, valid, arg, v, id=f"{cls.__name__}-{arg}-{i}"))
    return out


@pytest.mark.parametrize(("cls", "valid", "arg", "value"), _ctor_cases())
def test_bad_constructor_argument_is_named(cls: type, valid: dict[str, Any], arg: str, value: Any) -> None:
    cls(**valid)  # the valid arguments are valid
    with pytest.raises(HopfieldInputError) as info:
        cls(**{**valid, arg: value})
    assert info.value.argument == arg, (cls.__name__, arg, info.value.argument, str(info.value))
    assert str(info.value).startswith(f"{arg} must "), str(info.value)


# ------------------------------------------------------------------------------- the retrieval options
#: (argument, bad value) pairs every ``retrieve`` refuses with a named error (the one retrieval API)
RETRIEVE_OPTIONS: list[tuple[str, Any]] = [
    ("max_steps", 0),
    ("max_steps", -1),
    ("max_steps", 2.5),
    ("max_steps", "10"),
    ("tol", -1.0),
    ("tol", math.nan),
    ("tol", "1e-3"),
    ("seed", -1),
    ("seed", 2**70),
    ("seed", "3"),
    ("seed", 1.5),
]

_RETRIEVERS = {
    "ModernHopfield": lambda: H.ModernHopfield(X, beta=2.0),
    "ClassicalHopfield": lambda: H.ClassicalHopfield(BX),
    "DenseAssociativeMemory": lambda: H.DenseAssociativeMemory(BX, "exp"),
    "ContinuousTimeHopfield": lambda: H.ContinuousTimeHopfield(W),
    "ContinuousDenseMemory": lambda: H.ContinuousDenseMemory(X),
    "Memory": lambda: _memory(),
}


def _memory() -> H.Memory:
    m = H.Memory(D, beta=2.0, dtype=torch.float64)
    m.add(X)
    return m


@pytest.mark.parametrize("family", sorted(_RETRIEVERS))
@pytest.mark.parametrize(("arg", "value"), RETRIEVE_OPTIONS)
def test_retrieve_options_are_checked_the_same_way_everywhere(family: str, arg: str, value: Any) -> None:
    net = _RETRIEVERS[family]()
    state = BX[:2] if family in ("ClassicalHopfield", "DenseAssociativeMemory") else 0.1 * X[:2]
    net.retrieve(state, max_steps=2, seed=0)  # the valid call works
    with pytest.raises(HopfieldInputError) as info:
        net.retrieve(state, **{arg: value})
    assert info.value.argument == arg, (family, arg, str(info.value))
    assert str(info.value).startswith(f"{arg} must "), str(info.value)


@pytest.mark.parametrize("family", sorted(_RETRIEVERS))
def test_numpy_integer_seed_is_accepted(family: str) -> None:
    net = _RETRIEVERS[family]()
    state = BX[:2] if family in ("ClassicalHopfield", "DenseAssociativeMemory") else 0.1 * X[:2]
    net.retrieve(state, max_steps=2, seed=np.int64(3))
