"""Compatibility with hflayers (../shared/anchors/hflayers, a test oracle; skipped when absent).

An hflayers module with every parameter randomized (std 1/sqrt(fan_in)) has its state_dict loaded into
ours through ``load_hflayers_state_dict``; both give the same outputs (rtol 1e-5, atol 1e-6, float32).
Where ours differs on purpose (hflayers' bugs), a test shows the difference
(docs/migrating-from-hflayers.md explains each).
"""

from __future__ import annotations

import pytest
import torch

import hopfield.nn as ours
from _hflayers import hflayers, pair, randomize
from hopfield import HopfieldInputError

OFF = {
    "normalize_stored_pattern": False,
    "normalize_stored_pattern_affine": False,
    "normalize_state_pattern": False,
    "normalize_state_pattern_affine": False,
    "normalize_pattern_projection": False,
    "normalize_pattern_projection_affine": False,
}
NO_STATE_NORM = {"normalize_state_pattern": False, "normalize_state_pattern_affine": False}
STATIC = {
    "stored_pattern_as_static": True,
    "state_pattern_as_static": True,
    "pattern_projection_as_static": True,
    "disable_out_projection": True,
    **OFF,
}
B, L, N = 3, 4, 6


def _r(*shape: int, seed: int = 1) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def _self() -> torch.Tensor:
    return _r(B, L, 8)


def _triple(dy: int = 8, dr: int = 8, dv: int = 8) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return _r(B, N, dy), _r(B, L, dr, seed=2), _r(B, N, dv, seed=3)


def _close(a: torch.Tensor, b: torch.Tensor) -> None:
    torch.testing.assert_close(b, a, rtol=1e-5, atol=1e-6)


HOPFIELD_GRID = {
    "default": ({"input_size": 8}, _self),
    "heads, hidden size": ({"input_size": 8, "num_heads": 2, "hidden_size": 3}, _self),
    "scaling": ({"input_size": 8, "num_heads": 2, "scaling": 0.7}, _self),
    "scaling tensor, one head": ({"input_size": 8, "scaling": torch.tensor([0.3])}, _self),
    "update steps": (
        {"input_size": 8, "num_heads": 2, "update_steps_max": 3, "update_steps_eps": 1e-30},
        _self,
    ),
    "no normalization": ({"input_size": 8, "num_heads": 2, **OFF}, _self),
    "hopfield space": (
        {
            "input_size": 8,
            "num_heads": 2,
            "hidden_size": 4,
            "normalize_hopfield_space": True,
            "normalize_hopfield_space_affine": True,
            "update_steps_max": 2,
            "update_steps_eps": 1e-30,
        },
        _self,
    ),
    "separate sizes": (
        {
            "input_size": 8,
            "stored_pattern_size": 6,
            "pattern_projection_size": 5,
            "num_heads": 2,
            "pattern_size": 3,
            "output_size": 7,
        },
        lambda: _triple(6, 8, 5),
    ),
    "connected": (
        {
            "input_size": 8,
            "stored_pattern_size": 6,
            "pattern_projection_size": 6,
            "num_heads": 2,
            "pattern_projection_as_connected": True,
        },
        lambda: _triple(6, 8, 6),
    ),
    "static stored": ({"input_size": 8, "stored_pattern_as_static": True, **OFF}, _triple),
    "static state": (
        {"input_size": 8, "hidden_size": 5, "state_pattern_as_static": True, **NO_STATE_NORM},
        lambda: _triple(8, 5, 8),
    ),
    "static projection": (
        {"input_size": 8, "pattern_size": 8, "pattern_projection_as_static": True},
        _triple,
    ),
    "all static": (STATIC, lambda: _triple(5, 5, 3)),
    "no output projection": ({"input_size": 8, "num_heads": 2, "disable_out_projection": True}, _self),
    "zero association": ({"input_size": 8, "num_heads": 2, "add_zero_association": True}, _self),
    "no bias": ({"input_size": 8, "num_heads": 2, "input_bias": False}, _self),
    "activation": ({"input_size": 8, "association_activation": "tanh"}, _self),
    "batch second": ({"input_size": 8, "num_heads": 2, "batch_first": False}, lambda: _r(L, B, 8)),
}


@pytest.mark.parametrize("case", list(HOPFIELD_GRID))
def test_hopfield_matches(case):
    kwargs, make = HOPFIELD_GRID[case]
    theirs, mine = pair("Hopfield", **kwargs)
    x = make()
    _close(theirs(x), mine(x))
    if case in ("default", "update steps", "hopfield space"):
        _close(theirs.get_association_matrix(x), mine.get_association_matrix(x))


MODULE_GRID = {
    "pooling": ("HopfieldPooling", {"input_size": 8, "quantity": 3, "num_heads": 2}, lambda: _r(B, N, 8)),
    "pooling, values": (
        "HopfieldPooling",
        {"input_size": 8, "pattern_projection_size": 5, "quantity": 2},
        lambda: (_r(B, N, 8), _r(B, N, 5, seed=2)),
    ),
    "pooling, static state": (
        "HopfieldPooling",
        {
            "input_size": 8,
            "hidden_size": 4,
            "state_pattern_as_static": True,
            "update_steps_max": 1,
            "update_steps_eps": 1e-30,
            **NO_STATE_NORM,
        },
        lambda: _r(B, N, 8),
    ),
    "lookup": ("HopfieldLayer", {"input_size": 8, "quantity": 5, "num_heads": 2}, _self),
    "lookup, targets": (
        "HopfieldLayer",
        {"input_size": 8, "quantity": 5, "lookup_weights_as_separated": True, "pattern_projection_size": 6},
        _self,
    ),
    "lookup, batch second": (
        "HopfieldLayer",
        {"input_size": 8, "quantity": 5, "batch_first": False},
        lambda: _r(L, B, 8),
    ),
}


@pytest.mark.parametrize("case", list(MODULE_GRID))
def test_pooling_and_lookup_match(case):
    cls, kwargs, make = MODULE_GRID[case]
    theirs, mine = pair(cls, **kwargs)
    x = make()
    _close(theirs(x), mine(x))


def _masks() -> dict[str, dict[str, torch.Tensor]]:
    g = torch.Generator().manual_seed(4)
    pad = torch.zeros(B, N, dtype=torch.bool)
    pad[0, -2:] = True
    pad[2, 0] = True
    assoc = torch.rand(L, N, generator=g) > 0.7
    return {
        "padding": {"stored_pattern_padding_mask": pad},
        "association": {"association_mask": assoc},
        "association per head": {"association_mask": torch.rand(B * 2, L, N, generator=g) > 0.7},
        "additive": {"association_mask": torch.randn(L, N, generator=g)},
        "both": {"association_mask": assoc, "stored_pattern_padding_mask": pad},
    }


@pytest.mark.parametrize("case", list(_masks()))
def test_masks_match(case):
    theirs, mine = pair("Hopfield", input_size=8, num_heads=2)
    x = _triple()
    _close(theirs(x, **_masks()[case]), mine(x, **_masks()[case]))


def test_masked_pooling_matches():
    theirs, mine = pair("HopfieldPooling", input_size=8, quantity=2)
    x, pad = _r(B, N, 8), _masks()["padding"]["stored_pattern_padding_mask"]
    _close(theirs(x, stored_pattern_padding_mask=pad), mine(x, stored_pattern_padding_mask=pad))


def test_encoder_and_decoder_layers_match():
    hf = hflayers()
    from hflayers.transformer import HopfieldDecoderLayer, HopfieldEncoderLayer

    enc = HopfieldEncoderLayer(hf.Hopfield(input_size=8, num_heads=2), dim_feedforward=16, dropout=0.0)
    randomize(enc)
    mine = ours.HopfieldEncoderLayer(
        ours.Hopfield(input_size=8, num_heads=2), dim_feedforward=16, dropout=0.0
    )
    ours.load_hflayers_state_dict(mine, enc.state_dict())
    x, y = _self(), _r(B, N, 8, seed=2)
    _close(enc.eval()(x), mine.eval()(x))
    dec = HopfieldDecoderLayer(
        hf.Hopfield(input_size=8, num_heads=2), hf.Hopfield(input_size=8), dim_feedforward=16, dropout=0.0
    )
    randomize(dec)
    mdec = ours.HopfieldDecoderLayer(
        ours.Hopfield(input_size=8, num_heads=2), ours.Hopfield(input_size=8), dim_feedforward=16, dropout=0.0
    )
    ours.load_hflayers_state_dict(mdec, dec.state_dict())
    _close(dec.eval()(x, y), mdec.eval()(x, y))


def test_wrong_checkpoint_is_a_named_error():
    theirs, _ = pair("Hopfield", input_size=8, num_heads=2)
    other = ours.Hopfield(input_size=8, num_heads=2, state_pattern_as_static=True, hidden_size=4)
    with pytest.raises(HopfieldInputError, match="state_dict"):
        ours.load_hflayers_state_dict(other, theirs.state_dict())


# ------------------------------------------------------------------------------ hflayers' bugs, fixed
def test_concat_bias_pattern_is_ignored_by_hflayers_and_used_by_ours():
    theirs, mine = pair("Hopfield", input_size=8, num_heads=2, concat_bias_pattern=True)
    x = _self()
    before = theirs(x)
    with torch.no_grad():
        theirs.association_core.bias_k.add_(5.0)
        theirs.association_core.bias_v.add_(5.0)
    _close(theirs(x), before)  # hflayers: bias_k/bias_v change nothing
    out = mine(x)
    with torch.no_grad():
        mine.bias_v.add_(5.0)
    assert not torch.allclose(mine(x), out)  # ours: the bias is one more stored pattern and value
    compatible = ours.Hopfield(input_size=8, num_heads=2).eval()  # to reproduce hflayers' outputs
    ours.load_hflayers_state_dict(compatible, theirs.state_dict())
    _close(theirs(x), compatible(x))


def test_uint8_masks_raise_in_hflayers_and_work_in_ours():
    theirs, mine = pair("Hopfield", input_size=8, num_heads=2)
    x, pad = _triple(), _masks()["padding"]["stored_pattern_padding_mask"]
    with pytest.raises(NameError):  # `warnings` is not imported there
        theirs(x, stored_pattern_padding_mask=pad.to(torch.uint8))
    _close(mine(x, stored_pattern_padding_mask=pad), mine(x, stored_pattern_padding_mask=pad.to(torch.uint8)))


def test_bfloat16_additive_masks_fail_in_hflayers_and_work_in_ours():
    theirs, mine = pair("Hopfield", input_size=8, num_heads=2)
    x, mask = _triple(), torch.zeros(L, N, dtype=torch.bfloat16)
    mask[0, 1:] = float("-inf")
    with pytest.raises(AssertionError):
        theirs(x, association_mask=mask)
    _close(mine(x, association_mask=mask), mine(x, association_mask=mask.float()))


def test_per_head_scaling_tensor():
    """hflayers interleaves a (H,) scaling over the features: no head gets its own beta. Ours does."""
    kwargs = {"input_size": 8, "num_heads": 2, "disable_out_projection": True}
    theirs, mine = pair("Hopfield", scaling=torch.tensor([0.2, 3.0]), **kwargs)
    x = _self()
    for h, beta in enumerate((0.2, 3.0)):
        single = ours.Hopfield(scaling=beta, **kwargs).eval()
        single.load_state_dict(mine.state_dict())
        _close(single(x)[..., 4 * h : 4 * h + 4], mine(x)[..., 4 * h : 4 * h + 4])
    assert not torch.allclose(theirs(x), mine(x), rtol=1e-3, atol=1e-4)


def test_pooling_batch_second_keeps_the_batch_axis():
    theirs, mine = pair("HopfieldPooling", input_size=8, quantity=2, batch_first=False)
    x = _r(N, B, 8)
    assert theirs(x).shape == (2, B * 8)  # hflayers: the batch mixed into the features
    assert mine(x).shape == (B, 2 * 8)
    first = ours.HopfieldPooling(input_size=8, quantity=2).eval()
    first.load_state_dict(mine.state_dict())
    _close(first(x.transpose(0, 1)), mine(x))


def test_hopfield_space_affine_without_hidden_size():
    hf = hflayers()
    kwargs = {"input_size": 8, "normalize_hopfield_space": True, "normalize_hopfield_space_affine": True}
    with pytest.raises(TypeError):
        hf.Hopfield(**kwargs)
    layer = ours.Hopfield(**kwargs)
    assert layer.hopfield_norm_weight.shape == (8,)


def test_normalization_off_with_default_affine_flag():
    hf = hflayers()
    with pytest.raises(AssertionError):
        hf.Hopfield(input_size=8, normalize_stored_pattern=False)
    assert ours.Hopfield(input_size=8, normalize_stored_pattern=False).norm_stored_pattern is None


def test_static_patterns_with_several_heads_stay_in_their_sample():
    """hflayers repeats static patterns along the batch axis (``repeat(1, num_heads, 1)``), so with
    num_heads > 1 and batch > 1 a head of sample b sees the patterns of another sample. Ours does not."""
    kwargs = {"input_size": 8, "num_heads": 2, "stored_pattern_as_static": True, "hidden_size": 8, **OFF}
    theirs, mine = pair("Hopfield", **kwargs)
    x = _triple()
    solo = tuple(t[1:2] for t in x)
    _close(mine(solo)[0], mine(x)[1])
    assert not torch.allclose(theirs(solo)[0], theirs(x)[1], atol=1e-4)
