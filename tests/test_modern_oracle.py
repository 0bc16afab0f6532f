"""The modern network's kernel-based retrieval loop against its frozen former loop (issue 10)."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
import torch
from hypothesis import given

from hopfield.functional import modern as F
from oracles.modern_loops import retrieve as former_retrieve


@given(
    st.integers(0, 2**31 - 1),
    st.integers(1, 9),
    st.integers(1, 40),
    st.integers(1, 8),
    st.floats(0.05, 20.0),
    st.integers(1, 30),
    st.sampled_from([1e-12, 1e-6, 1e-3]),
)
def test_kernel_loop_equals_the_former_loop(
    seed: int, b: int, n: int, d: int, beta: float, max_steps: int, tol: float
) -> None:
    """Same update, same stopping rule: identical states, step counts and convergence flags."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g, dtype=torch.float64)
    q = torch.randn(b, d, generator=g, dtype=torch.float64)
    got = F.retrieve(q, x, beta, max_steps, tol)
    want = former_retrieve(q, x, beta, max_steps, tol, update=F.update)
    assert torch.equal(got.state, want.state)
    assert torch.equal(got.steps, want.steps)
    assert torch.equal(got.converged, want.converged)
    assert not got.cycle.any()


@pytest.mark.parametrize("backend", ["chunked", "materialized", "sdpa", "auto"])
def test_every_backend_through_the_kernel(backend: str) -> None:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(50, 6, generator=g, dtype=torch.float64)
    q = x[:7] + 0.1 * torch.randn(7, 6, generator=g, dtype=torch.float64)
    got = F.retrieve(q, x, 3.0, 50, 1e-9, 16, backend)
    want = former_retrieve(q, x, 3.0, 50, 1e-9, 16, backend, update=F.update)
    assert torch.equal(got.state, want.state) and torch.equal(got.steps, want.steps)
