"""Pooling of ragged bags: instances of all bags in one tensor, bags marked by offsets.

A bag b holds the instances ``offsets[b] <= t < offsets[b + 1]`` of a concatenated ``(T, d)`` tensor
(10^3-10^5 instances per bag in immune repertoires, 004's paper). The update
``softmax(beta q_b k_t^T) v_t`` over each bag's instances is a segmented softmax; each chunk of instances
gives one :class:`hopfield.functional.lse.LsePartial` per bag (shift, normalizer, weighted values) and
the chunks merge with :func:`hopfield.functional.lse.merge_all`, the library's one log-sum-exp merge.
Nothing larger than a chunk of scores ``(H, C, Q)`` and the ``(B, ...)`` results is built; no padding.
"""

from __future__ import annotations

import torch
from torch import Tensor

from hopfield._errors import HopfieldTypeError, input_error
from hopfield._validate import describe
from hopfield.functional.lse import CHUNK_ELEMENTS, LsePartial, merge_all

__all__ = ["bag_index", "ragged_update"]


def bag_index(offsets: object, total: int) -> Tensor:
    """The bag of each instance, ``(T,)`` long, from ``offsets`` ``(B + 1,)``: 0, increasing, ``T`` last.

    Raises a named error for offsets that are not integers, do not start at 0, do not end at ``T``, or
    leave a bag empty.
    """
    if (
        not isinstance(offsets, Tensor)
        or offsets.dtype not in (torch.int32, torch.int64)
        or offsets.ndim != 1
    ):
        raise input_error(
            "offsets",
            "a 1-d int64/int32 tensor (B + 1,) of bag boundaries",
            describe(offsets),
            cls=HopfieldTypeError,
        )
    lengths = offsets[1:] - offsets[:-1]
    if offsets.numel() < 2 or int(offsets[0]) != 0 or int(offsets[-1]) != total or bool((lengths <= 0).any()):
        raise input_error(
            "offsets",
            f"bag boundaries 0 = o_0 < o_1 < ... < o_B = {total} (no empty bag)",
            f"offsets {offsets.tolist()[:8]}{'...' if offsets.numel() > 8 else ''}",
        )
    return torch.repeat_interleave(torch.arange(lengths.numel(), device=offsets.device), lengths.long())


def _scores(q: Tensor, k: Tensor, bag: Tensor) -> Tensor:
    """``(H, C, Q)`` unscaled scores of a chunk of instances: k ``(H|1, C, d)``, q ``(B|1, H, Q, d)``."""
    if q.shape[0] == 1:
        return k @ q[0].transpose(-1, -2)
    return torch.einsum("htd,thqd->htq", k.expand(q.shape[1], -1, -1), q[bag])


def _beta_rows(beta: float | Tensor, heads: int) -> float | Tensor:
    """beta against ``(H, ., Q)`` blocks: a number, or one per head ``(H, 1)`` as ``(H, 1, 1)``."""
    return (
        beta.reshape(heads, 1, 1)
        if isinstance(beta, Tensor) and beta.numel() > 1
        else (beta.reshape(()) if isinstance(beta, Tensor) else beta)
    )


def _biased(s: Tensor, bias: Tensor | None, sl: slice, beta: float | Tensor) -> Tensor:
    """Scores ``(H, C, Q)`` with ``bias / beta`` added per instance (so ``beta * s`` gains ``bias``)."""
    return s if bias is None else s + bias[sl].to(s.dtype).view(1, -1, 1) / beta


def _chunk_partial(
    s: Tensor, v: Tensor, bag: Tensor, n_bags: int, beta: float | Tensor, dropout_p: float
) -> LsePartial:
    h, c, nq = s.shape
    idx = bag.view(1, c, 1).expand(h, c, nq)
    m = torch.full((h, n_bags, nq), float("-inf"), dtype=s.dtype, device=s.device)
    m = m.scatter_reduce(1, idx, s.detach(), "amax")  # (H, B, Q) per-bag shift
    e = torch.exp(beta * (s - m.gather(1, idx)))  # (H, C, Q) in (0, 1]
    l = s.new_zeros(h, n_bags, nq).index_add(1, bag, e)  # noqa: E741 - the normalizer of the merge
    ed = torch.nn.functional.dropout(e, dropout_p) if dropout_p > 0 else e
    acc = s.new_zeros(h, n_bags, nq, v.shape[-1]).index_add(1, bag, ed.unsqueeze(-1) * v.unsqueeze(2))
    rows = h * n_bags * nq
    b = beta.expand(h, n_bags, nq).reshape(rows) if isinstance(beta, Tensor) and beta.ndim else beta
    return LsePartial(m.reshape(rows), (l.reshape(rows), acc.reshape(rows, -1)), b, None, c)


def ragged_update(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    beta: float | Tensor,
    bag: Tensor,
    n_bags: int,
    *,
    dropout_p: float = 0.0,
    need_weights: bool = False,
    chunk_size: int | None = None,
    bias: Tensor | None = None,
) -> tuple[Tensor, Tensor | None]:
    """``softmax(beta q_b k^T + bias) v`` over each bag's instances.

    q: ``(B|1, H, Q, d)`` states; k: ``(H|1, T, d)``; v: ``(H|1, T, dv)``; ``bag`` ``(T,)`` from
    :func:`bag_index`; beta a number or one per head ``(H, 1)``; ``bias`` ``(T,)`` (optional) is added
    to every instance's logits (e.g. a log-multiplicity: instance ``t`` then counts ``exp(bias_t)``
    times). Returns ``(B, H, Q, dv)`` and, when ``need_weights``, the weight of every instance
    ``(T, H, Q)`` (each bag's weights sum to 1).
    """
    h = max(q.shape[1], k.shape[0], v.shape[0])
    nq, total = q.shape[2], k.shape[1]
    br = _beta_rows(beta, h)
    c = chunk_size or max(1, CHUNK_ELEMENTS // max(1, h * nq * v.shape[-1]))
    parts = []
    for start in range(0, total, c):
        sl = slice(start, start + c)
        s = _biased(_scores(q, k[:, sl], bag[sl]), bias, sl, br)
        parts.append(_chunk_partial(s, v[:, sl].expand(h, -1, -1), bag[sl], n_bags, br, dropout_p))
    merged = merge_all(parts)
    out = merged.average().view(h, n_bags, nq, -1).transpose(0, 1)  # (B, H, Q, dv)
    if not need_weights:
        return out, None
    m = merged.m.view(h, n_bags, nq)
    log_l = torch.log(merged.terms[0]).view(h, n_bags, nq)
    weights = []
    for start in range(0, total, c):
        sl = slice(start, start + c)
        s = _biased(_scores(q, k[:, sl], bag[sl]), bias, sl, br)
        idx = bag[sl].view(1, -1, 1).expand_as(s)
        weights.append(torch.exp(br * (s - m.gather(1, idx)) - log_l.gather(1, idx)))
    return out, torch.cat(weights, dim=1).permute(1, 0, 2)
