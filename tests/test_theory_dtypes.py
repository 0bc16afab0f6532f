"""``hopfield.theory`` follows the input rule for every dtype: NumPy in gives NumPy out, torch in keeps its
device and dtype, half precision is computed in float64 and cast back; no warnings (they are errors)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hopfield import theory
from hopfield._tolerances import tolerances

X64 = np.array([[1.0, 0.25, 0.0], [0.0, 1.0, 0.375], [-1.0, 0.0, 0.5], [0.5, -0.5, 0.25]])
Q64 = np.array([[0.875, 0.125, 0.0], [-0.25, 0.25, 0.5]])

KINDS = {
    "torch-float16": torch.float16,
    "torch-bfloat16": torch.bfloat16,
    "torch-float32": torch.float32,
    "torch-float64": torch.float64,
    "numpy-float16": np.float16,
    "numpy-float32": np.float32,
    "numpy-float64": np.float64,
}


def _as(kind: str, a: np.ndarray):
    dtype = KINDS[kind]
    return torch.tensor(a, dtype=dtype) if isinstance(dtype, torch.dtype) else a.astype(dtype)


def _check(result, kind: str, shape: tuple[int, ...], *, floating: bool = True) -> None:
    dtype = KINDS[kind]
    if isinstance(dtype, torch.dtype):
        assert isinstance(result, torch.Tensor) and result.device.type == "cpu"
        assert tuple(result.shape) == shape
        if floating:
            assert result.dtype == dtype
    else:
        assert isinstance(result, np.ndarray) and result.shape == shape
        if floating:
            assert result.dtype == dtype


def _close(result, reference, kind: str) -> None:
    """Equal to the float64 result within the input dtype's tolerance (the cast back is the only loss)."""
    tol = tolerances(
        KINDS[kind]
        if isinstance(KINDS[kind], torch.dtype)
        else torch.from_numpy(np.zeros(1, KINDS[kind])).dtype
    )
    got = torch.as_tensor(result).to(torch.float64)
    torch.testing.assert_close(
        got, torch.as_tensor(reference, dtype=torch.float64), rtol=tol.rtol, atol=tol.atol
    )


@pytest.mark.parametrize("kind", list(KINDS))
def test_pattern_functions(kind: str) -> None:
    x = _as(kind, X64)
    x_exact = torch.as_tensor(x).to(torch.float64).numpy()  # the input, exactly, in float64
    sep = theory.separation(x)
    _check(sep, kind, (4,))
    _close(sep, theory.separation(x_exact), kind)
    center, spread = theory.pattern_spread(x)
    _check(center, kind, (3,))
    assert isinstance(spread, float) and spread == theory.pattern_spread(x_exact)[1]
    assert theory.max_norm(x) == theory.max_norm(x_exact)
    assert theory.global_convergence_beta(x) == theory.global_convergence_beta(x_exact)
    assert theory.select_beta(x).beta_plus == theory.select_beta(x_exact).beta_plus


@pytest.mark.parametrize("kind", list(KINDS))
def test_query_functions(kind: str) -> None:
    x, q = _as(kind, X64), _as(kind, Q64)
    for state, shape in ((q, (2,)), (q[0], ())):
        _check(theory.jacobian_norm(state, x, 2.0), kind, shape)
        jb = theory.jacobian_bound(x, 2.0, state)
        _check(jb.norm, kind, shape)
        _check(jb.lemma2_state, kind, shape)
        ob = theory.one_step_bound(state, x, 2.0)
        _check(ob.index, kind, shape, floating=False)
        for v in (ob.gap, ob.epsilon, ob.bound, ob.error):
            _check(v, kind, shape)
        ub = theory.update_bound(state, x, 2.0, state, 0)
        for v in (ub.lipschitz, ub.bound, ub.error, ub.start):
            _check(v, kind, shape)
    one = theory.classify_fixed_point(q[0], x, 2.0)
    many = theory.classify_fixed_point(q, x, 2.0)
    assert isinstance(one, theory.FixedPointClass) and isinstance(many, list) and len(many) == 2
    _close(
        theory.jacobian_norm(q, x, 2.0),
        theory.jacobian_norm(torch.as_tensor(q).double(), torch.as_tensor(x).double(), 2.0),
        kind,
    )


@pytest.mark.parametrize("kind", list(KINDS))
def test_per_pattern_functions(kind: str) -> None:
    x = _as(kind, X64)
    rb = theory.retrieval_error_bounds(x, 3.0, max_steps=50)
    for v in (rb.error, rb.bound, rb.bound_simple, rb.bound_seed, rb.separation):
        _check(v, kind, (4,))
    _check(rb.fixed_points, kind, (4, 3))
    _check(rb.applies, kind, (4,), floating=False)
    _check(rb.converged, kind, (4,), floating=False)
    sc = theory.stored_patterns(x, 3.0, max_steps=50, seed=0)
    for v in (sc.stored, sc.in_sphere, sc.attracts, sc.disjoint):
        _check(v, kind, (4,), floating=False)
    _check(sc.error, kind, (4,))


def test_state_and_patterns_of_different_forms() -> None:
    """Per-query results follow the state, per-pattern results the patterns."""
    q32 = torch.tensor(Q64, dtype=torch.float32)
    out = theory.jacobian_norm(q32, X64, 1.0)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    out = theory.jacobian_norm(Q64.astype(np.float32), torch.tensor(X64), 1.0)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    rb = theory.retrieval_error_bounds(X64.astype(np.float32), 1.0, torch.tensor(X64))
    assert isinstance(rb.error, np.ndarray) and rb.error.dtype == np.float32 and rb.converged is None


def test_sphere_patterns_are_float64_tensors() -> None:
    x = theory.sphere_patterns(5, 4, 2.0, seed=1)
    assert x.dtype == torch.float64 and x.shape == (5, 4)
    torch.testing.assert_close(
        torch.linalg.vector_norm(x, dim=-1), torch.full((5,), 2.0, dtype=torch.float64)
    )
