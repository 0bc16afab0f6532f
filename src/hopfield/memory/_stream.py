"""Exact softmax retrieval streamed over segments and chunks (004 §B2.7, eqs. (436), (445)-(446)).

The logit of stored row ``i`` for query ``xi`` at time ``t`` is ``beta x_i^T xi - gamma (t - i)``
(eq. (446)); ``gamma = 0`` is the infinite memory of §B2.7.1 (eq. (436)). The forgetting term is an
additive bias per row. In the library's unscaled-score convention (:mod:`hopfield.functional.lse`:
``beta`` multiplies only differences of scores) it shifts the score ``x_i^T xi`` by
``-(gamma / beta) (t - i)``, so every part below is an ordinary :class:`LsePartial` and the one
:func:`~hopfield.functional.lse.merge` joins chunks, segments and (in :mod:`hopfield.distributed`)
ranks. Ages ``t - i`` are formed in int64 (exact for any time index) before conversion to float64.

The softmax is invariant to a shift common to every logit, so ages are measured from the newest
stored row (its age is 0): the largest logit is then at least ``beta x_t^T xi``, finite, and no part
can hold only ``-inf``. Only the energy depends on ``t`` itself (see :func:`energy`).

Inside a segment the fused CPU flash-attention kernel computes the part when it can: the private op
``aten._scaled_dot_product_flash_attention_for_cpu`` returns ``(output, logsumexp)``, the two numbers
a merge needs, which the public ``scaled_dot_product_attention`` does not return. Where the op is
missing or refuses its input, the part comes from our chunked merge (:func:`chunked_partial`), which
gives the same result; the tests run both.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from hopfield.functional.lse import (
    LsePartial,
    block_partial,
    default_chunk_size,
    merge,
    score_chunks,
    softmax,
)
from hopfield.memory._segments import Segment

__all__ = [
    "FUSED_BLOCK_ROWS",
    "TopK",
    "age_bias",
    "all_weights",
    "chunked_partial",
    "energy",
    "flash_op",
    "fused_partial",
    "stream_partial",
]

FLASH_OP = "_scaled_dot_product_flash_attention_for_cpu"
_FUSED_DTYPES = (torch.float32, torch.float64)
#: With forgetting, the fused kernel takes a segment this many rows at a time (its age mask is one
#: float per row: bounded memory whatever the segment's size).
FUSED_BLOCK_ROWS = 1 << 16


def flash_op() -> Callable[..., Any] | None:
    """torch's CPU flash-attention op returning ``(output, logsumexp)``, or None where it is missing."""
    return getattr(torch.ops.aten, FLASH_OP, None)


def age_bias(times: Tensor, ref: int, coef: float, dtype: torch.dtype) -> Tensor:
    """``-coef (ref - times)``, shape (n,): the age ``ref - times`` formed in int64 (exact), then
    multiplied in float64 and cast to ``dtype`` (clamped far inside its range, never ``-inf``)."""
    age = (ref - times).to(torch.float64)  # int64 difference first: exact up to any time index
    return (age * -coef).clamp_(min=-torch.finfo(dtype).max / 8).to(dtype)


def _cast(x: Tensor, like: Tensor) -> Tensor:
    return x.to(dtype=like.dtype, device=like.device)


def _fused_ok(q: Tensor, seg: Segment, beta: float) -> bool:
    """The fused kernel applies: CPU, float32/float64, values of the patterns' width, and
    ``beta |xi| M`` far inside the dtype's range (it scales unshifted scores)."""
    if q.device.type != "cpu" or q.dtype not in _FUSED_DTYPES:
        return False
    if seg.values is not None and seg.values.shape[1] != seg.patterns.shape[1]:
        return False
    bound = beta * float(torch.linalg.vector_norm(q, dim=-1).amax()) * seg.max_norm
    return bound <= torch.finfo(q.dtype).max / 16


def fused_partial(q: Tensor, seg: Segment, beta: float, gamma: float, newest: int) -> LsePartial | None:
    """The part of one segment from the fused flash kernel, or None where it does not apply.

    The forgetting bias enters the kernel as an additive mask relative to the newest row of the
    kernel's block (``-gamma (t_block - i)``, so the kernel's own maximum stays finite); the block's
    offset ``gamma (newest - t_block) / beta`` is then subtracted from the part's shift (``-inf`` when
    it overflows: a block infinitely older than the newest row weighs nothing). With forgetting, the
    kernel runs on blocks of at most :data:`FUSED_BLOCK_ROWS` rows, merged with
    :func:`~hopfield.functional.lse.merge`, so the mask stays small whatever the segment's size.
    """
    op = flash_op()
    if op is None or not _fused_ok(q, seg, beta):
        return None
    k = _cast(seg.patterns, q)
    v = k if seg.values is None else _cast(seg.values, q)
    if gamma == 0:
        return _fused_block(op, q, k, v, beta, 0.0, newest, seg.times[-1:])
    acc: LsePartial | None = None
    for start in range(0, seg.rows, FUSED_BLOCK_ROWS):
        sl = slice(start, start + FUSED_BLOCK_ROWS)
        p = _fused_block(op, q, k[sl], v[sl], beta, gamma, newest, seg.times[sl])
        if p is None:
            return None
        acc = p if acc is None else merge(acc, p)
    return acc


def _fused_block(
    op: Callable[..., Any],
    q: Tensor,
    k: Tensor,
    v: Tensor,
    beta: float,
    gamma: float,
    newest: int,
    times: Tensor,
) -> LsePartial | None:
    """One kernel call over the rows ``k``, ``v`` with time indices ``times`` (only the last one is
    read without forgetting); None where the op refuses its input."""
    # The kernel returns ln sum exp in q's dtype. With forgetting, the mask also carries -ln n: the
    # kernel then returns the log-MEAN-exp, of magnitude at most the largest |logit|, which keeps the
    # float32 shift precise; n goes into the terms. (Without forgetting, a mask would cost ~30%.)
    n, last = k.shape[0], int(times[-1])
    mask, scale_n = None, 1
    if gamma > 0:
        mask = (age_bias(times, last, gamma, q.dtype) - math.log(n)).view(1, 1, 1, -1)
        scale_n = n
    try:
        out, lse = op(q[None, None], k[None, None], v[None, None], 0.0, False, attn_mask=mask, scale=beta)
    except RuntimeError:  # an op that refuses this input (dtype, layout, build): our merge instead
        return None
    part = LsePartial.from_average(out[0, 0], lse[0, 0].to(q.dtype), beta)
    m = part.m - gamma * (newest - last) / beta if gamma > 0 and last != newest else part.m
    return LsePartial(m, tuple(t * scale_n for t in part.terms), part.beta)


def chunked_partial(
    q: Tensor,
    seg: Segment,
    beta: float,
    gamma: float,
    newest: int,
    chunk_size: int | None = None,
    *,
    topk: TopK | None = None,
    by_time: bool = False,
    precise: bool = False,
    values: bool = True,
) -> LsePartial:
    """The part of one segment by our chunked merge: ``(B, C)`` score blocks, each shifted by the
    forgetting bias and reduced by :func:`~hopfield.functional.lse.block_partial`.

    ``topk`` collects the largest biased scores with their row positions (or time indices with
    ``by_time``); ``precise`` keeps the sums the energy needs at tiny beta; without ``values`` only
    the normalizer is kept (a top-k search needs no average).
    """
    k = _cast(seg.patterns, q)
    v = None if not values else k if seg.values is None else _cast(seg.values, q)
    acc: LsePartial | None = None
    c = chunk_size or default_chunk_size(q.shape[0], seg.rows)
    if topk is not None:
        c = max(c, topk.k)
    for start, s in score_chunks(q, k, c):  # s: (B, C) unscaled scores
        stop = start + s.shape[-1]
        if gamma > 0:
            s.add_(age_bias(seg.times[start:stop], newest, gamma / beta, q.dtype).to(q.device))
        if topk is not None:
            ids = (
                seg.times[start:stop]
                if by_time
                else torch.arange(seg.first_row + start, seg.first_row + stop)
            )
            topk.add(s, ids.to(q.device))
        p = block_partial(s, None if v is None else v[start:stop], beta, precise=precise)  # may reuse s
        acc = p if acc is None else merge(acc, p)
    assert acc is not None  # a segment has at least one row
    return acc


def stream_partial(
    q: Tensor,
    segments: Sequence[Segment],
    beta: float,
    gamma: float,
    newest: int,
    chunk_size: int | None = None,
    *,
    fused: bool = True,
    topk: TopK | None = None,
    by_time: bool = False,
    precise: bool = False,
    values: bool = True,
) -> LsePartial:
    """The merged part of every segment: ``softmax`` average (``average()``) and log-sum-exp
    (``lse()``) of the logits ``beta x_i^T xi - gamma (newest - t_i)`` over all rows.

    q: (B, d) queries in the compute dtype. Peak extra memory: one ``(B, chunk)`` block and the
    ``(B, dv)`` accumulators (plus one cast copy of a segment when the store's dtype or device
    differs from the query's). The fused kernel serves segments when ``fused`` and no top-k or
    precise sums are asked for; an empty memory gives an empty part. Without ``values`` the part
    keeps only the normalizer (top-k search).
    """
    acc: LsePartial | None = None
    for seg in segments:
        p = None
        if fused and values and topk is None and not precise and chunk_size is None:
            p = fused_partial(q, seg, beta, gamma, newest)
        if p is None:
            p = chunked_partial(
                q,
                seg,
                beta,
                gamma,
                newest,
                chunk_size,
                topk=topk,
                by_time=by_time,
                precise=precise,
                values=values,
            )
        acc = p if acc is None else merge(acc, p)
    if acc is None:
        shapes = [(q.shape[0],), (q.shape[0], q.shape[1])] if values else [(q.shape[0],)]
        return LsePartial.empty(shapes, q, beta, precise)
    return acc


class TopK:
    """The ``k`` largest biased scores seen so far for each query, with their ids (a running top-k)."""

    def __init__(self, batch: int, k: int, like: Tensor) -> None:
        self.k = k
        self.scores = like.new_full((batch, 0), float("-inf"))  # (B, <=k), descending
        self.ids = torch.empty((batch, 0), dtype=torch.long, device=like.device)

    def add(self, scores: Tensor, ids: Tensor) -> None:
        """Merge a ``(B, C)`` block of scores whose columns have the ids ``(C,)`` (or ``(B, C)``):
        the block's own top-k first, then the ``(B, <= 2k)`` candidates."""
        block_s, pos = scores.topk(min(self.k, scores.shape[-1]), dim=-1)
        block_i = ids.expand(scores.shape[0], -1).gather(-1, pos)
        cand_s = torch.cat([self.scores, block_s], dim=-1)
        cand_i = torch.cat([self.ids, block_i], dim=-1)
        self.scores, pos = cand_s.topk(min(self.k, cand_s.shape[-1]), dim=-1)
        self.ids = cand_i.gather(-1, pos)

    def weights(self, part: LsePartial) -> Tensor:
        """The softmax weights of the kept rows given the merged part of all rows, ``(B, k)``."""
        log_w = part.beta * (self.scores - part.m[:, None]) - torch.log(part.terms[0])[:, None]
        return torch.exp(log_w)


def all_weights(
    q: Tensor, segments: Sequence[Segment], beta: float, gamma: float, newest: int, count: int
) -> Tensor:
    """The full ``(B, N)`` softmax weights (materialized: only on request)."""
    w = q.new_empty((q.shape[0], count))
    for seg in segments:
        k = _cast(seg.patterns, q)
        for start, s in score_chunks(q, k):
            stop = start + s.shape[-1]
            if gamma > 0:
                s.add_(age_bias(seg.times[start:stop], newest, gamma / beta, q.dtype).to(q.device))
            w[:, seg.first_row + start : seg.first_row + stop] = s
    return softmax(beta, w)


def energy(
    q: Tensor,
    segments: Sequence[Segment],
    beta: float,
    gamma: float,
    time: int,
    newest: int,
    max_norm: float,
    chunk_size: int | None = None,
) -> Tensor:
    """Energy (445) of 004 at time ``time >= newest``, shape (B,)::

        E = -beta^-1 ln sum_i exp(beta x_i^T xi - gamma (t - i)) + 1/2 xi^T xi + beta^-1 ln N + 1/2 M^2

    computed as ``-log_mean_exp + gamma (t - newest) / beta + 1/2 |xi|^2 + 1/2 M^2`` (the ``ln N``
    terms cancel without loss of digits at tiny beta). ``gamma = 0`` gives eq. (432).
    """
    part = stream_partial(q, segments, beta, gamma, newest, chunk_size, precise=True)
    shift = gamma * (time - newest) / beta
    return -part.log_mean_exp() + shift + 0.5 * (q * q).sum(dim=-1) + 0.5 * max_norm**2
