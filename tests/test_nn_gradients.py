"""Gradients of the Hopfield layer: the closed forms of 004 eqs. (409), (423), (428), corrected, against
autograd in float64; ``torch.autograd.gradcheck`` on every module.

Seed notation: patterns are the columns of ``X`` ``(d_x, N)``, the query is ``xi`` ``(d_xi,)``,
``W_Q`` ``(d, d_xi)``, ``W_K`` ``(d, d_x)``, ``p = softmax(beta X^T W_K^T W_Q xi)``, ``y = X p`` and
``a`` any vector of size ``d_x``; ``J = diag(p) - p p^T``. The exact derivatives (docs/layers.md):

- (409), one map ``W`` ``(d_xi, d_x)``, ``p = softmax(beta X^T W^T xi)``:
  ``d(a^T y)/dW = beta xi a^T X J X^T`` (the seed prints ``beta X J X^T (xi^T a)``: ``xi^T a`` is no
  scalar when ``d_xi != d_x``; what stands there is the outer product, i.e. the printed matrix is the
  derivative with respect to ``W^T`` once ``(xi^T a)`` reads ``a xi^T`` on the right);
- (423): ``d(a^T y)/dW_Q = beta W_K X J X^T a xi^T`` (printed: ``beta X J X^T W_K^T (xi^T a)``);
- (428): ``d(a^T y)/dW_K = beta W_Q xi a^T X J X^T`` (printed: ``beta X J X^T ((W_Q)^T xi^T a)``, where
  ``(W_Q)^T xi`` does not even have the right size: it is ``W_Q xi``).
"""

from __future__ import annotations

import pytest
import torch

from helpers import assert_close
from hopfield.nn import Hopfield, HopfieldDecoderLayer, HopfieldEncoderLayer, HopfieldLayer, HopfieldPooling
from hopfield.nn.functional import hopfield_attention, hopfield_update

D64 = torch.float64


def _setup(d_xi: int = 5, d_x: int = 4, d: int = 3, n: int = 6, beta: float = 0.7, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(d_x, n, generator=g, dtype=D64)
    xi = torch.randn(d_xi, generator=g, dtype=D64)
    wq = torch.randn(d, d_xi, generator=g, dtype=D64, requires_grad=True)
    wk = torch.randn(d, d_x, generator=g, dtype=D64, requires_grad=True)
    a = torch.randn(d_x, generator=g, dtype=D64)
    return x, xi, wq, wk, a, beta


def _jacobian_core(x: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """``X (diag(p) - p p^T) X^T``."""
    return x @ (torch.diag(p) - torch.outer(p, p)) @ x.T


def test_eq_409_single_map():
    x, xi, _, _, a, beta = _setup()
    w = torch.randn(xi.shape[0], x.shape[0], dtype=D64, requires_grad=True)  # (d_xi, d_x)
    p = torch.softmax(beta * x.T @ w.T @ xi, dim=0)
    (a @ (x @ p)).backward()
    p = p.detach()
    closed = beta * torch.outer(xi, a) @ _jacobian_core(x, p)  # (d_xi, d_x)
    assert_close(w.grad, closed)
    # the printed form read as the derivative w.r.t. W^T, with (xi^T a) -> a xi^T on the right
    assert_close(w.grad.T, beta * _jacobian_core(x, p) @ torch.outer(a, xi))


def test_eq_409_printed_scalar_form_is_wrong():
    """With d_xi = d_x the printed ``beta X J X^T (xi^T a)`` is defined, and it is not the derivative."""
    x, xi, _, _, a, beta = _setup(d_xi=4, d_x=4)
    w = torch.randn(4, 4, dtype=D64, requires_grad=True)
    p = torch.softmax(beta * x.T @ w.T @ xi, dim=0)
    (a @ (x @ p)).backward()
    printed = beta * _jacobian_core(x, p.detach()) * (xi @ a)
    assert not torch.allclose(w.grad, printed, rtol=1e-3, atol=1e-6)
    assert not torch.allclose(w.grad.T, printed, rtol=1e-3, atol=1e-6)


def test_eq_423_and_428():
    x, xi, wq, wk, a, beta = _setup()
    p = torch.softmax(beta * x.T @ wk.T @ wq @ xi, dim=0)
    (a @ (x @ p)).backward()
    core = _jacobian_core(x, p.detach())
    wq_, wk_ = wq.detach(), wk.detach()
    assert_close(wq.grad, beta * wk_ @ core @ torch.outer(a, xi))  # (423), (d, d_xi)
    assert_close(wk.grad, beta * torch.outer(wq_ @ xi, a) @ core)  # (428), (d, d_x)


def test_closed_forms_through_the_layer():
    """The same derivatives through ``Hopfield``: static values (y = X p), no norms, no biases."""
    x, xi, wq, wk, a, beta = _setup(d_xi=5, d_x=4, d=3)
    layer = Hopfield(
        input_size=5,
        hidden_size=3,
        stored_pattern_size=4,
        pattern_size=4,
        scaling=beta,
        pattern_projection_as_static=True,
        disable_out_projection=True,
        input_bias=False,
        normalize_stored_pattern=False,
        normalize_state_pattern=False,
        normalize_pattern_projection=False,
    ).double()
    with torch.no_grad():
        layer.q_proj.weight.copy_(wq)
        layer.k_proj.weight.copy_(wk)
    stored = x.T[None]  # rows are patterns: (1, N, d_x)
    y = layer((stored, xi[None, None], stored))[0, 0]  # (d_x,)
    (a @ y).backward()
    p = torch.softmax(beta * x.T @ wk.detach().T @ wq.detach() @ xi, dim=0)
    core = _jacobian_core(x, p)
    assert_close(layer.q_proj.weight.grad, beta * wk.detach() @ core @ torch.outer(a, xi))
    assert_close(layer.k_proj.weight.grad, beta * torch.outer(wq.detach() @ xi, a) @ core)


def _inputs(*shapes: tuple[int, ...], seed: int = 0) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(s, generator=g, dtype=D64, requires_grad=True) for s in shapes]


def test_gradcheck_hopfield_update_with_beta_per_head():
    q, k, v = _inputs((2, 2, 3, 4), (2, 5, 4), (2, 5, 3))
    beta = torch.tensor([[0.5], [1.3]], dtype=D64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda *t: hopfield_update(*t), (q, k, v, beta), fast_mode=True)


def test_gradcheck_iterated_attention():
    r, y = _inputs((2, 3, 4), (2, 5, 4))
    w = _inputs((4, 4), (4, 4), (4, 4), seed=1)

    def f(r, y, wq, wk, wv):
        return hopfield_attention(
            r, y, num_heads=2, q_weight=wq, k_weight=wk, v_weight=wv, update_steps_max=2, update_steps_eps=0.0
        ).output

    assert torch.autograd.gradcheck(f, (r, y, *w), fast_mode=True)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Hopfield(input_size=4, num_heads=2, update_steps_max=1, update_steps_eps=0.0),
        lambda: HopfieldPooling(input_size=4, quantity=2, num_heads=2, concat_bias_pattern=True),
        lambda: HopfieldLayer(input_size=4, quantity=3, lookup_weights_as_separated=True),
        lambda: HopfieldEncoderLayer(Hopfield(input_size=4, num_heads=2), dim_feedforward=6, dropout=0.0),
        lambda: HopfieldEncoderLayer(
            Hopfield(input_size=4, num_heads=2), dim_feedforward=6, dropout=0.0, norm_first=True
        ),
    ],
    ids=["Hopfield", "HopfieldPooling", "HopfieldLayer", "HopfieldEncoderLayer", "pre-LN"],
)
def test_gradcheck_modules(make):
    torch.manual_seed(0)
    module = make().double()
    for p in module.parameters():
        torch.nn.init.normal_(p, std=0.5)
    (x,) = _inputs((2, 3, 4))
    names = [n for n, p in module.named_parameters() if p.requires_grad]
    params = [module.get_parameter(n) for n in names]

    def f(x, *ps):
        return torch.func.functional_call(module, dict(zip(names, ps, strict=True)), (x,))

    assert torch.autograd.gradcheck(f, (x, *params), fast_mode=True)


def test_gradcheck_ragged_pooling():
    torch.manual_seed(0)
    pool = HopfieldPooling(input_size=4, quantity=2, num_heads=2, update_steps_max=1, update_steps_eps=0.0)
    pool = pool.double()
    (x,) = _inputs((7, 4))
    offsets = torch.tensor([0, 2, 3, 7])
    assert torch.autograd.gradcheck(lambda t: pool(t, offsets=offsets), (x,), fast_mode=True)


def test_gradcheck_decoder_layer():
    torch.manual_seed(0)
    layer = HopfieldDecoderLayer(
        Hopfield(input_size=4, num_heads=2), Hopfield(input_size=4), dim_feedforward=6, dropout=0.0
    ).double()
    tgt, memory = _inputs((2, 3, 4), (2, 5, 4))
    assert torch.autograd.gradcheck(layer, (tgt, memory), fast_mode=True)
