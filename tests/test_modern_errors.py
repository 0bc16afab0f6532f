"""Bad input to the modern network raises a named ValueError/TypeError (argument, expected, received)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from hopfield import ModernHopfield

X = torch.randn(5, 3, dtype=torch.float64)


@pytest.mark.parametrize(
    ("patterns", "error", "match"),
    [
        (torch.randn(3), ValueError, r"patterns must have shape \(n_patterns, dim\), got shape \(3,\)"),
        (torch.randn(2, 3, 4), ValueError, r"patterns must have shape"),
        (torch.empty(0, 3), ValueError, r"patterns must be non-empty.*got shape \(0, 3\)"),
        (torch.tensor([[1.0, float("nan")]]), ValueError, r"patterns must contain only finite values"),
        (torch.tensor([[1.0, float("inf")]]), ValueError, r"patterns must contain only finite values"),
        (torch.ones(2, 3, dtype=torch.int64), TypeError, r"patterns must have a floating dtype.*int64"),
        (np.ones((2, 3), dtype=np.int32), TypeError, r"patterns must have a floating dtype"),
        (np.array([["a", "b"]]), TypeError, r"patterns must be a numeric array"),
        ("not an array", TypeError, r"patterns must be a torch.Tensor or a NumPy array, got str"),
    ],
)
def test_bad_patterns(patterns, error, match) -> None:
    with pytest.raises(error, match=match):
        ModernHopfield(patterns)


@pytest.mark.parametrize("beta", [0.0, -1.0, math.inf, math.nan])
def test_bad_beta_value(beta) -> None:
    with pytest.raises(ValueError, match=r"beta must be a positive finite number, got"):
        ModernHopfield(X, beta=beta)


@pytest.mark.parametrize("beta", ["1", None, True])
def test_bad_beta_type(beta) -> None:
    with pytest.raises(TypeError, match=r"beta must be a positive finite number"):
        ModernHopfield(X, beta=beta)


@pytest.mark.parametrize(
    ("state", "error", "match"),
    [
        (
            torch.randn(4, dtype=torch.float64),
            ValueError,
            r"state must have last dimension 3 .*got shape \(4,\)",
        ),
        (
            torch.randn(2, 4),
            ValueError,
            r"state must have last dimension 3 to match patterns, got shape \(2, 4\)",
        ),
        (torch.randn(2, 2, 3), ValueError, r"state must have shape \(3,\) or \(batch, 3\), got shape"),
        (torch.tensor([1.0, float("nan"), 0.0]), ValueError, r"state must contain only finite values"),
        (torch.ones(3, dtype=torch.int32), TypeError, r"state must have a floating dtype"),
    ],
)
def test_bad_state(state, error, match) -> None:
    net = ModernHopfield(X)
    for method in (net.energy, net.update, net.retrieve):
        with pytest.raises(error, match=match):
            method(state)


@pytest.mark.parametrize(("max_steps", "error"), [(0, ValueError), (-3, ValueError), (1.5, TypeError)])
def test_bad_max_steps(max_steps, error) -> None:
    with pytest.raises(error, match=r"max_steps must be an integer >= 1, got"):
        ModernHopfield(X).retrieve(X[0], max_steps=max_steps)


@pytest.mark.parametrize("tol", [-1e-3, math.nan, math.inf])
def test_bad_tol(tol) -> None:
    with pytest.raises(ValueError, match=r"tol must be a finite number >= 0, got"):
        ModernHopfield(X).retrieve(X[0], tol=tol)


def test_bad_topk_and_chunk_size() -> None:
    with pytest.raises(ValueError, match=r"topk must be an integer in \[1, 5\], got 0"):
        ModernHopfield(X).retrieve(X[0], topk=0)
    with pytest.raises(ValueError, match=r"chunk_size must be an integer >= 1, got 0"):
        ModernHopfield(X, chunk_size=0)


def test_unknown_backend_lists_valid_names() -> None:
    with pytest.raises(
        ValueError,
        match=r"backend must be a known update backend \(one of 'auto', 'chunked', .*\), got 'flash'",
    ):
        ModernHopfield(X, backend="flash")


def test_separation_needs_two_patterns() -> None:
    with pytest.raises(ValueError, match=r"patterns must have at least 2 rows .*got 1"):
        ModernHopfield(X[:1]).separation()


def test_modern_names_at_the_top_of_functional_are_deprecated() -> None:
    """issue 10: ``hopfield.functional.energy`` etc. moved to ``hopfield.functional.modern`` (warns)."""
    import hopfield.functional as functional

    for name in ("energy", "update", "retrieve", "max_norm", "separation", "topk_weights"):
        with pytest.warns(FutureWarning, match=rf"'{name}' is deprecated .*functional.modern.{name}"):
            assert getattr(functional, name) is getattr(functional.modern, name)
    with pytest.raises(AttributeError):
        functional.no_such_name  # noqa: B018
