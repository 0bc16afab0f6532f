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
import warnings
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


# --------------------------------------------------------------- the defect lines of issue 10, one by one
_W2 = np.array([[0, 0.5], [0.5, 0]])
_X2 = np.array([[0.3, -0.1]])
_DAM = np.array([[1, 1, 1, -1, -1, -1], [1, -1, 1, -1, 1, -1]])
_Q3 = np.array([0.9, 0.2, 0.1])
_HALF = torch.tensor([0.9, 0.2, 0.1]).half()


def _raising_interaction(s: torch.Tensor) -> torch.Tensor:
    raise RuntimeError("a failing interaction")


#: (label, call, the argument a HopfieldInputError must name) for the lines that now raise
DEFECT_ERRORS: list[tuple[str, Any, str]] = [
    ("CTH relax tol=1e-300", lambda: H.ContinuousTimeHopfield(_W2).retrieve(_X2, tol=1e-300), "max_evals"),
    ("CTH simulate to 1e30", lambda: H.ContinuousTimeHopfield(_W2).simulate(_X2, [0.0, 1e30]), "max_evals"),
    ("CTH tau=1e-6", lambda: H.ContinuousTimeHopfield(_W2, tau=1e-6).simulate(_X2, [0.0, 1.0]), "max_evals"),
    (
        "poly log_energy of a negative energy",
        lambda: H.DenseAssociativeMemory(_DAM, "poly", degree=3).log_energy(
            np.array([-1, -1, -1, 1, 1, 1.0])
        ),
        "state",
    ),
    (
        "rectified_poly log_energy of zero",
        lambda: H.DenseAssociativeMemory(_DAM, "rectified_poly", degree=3).log_energy(-_DAM[0].astype(float)),
        "state",
    ),
    (
        "callable interaction of the wrong shape",
        lambda: H.ContinuousDenseMemory(np.eye(3), interaction=lambda s: s[..., :1]).retrieve(_Q3),
        "interaction",
    ),
    (
        "failing callable interaction",
        lambda: H.ContinuousDenseMemory(np.eye(3), interaction=_raising_interaction).retrieve(_Q3),
        "interaction",
    ),
    ("seed=2**70", lambda: H.ClassicalHopfield(_DAM).retrieve(_DAM[0], seed=2**70), "seed"),
    ("seed=-1", lambda: H.ClassicalHopfield(_DAM).retrieve(_DAM[0], seed=-1), "seed"),
    ("dense_capacity(10**300)", lambda: H.theory.dense_capacity(10**300), "d"),
    ("curie_weiss_magnetization('0.5')", lambda: H.statmech.curie_weiss_magnetization("0.5"), "temperature"),
    ("topk=99 of 5 patterns", lambda: H.ModernHopfield(X).retrieve(X[0], topk=99), "topk"),
    (
        "return_weights='yes'",
        lambda: H.ModernHopfield(X).retrieve(X[0], return_weights="yes"),
        "return_weights",
    ),
    (
        "fit(zero_diagonal='no')",
        lambda: H.ContinuousTimeHopfield(W).fit(0.5 * X[:2], zero_diagonal="no"),
        "zero_diagonal",
    ),
    ("fit(adjoint='yes')", lambda: H.ContinuousTimeHopfield(W).fit(0.5 * X[:2], adjoint="yes"), "adjoint"),
]


@pytest.mark.parametrize(("label", "call", "argument"), DEFECT_ERRORS, ids=[c[0] for c in DEFECT_ERRORS])
def test_issue_10_defect_lines_raise_named_errors(label: str, call: Any, argument: str) -> None:
    with pytest.raises(HopfieldInputError) as info:
        call()
    assert info.value.argument == argument, (label, str(info.value))
    if argument == "max_evals":  # a spent budget: HopfieldBudgetError names the budget and its size
        assert isinstance(info.value, H.HopfieldBudgetError) and str(info.value).startswith("max_evals = ")
    else:
        assert ", got " in str(info.value)


def _one_hot(out: Any, dtype: Any) -> bool:
    t = torch.as_tensor(out)
    return t.dtype == dtype and torch.equal(t.float(), torch.tensor([1.0, 0.0, 0.0]))


#: (label, call, check of the result) for the lines that now give a correct, finite result
DEFECT_RESULTS: list[tuple[str, Any, Any]] = [
    (
        "CDM beta=1e300 float32 relax",
        lambda: H.ContinuousDenseMemory(np.eye(2), beta=1e300).retrieve(_X2.astype(np.float32)),
        lambda r: bool(r.converged.all()) and r.state.dtype == np.float32 and np.isfinite(r.state).all(),
    ),
    (
        "min_dimension_b7 d_max=10**9",
        lambda: H.theory.min_dimension_b7(1.0, 1.0, 2.0, d_max=10**9),
        lambda r: r == 0,
    ),
    (
        "modern beta=1e300 float32",
        lambda: H.ModernHopfield(np.eye(3), beta=1e300).retrieve(_Q3.astype(np.float32)).state,
        lambda r: _one_hot(r, torch.float32),
    ),
    *[
        (
            f"modern beta=1e6 float16 {b}",
            (lambda b=b: H.ModernHopfield(np.eye(3), beta=1e6, backend=b).update(_HALF)),
            lambda r: _one_hot(r, torch.float16),
        )
        for b in ("auto", "chunked", "materialized", "sdpa")
    ],
    (
        "CDM sigmoid beta=1e300 energy",
        lambda: H.ContinuousDenseMemory(np.eye(3), beta=1e300, interaction="sigmoid").energy(_Q3),
        lambda r: bool(np.isfinite(r)),
    ),
    (
        "seed=np.int64(3)",
        lambda: H.ClassicalHopfield(_DAM).retrieve(_DAM[0], seed=np.int64(3)),
        lambda r: True,
    ),
    (
        "classical energy of float64 input",
        lambda: H.ClassicalHopfield(torch.tensor([[1.0, -1, 1, -1]])).energy(np.array([1, 1, 1, -1.0])),
        lambda r: r.dtype == np.float64,
    ),
    ("jacobian_norm beta=1e308", lambda: H.theory.jacobian_norm(_Q3[:2], np.eye(2), 1e308), np.isfinite),
    (
        "classify_fixed_point beta=1e308",
        lambda: H.theory.classify_fixed_point(_Q3[:2], np.eye(2), 1e308),
        lambda r: r.kind == "pattern",
    ),
    (
        "capacity_b5 beyond the float range",
        lambda: H.theory.capacity_b5(1e6, 1e6, 10**6, 1e-300),
        lambda r: math.isfinite(r.log_n_patterns),
    ),
    (
        "select_beta float32 norm 1e30",
        lambda: H.theory.select_beta(np.eye(3, dtype=np.float32) * 1e30),
        lambda r: 0 < r.beta_minus <= r.beta_plus < math.inf,
    ),
    (
        "ags_spin_glass T=1e-300",
        lambda: H.statmech.ags_spin_glass(0.1, 1e-300),
        lambda r: r.kind == "spin-glass",
    ),
    ("ags_alpha_c T=1e-300", lambda: H.statmech.ags_alpha_c(1e-300), lambda r: 0.13 < r < 0.14),
]


@pytest.mark.parametrize(("label", "call", "check"), DEFECT_RESULTS, ids=[c[0] for c in DEFECT_RESULTS])
def test_issue_10_defect_lines_give_correct_results(label: str, call: Any, check: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = call()
    assert check(result), (label, result)
