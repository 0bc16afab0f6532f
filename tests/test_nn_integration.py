"""hopfield.nn inside PyTorch: autocast, torch.compile(fullgraph=True), torch.export, nn.Transformer*."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from helpers import assert_close
from hopfield._tolerances import tolerances
from hopfield.nn import Hopfield, HopfieldDecoderLayer, HopfieldEncoderLayer, HopfieldPooling


def _rand(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def _layer(**kwargs) -> Hopfield:
    torch.manual_seed(0)
    layer = Hopfield(input_size=16, num_heads=4, **kwargs)
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(0.0, 0.3)
    return layer.eval()


def test_bfloat16_autocast_with_additive_bfloat16_mask():
    layer = _layer()
    x = _rand(2, 5, 16)
    mask = torch.zeros(5, 5, dtype=torch.bfloat16)
    mask[0, 1:] = float("-inf")
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = layer(x, association_mask=mask)
        pooled = HopfieldPooling(input_size=16, quantity=2).eval()(x)
    assert out.dtype == torch.bfloat16 and pooled.dtype == torch.bfloat16
    ref = layer(x, association_mask=mask.float())
    t = tolerances(torch.bfloat16)
    torch.testing.assert_close(out.float(), ref, rtol=t.rtol, atol=4 * t.atol)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_layers_compute_in_the_input_dtype(dtype):
    layer = _layer().to(dtype)
    x = _rand(2, 5, 16).to(dtype)
    out = layer(x)
    assert out.dtype == dtype
    ref = _layer().double()(x.double())
    t = tolerances(dtype)
    torch.testing.assert_close(out.double(), ref, rtol=t.rtol, atol=4 * t.atol)


def test_compile_fullgraph_one_update():
    """No graph break on the one-update path (masks included); aot_eager traces forward and backward."""
    torch._dynamo.reset()
    layer = _layer()
    x = _rand(2, 5, 16)
    pad = torch.zeros(2, 5, dtype=torch.bool)
    pad[1, 3:] = True
    compiled = torch.compile(layer, fullgraph=True, backend="aot_eager")
    assert_close(
        compiled(x, stored_pattern_padding_mask=pad), layer(x, stored_pattern_padding_mask=pad), torch.float32
    )
    xg = x.clone().requires_grad_(True)
    compiled(xg).sum().backward()
    assert xg.grad is not None and torch.isfinite(xg.grad).all()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # raised inside torch's inductor
def test_compile_inductor_static_pooling():
    torch._dynamo.reset()
    pool = HopfieldPooling(
        input_size=32,
        stored_pattern_as_static=True,
        state_pattern_as_static=True,
        pattern_projection_as_static=True,
        disable_out_projection=True,
        normalize_stored_pattern=False,
        normalize_state_pattern=False,
        normalize_pattern_projection=False,
        scaling=32**-0.5,
    ).eval()
    keys = _rand(2, 100, 32)
    compiled = torch.compile(pool, fullgraph=True)
    assert_close(compiled((keys, keys)), pool((keys, keys)), torch.float32)


def test_export():
    layer = _layer()
    x = _rand(2, 5, 16)
    program = torch.export.export(layer, (x,))
    assert_close(program.module()(x), layer(x), torch.float32)


@pytest.mark.parametrize("norm_first", [False, True])
def test_inside_transformer_encoder(norm_first):
    torch.manual_seed(0)
    hop = Hopfield(input_size=16, num_heads=4, normalize_stored_pattern=not norm_first)
    layer = HopfieldEncoderLayer(hop, dim_feedforward=32, dropout=0.0, norm_first=norm_first)
    encoder = torch.nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False).eval()
    x = _rand(3, 7, 16)
    pad = torch.zeros(3, 7, dtype=torch.bool)
    pad[2, 5:] = True
    causal = torch.ones(7, 7, dtype=torch.bool).triu(1)  # True: masked out
    out = encoder(x, mask=causal, src_key_padding_mask=pad, is_causal=True)
    assert out.shape == x.shape and torch.isfinite(out).all()
    # the same two layers applied by hand, with the padding as a bool mask
    ref = x
    for mod in encoder.layers:
        ref = mod(ref, src_mask=causal, src_key_padding_mask=pad)
    assert_close(out, ref, torch.float32)
    out.sum().backward()


def test_encoder_layer_post_ln_formula():
    torch.manual_seed(0)
    hop = Hopfield(input_size=16, num_heads=4)
    layer = HopfieldEncoderLayer(hop, dim_feedforward=32, dropout=0.0).eval()
    x = _rand(2, 5, 16)
    a = layer.norm_residual(x + layer.hopfield_association(x))
    ff = layer.linear_output(torch.relu(layer.linear_residual(a)))
    assert_close(layer(x), layer.norm_output(a + ff), torch.float32)
    assert layer.self_attn is layer.hopfield_association
    assert layer.input_size == layer.output_size == 16 and layer.batch_first


def test_import_hopfield_does_not_import_the_layers():
    code = "import sys, hopfield; assert 'hopfield.nn' not in sys.modules; hopfield.nn.Hopfield"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_inside_transformer_decoder():
    torch.manual_seed(0)
    layer = HopfieldDecoderLayer(
        Hopfield(input_size=16, num_heads=4),
        Hopfield(input_size=16, num_heads=2),
        dim_feedforward=32,
        dropout=0.0,
    )
    decoder = torch.nn.TransformerDecoder(layer, num_layers=2).eval()
    tgt, memory = _rand(2, 5, 16), _rand(2, 9, 16, seed=1)
    causal = torch.nn.Transformer.generate_square_subsequent_mask(5)
    out = decoder(tgt, memory, tgt_mask=causal, tgt_is_causal=True)
    assert out.shape == tgt.shape and torch.isfinite(out).all()
    # causality: the first position does not see later targets
    tgt2 = tgt.clone()
    tgt2[:, 3:] += 1.0
    assert_close(decoder(tgt2, memory, tgt_mask=causal)[:, :3], out[:, :3], torch.float32)
