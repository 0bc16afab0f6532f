"""log-sum-exp, softmax and the chunked online merge (004 §B3, Lemma 18; 000/002)."""

from __future__ import annotations

import math

import hypothesis.strategies as st
import pytest
import torch
from hypothesis import given

from helpers import assert_close
from hopfield.functional.lse import (
    OnlineSoftmax,
    log_mean_exp,
    lse,
    score_chunks,
    softmax,
    softmax_average,
)


def _reference_lse(beta: float, x: list[float]) -> float:
    """Slow float64 reference: explicit loop with the max shift."""
    m = max(x)
    return m + math.log(sum(math.exp(beta * (v - m)) for v in x)) / beta


@given(
    st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=20),
    st.floats(1e-6, 1e6),
)
def test_lse_matches_loop_reference_and_bounds(x: list[float], beta: float) -> None:
    t = torch.tensor(x, dtype=torch.float64)
    got = float(lse(beta, t))
    assert math.isfinite(got)
    assert got == pytest.approx(_reference_lse(beta, x), rel=1e-12, abs=1e-9)
    # max <= lse <= max + ln N / beta (004 Lemma 19 with z = one-hot and uniform)
    assert max(x) - 1e-9 <= got <= max(x) + math.log(len(x)) / beta + 1e-9 * (1 + abs(max(x)))


def test_softmax_is_gradient_of_lse() -> None:
    """004 Lemma 18: grad_x lse(beta, x) = softmax(beta x); gradcheck in float64."""
    x = torch.randn(7, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(lse(2.5, x), x)
    assert_close(g, softmax(2.5, x.detach()))
    assert torch.autograd.gradcheck(lambda v: lse(2.5, v), (x,))


def test_softmax_jacobian_closed_form() -> None:
    """003 §3.2.1: d softmax / dv = diag(p) - p p^T, positive semi-definite with null vector 1."""
    v = torch.randn(6, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(lambda u: softmax(1.0, u), v)
    p = softmax(1.0, v)
    assert_close(jac, torch.diag(p) - torch.outer(p, p))
    assert torch.linalg.eigvalsh(jac).min() > -1e-12
    assert_close(jac @ torch.ones(6, dtype=torch.float64), torch.zeros(6, dtype=torch.float64))


@given(st.floats(1e-6, 1e6), st.integers(1, 50))
def test_log_mean_exp_equals_lse_minus_log_n(beta: float, n: int) -> None:
    g = torch.Generator().manual_seed(n)
    x = torch.randn(n, generator=g, dtype=torch.float64) * 10
    expected = float(lse(beta, x)) - math.log(n) / beta
    got = float(log_mean_exp(beta, x))
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9 * max(1.0, math.log(n) / beta))


def test_log_mean_exp_keeps_digits_at_tiny_beta() -> None:
    """At beta = 1e-6, lse - ln N / beta cancels 1e6-sized terms; log_mean_exp must not lose them.

    Reference: for tiny beta, beta^-1 ln mean exp(beta x) = mean(x) + beta var(x) / 2 + O(beta^2).
    """
    x = torch.randn(1000, dtype=torch.float64)
    beta = 1e-6
    ref = x.mean() + beta * x.var(unbiased=False) / 2
    got32 = log_mean_exp(beta, x.float())
    naive32 = lse(beta, x.float()) - math.log(1000) / beta
    assert abs(float(got32) - float(ref)) < 1e-5
    assert abs(float(naive32) - float(ref)) > 1e-3  # the naive form really does lose the digits


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("chunk", [1, 3, 7, 16, 64])
def test_online_merge_equals_plain(dtype: torch.dtype, chunk: int) -> None:
    """Chunked softmax average and lse equal the plain formula, for chunks that do and do not divide N."""
    g = torch.Generator().manual_seed(chunk)
    q = torch.randn(5, 8, generator=g, dtype=dtype)
    k = torch.randn(64, 8, generator=g, dtype=dtype) * 3
    v = torch.randn(64, 4, generator=g, dtype=dtype)
    beta = 0.7
    plain = torch.softmax(beta * q @ k.T, dim=-1) @ v
    assert_close(softmax_average(q, k, v, beta, chunk), plain, dtype)
    acc = OnlineSoftmax(5, None, q, beta, precise=True)
    for _, s in score_chunks(q, k, chunk):
        acc.add(s)
    assert_close(acc.lse(), lse(beta, q @ k.T), dtype, scale=10)
    assert_close(acc.log_mean_exp(), log_mean_exp(beta, q @ k.T), dtype, scale=10)


def test_online_merge_is_differentiable() -> None:
    q = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    k = torch.randn(10, 4, dtype=torch.float64, requires_grad=True)
    v = torch.randn(10, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b, c: softmax_average(a, b, c, 1.3, 3), (q, k, v))


def test_online_merge_no_overflow_at_extreme_logits() -> None:
    q = torch.full((2, 3), 1e3)
    k = torch.randn(20, 3) * 1e3
    out = softmax_average(q, k, k, 1e6, 7)
    assert torch.isfinite(out).all()
