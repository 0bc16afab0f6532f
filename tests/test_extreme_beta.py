"""Extreme beta, found by the audit of issue 10's sweep: below the compute dtype's smallest normal
number, and (for the layers) far above the dtype's range.

``ModernHopfield(X, beta=1e-300).energy(float32 state)`` gave NaN (``beta (s - m)`` underflowed to 0
and ``0 / beta`` to ``0 / 0``), and ``Memory`` retrieval gave a NaN state; a beta in float32's
subnormal range lost the energy's digits. Such a beta now makes the networks compute in float64 (and
cast back): finite, and equal to the float64 answer. A subnormal float64 beta is refused by name.
"""

from __future__ import annotations

import math

import pytest
import torch

import hopfield as H
from helpers import assert_close

G = torch.Generator().manual_seed(0)
X = torch.randn(5, 8, generator=G, dtype=torch.float64)
Q = 0.3 * X[:3]
DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]


def _memory(beta: float) -> H.Memory:
    m = H.Memory(8, beta=beta, dtype=torch.float64)
    m.add(X)
    return m


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("beta", [1e-300, 1e-44, 1e-39])
def test_tiny_beta_is_finite_and_equals_float64(dtype: torch.dtype, beta: float) -> None:
    q = Q.to(dtype)
    tol = torch.float32 if dtype == torch.float32 else torch.float64
    for net in (H.ModernHopfield(X, beta=beta), _memory(beta)):
        ref_e, ref_s = net.energy(Q), net.retrieve(Q, max_steps=1).state
        e, s = net.energy(q), net.retrieve(q, max_steps=1).state
        assert e.dtype == dtype and s.dtype == dtype
        assert torch.isfinite(e.float()).all() and torch.isfinite(s.float()).all(), type(net).__name__
        if dtype in (torch.float32, torch.float64):
            assert_close(e, ref_e, tol, scale=float(ref_e.abs().max()))
            assert_close(s, ref_s, tol)
    # the limit beta -> 0: the state is the mean pattern, the energy -mean_i x_i^T xi + |xi|^2/2 + M^2/2
    m = float(torch.linalg.vector_norm(X, dim=-1).max())
    limit = -(Q @ X.T).mean(-1) + 0.5 * (Q * Q).sum(-1) + 0.5 * m * m
    assert_close(H.ModernHopfield(X, beta=1e-300).energy(Q.float()), limit, torch.float32, scale=m * m)


@pytest.mark.parametrize(
    "make",
    [
        lambda b: H.ModernHopfield(X, beta=b),
        lambda b: H.Memory(8, beta=b),
        lambda b: H.DenseAssociativeMemory(torch.sign(X), "exp", beta=b),
        lambda b: H.ContinuousDenseMemory(X, beta=b),
    ],
    ids=["ModernHopfield", "Memory", "DenseAssociativeMemory", "ContinuousDenseMemory"],
)
def test_subnormal_beta_is_refused_by_name(make) -> None:
    make(2.3e-308)  # the smallest normal float64 and above are accepted
    with pytest.raises(H.HopfieldInputError, match=r"beta must be a positive finite number >= 2\.2") as info:
        make(1e-310)
    assert info.value.argument == "beta" and math.isclose(info.value.received, 1e-310)


@pytest.mark.parametrize("scaling", [1e-300, 1e-44])
def test_layer_energy_at_tiny_scaling_is_finite_and_equals_float64(scaling: float) -> None:
    import hopfield.nn as hnn

    torch.manual_seed(0)
    layer = hnn.Hopfield(input_size=8, num_heads=2, scaling=scaling)
    x = torch.randn(2, 4, 8, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        e32 = layer.energy(x)
        e64 = layer.double().energy(x.double())
    assert e32.dtype == torch.float32 and torch.isfinite(e32).all()
    assert_close(e32, e64, torch.float32, scale=float(e64.abs().max()))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("beta", [1e6, 1e30, 1e300])
def test_layer_update_at_huge_beta_is_the_argmax(dtype: torch.dtype, beta: float) -> None:
    """The fused kernel scales unshifted scores: beta = 1e300 overflowed to NaN. Now the argmax."""
    from hopfield.nn.functional import hopfield_update

    g = torch.Generator().manual_seed(3)
    q, k = torch.randn(4, 6, generator=g).to(dtype), torch.randn(7, 6, generator=g).to(dtype)
    v = torch.randn(7, 3, generator=g).to(dtype)
    out = hopfield_update(q, k, v, beta)
    assert out.dtype == dtype and torch.equal(out, v[(q.float() @ k.float().T).argmax(-1)])


def test_layer_update_above_the_cap_threshold_is_unchanged() -> None:
    """Between the cap threshold (1e4) and overflow the folded beta gives the plain formula."""
    from hopfield.nn.functional import hopfield_update

    g = torch.Generator().manual_seed(4)
    q, k = (
        torch.randn(4, 6, generator=g, dtype=torch.float64),
        torch.randn(7, 6, generator=g, dtype=torch.float64),
    )
    q = q * 1e-4  # beta q k^T of order 1: a soft, not an argmax, softmax
    for beta in (2e4, 5e4):
        assert_close(hopfield_update(q, k, k, beta), torch.softmax(beta * q @ k.T, -1) @ k)


def test_layer_forward_at_huge_scaling_is_finite() -> None:
    import hopfield.nn as hnn

    torch.manual_seed(0)
    x = torch.randn(2, 4, 8, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert torch.isfinite(hnn.Hopfield(input_size=8, num_heads=2, scaling=1e300)(x)).all()


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
@pytest.mark.parametrize("beta", [1e-6, 1.0, 1e4, 1e6, 6e4])
def test_tensor_beta_equals_the_scalar_beta_at_every_scale(dtype: torch.dtype, beta: float) -> None:
    """A per-row beta tensor takes the scalar path's cap: finite, and the same answer (before: NaN or a
    wrong answer in float16 at beta = 6e4 / 1e6, where ``beta q`` overflowed)."""
    from hopfield.nn.functional import hopfield_update

    g = torch.Generator().manual_seed(3)
    q = torch.randn(2, 3, 8, generator=g).to(dtype)
    k = torch.randn(2, 5, 8, generator=g).to(dtype)
    out = hopfield_update(q, k, k, torch.full((2, 3), beta))
    assert torch.isfinite(out).all()
    assert_close(out, hopfield_update(q, k, k, beta), dtype)
