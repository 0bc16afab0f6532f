"""Bad input to ClassicalHopfield: each a ValueError or TypeError naming the argument."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hopfield import ClassicalHopfield

pytestmark = pytest.mark.usefixtures("one_thread")


X = np.array([[1, -1, 1, -1], [1, 1, -1, -1]])


@pytest.fixture
def net():
    return ClassicalHopfield(X)


def test_non_binary_patterns():
    with pytest.raises(ValueError, match="patterns must be binary"):
        ClassicalHopfield(np.array([[1, 0, 1, -1]]))
    with pytest.raises(ValueError, match="patterns must be binary"):
        ClassicalHopfield(np.array([[0.5, 1, 1, -1]]))
    with pytest.raises(ValueError, match="patterns must have entries in \\{0, 1\\}"):
        ClassicalHopfield(X, zero_one=True)  # -1 is not in {0, 1}
    with pytest.raises(ValueError, match="patterns must contain only finite"):
        ClassicalHopfield(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="patterns must have shape"):
        ClassicalHopfield(np.array([1, -1, 1]))
    with pytest.raises(ValueError, match="patterns must be non-empty"):
        ClassicalHopfield(np.zeros((0, 4)))
    with pytest.raises(TypeError, match=r"patterns must be a torch.Tensor or a NumPy array"):
        ClassicalHopfield("abc")


def test_non_binary_states(net):
    with pytest.raises(ValueError, match="states must be binary"):
        net.retrieve(np.array([1, 0, 1, -1]))
    with pytest.raises(ValueError, match="states must be binary"):
        net.energy(np.array([2, 1, 1, -1]))
    with pytest.raises(ValueError, match="states must have entries in \\{0, 1\\}"):
        ClassicalHopfield((X + 1) // 2, zero_one=True).retrieve(np.array([1, -1, 1, 0]))


def test_asymmetric_weights_refused_unless_opted_in():
    w = np.array([[0.0, 1.0], [0.5, 0.0]])
    with pytest.raises(ValueError, match=r"weights must be symmetric.*allow_asymmetric=True"):
        ClassicalHopfield(weights=w)
    net = ClassicalHopfield(weights=w, allow_asymmetric=True)
    assert net.retrieve(np.array([1.0, -1.0]), max_sweeps=3).state.shape == (2,)
    with pytest.raises(ValueError, match="weights must have a non-negative diagonal"):
        ClassicalHopfield(weights=np.array([[-1.0, 0.0], [0.0, 0.0]]))
    ClassicalHopfield(weights=np.array([[1.0, 0.0], [0.0, 0.0]]))  # J_ii >= 0 is fine (003 Lemma 2.1.1)


def test_negative_temperature(net):
    with pytest.raises(ValueError, match="temperature must be a finite number >= 0"):
        net.retrieve(X, dynamics="glauber", temperature=-0.1)
    with pytest.raises(ValueError, match="temperature must be 0 for dynamics='async'"):
        net.retrieve(X, dynamics="async", temperature=0.5)
    with pytest.raises(ValueError, match="temperature must be a finite number >= 0"):
        net.glauber(X, -1.0, 5)
    with pytest.raises(ValueError, match="temperature must be a positive"):
        ClassicalHopfield(X, "gradient", temperature=0.0)


def test_dimension_mismatches(net):
    with pytest.raises(ValueError, match="states must have last dimension 4"):
        net.retrieve(np.ones(5))
    with pytest.raises(ValueError, match="states must have last dimension 4"):
        net.energy(np.ones((2, 3)))
    with pytest.raises(ValueError, match="states must have shape"):
        net.local_field(np.ones((1, 2, 4)))
    with pytest.raises(ValueError, match="weights must have last dimension 4 to match patterns"):
        ClassicalHopfield(X, weights=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="weights must have shape \\(d, d\\)"):
        ClassicalHopfield(weights=np.zeros((3, 4)))
    with pytest.raises(ValueError, match="bias must have last dimension 4"):
        ClassicalHopfield(X, bias=np.zeros(3))
    with pytest.raises(ValueError, match="bias must have shape"):
        ClassicalHopfield(X, bias=np.zeros((1, 4)))
    with pytest.raises(ValueError, match="patterns must have last dimension 4"):
        net.overlaps(X, patterns=np.ones((2, 3)))


def test_max_sweeps_and_counts(net):
    with pytest.raises(ValueError, match="max_sweeps must be an integer >= 1"):
        net.retrieve(X, max_sweeps=0)
    with pytest.raises(TypeError, match="max_sweeps must be an integer"):
        net.retrieve(X, max_sweeps=2.5)
    with pytest.raises(ValueError, match="n_sweeps must be an integer >= 1"):
        net.glauber(X, 0.5, 0)
    with pytest.raises(ValueError, match="burn_in must be smaller than n_sweeps"):
        net.glauber(X, 0.5, 5, burn_in=5)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        ClassicalHopfield(X, "gradient", steps=0)


def test_unknown_names(net):
    with pytest.raises(ValueError, match=r"rule must .*'gradient', 'hebb', 'pseudoinverse', 'storkey'.*oja"):
        ClassicalHopfield(X, "oja")
    with pytest.raises(ValueError, match=r"dynamics must .*'async', 'glauber', 'sync'.*'parallel'"):
        net.retrieve(X, dynamics="parallel")
    with pytest.raises(ValueError, match="order must be one of 'random', 'fixed'"):
        net.retrieve(X, order="reverse")
    with pytest.raises(ValueError, match=r"optimizer must name a torch.optim optimizer"):
        ClassicalHopfield(X, "gradient", optimizer="newton")
    with pytest.raises(TypeError, match=r"optimizer must be a torch.optim optimizer class"):
        ClassicalHopfield(X, "gradient", optimizer=3)
    with pytest.raises(ValueError, match="rule 'hebb' has no option 'temperature'"):
        ClassicalHopfield(X, "hebb", temperature=1.0)
    with pytest.raises(ValueError, match="init must be one of"):
        ClassicalHopfield(X, "gradient", init="ones")
    with pytest.raises(ValueError, match="surrogate must be one of"):
        ClassicalHopfield(X, "gradient", surrogate="relu")


def test_missing_or_conflicting_sources():
    with pytest.raises(ValueError, match="patterns or weights must be given"):
        ClassicalHopfield()
    with pytest.raises(ValueError, match="rule options \\(zero_diagonal\\) only apply"):
        ClassicalHopfield(X, "pseudoinverse", weights=np.eye(4), zero_diagonal=False)
    with pytest.raises(ValueError, match="patterns must be given: this network was built from weights"):
        ClassicalHopfield(weights=np.zeros((4, 4))).overlaps(X)
    with pytest.raises(TypeError, match="zero_one must be True or False"):
        ClassicalHopfield(X, zero_one=1)
    with pytest.raises(TypeError, match="zero_diagonal must be True or False"):
        ClassicalHopfield(X, "pseudoinverse", zero_diagonal="no")


def test_weights_must_be_finite_and_seed_type(net):
    with pytest.raises(ValueError, match="weights must contain only finite"):
        ClassicalHopfield(weights=np.array([[0.0, np.inf], [np.inf, 0.0]]))
    with pytest.raises(TypeError, match="seed must be an int"):
        net.retrieve(X, seed="abc")
    with pytest.raises(TypeError, match=r"states must have dtype|states must be a torch.Tensor"):
        net.retrieve(object())


def test_torch_states_on_their_own_dtype(net):
    s = torch.tensor([1.0, -1.0, 1.0, 1.0], dtype=torch.float64)
    assert net.retrieve(s).state.dtype == torch.float64
