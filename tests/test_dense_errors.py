"""Bad input to the dense associative memory: one table, every case a named ``HopfieldInputError``.

Each row is ``(label, call, exception type, message regex, argument)``: the call must raise that type,
with a message that matches (it names the argument, what was expected and what was received), with
``exc.argument`` set, and must leave every network unchanged.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from hopfield import DenseAssociativeMemory, HopfieldInputError, HopfieldTypeError

X = np.array([[1, -1, 1, -1], [1, 1, -1, -1], [-1, 1, 1, -1]])
GOOD = np.array([1.0, -1.0, 1.0, 1.0])
POLY = DenseAssociativeMemory(X, "poly", degree=3)
EXP = DenseAssociativeMemory(X, "exp", beta=2.0)
#: The issue's example: E = -sum_i F(x_i^T xi) has the wrong sign for log_energy at FAR.
X6 = np.array([[1, 1, 1, -1, -1, -1], [1, -1, 1, -1, 1, -1]])
FAR = np.array([-1, -1, -1, 1, 1, 1.0])
NETS = {"poly": POLY, "exp": EXP}


def _state_cases():
    """Bad states for every method that takes one (same checks everywhere: ``as_states``)."""
    bad = [
        ("rank 3", np.ones((1, 1, 4)), HopfieldInputError, r"state must have shape \(4,\) or \(batch, 4\)"),
        ("wrong dim", np.ones(5), HopfieldInputError, r"state must have last dimension 4 .*got shape \(5,\)"),
        ("empty", np.ones((0, 4)), HopfieldInputError, r"state must be non-empty"),
        ("NaN", np.array([1.0, np.nan, 1, 1]), HopfieldInputError, r"state must contain only finite values"),
        ("Inf", np.array([1.0, np.inf, 1, 1]), HopfieldInputError, r"state must contain only finite values"),
        ("0.5", np.array([1.0, 0.5, 1, 1]), HopfieldInputError, r"state must be binary .*\{-1, \+1\}.*0\.5"),
        ("int 0", torch.tensor([1, 0, 1, -1]), HopfieldInputError, r"state must be binary"),
        ("complex", np.ones(4, dtype=complex), HopfieldTypeError, r"state must be a real array"),
        ("strings", np.array(["a"] * 4), HopfieldTypeError, r"state must be a numeric array"),
        ("not an array", "1111", HopfieldTypeError, r"state must be a torch.Tensor or a NumPy array"),
        ("complex tensor", torch.ones(4, dtype=torch.complex64), HopfieldTypeError, r"state must be a real"),
    ]
    cases = []
    for method in ("energy", "log_energy", "update", "retrieve"):
        for label, value, exc, match in bad:
            cases.append((f"{method}: {label}", lambda m=method, v=value: getattr(POLY, m)(v), exc, match))
    return [(*c, "state") for c in cases]


# fmt: off
CASES = [
    # ------------------------------------------------------------------ patterns
    ("patterns rank 1", lambda: DenseAssociativeMemory(np.array([1, -1, 1])), HopfieldInputError,
     r"patterns must have shape \(n_patterns, dim\), got shape \(3,\)", "patterns"),
    ("patterns rank 3", lambda: DenseAssociativeMemory(np.ones((1, 2, 3))), HopfieldInputError,
     r"patterns must have shape", "patterns"),
    ("patterns empty", lambda: DenseAssociativeMemory(np.zeros((0, 4))), HopfieldInputError,
     r"patterns must be non-empty", "patterns"),
    ("patterns NaN", lambda: DenseAssociativeMemory(np.array([[1.0, np.nan, 1, -1]])), HopfieldInputError,
     r"patterns must contain only finite values", "patterns"),
    ("patterns Inf", lambda: DenseAssociativeMemory(np.array([[1.0, -np.inf, 1, -1]])), HopfieldInputError,
     r"patterns must contain only finite values", "patterns"),
    ("patterns with 0", lambda: DenseAssociativeMemory(np.array([[1, 0, 1, -1]])), HopfieldInputError,
     r"patterns must be binary with entries in \{-1, \+1\}, got 1 other entries \(e.g. 0.0\)", "patterns"),
    ("patterns with 0.5", lambda: DenseAssociativeMemory(np.array([[1, 0.5, 1, -1]])), HopfieldInputError,
     r"patterns must be binary", "patterns"),
    ("patterns strings", lambda: DenseAssociativeMemory(np.array([["a", "b"]])), HopfieldTypeError,
     r"patterns must be a numeric array", "patterns"),
    ("patterns a string", lambda: DenseAssociativeMemory("x"), HopfieldTypeError,
     r"patterns must be a torch.Tensor or a NumPy array, got str", "patterns"),
    # ------------------------------------------------------------------ degree, beta, chunk_size
    *[(f"degree {v!r}", lambda v=v: DenseAssociativeMemory(X, "poly", degree=v), e,
       r"degree must be an integer >= 1, got", "degree")
      for v, e in [(0, HopfieldInputError), (-1, HopfieldInputError), (2.5, HopfieldTypeError),
                   (3.0, HopfieldTypeError), (math.nan, HopfieldTypeError), ("3", HopfieldTypeError),
                   (None, HopfieldTypeError), (True, HopfieldTypeError)]],
    *[(f"beta {v!r}", lambda v=v: DenseAssociativeMemory(X, "exp", beta=v), e,
       r"beta must be a positive finite number, got", "beta")
      for v, e in [(0.0, HopfieldInputError), (-1.0, HopfieldInputError), (math.inf, HopfieldInputError),
                   (math.nan, HopfieldInputError), ("1", HopfieldTypeError), (True, HopfieldTypeError)]],
    *[(f"chunk_size {v!r}", lambda v=v: DenseAssociativeMemory(X, "exp", chunk_size=v), e,
       r"chunk_size must be an integer >= 1, got", "chunk_size")
      for v, e in [(0, HopfieldInputError), (1.5, HopfieldTypeError), ("2", HopfieldTypeError),
                   (True, HopfieldTypeError)]],
    # ------------------------------------------------------------------ interaction
    ("unknown interaction", lambda: DenseAssociativeMemory(X, "cubic"), HopfieldInputError,
     r"interaction must be a known interaction function \(one of 'exp', 'poly', 'rectified_poly'\), "
     r"got 'cubic'", "interaction"),
    ("interaction 3", lambda: DenseAssociativeMemory(X, 3), HopfieldInputError,
     r"interaction must be a known interaction function", "interaction"),
    ("callable: wrong shape", lambda: DenseAssociativeMemory(X, lambda a: a.sum()), HopfieldTypeError,
     r"interaction must be a callable returning a floating tensor of shape \(1, 9\), got tensor of shape",
     "interaction"),
    ("callable: integer output", lambda: DenseAssociativeMemory(X, lambda a: a.long()), HopfieldTypeError,
     r"interaction must be a callable returning a floating tensor.*int64", "interaction"),
    ("callable: not a tensor", lambda: DenseAssociativeMemory(X, lambda a: a.tolist()), HopfieldTypeError,
     r"interaction must be a callable returning a floating tensor", "interaction"),
    ("callable: raises", lambda: DenseAssociativeMemory(X, lambda a: a.no_such_method()), HopfieldTypeError,
     r"interaction must be a registered name or a function .*, got a function that raised AttributeError",
     "interaction"),
    ("callable: a / 0 (inf, NaN)", lambda: DenseAssociativeMemory(X, lambda a: a / 0),
     HopfieldInputError, r"interaction must contain only finite values", "interaction"),
    ("callable: 1/0", lambda: DenseAssociativeMemory(X, lambda a: 1 / int(a.numel() == 0)), HopfieldTypeError,
     r"got a function that raised ZeroDivisionError", "interaction"),
    ("callable: inf at 0", lambda: DenseAssociativeMemory(X, lambda a: 1 / a), HopfieldInputError,
     r"interaction must contain only finite values, got 1 NaN or Inf", "interaction"),
    # ------------------------------------------------------------------ retrieve options
    ("dynamics unknown", lambda: POLY.retrieve(GOOD, dynamics="glauber"), HopfieldInputError,
     r"dynamics must be a known dynamics \(one of 'async', 'sync'\), got 'glauber'", "dynamics"),
    ("dynamics 3", lambda: POLY.retrieve(GOOD, dynamics=3), HopfieldInputError,
     r"dynamics must be", "dynamics"),
    ("order unknown", lambda: POLY.retrieve(GOOD, order="reverse"), HopfieldInputError,
     r"order must be one of 'random', 'fixed', got 'reverse'", "order"),
    *[(f"max_steps {v!r}", lambda v=v: POLY.retrieve(GOOD, max_steps=v), e,
       r"max_steps must be an integer >= 1, got", "max_steps")
      for v, e in [(0, HopfieldInputError), (-1, HopfieldInputError), (2.0, HopfieldTypeError),
                   ("3", HopfieldTypeError), (True, HopfieldTypeError)]],
    ("max_sweeps and max_steps", lambda: POLY.retrieve(GOOD, max_steps=2, max_sweeps=2), HopfieldInputError,
     r"give 'max_steps' only, not also its deprecated name 'max_sweeps'", "max_sweeps"),
    *[(f"tol {v!r}", lambda v=v: POLY.retrieve(GOOD, tol=v), e,
       r"tol must be None or 0 \(binary networks stop at exact fixed points\), got", "tol")
      for v, e in [(0.1, HopfieldInputError), (-1, HopfieldInputError), (math.nan, HopfieldInputError),
                   ("0", HopfieldTypeError)]],
    *[(f"seed {v!r}", lambda v=v: POLY.retrieve(GOOD, seed=v), e, r"seed must be an integer in \[0, ", "seed")
      for v, e in [(2**70, HopfieldInputError), (-1, HopfieldInputError), ("3", HopfieldTypeError),
                   (1.5, HopfieldTypeError), (True, HopfieldTypeError)]],
    ("seed 2**70, sync", lambda: POLY.retrieve(GOOD, dynamics="sync", seed=2**70), HopfieldInputError,
     r"seed must be an integer in \[0, ", "seed"),
    # ------------------------------------------------------------------ the defects and ranges
    ("log_energy of poly where -E < 0",
     lambda: DenseAssociativeMemory(X6, "poly", degree=3).log_energy(FAR), HopfieldInputError,
     r"state must give -E = sum_i F\(x_i\^T xi\) > 0 and finite for log_energy = ln\(-E\) \(defined only "
     r"there\), got -E = -224 for state 0; energy\(state\) gives E itself", "state"),
    ("log_energy of rectified_poly where E = 0",
     lambda: DenseAssociativeMemory(X6, "rectified_poly", degree=3).log_energy(FAR[None]), HopfieldInputError,
     r"state must give -E = .*got -E = 0 for state 0", "state"),
    ("log_energy of poly, second state",
     lambda: DenseAssociativeMemory(X6, "poly", degree=3).log_energy(np.stack([-FAR, FAR])),
     HopfieldInputError, r"got -E = -224 for state 1", "state"),
    ("log_energy beyond float16",
     lambda: DenseAssociativeMemory(X, "exp", beta=3e4).log_energy(torch.tensor(X[0], dtype=torch.float16)),
     HopfieldInputError, r"state must have a dtype that holds log_energy .*got dtype torch.float16", "state"),
    ("log_energy beyond float32",
     lambda: DenseAssociativeMemory(X, "exp", beta=1e300).log_energy(torch.tensor(X[0], dtype=torch.float32)),
     HopfieldInputError, r"state must have a dtype that holds log_energy .*float32 or float64", "state"),
    ("poly energy beyond float32",
     lambda: DenseAssociativeMemory(np.ones((2, 100)), "poly", degree=30).energy(np.ones(100, np.float32)),
     HopfieldInputError, r"degree must be small enough that N \(d \+ 2\)\^degree fits torch.float32, got "
     r"degree=30 with N=2, d=100", "degree"),
    *_state_cases(),
]
# fmt: on


def _snapshot(net: DenseAssociativeMemory) -> tuple:
    return (
        net.patterns.clone(),
        net.patterns.dtype,
        net.device,
        net.beta,
        net.degree,
        net.chunk_size,
        net.name,
        net.interaction,
    )


@pytest.mark.parametrize(("label", "call", "error", "match", "argument"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_a_named_error(label, call, error, match, argument) -> None:
    before = {k: _snapshot(n) for k, n in NETS.items()}
    with pytest.raises(error, match=match) as info:
        call()
    assert info.value.argument == argument
    for k, n in NETS.items():
        after = _snapshot(n)
        assert torch.equal(after[0], before[k][0]) and after[1:] == before[k][1:]


def test_accepted_edge_values() -> None:
    """What the table must not refuse: NumPy integer seeds and max_steps, tol 0, seeds up to 2**64 - 1."""
    res = POLY.retrieve(GOOD, seed=np.int64(3), max_steps=np.int64(4), tol=0)
    assert res.state.shape == (4,)
    assert EXP.retrieve(GOOD, seed=2**64 - 1, tol=0.0).state.shape == (4,)
    assert np.isfinite(DenseAssociativeMemory(np.ones((2, 100)), "poly", degree=30).energy(np.ones(100)))


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        POLY.retrieve(GOOD, "sync")


def test_max_sweeps_still_works_and_warns() -> None:
    with pytest.warns(FutureWarning, match="'max_sweeps' is deprecated .* use 'max_steps'"):
        old = POLY.retrieve(GOOD, max_sweeps=2, order="fixed")
    new = POLY.retrieve(GOOD, max_steps=2, order="fixed")
    assert np.array_equal(old.state, new.state) and old.steps == new.steps


def test_callable_failing_later_gives_a_named_error() -> None:
    """A callable that passes the probe at construction but fails on a later call is still named."""
    calls = {"n": 0}

    def flaky(a):
        calls["n"] += 1
        if calls["n"] > 3:
            raise RuntimeError("out of luck")
        return a**3

    net = DenseAssociativeMemory(X, flaky)
    with pytest.raises(HopfieldTypeError, match="raised RuntimeError: out of luck") as info:
        net.update(GOOD)
    assert info.value.argument == "interaction"
    assert isinstance(info.value.__cause__, RuntimeError)
