"""Bad input to the classical family: one table of cases, each a named HopfieldInputError/TypeError.

Every case names the argument (``exc.argument``), says what was expected and what was received, and leaves
the network unchanged. The defects of issue 10 for this family are at the end of the table.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from hopfield import ClassicalHopfield, HopfieldInputError, HopfieldTypeError
from hopfield.boltzmann import bipartite_hopfield, boltzmann_energy, boltzmann_update

pytestmark = pytest.mark.usefixtures("one_thread")

X = np.array([[1, -1, 1, -1], [1, 1, -1, -1]])
S = np.array([1.0, -1.0, 1.0, 1.0])
W = np.array([[0.0, 1.0], [1.0, 0.0]])
Wb, Bb, Vb = np.ones((2, 3)), np.zeros(2), np.zeros(3)
IE, TE = HopfieldInputError, HopfieldTypeError


def build(**kw):
    return lambda net: ClassicalHopfield(**kw)


# (label, call(net), exception type, message regex, argument)
CASES = [
    # ---- patterns
    ("patterns rank 1", build(patterns=np.array([1, -1, 1])), IE, r"shape \(n_patterns, dim\)", "patterns"),
    ("patterns rank 3", build(patterns=np.ones((1, 2, 4))), IE, r"patterns must have shape", "patterns"),
    ("patterns empty", build(patterns=np.zeros((0, 4))), IE, r"patterns must be non-empty", "patterns"),
    ("patterns NaN", build(patterns=np.array([[np.nan, 1.0]])), IE, r"only finite values", "patterns"),
    ("patterns Inf", build(patterns=np.array([[np.inf, 1.0]])), IE, r"only finite values", "patterns"),
    (
        "patterns 0",
        build(patterns=np.array([[1, 0, 1, -1]])),
        IE,
        r"binary with entries in \{-1, \+1\}",
        "patterns",
    ),
    ("patterns 0.5", build(patterns=np.array([[0.5, 1, 1, -1]])), IE, r"patterns must be binary", "patterns"),
    ("patterns -1 with zero_one", build(patterns=X, zero_one=True), IE, r"entries in \{0, 1\}", "patterns"),
    ("patterns str", build(patterns="abc"), TE, r"a torch.Tensor or a NumPy array, got str", "patterns"),
    ("patterns complex", build(patterns=np.ones((2, 2), complex)), TE, r"a real array", "patterns"),
    ("patterns strings", build(patterns=np.array([["a", "b"]])), TE, r"a numeric array", "patterns"),
    ("neither patterns nor weights", build(), IE, r"patterns must be given \(or weights\)", "patterns"),
    # ---- rule and its options
    (
        "unknown rule",
        build(patterns=X, rule="oja"),
        IE,
        r"'gradient', 'hebb', 'pseudoinverse', 'storkey'.*oja",
        "rule",
    ),
    ("rule not a str", build(patterns=X, rule=3), IE, r"rule must be a known learning rule", "rule"),
    (
        "unknown option",
        build(patterns=X, rule="hebb", temperature=1.0),
        IE,
        r"rule 'hebb' has no option",
        "temperature",
    ),
    (
        "options with weights",
        build(weights=W, zero_diagonal=True),
        IE,
        r"only apply when learning",
        "zero_diagonal",
    ),
    (
        "zero_diagonal str",
        build(patterns=X, rule="pseudoinverse", zero_diagonal="no"),
        TE,
        r"True or False",
        "zero_diagonal",
    ),
    (
        "gradient temperature 0",
        build(patterns=X, rule="gradient", temperature=0.0),
        IE,
        r"positive finite",
        "temperature",
    ),
    ("gradient steps 0", build(patterns=X, rule="gradient", steps=0), IE, r"an integer >= 1", "steps"),
    ("gradient steps 2.5", build(patterns=X, rule="gradient", steps=2.5), TE, r"an integer >= 1", "steps"),
    ("gradient lr -1", build(patterns=X, rule="gradient", lr=-1.0), IE, r"positive finite", "lr"),
    ("gradient margin -1", build(patterns=X, rule="gradient", margin=-1.0), IE, r">= 0", "margin"),
    (
        "gradient learn_bias 1",
        build(patterns=X, rule="gradient", learn_bias=1),
        TE,
        r"True or False",
        "learn_bias",
    ),
    (
        "unknown optimizer",
        build(patterns=X, rule="gradient", optimizer="newton"),
        IE,
        r"adam, .*got 'newton'",
        "optimizer",
    ),
    (
        "optimizer 3",
        build(patterns=X, rule="gradient", optimizer=3),
        TE,
        r"optimizer class or its name",
        "optimizer",
    ),
    (
        "unknown init",
        build(patterns=X, rule="gradient", init="ones"),
        IE,
        r"one of 'hebb', 'zeros', 'glorot'",
        "init",
    ),
    (
        "unknown surrogate",
        build(patterns=X, rule="gradient", surrogate="relu"),
        IE,
        r"one of 'tanh', 'seed'",
        "surrogate",
    ),
    (
        "gradient seed 2**70",
        build(patterns=X, rule="gradient", seed=2**70),
        IE,
        r"an integer in \[0, ",
        "seed",
    ),
    ("gradient seed -1", build(patterns=X, rule="gradient", seed=-1), IE, r"an integer in \[0, ", "seed"),
    ("gradient seed '3'", build(patterns=X, rule="gradient", seed="3"), TE, r"an integer in \[0, ", "seed"),
    # ---- weights and bias
    (
        "weights not square",
        build(weights=np.zeros((3, 4))),
        IE,
        r"weights must have shape \(d, d\)",
        "weights",
    ),
    ("weights rank 1", build(weights=np.zeros(4)), IE, r"weights must have shape \(d, d\)", "weights"),
    ("weights Inf", build(weights=np.array([[0.0, np.inf], [np.inf, 0.0]])), IE, r"only finite", "weights"),
    (
        "weights vs patterns",
        build(patterns=X, weights=np.zeros((3, 3))),
        IE,
        r"last dimension 4 to match",
        "weights",
    ),
    (
        "weights asymmetric",
        build(weights=np.array([[0.0, 1.0], [0.5, 0.0]])),
        IE,
        r"symmetric.*allow_asymmetric",
        "weights",
    ),
    ("weights negative diagonal", build(weights=-np.eye(2)), IE, r"non-negative diagonal", "weights"),
    ("bias wrong dim", build(patterns=X, bias=np.zeros(3)), IE, r"bias must have last dimension 4", "bias"),
    ("bias rank 2", build(patterns=X, bias=np.zeros((1, 4))), IE, r"bias must have shape \(4,\)", "bias"),
    ("bias NaN", build(patterns=X, bias=np.full(4, np.nan)), IE, r"only finite", "bias"),
    # ---- strict options of the class
    ("zero_one 1", build(patterns=X, zero_one=1), TE, r"zero_one must be True or False, got 1", "zero_one"),
    (
        "allow_asymmetric 'yes'",
        build(weights=W, allow_asymmetric="yes"),
        TE,
        r"True or False",
        "allow_asymmetric",
    ),
    # ---- states
    (
        "state wrong dim",
        lambda net: net.retrieve(np.ones(5)),
        IE,
        r"state must have last dimension 4",
        "state",
    ),
    (
        "state rank 3",
        lambda net: net.local_field(np.ones((1, 2, 4))),
        IE,
        r"shape \(4,\) or \(batch, 4\)",
        "state",
    ),
    ("state empty", lambda net: net.energy(np.ones((0, 4))), IE, r"state must be non-empty", "state"),
    ("state NaN", lambda net: net.energy(np.array([1.0, np.nan, 1.0, 1.0])), IE, r"only finite", "state"),
    ("state Inf", lambda net: net.is_fixed_point(np.array([1.0, np.inf, 1, 1])), IE, r"only finite", "state"),
    ("state 0", lambda net: net.retrieve(np.array([1, 0, 1, -1])), IE, r"state must be binary", "state"),
    ("state 2", lambda net: net.overlaps(np.array([2, 1, 1, -1])), IE, r"state must be binary", "state"),
    ("state object", lambda net: net.retrieve(object()), TE, r"a torch.Tensor or a NumPy array", "state"),
    ("state complex", lambda net: net.energy(torch.ones(4, dtype=torch.complex64)), TE, r"a real", "state"),
    (
        "glauber state 0",
        lambda net: net.glauber(np.zeros(4), temperature=1.0, n_sweeps=2),
        IE,
        r"binary",
        "state",
    ),
    (
        "overlaps patterns dim",
        lambda net: net.overlaps(S, patterns=np.ones((2, 3))),
        IE,
        r"last dimension 4",
        "patterns",
    ),
    (
        "overlaps patterns 0",
        lambda net: net.overlaps(S, patterns=np.zeros((2, 4))),
        IE,
        r"binary",
        "patterns",
    ),
    # ---- retrieval options
    (
        "unknown dynamics",
        lambda net: net.retrieve(S, dynamics="parallel"),
        IE,
        r"'async', 'glauber', 'sync'",
        "dynamics",
    ),
    ("unknown order", lambda net: net.retrieve(S, order="reverse"), IE, r"one of 'random', 'fixed'", "order"),
    (
        "max_steps 0",
        lambda net: net.retrieve(S, max_steps=0),
        IE,
        r"max_steps must be an integer >= 1",
        "max_steps",
    ),
    (
        "max_steps 2.5",
        lambda net: net.retrieve(S, max_steps=2.5),
        TE,
        r"max_steps must be an integer",
        "max_steps",
    ),
    (
        "max_steps True",
        lambda net: net.retrieve(S, max_steps=True),
        TE,
        r"max_steps must be an integer",
        "max_steps",
    ),
    ("tol 1e-3", lambda net: net.retrieve(S, tol=1e-3), IE, r"tol must be None or 0", "tol"),
    ("tol '0'", lambda net: net.retrieve(S, tol="0"), TE, r"tol must be None or 0", "tol"),
    (
        "temperature -0.1",
        lambda net: net.retrieve(S, dynamics="glauber", temperature=-0.1),
        IE,
        r">= 0",
        "temperature",
    ),
    (
        "temperature NaN",
        lambda net: net.retrieve(S, dynamics="glauber", temperature=math.nan),
        IE,
        r">= 0",
        "temperature",
    ),
    (
        "temperature with async",
        lambda net: net.retrieve(S, temperature=0.5),
        IE,
        r"0 for dynamics='async'",
        "temperature",
    ),
    (
        "seed 2**70",
        lambda net: net.retrieve(S, seed=2**70),
        IE,
        r"seed must be an integer in \[0, 18446744073709551615\]",
        "seed",
    ),
    ("seed -1", lambda net: net.retrieve(S, seed=-1), IE, r"seed must be an integer in \[0, ", "seed"),
    ("seed '3'", lambda net: net.retrieve(S, seed="3"), TE, r"seed must be an integer in \[0, ", "seed"),
    ("seed 1.5", lambda net: net.retrieve(S, seed=1.5), TE, r"seed must be an integer", "seed"),
    (
        "glauber seed 2**70",
        lambda net: net.glauber(S, temperature=1.0, n_sweeps=2, seed=2**70),
        IE,
        r"seed",
        "seed",
    ),
    (
        "glauber seed -1",
        lambda net: net.glauber(S, temperature=1.0, n_sweeps=2, seed=-1),
        IE,
        r"seed",
        "seed",
    ),
    (
        "glauber temperature -1",
        lambda net: net.glauber(S, temperature=-1.0, n_sweeps=2),
        IE,
        r">= 0",
        "temperature",
    ),
    (
        "glauber n_sweeps 0",
        lambda net: net.glauber(S, temperature=1.0, n_sweeps=0),
        IE,
        r"an integer >= 1",
        "n_sweeps",
    ),
    (
        "glauber burn_in = n",
        lambda net: net.glauber(S, temperature=1.0, n_sweeps=5, burn_in=5),
        IE,
        r"\[0, 4\]",
        "burn_in",
    ),
    (
        "glauber record 'yes'",
        lambda net: net.glauber(S, temperature=1.0, n_sweeps=2, record="yes"),
        TE,
        r"True or False",
        "record",
    ),
    (
        "deprecated and new name",
        lambda net: net.retrieve(S, max_steps=3, max_sweeps=3),
        IE,
        r"give 'max_steps' only",
        "max_sweeps",
    ),
    # ---- Boltzmann machine
    (
        "boltzmann weights rank 1",
        lambda net: bipartite_hopfield(np.ones(3), Bb, Vb),
        IE,
        r"shape \(L, A\)",
        "weights",
    ),
    (
        "boltzmann b of size A",
        lambda net: bipartite_hopfield(Wb, Vb, Vb),
        IE,
        r"b must have last dimension 2",
        "b",
    ),
    (
        "boltzmann v of size L",
        lambda net: bipartite_hopfield(Wb, Bb, Bb),
        IE,
        r"v must have last dimension 3",
        "v",
    ),
    ("boltzmann x 0", lambda net: boltzmann_update(np.zeros(3), Wb, Bb, Vb), IE, r"x must be binary", "x"),
    ("boltzmann x dim", lambda net: boltzmann_update(np.ones(4), Wb, Bb, Vb), IE, r"last dimension 3", "x"),
    (
        "boltzmann z batch",
        lambda net: boltzmann_update(np.ones((2, 3)), Wb, Bb, Vb, z=np.ones((3, 2))),
        IE,
        r"batch size 2",
        "z",
    ),
    (
        "boltzmann n_steps 0",
        lambda net: boltzmann_update(np.ones(3), Wb, Bb, Vb, n_steps=0),
        IE,
        r">= 1",
        "n_steps",
    ),
    (
        "boltzmann energy z 0",
        lambda net: boltzmann_energy(np.zeros(2), np.ones(3), Wb, Bb, Vb),
        IE,
        r"binary",
        "z",
    ),
]


def snapshot(net: ClassicalHopfield) -> tuple:
    return (net.weights.clone(), net.bias.clone(), net.patterns.clone(), net.dtype, net.device, net.rule)


@pytest.mark.parametrize(("label", "call", "error", "match", "argument"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(label, call, error, match, argument) -> None:
    net = ClassicalHopfield(X)
    before = snapshot(net)
    with pytest.raises(error, match=match) as info:
        call(net)
    assert info.value.argument == argument
    assert info.value.expected and info.value.received is not None
    after = snapshot(net)
    for a, b in zip(before, after, strict=True):
        assert torch.equal(a, b) if isinstance(a, torch.Tensor) else a == b


def test_the_errors_are_the_builtins_a_user_expects() -> None:
    with pytest.raises(ValueError, match="state must be binary"):
        ClassicalHopfield(X).retrieve(np.array([1, 0, 1, -1]))
    with pytest.raises(TypeError, match="zero_one must be True or False"):
        ClassicalHopfield(X, zero_one="yes")


def test_positional_options_are_refused() -> None:
    net = ClassicalHopfield(X)
    with pytest.raises(TypeError):
        net.retrieve(S, "sync")  # type: ignore[misc]
    with pytest.raises(TypeError):
        net.glauber(S, 0.5, 3)  # type: ignore[misc]


def test_seed_accepts_numpy_integers_and_generators() -> None:
    """Issue 10: seed=np.int64(3) was refused while max_sweeps=np.int64(3) was accepted."""
    net = ClassicalHopfield(X)
    a = net.retrieve(S, seed=np.int64(3), max_steps=np.int64(3))
    b = net.retrieve(S, seed=3, max_steps=3)
    c = net.retrieve(S, seed=torch.Generator().manual_seed(3), max_steps=3)
    assert np.array_equal(a.state, b.state) and np.array_equal(a.state, c.state)
    net.glauber(S, temperature=0.5, n_sweeps=2, seed=np.uint64(2**64 - 1))
    ClassicalHopfield(X, "gradient", init="glorot", seed=np.int64(3), steps=2)


def test_energy_of_float64_numpy_state_is_float64() -> None:
    """Issue 10: a float32 network returned a float32 energy for a float64 NumPy state."""
    net = ClassicalHopfield(torch.tensor([[1.0, -1, 1, -1]]))
    e = net.energy(np.array([1, 1, 1, -1.0]))
    assert isinstance(e, np.ndarray) and e.dtype == np.float64 and e.shape == ()
    assert net.local_field(np.array([1, 1, 1, -1.0])).dtype == np.float64
    assert net.retrieve(np.array([1, 1, 1, -1.0])).energy.dtype == np.float64


def test_deprecated_names_warn_and_work() -> None:
    net = ClassicalHopfield(X)
    with pytest.warns(FutureWarning, match="'max_sweeps' is deprecated.*'max_steps'"):
        old = net.retrieve(S, max_sweeps=3, seed=1)
    with pytest.warns(FutureWarning, match="'states' is deprecated.*'state'"):
        old_states = net.retrieve(states=S, max_steps=3, seed=1)
    new = net.retrieve(S, max_steps=3, seed=1)
    assert np.array_equal(old.state, new.state) and np.array_equal(old_states.state, new.state)
    with pytest.warns(FutureWarning, match="'states' is deprecated"):
        net.energy(states=S)
    with pytest.warns(FutureWarning, match="'states' is deprecated"):
        net.glauber(states=S, temperature=0.5, n_sweeps=2, seed=0)


def test_nothing_sets_the_thread_count(monkeypatch) -> None:
    """No global state changed on call: the library never calls torch.set_num_threads."""

    def refuse(n: int) -> None:
        raise AssertionError("torch.set_num_threads called")

    monkeypatch.setattr(torch, "set_num_threads", refuse)
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 2, (3, 40), generator=g).float() * 2 - 1
    for net in (
        ClassicalHopfield(x),
        ClassicalHopfield(x, "storkey"),
        ClassicalHopfield(x, "gradient", steps=3),
    ):
        for dyn, t in (("sync", 0.0), ("async", 0.0), ("glauber", 0.5)):
            net.retrieve(x, dynamics=dyn, temperature=t, seed=0)
        net.glauber(x, temperature=0.5, n_sweeps=2, seed=0)
        net.energy(x), net.local_field(x), net.is_fixed_point(x), net.overlaps(x)
    w = torch.ones(2, 5)
    boltzmann_update(torch.ones(5), w, torch.zeros(2), torch.zeros(5), n_steps=2)
