"""log-sum-exp, softmax and the chunked online merge (004 §B3, Lemma 18; 000/002)."""

from __future__ import annotations

import itertools
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


# ------------------------------------------------------------------------------- the one merge (LsePartial)
def _parts(scores: torch.Tensor, values: torch.Tensor, beta: float, cuts: list[int]) -> list:
    from hopfield.functional.lse import block_partial

    edges = [0, *cuts, scores.shape[1]]
    return [
        block_partial(scores[:, a:b].clone(), values[a:b], beta, precise=True)
        for a, b in itertools.pairwise(edges)
        if b > a
    ]


@given(
    st.integers(1, 4),
    st.integers(2, 30),
    st.floats(1e-6, 1e6),
    st.lists(st.integers(1, 29), max_size=5),
    st.integers(0, 2**31 - 1),
)
def test_merge_of_any_partition_equals_the_plain_formula(
    b: int, n: int, beta: float, cuts: list[int], seed: int
) -> None:
    """Merging the parts of any partition of the scores, in any order, gives the plain softmax average,
    lse and log-mean-exp (float64; every beta in [1e-6, 1e6]: finite, no NaN)."""
    from hopfield.functional.lse import merge_all

    g = torch.Generator().manual_seed(seed)
    scores = torch.randn(b, n, generator=g, dtype=torch.float64) * 10
    values = torch.randn(n, 3, generator=g, dtype=torch.float64)
    cuts = sorted({c for c in cuts if c < n})
    parts = _parts(scores, values, beta, cuts)
    perm = torch.randperm(len(parts), generator=g).tolist()
    total = merge_all(parts[i] for i in perm)
    plain = torch.softmax(beta * (scores - scores.amax(-1, keepdim=True)), dim=-1) @ values
    assert torch.isfinite(total.average()).all()
    assert_close(total.average(), plain, scale=10)
    assert_close(total.lse(), lse(beta, scores), scale=10)
    assert_close(total.log_mean_exp(), log_mean_exp(beta, scores), scale=10)
    assert total.count == n


def test_rescale_then_sum_is_the_all_reduce_form_of_the_merge() -> None:
    """What the sharded memory does: all-reduce MAX of m, rescale every part to it, all-reduce SUM."""
    from hopfield.functional.lse import LsePartial, merge_all, rescale

    g = torch.Generator().manual_seed(3)
    scores = torch.randn(4, 40, generator=g, dtype=torch.float64) * 5
    values = torch.randn(40, 2, generator=g, dtype=torch.float64)
    parts = _parts(scores, values, 0.8, [7, 19, 33])
    top = torch.stack([p.m for p in parts]).amax(dim=0)
    scaled = [rescale(p, top) for p in parts]
    summed = LsePartial(top, tuple(sum(ts) for ts in zip(*(p.terms for p in scaled), strict=True)), 0.8)
    assert_close(summed.average(), merge_all(parts).average())
    assert_close(summed.lse(), merge_all(parts).lse())


def test_empty_part_is_the_identity_of_the_merge() -> None:
    from hopfield.functional.lse import LsePartial, merge

    scores = torch.randn(3, 5, dtype=torch.float64)
    values = torch.randn(5, 2, dtype=torch.float64)
    (p,) = _parts(scores, values, 1.5, [])
    empty = LsePartial.empty([(3,), (3, 2)], scores, 1.5, precise=True)
    for m in (merge(empty, p), merge(p, empty)):
        assert_close(m.average(), p.average())
        assert_close(m.log_mean_exp(), p.log_mean_exp())
    both_empty = merge(empty, empty)
    assert not torch.isnan(both_empty.terms[1]).any()


def test_from_average_enters_a_fused_kernels_output() -> None:
    """A part given as (average, log-sum-exp) — what a flash kernel returns — merges like any other."""
    from hopfield.functional.lse import LsePartial, merge

    g = torch.Generator().manual_seed(5)
    scores = torch.randn(2, 12, generator=g, dtype=torch.float64)
    values = torch.randn(12, 3, generator=g, dtype=torch.float64)
    a, b = _parts(scores, values, 2.0, [6])
    fused = LsePartial.from_average(a.average(), a.log_sum(), 2.0)
    assert_close(merge(fused, b).average(), merge(a, b).average())
    assert_close(merge(fused, b).lse(), lse(2.0, scores))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("beta", [1e-6, 1.0, 1e6, 1e300])
def test_huge_and_tiny_beta_stay_finite(dtype: torch.dtype, beta: float) -> None:
    """Scores are shifted before beta multiplies them, and beta is capped at the dtype's range, so
    beta = 1e300 in float32 gives the argmax (no inf * 0 = NaN)."""
    q = torch.tensor([[0.9, 0.2, 0.1]], dtype=dtype)
    k = torch.eye(3, dtype=dtype)
    out = softmax_average(q, k, k, beta)
    assert torch.isfinite(out).all()
    assert torch.isfinite(lse(beta, q @ k.T)).all() and torch.isfinite(softmax(beta, q @ k.T)).all()
    if beta >= 1e6:
        assert_close(out, torch.tensor([[1.0, 0, 0]], dtype=dtype), dtype)


def test_per_row_beta_tensor() -> None:
    """beta may be a (B,) tensor (one inverse temperature per row), e.g. per head."""
    g = torch.Generator().manual_seed(1)
    q = torch.randn(3, 4, generator=g, dtype=torch.float64)
    k = torch.randn(9, 4, generator=g, dtype=torch.float64)
    betas = torch.tensor([0.1, 1.0, 7.0], dtype=torch.float64)
    got = softmax_average(q, k, k, betas, chunk_size=4)
    for r in range(3):
        assert_close(got[r], softmax_average(q[r : r + 1], k, k, float(betas[r]))[0])
