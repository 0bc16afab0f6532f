"""Bad input to ``hopfield.theory`` raises a named error (argument, expected, received), and the defects of
issue 10 stay fixed: one table of ``(label, callable, exception_type, match_regex)``.

Every ``match_regex`` starts with the argument's name (the message reads ``<argument> must ...``), and
the test checks ``exc.argument`` against it.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

from hopfield import HopfieldBudgetError, HopfieldInputError, HopfieldTypeError, theory

X = np.array([[1.0, 0.2, 0.0], [0.0, 1.0, 0.3], [-1.0, 0.0, 0.5]])
Q = np.array([0.9, 0.1, 0.0])
IE = HopfieldInputError
TE = HopfieldTypeError

# beta-taking functions of arrays, called with a given beta
BETA_FUNCTIONS = {
    "jacobian_norm": lambda b: theory.jacobian_norm(Q, X, b),
    "jacobian_bound": lambda b: theory.jacobian_bound(X, b),
    "one_step_bound": lambda b: theory.one_step_bound(Q, X, b),
    "update_bound": lambda b: theory.update_bound(Q, X, b, X[0], 0),
    "retrieval_error_bounds": lambda b: theory.retrieval_error_bounds(X, b),
    "classify_fixed_point": lambda b: theory.classify_fixed_point(Q, X, b),
    "stored_patterns": lambda b: theory.stored_patterns(X, b, seed=0),
    "sphere_radius": lambda b: theory.sphere_radius(b, 3, 1.0),
    "capacity_b5": lambda b: theory.capacity_b5(b, 3.0, 20, 0.1),
    "dimension_b6": lambda b: theory.dimension_b6(b, 3.0, 2.0, 0.1),
    "capacity_b7": lambda b: theory.capacity_b7(b, 3.0, 2.0, 20),
    "min_dimension_b7": lambda b: theory.min_dimension_b7(b, 3.0, 2.0),
    "capacity_b7_best": lambda b: theory.capacity_b7_best(b, 3.0, 20),
    "BetaSelection.margin": lambda b: theory.select_beta_from(1.0, 2.0, 5).margin(b),
}
BAD_BETAS = [
    (0.0, IE, r"beta must be a positive finite number, got 0.0"),
    (-1.0, IE, r"beta must be a positive finite number, got -1.0"),
    (math.inf, IE, r"beta must be a positive finite number, got inf"),
    (math.nan, IE, r"beta must be a positive finite number, got nan"),
    ("1", TE, r"beta must be a positive finite number, got '1'"),
    (True, TE, r"beta must be a positive finite number, got True"),
    (None, TE, r"beta must be a positive finite number, got None"),
]

# functions of patterns, called with given patterns
PATTERN_FUNCTIONS = {
    "separation": theory.separation,
    "select_beta": theory.select_beta,
    "max_norm": theory.max_norm,
    "pattern_spread": theory.pattern_spread,
    "global_convergence_beta": theory.global_convergence_beta,
    "jacobian_bound": lambda x: theory.jacobian_bound(x, 1.0),
    "jacobian_norm": lambda x: theory.jacobian_norm(Q, x, 1.0),
    "one_step_bound": lambda x: theory.one_step_bound(Q, x, 1.0),
    "retrieval_error_bounds": lambda x: theory.retrieval_error_bounds(x, 1.0),
    "classify_fixed_point": lambda x: theory.classify_fixed_point(Q, x, 1.0),
    "stored_patterns": lambda x: theory.stored_patterns(x, 1.0, seed=0),
}
BAD_PATTERNS = [
    ("rank 1", np.ones(3), IE, r"patterns must have shape \(n_patterns, dim\), got shape \(3,\)"),
    (
        "rank 3",
        np.ones((2, 3, 3)),
        IE,
        r"patterns must have shape \(n_patterns, dim\), got shape \(2, 3, 3\)",
    ),
    (
        "empty",
        np.ones((0, 3)),
        IE,
        r"patterns must be non-empty, of shape \(n_patterns, dim\), got shape \(0, 3\)",
    ),
    ("NaN", np.array([[1.0, np.nan, 0.0], [0.0, 1.0, 0.0]]), IE, r"patterns must contain only finite values"),
    ("Inf", np.array([[1.0, np.inf, 0.0], [0.0, 1.0, 0.0]]), IE, r"patterns must contain only finite values"),
    (
        "int64",
        np.ones((2, 3), dtype=np.int64),
        TE,
        r"patterns must have a floating dtype .*got dtype torch.int64",
    ),
    ("bool tensor", torch.ones(2, 3, dtype=torch.bool), TE, r"patterns must have a floating dtype"),
    ("complex", np.ones((2, 3), dtype=np.complex128), TE, r"patterns must be a real array"),
    ("string", "X", TE, r"patterns must be a torch.Tensor or a NumPy array, got str"),
]
ONE_ROW = {"separation", "select_beta", "one_step_bound", "retrieval_error_bounds", "classify_fixed_point"}
BOUNDED = {
    "jacobian_bound",
    "jacobian_norm",
    "one_step_bound",
    "retrieval_error_bounds",
    "classify_fixed_point",
}

CASES: list[tuple[str, object, type[Exception], str]] = []
for fname, f in BETA_FUNCTIONS.items():
    for beta, exc, match in BAD_BETAS:
        CASES.append((f"{fname}: beta={beta!r}", lambda f=f, b=beta: f(b), exc, match))
for fname, f in PATTERN_FUNCTIONS.items():
    for label, x, exc, match in BAD_PATTERNS:
        CASES.append((f"{fname}: patterns {label}", lambda f=f, x=x: f(x), exc, match))
    if fname in ONE_ROW | {"stored_patterns"}:
        CASES.append((f"{fname}: one row", lambda f=f: f(X[:1]), IE, r"patterns must have at least 2 rows"))
    if fname in BOUNDED | {"stored_patterns"}:
        CASES.append(
            (
                f"{fname}: norm 1e160",
                lambda f=f: f(X * 1e160),
                IE,
                r"patterns must have rows with norms below 2\*\*510",
            )
        )

STATE_FUNCTIONS = {
    "jacobian_norm": lambda s: theory.jacobian_norm(s, X, 1.0),
    "jacobian_bound": lambda s: theory.jacobian_bound(X, 1.0, s),
    "one_step_bound": lambda s: theory.one_step_bound(s, X, 1.0),
    "update_bound": lambda s: theory.update_bound(s, X, 1.0, s, 0),
    "classify_fixed_point": lambda s: theory.classify_fixed_point(s, X, 1.0),
}
BAD_STATES = [
    ("wrong dim", np.ones(4), IE, r"state must have last dimension 3 to match patterns, got shape \(4,\)"),
    (
        "rank 3",
        np.ones((2, 2, 3)),
        IE,
        r"state must have shape \(3,\) or \(batch, 3\), got shape \(2, 2, 3\)",
    ),
    ("empty", np.ones((0, 3)), IE, r"state must be non-empty"),
    ("NaN", np.array([1.0, np.nan, 0.0]), IE, r"state must contain only finite values"),
    ("int", np.ones(3, dtype=np.int32), TE, r"state must have a floating dtype"),
    ("norm 1e160", Q * 1e160, IE, r"state must have rows with norms below 2\*\*510"),
]
for fname, f in STATE_FUNCTIONS.items():
    for label, s, exc, match in BAD_STATES:
        CASES.append((f"{fname}: state {label}", lambda f=f, s=s: f(s), exc, match))

CASES += [
    # issue 10: named errors where there were raw ones
    (
        "issue-10: select_beta names patterns, not delta_min",
        lambda: theory.select_beta(np.ones((3, 3))),
        IE,
        r"patterns must be separated \(Delta_min > 0",
    ),
    (
        "issue-10: dense_capacity(10**300)",
        lambda: theory.dense_capacity(10**300),
        IE,
        r"d must be an integer in \[2, 9007199254740992\], got 1000",
    ),
    (
        "capacity_b5 d=10**300",
        lambda: theory.capacity_b5(1.0, 3.0, 10**300, 0.1),
        IE,
        r"d must be an integer in \[2, ",
    ),
    (
        "classical_capacity(10**300)",
        lambda: theory.classical_capacity(10**300),
        IE,
        r"d must be an integer in \[2, ",
    ),
    (
        "capacity_b7 d=10**19",
        lambda: theory.capacity_b7(1.0, 3.0, 2.0, 10**19),
        IE,
        r"d must be an integer in \[2, ",
    ),
    (
        "min_dimension_b7 d_max=10**19",
        lambda: theory.min_dimension_b7(1.0, 3.0, 2.0, 10**19),
        IE,
        r"d_max must be an",
    ),
    (
        "min_dimension_b7 budget",
        lambda: theory.min_dimension_b7(
            1.0, math.sqrt(5 * math.e * (0.5 + 1e-12)), math.e, 10**15, max_evals=1000
        ),
        HopfieldBudgetError,
        r"max_evals must be >= \d+ \(the dimensions below the point where inequality \(376\) turns "
        r"monotone\)",
    ),
    (
        "min_dimension_b7 max_evals=0",
        lambda: theory.min_dimension_b7(1.0, 3.0, 2.0, max_evals=0),
        IE,
        r"max_evals must be an integer >= 1, got 0",
    ),
    (
        "sphere_patterns n=10**19",
        lambda: theory.sphere_patterns(10**19, 3, 1.0, seed=0),
        IE,
        r"n_patterns must be an",
    ),
    (
        "update_bound index float",
        lambda: theory.update_bound(Q, X, 1.0, X[0], 1.0),
        TE,
        r"index must be an integer index in \[0, 2\] into patterns",
    ),
    (
        "update_bound index 1e300",
        lambda: theory.update_bound(Q, X, 1.0, X[0], 1e300),
        TE,
        r"index must be an integer",
    ),
    (
        "update_bound index 5",
        lambda: theory.update_bound(Q, X, 1.0, X[0], 5),
        IE,
        r"index must be an integer index",
    ),
    (
        "update_bound index -1",
        lambda: theory.update_bound(Q, X, 1.0, X[0], -1),
        IE,
        r"index must be an integer index",
    ),
    (
        "update_bound index bool",
        lambda: theory.update_bound(Q, X, 1.0, X[0], True),
        TE,
        r"index must be an integer",
    ),
    (
        "update_bound index None",
        lambda: theory.update_bound(Q, X, 1.0, X[0], None),
        TE,
        r"index must be an integer",
    ),
    (
        "update_bound index 2**70",
        lambda: theory.update_bound(Q, X, 1.0, X[0], 2**70),
        IE,
        r"index must be an integer",
    ),
    (
        "update_bound index count",
        lambda: theory.update_bound(X[:2], X, 1.0, X[:2], [0, 1, 2]),
        IE,
        r"index must hold one index or 2 \(one per query\), got 3 indices",
    ),
    (
        "update_bound fixed_point shape",
        lambda: theory.update_bound(X, X, 1.0, X[0], 0),
        IE,
        r"fixed_point must have the shape of state \(3, 3\), got shape \(1, 3\)",
    ),
    (
        "update_bound fixed_point dim",
        lambda: theory.update_bound(Q, X, 1.0, np.ones(2), 0),
        IE,
        r"fixed_point must have last dimension 3",
    ),
    (
        "retrieval_error_bounds fixed_points shape",
        lambda: theory.retrieval_error_bounds(X, 1.0, X[:2]),
        IE,
        r"fixed_points must have shape \(3, 3\) \(one per pattern\), got shape \(2, 3\)",
    ),
    (
        "retrieval_error_bounds max_steps=0",
        lambda: theory.retrieval_error_bounds(X, 1.0, max_steps=0),
        IE,
        r"max_steps must be an integer >= 1, got 0",
    ),
    (
        "classify tol=1.5",
        lambda: theory.classify_fixed_point(Q, X, 1.0, tol=1.5),
        IE,
        r"tol must be a finite number in",
    ),
    (
        "classify tol=0",
        lambda: theory.classify_fixed_point(Q, X, 1.0, tol=0.0),
        IE,
        r"tol must be a finite number in",
    ),
    (
        "classify residual_tol=0",
        lambda: theory.classify_fixed_point(Q, X, 1.0, residual_tol=0.0),
        IE,
        r"residual_tol must be a positive finite number",
    ),
    (
        "stored_patterns n_queries=0",
        lambda: theory.stored_patterns(X, 1.0, n_queries=0, seed=0),
        IE,
        r"n_queries must",
    ),
    (
        "stored_patterns max_steps=1.5",
        lambda: theory.stored_patterns(X, 1.0, max_steps=1.5, seed=0),
        TE,
        r"max_steps must be an integer",
    ),
    (
        "select_beta_from delta_min=0",
        lambda: theory.select_beta_from(0.0, 1.0, 3),
        IE,
        r"delta_min must be a positive",
    ),
    (
        "select_beta_from max_norm=-1",
        lambda: theory.select_beta_from(1.0, -1.0, 3),
        IE,
        r"max_norm must be a positive",
    ),
    (
        "select_beta_from n_patterns=1",
        lambda: theory.select_beta_from(1.0, 1.0, 1),
        IE,
        r"n_patterns must be an integer",
    ),
    (
        "select_beta_from n_patterns=2.5",
        lambda: theory.select_beta_from(1.0, 1.0, 2.5),
        TE,
        r"n_patterns must be an",
    ),
    (
        "select_beta_from tol=0",
        lambda: theory.select_beta_from(1.0, 2.0, 3, tol=0.0),
        IE,
        r"tol must be a finite number",
    ),
    (
        "select_beta_from tol=1",
        lambda: theory.select_beta_from(1.0, 2.0, 3, tol=1.0),
        IE,
        r"tol must be a finite number",
    ),
    (
        "select_beta max_iter=0",
        lambda: theory.select_beta(X, max_iter=0),
        IE,
        r"max_iter must be an integer >= 1",
    ),
    (
        "select_beta unknown option",
        lambda: theory.select_beta(X, iterations=3),
        TypeError,
        r"unexpected keyword",
    ),
    (
        "sphere_radius n_patterns=0",
        lambda: theory.sphere_radius(1.0, 0, 1.0),
        IE,
        r"n_patterns must be an integer",
    ),
    (
        "sphere_radius max_norm=0",
        lambda: theory.sphere_radius(1.0, 3, 0.0),
        IE,
        r"max_norm must be a positive",
    ),
    (
        "capacity_b5 p=0",
        lambda: theory.capacity_b5(1.0, 3.0, 20, 0.0),
        IE,
        r"p must be a finite number in \(0, 1\]",
    ),
    (
        "capacity_b5 p=1.5",
        lambda: theory.capacity_b5(1.0, 3.0, 20, 1.5),
        IE,
        r"p must be a finite number in \(0, 1\]",
    ),
    (
        "capacity_b5 K=0",
        lambda: theory.capacity_b5(1.0, 0.0, 20, 0.1),
        IE,
        r"K must be a positive finite number",
    ),
    ("capacity_b5 d=1", lambda: theory.capacity_b5(1.0, 3.0, 1, 0.1), IE, r"d must be an integer in \[2, "),
    (
        "capacity_b5 d=20.0",
        lambda: theory.capacity_b5(1.0, 3.0, 20.0, 0.1),
        TE,
        r"d must be an integer in \[2, ",
    ),
    (
        "dimension_b6 c=0",
        lambda: theory.dimension_b6(1.0, 3.0, 0.0, 0.5),
        IE,
        r"c must be a positive finite number",
    ),
    (
        "dimension_b6 assumption (349)",
        lambda: theory.dimension_b6(1.0, 3.0, 2.0, 0.001),
        IE,
        r"c must be a base for which a exp\(-b\) >= -1/e \(assumption \(349\) of Theorem B6",
    ),
    (
        "dimension_b6 p=2",
        lambda: theory.dimension_b6(1.0, 3.0, 2.0, 2.0),
        IE,
        r"p must be a finite number in",
    ),
    (
        "capacity_b7 c=0.5",
        lambda: theory.capacity_b7(1.0, 3.0, 0.5, 20),
        IE,
        r"c must be a finite number >= 1, got 0.5",
    ),
    (
        "capacity_b7 c=inf",
        lambda: theory.capacity_b7(1.0, 3.0, math.inf, 20),
        IE,
        r"c must be a finite number >= 1",
    ),
    ("capacity_b7 d=1", lambda: theory.capacity_b7(1.0, 3.0, 2.0, 1), IE, r"d must be an integer in \[2, "),
    (
        "min_dimension_b7 c=0.5",
        lambda: theory.min_dimension_b7(1.0, 3.0, 0.5),
        IE,
        r"c must be a finite number >= 1",
    ),
    (
        "min_dimension_b7 d_max=1",
        lambda: theory.min_dimension_b7(1.0, 3.0, 2.0, 1),
        IE,
        r"d_max must be an integer",
    ),
    (
        "capacity_b7_best d=1",
        lambda: theory.capacity_b7_best(1.0, 3.0, 1),
        IE,
        r"d must be an integer in \[2, ",
    ),
    ("classical_capacity d=1", lambda: theory.classical_capacity(1), IE, r"d must be an integer in \[2, "),
    (
        "dense_capacity_alpha rho=0.5",
        lambda: theory.dense_capacity_alpha(0.5),
        IE,
        r"rho must be a finite number in \[0, 0.5\), got 0.5",
    ),
    (
        "dense_capacity_alpha rho=-0.1",
        lambda: theory.dense_capacity_alpha(-0.1),
        IE,
        r"rho must be a finite number in",
    ),
    (
        "dense_capacity_alpha rho='0.1'",
        lambda: theory.dense_capacity_alpha("0.1"),
        TE,
        r"rho must be a finite number",
    ),
    ("dense_capacity d=1", lambda: theory.dense_capacity(1), IE, r"d must be an integer in \[2, "),
    (
        "dense_capacity rho=nan",
        lambda: theory.dense_capacity(10, math.nan),
        IE,
        r"rho must be a finite number in",
    ),
    (
        "sphere_patterns dim=1",
        lambda: theory.sphere_patterns(3, 1, 1.0, seed=0),
        IE,
        r"dim must be an integer in \[2, ",
    ),
    (
        "sphere_patterns radius=0",
        lambda: theory.sphere_patterns(3, 3, 0.0, seed=0),
        IE,
        r"radius must be a positive",
    ),
]
for seed, exc in ((2**70, IE), (-1, IE), ("3", TE), (1.5, TE), (True, TE)):
    CASES.append(
        (
            f"sphere_patterns seed={seed!r}",
            lambda s=seed: theory.sphere_patterns(3, 3, 1.0, seed=s),
            exc,
            r"seed must be an integer in \[0, 18446744073709551615\], a torch.Generator or None",
        )
    )
    CASES.append(
        (
            f"stored_patterns seed={seed!r}",
            lambda s=seed: theory.stored_patterns(X, 1.0, seed=s),
            exc,
            r"seed must be an integer in \[0, 18446744073709551615\]",
        )
    )


@pytest.mark.parametrize(("label", "call", "exc_type", "match"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_a_named_error(label: str, call, exc_type: type[Exception], match: str) -> None:
    with pytest.raises(exc_type, match=match) as info:
        call()
    if issubclass(exc_type, HopfieldInputError):
        argument = re.match(r"\^?(\w+) must", match)
        assert argument is not None, label
        assert info.value.argument == argument.group(1)
        assert info.value.expected and info.value.received is not None


def test_numpy_integers_are_accepted_where_integers_are() -> None:
    """``np.int64`` seeds and sizes work like Python ints (the issue: seeds refused them)."""
    a = theory.sphere_patterns(np.int64(3), np.int64(4), np.float32(2.0), seed=np.int64(3))
    b = theory.sphere_patterns(3, 4, 2.0, seed=3)
    assert torch.equal(a, b)
    assert theory.capacity_b5(np.float64(1.0), 3, np.int32(20), np.float32(0.001)).c == pytest.approx(
        3.15461, abs=1e-5
    )
    assert theory.classical_capacity(np.int16(100))["hebb_error_tolerant"] == pytest.approx(13.8)


def test_library_functions_imply_no_seed() -> None:
    """No ``seed=0`` default: without a seed the draws differ (``seed=None`` is random)."""
    import inspect

    for f in (theory.sphere_patterns, theory.stored_patterns):
        assert inspect.signature(f).parameters["seed"].default is None
    assert not torch.equal(theory.sphere_patterns(4, 5, 1.0), theory.sphere_patterns(4, 5, 1.0))
