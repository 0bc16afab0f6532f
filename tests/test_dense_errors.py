"""Bad input to ``DenseAssociativeMemory``: each raises a ValueError/TypeError naming the argument."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from hopfield import DenseAssociativeMemory

X = np.array([[1, -1, 1, -1], [1, 1, -1, -1], [-1, 1, 1, -1]])


def test_non_binary_patterns():
    with pytest.raises(ValueError, match=r"patterns must be binary .* \{-1, \+1\}"):
        DenseAssociativeMemory(np.array([[1, 0, 1, -1]]))
    with pytest.raises(ValueError, match="patterns must be binary"):
        DenseAssociativeMemory(np.array([[1.0, 0.5, 1.0, -1.0]]))
    with pytest.raises(ValueError, match="patterns must contain only finite"):
        DenseAssociativeMemory(np.array([[1.0, np.nan, 1.0, -1.0]]))
    with pytest.raises(ValueError, match="patterns must have shape"):
        DenseAssociativeMemory(np.array([1, -1, 1]))
    with pytest.raises(ValueError, match="patterns must be non-empty"):
        DenseAssociativeMemory(np.zeros((0, 4)))


def test_non_binary_states():
    net = DenseAssociativeMemory(X, "exp")
    with pytest.raises(ValueError, match="state must be binary"):
        net.retrieve(np.array([1.0, 0.0, 1.0, -1.0]))
    with pytest.raises(ValueError, match="state must be binary"):
        net.energy(np.array([[1.0, 2.0, 1.0, -1.0]]))
    with pytest.raises(ValueError, match="state must be binary"):
        net.update(torch.tensor([1.0, -1.0, 0.3, 1.0]))
    with pytest.raises(ValueError, match="state must be binary"):
        net.log_energy(torch.tensor([1.0, -1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="state must have last dimension 4"):
        net.retrieve(np.ones(5))
    with pytest.raises(ValueError, match="state must have shape"):
        net.retrieve(np.ones((1, 1, 4)))
    with pytest.raises(TypeError, match="state must have dtype float32 or float64"):
        net.retrieve(torch.ones(4, dtype=torch.float16))


@pytest.mark.parametrize("degree", [0, -1, 2.5, 3.0, math.nan])
def test_bad_degree(degree):
    with pytest.raises(ValueError, match="degree must be an integer >= 1"):
        DenseAssociativeMemory(X, "poly", degree=degree)


@pytest.mark.parametrize("degree", ["3", None, True])
def test_degree_of_wrong_type(degree):
    with pytest.raises(TypeError, match="degree must be an integer >= 1"):
        DenseAssociativeMemory(X, "poly", degree=degree)


@pytest.mark.parametrize("beta", [0.0, -1.0, math.inf, math.nan])
def test_bad_beta(beta):
    with pytest.raises(ValueError, match="beta must be a positive finite number"):
        DenseAssociativeMemory(X, "exp", beta=beta)


def test_unknown_interaction_lists_the_valid_names():
    with pytest.raises(ValueError, match="interaction") as info:
        DenseAssociativeMemory(X, "cubic")
    for name in ("'exp'", "'poly'", "'rectified_poly'", "'cubic'"):
        assert name in str(info.value)
    with pytest.raises(ValueError, match="interaction"):
        DenseAssociativeMemory(X, 3)


def test_bad_callable_interaction():
    with pytest.raises(TypeError, match="interaction must return a tensor of the shape"):
        DenseAssociativeMemory(X, lambda a: a.sum())
    with pytest.raises(TypeError, match="interaction must be a registered name or a function"):
        DenseAssociativeMemory(X, lambda a: a.no_such_method())


def test_bad_retrieve_arguments():
    net = DenseAssociativeMemory(X, "poly", degree=3)
    with pytest.raises(ValueError, match="dynamics") as info:
        net.retrieve(X, dynamics="glauber")
    assert "'async'" in str(info.value) and "'sync'" in str(info.value)
    with pytest.raises(ValueError, match="order must be one of 'random', 'fixed'"):
        net.retrieve(X, order="reverse")
    with pytest.raises(ValueError, match="max_sweeps must be an integer >= 1"):
        net.retrieve(X, max_sweeps=0)
    with pytest.raises(TypeError, match="max_sweeps"):
        net.retrieve(X, max_sweeps=2.0)
    with pytest.raises(TypeError, match="seed must be an int"):
        net.retrieve(X, seed="0")


def test_bad_chunk_size():
    with pytest.raises(ValueError, match="chunk_size must be an integer >= 1"):
        DenseAssociativeMemory(X, "exp", chunk_size=0)


def test_polynomial_overflow_is_refused():
    x = np.ones((2, 100))
    net = DenseAssociativeMemory(x, "poly", degree=30)  # (d+2)^30 ~ 1.8e60: beyond float32
    with pytest.raises(ValueError, match="degree must keep N"):
        net.energy(np.ones(100, dtype=np.float32))
    assert np.isfinite(net.energy(np.ones(100)))  # float64 holds it
