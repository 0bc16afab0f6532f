"""The seed-003 layers (003 §4.1-§4.4): parameter counts, shapes, and the listings' equations.

Oracles: the seed's Listings 4.1-4.3 written out literally (einsum/conv2d/softmax forms, with the
listing's ``requires_grad(False)`` call replaced by the ``.detach()`` it means), ``ModernHopfield.update``
iterated in pattern space, and ``conv_transpose2d``.
"""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers import assert_close
from hopfield import ModernHopfield
from hopfield.nn import VHNN, ConvexMerge, ConvHNN2d, DeepHNN, GeneralizedHopfield, sphere_index

D64 = torch.float64


def _rand(*shape: int, seed: int = 0, dtype: torch.dtype = D64) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _trainable(*modules: nn.Module) -> int:
    return sum(p.numel() for m in modules for p in m.parameters() if p.requires_grad)


# ------------------------------------------------------------------------------- parameter counts
def test_cnn_deephnn_merge_model_has_56440_trainable_parameters():
    """003 §4.2 "DeepHNN as MLP": conv 85 + patterns 56,250 + bias 50 + log-beta 5 + merge 50."""
    conv = nn.Conv2d(1, 5, 4, stride=2)
    deep = DeepHNN(5, 10, 5, 225)
    merge = ConvexMerge(5, 10)
    assert _trainable(conv) == 85
    assert tuple(deep.patterns.shape) == (5, 50, 225) and deep.patterns.numel() == 56_250
    assert tuple(deep.bias.shape) == (5, 10) and tuple(deep.log_beta.shape) == (5,)
    assert tuple(merge.weight.shape) == (5, 10)
    assert _trainable(conv, deep, merge) == 56_440
    x = _rand(3, 1, 32, 32, dtype=torch.float32)
    assert conv(x).flatten(2).shape == (3, 5, 225)
    assert merge(deep(conv(x).flatten(2))).shape == (3, 10)


def test_denoiser_parameter_count():
    """003 §4.3: ConvHNN2d(1, 9, 5x5) 235 + Conv2d(9, 3, 3x3) 246 + ConvTranspose2d(3, 9, 3x3) 252 = 733.

    The seed's text says 742, its notebook prints 733 for this architecture (docs/seed003.md).
    """
    hop = ConvHNN2d(1, 9, 5, iterations=2)
    assert _trainable(hop) == 9 * 25 + 9 + 1
    assert _trainable(hop, nn.Conv2d(9, 3, 3), nn.ConvTranspose2d(3, 9, 3)) == 733


def test_frozen_parameters_are_kept_but_not_trained():
    deep = DeepHNN(2, 3, 2, 4, train_beta=False, train_patterns=False, train_bias=False)
    assert _trainable(deep) == 0
    assert set(deep.state_dict()) == {"log_beta", "patterns", "bias"}
    assert _trainable(DeepHNN(2, 3, 2, 4, bias=False)) == 2 + 2 * 6 * 4
    assert "bias" not in DeepHNN(2, 3, 2, 4, bias=False).state_dict()
    vh = VHNN(2, 3, 4, train_eta=False)
    assert _trainable(vh) == 2 + 2 * 3 * 4 and "log_eta" in vh.state_dict()
    gen = GeneralizedHopfield(2, 3, 2, 4, rank=5, train_encoder=False)
    assert _trainable(gen) == 2 * 5 * 6 + 2 * 3
    conv = ConvHNN2d(2, 3, (2, 3), train_beta=False, bias=False)
    assert _trainable(conv) == 3 * 2 * 6


def test_load_state_dict_round_trip():
    a, b = DeepHNN(2, 3, 2, 4, beta=0.5), DeepHNN(2, 3, 2, 4, beta=2.0)
    b.load_state_dict(a.state_dict())
    x = _rand(5, 2, 4, dtype=torch.float32)
    assert torch.equal(a(x), b(x))


# ---------------------------------------------------------------------------------------- shapes
@pytest.mark.parametrize(
    ("channels", "features", "deep", "neurons", "iterations", "bias", "batch"),
    list(itertools.product((1, 3), (1, 4), (1, 3), (1, 7), (0, 1, 3), (True, False), (1, 5))),
)
def test_deephnn_shapes(channels, features, deep, neurons, iterations, bias, batch):
    m = DeepHNN(channels, features, deep, neurons, iterations, bias=bias, generator=_gen())
    x = _rand(batch, channels, neurons, dtype=torch.float32)
    assert m.logits(x).shape == (batch, channels, deep * features)
    out = m(x)
    assert out.shape == (batch, channels, features) and out.dtype == torch.float32
    g = GeneralizedHopfield(channels, features, deep, neurons, iterations, bias=bias, generator=_gen())
    assert g(x).shape == (batch, channels, features)
    assert ConvexMerge(channels, features)(out).shape == (batch, features)


@pytest.mark.parametrize(
    ("channels", "features", "neurons", "iterations", "batch"),
    list(itertools.product((1, 3), (1, 4), (1, 6), (0, 1, 2), (1, 4))),
)
def test_vhnn_shapes(channels, features, neurons, iterations, batch):
    m = VHNN(channels, features, neurons, iterations, eta=0.3, generator=_gen())
    x = _rand(batch, channels, neurons, dtype=torch.float32)
    assert m(x, _gen(1)).shape == (batch, channels, neurons)
    traj = m.trajectory(x, 3, _gen(1))
    assert traj.shape == (3, batch, channels, neurons)
    assert m.sphere_index(traj).shape == (3, batch, channels)


CONV_CASES = list(
    itertools.product(
        (1, 2),  # channels_in
        (1, 3),  # channels_out
        (1, 3, (2, 3)),  # kernel_size
        (1, 2),  # stride
        (0, 1, (2, 0)),  # padding
        (1, 2),  # dilation
        (0, 2),  # iterations
    )
)


@pytest.mark.parametrize(("c_in", "c_out", "kernel", "stride", "padding", "dilation", "iters"), CONV_CASES)
def test_convhnn2d_shapes_match_conv2d_and_its_transpose(
    c_in, c_out, kernel, stride, padding, dilation, iters
):
    m = ConvHNN2d(c_in, c_out, kernel, stride, padding, dilation, iters, generator=_gen())
    ref = nn.Conv2d(c_in, c_out, kernel, stride, padding, dilation)
    x = _rand(2, c_in, 9, 8, dtype=torch.float32)
    out = m(x)
    assert out.shape == ref(x).shape
    back = m.transposed(out)
    expect = F.conv_transpose2d(F.softmax(out, dim=1), m.patterns, None, stride, padding, 0, 1, dilation)
    assert back.shape == expect.shape
    assert_close(back, expect, torch.float32, scale=10.0)
    if stride == 2:  # the input size itself is a valid output size too
        assert m.transposed(out, output_size=(9, 8)).shape == (2, c_in, 9, 8)


# ------------------------------------------------------------------------ the listings' equations
def _listing_41(m: DeepHNN, x: torch.Tensor) -> torch.Tensor:
    """Listing 4.1 literally (logit form: l = beta X^T xi; l <- A_beta softmax(l))."""
    lmat = torch.exp(m.log_beta).view(m.channels, 1, 1) * m.patterns
    a = torch.einsum("cin,cjn->cij", lmat, m.patterns)
    y = torch.einsum("cln,bcn->bcl", lmat, x)
    for _ in range(m.iterations):
        y = torch.einsum("clp,bcp->bcl", a, F.softmax(y, dim=2))
    y = y.view(-1, m.channels, m.features, m.deep).max(dim=3).values
    return y + m.bias.view(1, m.channels, m.features)


@pytest.mark.parametrize("iterations", [0, 1, 2, 5])
def test_deephnn_is_listing_41(iterations):
    beta = torch.tensor([0.3, 1.0, 2.5], dtype=D64)
    m = DeepHNN(3, 4, 3, 10, iterations, beta=beta, patterns=_rand(3, 12, 10, seed=1), dtype=D64)
    with torch.no_grad():
        m.bias.copy_(_rand(3, 4, seed=2))
    x = _rand(6, 3, 10, seed=3)
    assert_close(m(x), _listing_41(m, x))


@pytest.mark.parametrize("iterations", [0, 1, 3])
def test_deephnn_loop_is_modern_update_in_pattern_space(iterations):
    """l = beta X^T xi with xi iterated by ModernHopfield(X, beta).update (003 §4.1, 004 eq. (17))."""
    beta = [0.4, 1.7]
    pats = _rand(2, 6, 9, seed=4)
    m = DeepHNN(2, 3, 2, 9, iterations, beta=torch.tensor(beta, dtype=D64), patterns=pats, dtype=D64)
    x = _rand(5, 2, 9, seed=5)
    for c in range(2):
        net = ModernHopfield(pats[c], beta=beta[c])
        xi = x[:, c]
        for _ in range(iterations):
            xi = net.update(xi)
        assert_close(m.logits(x)[:, c], beta[c] * xi @ pats[c].T)


@pytest.mark.parametrize("iterations", [0, 1, 3])
def test_convhnn2d_is_listing_42(iterations):
    m = ConvHNN2d(2, 4, 3, stride=2, padding=1, dilation=1, iterations=iterations, beta=0.7, dtype=D64)
    with torch.no_grad():
        m.patterns.copy_(_rand(4, 2, 3, 3, seed=6))
        m.bias.copy_(_rand(4, seed=7))
    x = _rand(3, 2, 11, 10, seed=8)
    beta = torch.exp(m.log_beta)
    flat = m.patterns.view(4, -1)
    loop = (beta * flat @ flat.T).view(4, 4, 1, 1)
    y = F.conv2d(x, beta * m.patterns, stride=2, padding=1, dilation=1)
    for _ in range(iterations):
        y = F.conv2d(F.softmax(y, dim=1), loop)
    assert_close(m(x), y + m.bias.view(1, 4, 1, 1))


def test_generalized_loop_is_m_transpose_m():
    m = GeneralizedHopfield(2, 3, 2, 5, iterations=3, rank=4, dtype=D64, generator=_gen(9))
    a = m.loop_matrix()
    assert_close(a, a.transpose(-1, -2))
    assert bool((torch.linalg.eigvalsh(a) > -1e-12).all())
    x = _rand(4, 2, 5, seed=10)
    y = torch.einsum("bcn,cpn->bcp", x, m.encoder)
    for _ in range(3):
        y = torch.einsum("cij,bcj->bci", a, F.softmax(y, dim=-1))
    assert_close(m.logits(x), y)
    assert_close(m(x), y.view(4, 2, 3, 2).amax(-1) + m.bias)


def test_convex_merge_is_a_convex_combination_of_channels():
    m = ConvexMerge(3, 4, dtype=D64)
    with torch.no_grad():
        m.weight.copy_(_rand(3, 4, seed=11))
    w = m.weights()
    assert bool((w > 0).all())
    assert_close(w.sum(0), torch.ones(4, dtype=D64))
    x = _rand(5, 3, 4, seed=12)
    assert_close(m(x), torch.einsum("bcf,cf->bf", x, w))
    same = _rand(5, 1, 4, seed=13).expand(5, 3, 4)
    assert_close(m(same), same[:, 0])  # a convex merge of equal channels is that channel


def _listing_43(m: VHNN, x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Listing 4.3 literally, with ``.detach()`` for the listing's ``.detach().requires_grad(False)``."""
    lmat = torch.exp(m.log_beta / 2).view(-1, 1, 1) * m.patterns
    y = torch.exp(m.log_beta / 2).view(1, -1, 1) * x
    for _ in range(m.iterations):
        y = F.softmax(torch.einsum("cfn,bcn->bcf", lmat, y), dim=2)
        eps = torch.randn(y.shape, generator=g, dtype=y.dtype)
        ydet = y.detach()
        y = y + torch.exp(m.log_eta).view(1, -1, 1) * (ydet * (1 - ydet)) ** 0.5 * eps
        y = torch.einsum("cfn,bcf->bcn", lmat, y)
    return torch.exp(-m.log_beta / 2).view(1, -1, 1) * y


def test_listing_43_as_printed_raises():
    """The seed's ``x.detach().requires_grad(False)``: ``requires_grad`` is an attribute, not a method."""
    with pytest.raises(TypeError):
        torch.ones(2).detach().requires_grad(False)


@pytest.mark.parametrize("iterations", [1, 3])
def test_vhnn_is_listing_43(iterations):
    beta, eta = torch.tensor([0.5, 2.0], dtype=D64), torch.tensor([0.3, 0.8], dtype=D64)
    m = VHNN(2, 5, 8, iterations, beta=beta, eta=eta, patterns=_rand(2, 5, 8, seed=14), dtype=D64)
    x = _rand(4, 2, 8, seed=15)
    out = m(x, _gen(16))
    ref = _listing_43(m, x, _gen(16))
    assert_close(out, ref)
    # the gradient treats the square root as a constant, as the listing means
    (ga,) = torch.autograd.grad(out.square().sum(), m.patterns)
    (gb,) = torch.autograd.grad(ref.square().sum(), m.patterns)
    assert_close(ga, gb)


@pytest.mark.parametrize("iterations", [1, 4])
def test_vhnn_with_eta_to_zero_is_the_deterministic_loop(iterations):
    pats = _rand(2, 6, 7, seed=17)
    m = VHNN(
        2, 6, 7, iterations, beta=torch.tensor([0.5, 1.5], dtype=D64), eta=1e-14, patterns=pats, dtype=D64
    )
    x = _rand(3, 2, 7, seed=18)
    out = m(x, _gen(19))
    for c, b in enumerate((0.5, 1.5)):
        ref = x[:, c]
        for _ in range(iterations):
            ref = ModernHopfield(pats[c], beta=b).update(ref)
        assert_close(out[:, c], ref)
    noisy = VHNN(2, 6, 7, iterations, eta=0.5, patterns=pats, dtype=D64)(x, _gen(19))
    assert not torch.allclose(noisy, out)


def test_vhnn_noise_has_the_bernoulli_variance():
    """S - p = diag(sqrt(p(1-p))) eps, eps ~ N(0, eta^2): with X = I the state is S itself."""
    n, eta = 4, 0.3
    m = VHNN(1, n, n, 1, beta=1.0, eta=eta, patterns=torch.eye(n, dtype=D64)[None], dtype=D64)
    x = torch.tensor([[[1.0, 0.5, -0.2, 0.0]]], dtype=D64).expand(40_000, 1, n)
    s = m(x, _gen(20))[:, 0]
    p = torch.softmax(x[0, 0], dim=0)
    assert_close(s.mean(0), p, D64, scale=3e7)  # atol 3e-3: 4 standard errors of the mean
    torch.testing.assert_close(s.var(0), eta**2 * p * (1 - p), rtol=0.05, atol=0.0)


def test_vhnn_randomness_comes_from_the_generator():
    m = VHNN(1, 3, 5, 2, eta=0.5, generator=_gen(21))
    x = _rand(2, 1, 5, dtype=torch.float32)
    assert torch.equal(m(x, _gen(1)), m(x, _gen(1)))
    assert not torch.equal(m(x, _gen(1)), m(x, _gen(2)))
    traj = m.trajectory(x, 2, _gen(1))
    assert torch.equal(traj[-1], m(x, _gen(1)))  # step t of the trajectory is forward with t+1 steps
    assert not traj.requires_grad


def test_sphere_index():
    pats = torch.tensor([[3.0, 0.0], [0.0, 4.0], [-3.0, 0.0]], dtype=D64)
    beta = 0.01
    r = 1 / (beta * 3 * 4.0)  # 1 / (beta N M) = 8.33: spheres overlap, the nearest pattern wins
    rows = [[3.1, 0.0], [0.0, 3.5], [100.0, 0.0], [-3.0, -(r - 1e-6)], [-3.0, -(r + 1e-6)]]
    states = torch.tensor(rows, dtype=D64)
    got = sphere_index(states, pats, beta)
    assert got.tolist() == [0, 1, -1, 2, -1]  # the last two just inside and just outside S_2
    assert got.dtype == torch.int64
    assert sphere_index(states, pats, beta, radius=0.2).tolist() == [0, -1, -1, -1, -1]
    # channel form: (..., C, n) states against (C, N, n) patterns, one beta per channel
    two = torch.stack([pats, 2 * pats])
    st = torch.stack([states[:2], 2 * states[:2]], dim=1)  # (2, C=2, n)
    assert sphere_index(st, two, torch.tensor([beta, beta], dtype=D64)).tolist() == [[0, 0], [1, 1]]


def test_every_softmax_step_is_the_one_update(monkeypatch):
    """The loops call hopfield.nn.functional.hopfield_update once per step (no copy of the update)."""
    import hopfield.nn._conv_hnn as conv_mod
    import hopfield.nn._hnn as core
    from hopfield.nn.functional import hopfield_update

    calls: list[int] = []

    def counting(*args, **kwargs):
        calls.append(1)
        return hopfield_update(*args, **kwargs)

    monkeypatch.setattr(core, "hopfield_update", counting)
    monkeypatch.setattr(conv_mod, "hopfield_update", counting)
    x = _rand(2, 3, 6, dtype=torch.float32)
    cases = [
        (lambda: DeepHNN(3, 2, 2, 6, 4)(x), 4),
        (lambda: GeneralizedHopfield(3, 2, 2, 6, 3)(x), 3),
        (lambda: VHNN(3, 4, 6, 5)(x, _gen()), 5),
        (lambda: ConvHNN2d(1, 4, 3, iterations=2)(_rand(2, 1, 6, 6, dtype=torch.float32)), 2),
        (lambda: ConvHNN2d(1, 4, 3).transposed(_rand(2, 4, 4, 4, dtype=torch.float32)), 1),
    ]
    for run, expected in cases:
        calls.clear()
        run()
        assert len(calls) == expected
