"""hopfield.nn.functional: the fused update against the formula, masks, split-KV, iteration, energy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import assert_close
from hopfield import HopfieldInputError, HopfieldTypeError, ModernHopfield
from hopfield.nn.functional import (
    MAX_UPDATE_STEPS,
    association_energy,
    association_weights,
    hopfield_iterate,
    hopfield_update,
)

D64 = torch.float64


def _rand(*shape: int, seed: int = 0, dtype: torch.dtype = D64) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _reference(q, k, v, beta, keep=None):
    """softmax(beta q k^T) v with explicit broadcasting (float64)."""
    s = (q * (beta.unsqueeze(-1) if isinstance(beta, torch.Tensor) else beta)) @ k.transpose(-1, -2)
    if keep is not None:
        s = s.masked_fill(~keep, float("-inf"))
    return torch.softmax(s, dim=-1) @ v


@pytest.mark.parametrize(
    ("qs", "ks", "vs"),
    [
        ((5, 4), (7, 4), (7, 4)),  # unbatched
        ((3, 5, 4), (7, 4), (7, 2)),  # one memory for the batch, dv < d
        ((2, 3, 5, 4), (3, 7, 4), (3, 7, 6)),  # (B, H, L, d) against (H, N, d), dv > d
        ((2, 1, 5, 4), (2, 3, 7, 4), (2, 3, 7, 4)),  # a query shared by the heads
        ((2, 2, 2, 5, 4), (2, 7, 4), (2, 7, 4)),  # more than two leading axes
    ],
)
def test_update_equals_formula_with_broadcasting(qs, ks, vs):
    q, k, v = _rand(*qs), _rand(*ks, seed=1), _rand(*vs, seed=2)
    assert_close(hopfield_update(q, k, v, 0.7), _reference(q, k, v, 0.7))


def test_update_without_values_is_eq_17():
    x, xi = _rand(9, 5), _rand(4, 5, seed=1)
    assert_close(hopfield_update(xi, x, beta=1.3), ModernHopfield(x, beta=1.3).update(xi))


def test_beta_tensor_folds_into_queries_with_gradient():
    q, k = _rand(2, 3, 5, 4), _rand(3, 7, 4, seed=1)
    beta = torch.tensor([[0.2], [1.0], [3.0]], dtype=D64, requires_grad=True)  # one per head
    out = hopfield_update(q, k, k, beta)
    (g,) = torch.autograd.grad(out.sum(), beta)
    b2 = beta.detach().clone().requires_grad_(True)
    ref = _reference(q, k, k, b2)
    (g_ref,) = torch.autograd.grad(ref.sum(), b2)
    assert_close(out, ref)
    assert_close(g, g_ref)


def test_per_channel_memories_like_deephnn():
    """Issue 12's use: states (B, C, 1, d) against per-channel patterns (C, N, d), a learned beta per
    channel (C, 1); each channel is the modern update of its own network."""
    xi, x = _rand(4, 3, 1, 5), _rand(3, 7, 5, seed=1)
    log_beta = torch.tensor([[-1.0], [0.0], [0.7]], dtype=D64, requires_grad=True)
    out = hopfield_update(xi, x, x, log_beta.exp())
    for c in range(3):
        ref = ModernHopfield(x[c], beta=float(log_beta[c].detach().exp())).update(xi[:, c, 0])
        assert_close(out[:, c, 0], ref)
    out.sum().backward()
    assert log_beta.grad is not None and bool((log_beta.grad != 0).all())


def test_masks_bool_and_additive_agree_and_dead_rows_are_zero():
    q, k, v = _rand(2, 5, 4), _rand(2, 6, 4, seed=1), _rand(2, 6, 3, seed=2)
    keep = torch.rand(2, 5, 6, generator=torch.Generator().manual_seed(3)) > 0.4
    keep[0, 1] = False  # a state pattern with every stored pattern masked out
    additive = torch.zeros(2, 5, 6, dtype=D64).masked_fill(~keep, float("-inf"))
    a = hopfield_update(q, k, v, 0.9, attn_mask=keep)
    b = hopfield_update(q, k, v, 0.9, attn_mask=additive)
    assert_close(a, b)
    ref = _reference(q, k, v, 0.9, keep)
    live = keep.any(dim=-1)
    assert_close(a[live], ref[live])
    assert torch.equal(a[0, 1], torch.zeros(3, dtype=D64))


def test_is_causal_equals_explicit_mask():
    q, k = _rand(2, 6, 4), _rand(2, 6, 4, seed=1)
    causal = torch.ones(6, 6, dtype=torch.bool).tril()
    assert_close(
        hopfield_update(q, k, k, 0.5, is_causal=True), hopfield_update(q, k, k, 0.5, attn_mask=causal)
    )


@pytest.mark.parametrize("splits", [2, 7, 40])
def test_split_kv_equals_one_pass(splits):
    q, k, v = _rand(2, 3, 5, 8, dtype=torch.float32), _rand(2, 3, 203, 8, seed=1, dtype=torch.float32), None
    v = _rand(2, 3, 203, 8, seed=2, dtype=torch.float32)
    assert_close(
        hopfield_update(q, k, v, 0.4, kv_splits=splits), hopfield_update(q, k, v, 0.4), torch.float32
    )


def test_extreme_beta_stays_finite():
    q, k = _rand(3, 4, dtype=torch.float32), _rand(5, 4, seed=1, dtype=torch.float32)
    for beta in (1e-6, 1e6):
        out = hopfield_update(q, k, k, beta)
        assert torch.isfinite(out).all()
    assert_close(hopfield_update(q, k, k, 1e6), k[(q @ k.T).argmax(-1)], torch.float32)


def test_association_weights():
    q, k = _rand(2, 5, 4), _rand(2, 6, 4, seed=1)
    w = association_weights(q, k, 0.8)
    assert_close(w.sum(-1), torch.ones(2, 5, dtype=D64))
    assert_close(w @ k, hopfield_update(q, k, k, 0.8))


@pytest.mark.parametrize("assoc", ["sparsemax", "entmax15"])
def test_sparse_associations(assoc):
    pytest.importorskip("entmax")
    q, k = _rand(2, 5, 4), _rand(2, 6, 4, seed=1)
    w = association_weights(q, k, 3.0, association=assoc)
    assert_close(w.sum(-1), torch.ones(2, 5, dtype=D64))
    assert (w == 0).any()  # sparse: some stored patterns get exactly zero weight
    states, steps = hopfield_iterate(q, k, 3.0, max_steps=1, association=assoc)
    assert_close(states, w @ k)
    assert bool((steps == 1).all())


def test_iterate_equals_explicit_loop_and_counts_steps():
    q, k = _rand(2, 5, 4), _rand(2, 6, 4, seed=1)
    states, steps = hopfield_iterate(q, k, 0.3, max_steps=3, eps=0.0)
    ref = q
    for _ in range(3):
        ref = _reference(ref, k, k, 0.3)
    assert_close(states, ref)
    assert bool((steps == 3).all())
    same, none = hopfield_iterate(q, k, 0.3, max_steps=0)
    assert same is q and bool((none == 0).all())


def test_iterate_until_converged_reaches_a_fixed_point():
    q, k = _rand(3, 5, 4), _rand(3, 6, 4, seed=1)
    eps = 1e-9
    states, steps = hopfield_iterate(q, k, 2.0, max_steps=None, eps=eps)
    assert bool((steps < MAX_UPDATE_STEPS).all()) and bool((steps > 0).all())
    again = hopfield_update(states, k, k, 2.0)
    assert float((again - states).abs().max()) <= eps


def test_iterate_rows_are_independent():
    """A state's result does not depend on the other rows of the batch (unlike hflayers' rule)."""
    q, k = _rand(4, 5, 4), _rand(4, 6, 4, seed=1)
    full, _ = hopfield_iterate(q, k, 1.5, max_steps=None, eps=1e-4)
    one, _ = hopfield_iterate(q[2:3], k[2:3], 1.5, max_steps=None, eps=1e-4)
    assert torch.equal(full[2:3], one)


def test_energy_equals_modern_hopfield():
    x, xi = _rand(9, 5), _rand(4, 5, seed=1)
    assert_close(association_energy(xi, x, 0.6), ModernHopfield(x, beta=0.6).energy(xi))


def test_energy_with_bool_mask_is_the_energy_of_the_kept_patterns():
    x, xi = _rand(9, 5), _rand(4, 5, seed=1)
    keep = torch.tensor([True, False, True, True, False, True, True, True, False])
    assert_close(association_energy(xi, x, 0.6, keep), ModernHopfield(x[keep], beta=0.6).energy(xi))
    additive = torch.zeros(9, dtype=D64).masked_fill(~keep, float("-inf"))
    assert_close(association_energy(xi, x, 0.6, additive), ModernHopfield(x[keep], beta=0.6).energy(xi))


@settings(max_examples=20)
@given(
    seed=st.integers(0, 2**31 - 1),
    log_beta=st.floats(-3.0, 3.0),
    masked=st.booleans(),
    per_row_beta=st.booleans(),
)
def test_energy_never_increases_along_the_iterates(seed, log_beta, masked, per_row_beta):
    """004 Theorem B1: the update (with or without mask, prior weights) is a CCCP step of the energy."""
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(2, 3, 4, 5, generator=g, dtype=D64) * 2
    k = torch.randn(3, 7, 5, generator=g, dtype=D64) * 2
    beta: float | torch.Tensor = math.exp(log_beta)
    if per_row_beta:
        beta = torch.exp(torch.randn(3, 1, generator=g, dtype=D64) + log_beta)
    mask = None
    if masked:
        mask = torch.randn(3, 4, 7, generator=g, dtype=D64)  # additive prior
        mask[..., 0] = 0.0
        mask = mask.masked_fill(torch.rand(3, 4, 7, generator=g) > 0.7, float("-inf"))
    e = association_energy(q, k, beta, mask)
    state = q
    for _ in range(6):
        state, _ = hopfield_iterate(state, k, beta, attn_mask=mask, max_steps=1, eps=0.0)
        e_new = association_energy(state, k, beta, mask)
        assert bool((e_new <= e + 1e-9 * (1 + e.abs())).all())
        e = e_new
    assert bool((e >= -1e-9).all())  # Lemma 1: E >= 0


# ----------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("call", "argument", "cls"),
    [
        (lambda q, k: hopfield_update(q.numpy(), k), "queries", HopfieldTypeError),
        (lambda q, k: hopfield_update(q[0, 0], k), "queries", HopfieldInputError),
        (lambda q, k: hopfield_update(q.long(), k), "queries", HopfieldTypeError),
        (lambda q, k: hopfield_update(q, k[..., :3]), "keys", HopfieldInputError),
        (lambda q, k: hopfield_update(q, k, k[:, :5]), "values", HopfieldInputError),
        (lambda q, k: hopfield_update(q, k[:2].repeat(2, 1, 1)[:, :, :], k), "keys", HopfieldInputError),
        (lambda q, k: hopfield_update(q, k, beta=0.0), "beta", HopfieldInputError),
        (lambda q, k: hopfield_update(q, k, beta=torch.ones(4)), "beta", HopfieldInputError),
        (
            lambda q, k: hopfield_update(q, k, attn_mask=torch.ones(5, 7, dtype=torch.int32)),
            "attn_mask",
            HopfieldTypeError,
        ),
        (
            lambda q, k: hopfield_update(q, k, attn_mask=torch.ones(4, 7, dtype=torch.bool)),
            "attn_mask",
            HopfieldInputError,
        ),
        (
            lambda q, k: hopfield_update(q, k, attn_mask=torch.ones(5, 7, dtype=torch.bool), is_causal=True),
            "attn_mask",
            HopfieldInputError,
        ),
        (
            lambda q, k: hopfield_update(q, k, attn_mask=torch.ones(5, 7, dtype=torch.bool), kv_splits=2),
            "kv_splits",
            HopfieldInputError,
        ),
        (lambda q, k: hopfield_update(q, k, dropout_p=1.0), "dropout_p", HopfieldInputError),
        (lambda q, k: hopfield_iterate(q, k, 1.0, max_steps=-1), "update_steps_max", HopfieldInputError),
        (lambda q, k: hopfield_iterate(q, k, 1.0, eps=-1e-3), "update_steps_eps", HopfieldInputError),
        (
            lambda q, k: association_weights(q, k, 1.0, association="hardmax"),
            "association",
            HopfieldInputError,
        ),
    ],
)
def test_bad_input_names_the_argument(call, argument, cls):
    q, k = _rand(3, 5, 4, dtype=torch.float32), _rand(3, 7, 4, seed=1, dtype=torch.float32)
    with pytest.raises(cls) as info:
        call(q, k)
    assert info.value.argument == argument
    assert argument in str(info.value)


def test_numpy_is_refused_with_a_hint():
    with pytest.raises(HopfieldTypeError, match=r"torch\.Tensor"):
        hopfield_update(np.ones((2, 3), dtype=np.float32), torch.ones(4, 3))
