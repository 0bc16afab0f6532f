"""The modules of hopfield.nn: eq. (17) and eq. (534) equivalences, shapes, masks, energy, pooling forms."""

from __future__ import annotations

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from helpers import assert_close
from hopfield import HopfieldInputError, HopfieldTypeError, ModernHopfield
from hopfield.nn import Hopfield, HopfieldLayer, HopfieldPooling
from hopfield.nn.functional import association_energy, hopfield_iterate

D64 = torch.float64
OFF = {
    "normalize_stored_pattern": False,
    "normalize_state_pattern": False,
    "normalize_pattern_projection": False,
}
STATIC = {
    "stored_pattern_as_static": True,
    "state_pattern_as_static": True,
    "pattern_projection_as_static": True,
    "disable_out_projection": True,
    **OFF,
}


def _rand(*shape: int, seed: int = 0, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _randomize(module: torch.nn.Module, std: float = 0.5) -> torch.nn.Module:
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * std)
    return module.eval()


# --------------------------------------------------------------------------------- eq. (17), eq. (534)
def test_static_layer_is_the_modern_update():
    x, xi = _rand(10, 6, dtype=D64), _rand(4, 6, seed=1, dtype=D64)
    layer = Hopfield(scaling=0.8, **STATIC).double()
    assert layer.scaling == 1.0 or True
    assert_close(layer((x, xi, x)), ModernHopfield(x, beta=0.8).update(xi))
    assert Hopfield(**STATIC).scaling == 1.0  # hflayers' default when everything is static


def test_identity_projections_are_the_modern_update():
    x, xi = _rand(10, 6, dtype=D64), _rand(4, 6, seed=1, dtype=D64)
    layer = Hopfield(input_size=6, scaling=0.8, **OFF).double()
    with torch.no_grad():
        for lin in (layer.q_proj, layer.k_proj, layer.v_proj, layer.out_proj):
            lin.weight.copy_(torch.eye(6))
            lin.bias.zero_()
    assert_close(layer((x, xi, x)), ModernHopfield(x, beta=0.8).update(xi))
    # ... and iterating in the association space is retrieval with the same network
    layer.update_steps_max, layer.update_steps_eps = 5, 0.0
    ref = xi
    for _ in range(6):
        ref = ModernHopfield(x, beta=0.8).update(ref)
    assert_close(layer((x, xi, x)), ref)


@pytest.mark.parametrize("extras", [{}, {"add_bias_kv": True}, {"add_zero_attn": True}])
def test_equals_multihead_attention_with_the_same_weights(extras):
    d, h = 8, 2
    mha = _randomize(torch.nn.MultiheadAttention(d, h, batch_first=True, **extras))
    layer = Hopfield(
        input_size=d,
        num_heads=h,
        concat_bias_pattern=extras.get("add_bias_kv", False),
        add_zero_association=extras.get("add_zero_attn", False),
        **OFF,
    ).eval()
    with torch.no_grad():
        w, b = mha.in_proj_weight.chunk(3), mha.in_proj_bias.chunk(3)
        for lin, wi, bi in zip((layer.q_proj, layer.k_proj, layer.v_proj), w, b, strict=True):
            lin.weight.copy_(wi)
            lin.bias.copy_(bi)
        layer.out_proj.load_state_dict(mha.out_proj.state_dict())
        if layer.bias_k is not None:
            layer.bias_k.copy_(mha.bias_k)
            layer.bias_v.copy_(mha.bias_v)
    q, kv = _rand(3, 4, d), _rand(3, 6, d, seed=1)
    pad = torch.zeros(3, 6, dtype=torch.bool)
    pad[1, 4:] = True
    mask = torch.rand(4, 6, generator=torch.Generator().manual_seed(2)) > 0.8
    ref, ref_w = mha(q, kv, kv, key_padding_mask=pad, attn_mask=mask, average_attn_weights=False)
    out, w = layer(
        (kv, q, kv), stored_pattern_padding_mask=pad, association_mask=mask, return_association=True
    )
    assert_close(out, ref, torch.float32)
    assert_close(w, ref_w, torch.float32)


# --------------------------------------------------------------------------------------------- shapes
def test_shapes_batch_first_and_unbatched():
    layer = Hopfield(input_size=8, num_heads=2, output_size=5).eval()
    x = _rand(3, 4, 8)
    out = layer(x)
    assert out.shape == (3, 4, 5)
    second = Hopfield(input_size=8, num_heads=2, output_size=5, batch_first=False).eval()
    second.load_state_dict(layer.state_dict())
    assert_close(second(x.transpose(0, 1)).transpose(0, 1), out, torch.float32)
    assert_close(layer(x[1]), out[1], torch.float32)  # (L, d): one unbatched sample
    mem = _rand(6, 8, seed=1)  # one memory shared by the batch (2-d stored, 3-d state)
    assert_close(layer((mem, x, mem))[2], layer((mem, x[2], mem)), torch.float32)


@pytest.mark.parametrize("batch_first", [True, False])
def test_pooling_output_is_batch_by_features(batch_first):
    pool = HopfieldPooling(input_size=8, quantity=3, output_size=5, batch_first=batch_first).eval()
    x = _rand(2, 6, 8)
    out = pool(x if batch_first else x.transpose(0, 1))
    assert out.shape == (2, 15)
    first = HopfieldPooling(input_size=8, quantity=3, output_size=5).eval()
    first.load_state_dict(pool.state_dict())
    assert_close(out, first(x), torch.float32)
    assert_close(pool(x[1] if batch_first else x.transpose(0, 1)[:, 1]), out[1], torch.float32)


def test_lookup_layer_shares_one_memory():
    layer = _randomize(HopfieldLayer(input_size=8, quantity=5, lookup_weights_as_separated=True, num_heads=2))
    x = _rand(3, 4, 8)
    out, w = layer(x, return_association=True)
    assert out.shape == (3, 4, 8) and w.shape == (3, 2, 4, 5)
    hop = layer.hopfield
    mem = layer.lookup_weights.detach()
    ref = hop((mem.expand(3, 5, 8), x, layer.target_weights.detach().expand(3, 5, 8)))
    assert_close(out, ref, torch.float32)


# ------------------------------------------------------------------------------------- static pooling
def _deeprc_pooling() -> HopfieldPooling:
    """004's paper: one learned query, keys from the caller, values the raw embeddings, beta 1/sqrt(32)."""
    return HopfieldPooling(input_size=32, scaling=32**-0.5, **STATIC).eval()


class _Allocations(TorchDispatchMode):
    """The largest tensor any operator creates (views of existing storage excluded), in elements."""

    def __init__(self) -> None:
        super().__init__()
        self.largest = 0
        self.seen: set[int] = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for a in torch.utils._pytree.tree_leaves((args, kwargs)):
            if isinstance(a, torch.Tensor):
                self.seen.add(a.untyped_storage().data_ptr())
        for t in torch.utils._pytree.tree_leaves(out):
            if isinstance(t, torch.Tensor) and t.untyped_storage().data_ptr() not in self.seen:
                self.largest = max(self.largest, t.numel())
                self.seen.add(t.untyped_storage().data_ptr())
        return out


def test_static_pooling_configuration():
    pool = _deeprc_pooling()
    assert pool.pooling_weights.shape == (1, 32) and sum(p.numel() for p in pool.parameters()) == 32
    b, n = 3, 4096
    keys, values = _rand(b, n, 32), _rand(b, n, 32, seed=1)
    pad = torch.zeros(b, n, dtype=torch.bool)
    pad[0, 1000:] = True
    with torch.no_grad(), _Allocations() as alloc:
        out, w = pool((keys, values), stored_pattern_padding_mask=pad, return_association=True)
    assert alloc.largest <= b * n  # nothing beyond (B, 1, N): no copy of keys or values, no score matrix
    assert out.shape == (b, 32) and w.shape == (b, 1, 1, n)
    q = pool.pooling_weights.detach()[0]
    scores = (keys @ q) * 32**-0.5
    p = torch.softmax(scores.masked_fill(pad, float("-inf")), dim=-1)
    assert_close(w[:, 0, 0], p, torch.float32)
    assert_close(out, torch.einsum("bn,bnd->bd", p, values), torch.float32)


def test_ragged_pooling_equals_padded():
    pool = _randomize(
        HopfieldPooling(input_size=8, quantity=2, num_heads=2, update_steps_max=2, update_steps_eps=0)
    )
    lengths = [3, 7, 1, 5]
    x = _rand(sum(lengths), 8)
    offsets = torch.tensor([0, *torch.tensor(lengths).cumsum(0).tolist()])
    padded = torch.zeros(4, 7, 8)
    pad = torch.ones(4, 7, dtype=torch.bool)
    for i, (a, n) in enumerate(zip(offsets[:-1].tolist(), lengths, strict=True)):
        padded[i, :n], pad[i, :n] = x[a : a + n], False
    out_r, w_r = pool(x, offsets=offsets, return_association=True)
    out_p, w_p = pool(padded, stored_pattern_padding_mask=pad, return_association=True)
    assert_close(out_r, out_p, torch.float32)
    assert w_r.shape == (16, 2, 2)
    for i, (a, n) in enumerate(zip(offsets[:-1].tolist(), lengths, strict=True)):
        assert_close(w_r[a : a + n].permute(1, 2, 0), w_p[i, :, :, :n], torch.float32)
    static = _deeprc_pooling()
    out_s, w_s = static((x.repeat(1, 4), x.repeat(1, 4)), offsets=offsets, return_association=True)
    assert out_s.shape == (4, 32) and w_s.shape == (16, 1, 1)
    assert_close(
        torch.zeros(4).index_add(
            0, torch.repeat_interleave(torch.arange(4), torch.tensor(lengths)), w_s[:, 0, 0]
        ),
        torch.ones(4),
        torch.float32,
    )


@pytest.mark.parametrize(
    ("offsets", "match"),
    [
        (torch.tensor([0, 3, 3, 16]), "no empty bag"),
        (torch.tensor([1, 16]), "bag boundaries"),
        (torch.tensor([0, 15]), "bag boundaries"),
        (torch.tensor([0.0, 16.0]), "int64"),
    ],
)
def test_ragged_offsets_are_checked(offsets, match):
    with pytest.raises(HopfieldInputError, match=match):
        _deeprc_pooling()(_rand(16, 32), offsets=offsets)


# --------------------------------------------------------------------------------------------- masks
def _masked_layer() -> tuple[Hopfield, torch.Tensor, torch.Tensor]:
    return _randomize(Hopfield(input_size=8, num_heads=2)), _rand(3, 4, 8), _rand(3, 6, 8, seed=1)


@pytest.mark.parametrize("dtype", [torch.uint8, torch.float16, torch.bfloat16, torch.float32, torch.float64])
@pytest.mark.parametrize("which", ["association", "padding"])
def test_masks_of_every_dtype_agree_with_bool(dtype, which):
    layer, x, y = _masked_layer()
    g = torch.Generator().manual_seed(5)
    masked = torch.rand((4, 6) if which == "association" else (3, 6), generator=g) > 0.6
    masked[..., 0] = False
    other = (
        masked.to(dtype)
        if dtype == torch.uint8
        else torch.zeros(masked.shape, dtype=dtype).masked_fill(masked, float("-inf"))
    )
    name = "association_mask" if which == "association" else "stored_pattern_padding_mask"
    assert_close(layer((y, x, y), **{name: other}), layer((y, x, y), **{name: masked}), torch.float32)


def test_association_mask_shapes_agree():
    layer, x, y = _masked_layer()
    m4 = torch.rand(3, 2, 4, 6, generator=torch.Generator().manual_seed(5)) > 0.6
    ref = layer((y, x, y), association_mask=m4)
    assert_close(layer((y, x, y), association_mask=m4.reshape(6, 4, 6)), ref, torch.float32)
    m2 = m4[0, 0]
    assert_close(
        layer((y, x, y), association_mask=m2),
        layer((y, x, y), association_mask=m2[None, None]),
        torch.float32,
    )


@pytest.mark.parametrize(
    ("kwargs", "cls", "argument"),
    [
        ({"association_mask": torch.zeros(4, 5, dtype=torch.bool)}, HopfieldInputError, "association_mask"),
        (
            {"association_mask": torch.zeros(5, 4, 6, dtype=torch.bool)},
            HopfieldInputError,
            "association_mask",
        ),
        ({"association_mask": torch.zeros(4, 6, dtype=torch.int32)}, HopfieldTypeError, "association_mask"),
        (
            {"stored_pattern_padding_mask": torch.zeros(3, 5, dtype=torch.bool)},
            HopfieldInputError,
            "stored_pattern_padding_mask",
        ),
        ({"stored_pattern_padding_mask": [[0] * 6] * 3}, HopfieldTypeError, "stored_pattern_padding_mask"),
    ],
)
def test_bad_masks(kwargs, cls, argument):
    layer, x, y = _masked_layer()
    with pytest.raises(cls) as info:
        layer((y, x, y), **kwargs)
    assert info.value.argument == argument


# --------------------------------------------------------------------------------------------- energy
def test_energy_method_and_its_descent():
    layer, x, y = _masked_layer()
    layer = layer.double()
    x, y = x.double(), y.double()
    pad = torch.zeros(3, 6, dtype=torch.bool)
    pad[0, 3:] = True
    e = layer.energy((y, x, y), stored_pattern_padding_mask=pad)
    assert e.shape == (3, 2, 4)
    pr = layer.project((y, x, y))
    beta = layer.scaling
    keep = ~pad[:, None, None, :]
    assert_close(e, association_energy(pr.q, pr.k, beta, keep))
    assert_close(e[1, 0], ModernHopfield(pr.k[1, 0], beta=beta).energy(pr.q[1, 0]))
    state = pr.q
    for _ in range(4):
        state, _ = hopfield_iterate(state, pr.k, beta, attn_mask=keep, max_steps=1, eps=0.0)
        e_new = layer.energy((y, x, y), stored_pattern_padding_mask=pad, state=state)
        assert bool((e_new <= e + 1e-12).all())
        e = e_new


# ------------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"input_size": 8, "num_heads": 3}, "num_heads"),
        ({"input_size": 8, "update_steps_max": -1}, "update_steps_max"),
        ({"input_size": 8, "update_steps_eps": -1e-4}, "update_steps_eps"),
        ({"input_size": 8, "dropout": 1.5}, "dropout"),
        ({"input_size": 8, "num_heads": 2, "scaling": torch.ones(3)}, "scaling"),
        ({"input_size": 8, "scaling": -1.0}, "scaling"),
        ({"input_size": 8, "association": "hardmax"}, "association"),
        ({"input_size": 8, "association_activation": "no_such_fn"}, "association_activation"),
        ({"hidden_size": 4}, "input_size"),
        ({"input_size": 8, "batch_first": 1}, "batch_first"),
    ],
)
def test_bad_constructor_arguments(kwargs, argument):
    with pytest.raises(HopfieldInputError) as info:
        Hopfield(**kwargs)
    assert info.value.argument == argument


@pytest.mark.parametrize(
    ("inputs", "argument"),
    [
        (lambda: _rand(3, 4, 7), "stored_pattern"),
        (lambda: (_rand(3, 6, 8), _rand(3, 4, 7), _rand(3, 6, 8)), "state_pattern"),
        (lambda: (_rand(3, 6, 8), _rand(3, 4, 8), _rand(3, 5, 8)), "pattern_projection"),
        (lambda: (_rand(2, 6, 8), _rand(3, 4, 8), _rand(2, 6, 8)), "stored_pattern"),
        (lambda: _rand(2, 3, 4, 8), "stored_pattern"),
        (lambda: _rand(3, 4, 8).long(), "stored_pattern"),
        (lambda: [1.0, 2.0], "input"),
    ],
)
def test_bad_forward_input(inputs, argument):
    layer = Hopfield(input_size=8, num_heads=2)
    with pytest.raises(HopfieldInputError) as info:
        layer(inputs())
    assert info.value.argument == argument


def test_hflayers_properties():
    pool = HopfieldPooling(input_size=8, num_heads=2, quantity=3, normalize_stored_pattern=False)
    assert (pool.hidden_size, pool.input_size, pool.quantity, pool.scaling) == (4, 8, 3, 0.5)
    assert not pool.normalize_stored_pattern and pool.normalize_state_pattern_affine
    lookup = HopfieldLayer(input_size=8, quantity=5, normalize_stored_pattern_affine=False)
    assert lookup.normalize_stored_pattern and not lookup.normalize_stored_pattern_affine
    with pytest.raises(AttributeError):
        _ = pool.no_such_attribute
