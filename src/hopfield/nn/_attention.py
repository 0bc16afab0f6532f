"""``hopfield_attention``: the association of a Hopfield layer as one pure function (004 §B2.6, §B5).

State patterns R ``(B, L, d_r)`` are mapped to the association space by ``W_Q``, stored patterns Y
``(B, N, d_y)`` by ``W_K``, pattern projections (values) by ``W_V``; each head updates its states (0, n
or "until converged" times), associates once more with the values, and the heads are concatenated and
mapped by the output projection: ``softmax(beta Q K^T) V W_O`` for one update (eq. (534)). A weight that
is ``None`` makes that pattern *static*: used as it is, by every head.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from hopfield._errors import input_error
from hopfield._validate import (
    check_bool,
    check_int,
    check_nonnegative,
    check_optional_int,
    check_positive,
    check_real,
    check_tensor,
)
from hopfield.nn._association import ASSOCIATIONS, materialized_update
from hopfield.nn._iteration import hopfield_iterate
from hopfield.nn._masks import pad_keep, sdpa_mask
from hopfield.nn._update import hopfield_update

__all__ = [
    "AttentionResult",
    "Projected",
    "heads",
    "hopfield_attention",
    "layer_mask",
    "per_head_beta",
    "project_heads",
]


class AttentionResult(NamedTuple):
    """``output`` ``(B, L, d_out)``; ``association`` ``(B, H, L, N')`` and ``projected_patterns``
    ``(B, H, N', d_v)`` when asked for (``N'`` counts an appended bias and zero pattern), else None."""

    output: Tensor
    association: Tensor | None
    projected_patterns: Tensor | None


def _weight(w: Tensor | None, name: str, heads_: int, in_dim: int, what: str) -> int | None:
    """Check a ``(H * d_head, in_dim)`` projection weight; return ``d_head`` (None for static)."""
    if w is None:
        return None
    check_tensor(w, name, ranks=(2,), shape=f"({heads_} * head_dim, {in_dim})")
    if w.shape[0] % heads_ != 0 or w.shape[0] == 0 or w.shape[1] != in_dim:
        raise input_error(
            name,
            f"shape (num_heads * head_dim, {in_dim}) with num_heads = {heads_} dividing its rows ({what})",
            f"shape {tuple(w.shape)}",
            verb="have",
        )
    return int(w.shape[0]) // heads_


def heads(x: Tensor, weight: Tensor | None, bias: Tensor | None, num_heads: int) -> Tensor:
    """``x @ W^T + b`` split into heads, ``(B, N, d) -> (B, H, N, d_head)``; static (``W`` None):
    ``(B, 1, N, d)``, every head seeing the whole pattern (a view, no copy)."""
    if weight is None:
        return x.unsqueeze(1)
    y = F.linear(x, weight, bias)
    return y.view(*y.shape[:-1], num_heads, -1).transpose(-2, -3)


def per_head_beta(scaling: float | Tensor | None, head_dim: int, num_heads: int) -> float | Tensor:
    """beta: ``None`` -> ``1/sqrt(head_dim)``; a positive number; or a tensor of one beta per head
    ``(H,)`` (or a 0-d tensor), returned as ``(H, 1)`` to broadcast over ``(B, H, L)``."""
    if scaling is None:
        return 1.0 / math.sqrt(head_dim)
    if isinstance(scaling, Tensor):
        check_tensor(scaling, "scaling", ranks=(0, 1), shape=f"() or ({num_heads},)")
        if scaling.ndim == 1 and scaling.shape[0] != num_heads:
            raise input_error(
                "scaling",
                f"shape ({num_heads},) (one beta per head)",
                f"shape {tuple(scaling.shape)}",
                verb="have",
            )
        return scaling.reshape(-1, 1)
    return check_positive(scaling, "scaling")


def _append(x: Tensor, row: Tensor) -> Tensor:
    """Append one stored pattern per head: ``x`` (B, H|1, N, d), ``row`` (1, H, 1, d)."""
    b = x.shape[0]
    h = max(x.shape[1], row.shape[1])
    return torch.cat([x.expand(b, h, *x.shape[2:]), row.to(x.dtype).expand(b, h, 1, x.shape[-1])], dim=2)


class Projected(NamedTuple):
    """Patterns in the association space: ``q`` ``(B, H, L, d_k)``, ``k`` ``(B|1, H|1, N', d_k)``, ``v``
    ``(B|1, H|1, N', d_v)`` (``N' = N + extra``: an appended bias and zero pattern), and the shapes."""

    q: Tensor
    k: Tensor
    v: Tensor
    head_dim: int
    n: int
    extra: int
    unbatched: bool


def project_heads(
    state_pattern: Tensor,
    stored_pattern: Tensor,
    pattern_projection: Tensor | None = None,
    *,
    num_heads: int = 1,
    q_weight: Tensor | None = None,
    q_bias: Tensor | None = None,
    k_weight: Tensor | None = None,
    k_bias: Tensor | None = None,
    v_weight: Tensor | None = None,
    v_bias: Tensor | None = None,
    normalize_hopfield_space: bool = False,
    hopfield_norm_weight: Tensor | None = None,
    hopfield_norm_bias: Tensor | None = None,
    normalize_hopfield_space_eps: float = 1e-5,
    pattern_projection_as_connected: bool = False,
    bias_k: Tensor | None = None,
    bias_v: Tensor | None = None,
    add_zero_association: bool = False,
) -> Projected:
    """Check the patterns and map them into the association space (see :func:`hopfield_attention`)."""
    h = check_int(num_heads, "num_heads")
    check_tensor(state_pattern, "state_pattern", ranks=(2, 3), shape="(batch, L, dim) or (L, dim)")
    unbatched = state_pattern.ndim == 2
    r = state_pattern.unsqueeze(0) if unbatched else state_pattern
    y = check_tensor(stored_pattern, "stored_pattern", ranks=(2, 3), shape="(batch, N, dim) or (N, dim)")
    y = y.unsqueeze(0) if y.ndim == 2 else y
    if y.shape[0] not in (1, r.shape[0]):
        raise input_error(
            "stored_pattern",
            f"batch size {r.shape[0]} or 1",
            f"shape {tuple(stored_pattern.shape)}",
            verb="have",
        )
    p = y if pattern_projection is None else pattern_projection
    check_tensor(p, "pattern_projection", ranks=(2, 3), shape="(batch, N, dim) or (N, dim)")
    p = p.unsqueeze(0) if p.ndim == 2 else p
    if p.shape[0] not in (1, r.shape[0]) or p.shape[1] != y.shape[1]:
        raise input_error(
            "pattern_projection",
            f"shape ({r.shape[0]}|1, {y.shape[1]}, dim) (one row per stored pattern)",
            f"shape {tuple(p.shape)}",
            verb="have",
        )
    dq = _weight(q_weight, "q_weight", h, r.shape[-1], "the state patterns' size")
    dk = _weight(k_weight, "k_weight", h, y.shape[-1], "the stored patterns' size")
    connected = (
        check_bool(pattern_projection_as_connected, "pattern_projection_as_connected")
        and k_weight is not None
    )
    if connected and p.shape[-1] != y.shape[-1]:
        raise input_error(
            "pattern_projection",
            f"last dimension {y.shape[-1]} (the stored patterns', as it passes through k_weight)",
            f"shape {tuple(p.shape)}",
            verb="have",
        )
    v_in = F.linear(p, k_weight, k_bias) if connected else p  # type: ignore[arg-type]
    _weight(v_weight, "v_weight", h, v_in.shape[-1], "the pattern projections' size")
    head_dim = dq or dk or r.shape[-1]
    for size, what in ((dq or r.shape[-1], "state_pattern"), (dk or y.shape[-1], "stored_pattern")):
        if size != head_dim:
            raise input_error(
                what,
                f"association-space size {head_dim} (head_dim of the other side)",
                f"size {size}",
                verb="map to",
            )
    q = heads(r, q_weight, q_bias, h)
    q = q.expand(q.shape[0], h, *q.shape[2:])  # a static state: every head starts from it
    k = heads(y, k_weight, k_bias, h)
    if v_weight is not None:
        v = heads(v_in, v_weight, v_bias, h)
    elif connected:  # static values through W_K: split like the keys
        v = v_in.view(*v_in.shape[:-1], h, -1).transpose(-2, -3)
    else:
        v = v_in.unsqueeze(1)
    if check_bool(normalize_hopfield_space, "normalize_hopfield_space"):
        shape = (head_dim,)
        q = F.layer_norm(q, shape, hopfield_norm_weight, hopfield_norm_bias, normalize_hopfield_space_eps)
        k = F.layer_norm(k, shape, hopfield_norm_weight, hopfield_norm_bias, normalize_hopfield_space_eps)
    n = k.shape[2]
    extra = 0
    if bias_k is not None or bias_v is not None:
        if bias_k is None or bias_v is None:
            raise input_error("bias_k", "given together with bias_v", "only one of them")
        k = _append(k, bias_k.reshape(1, -1, 1, head_dim).expand(1, h, 1, head_dim))
        v = _append(v, bias_v.reshape(1, h, 1, -1))
        extra += 1
    if check_bool(add_zero_association, "add_zero_association"):
        k = _append(k, k.new_zeros(1, h, 1, k.shape[-1]))
        v = _append(v, v.new_zeros(1, h, 1, v.shape[-1]))
        extra += 1
    return Projected(q, k, v, head_dim, n, extra, unbatched)


def layer_mask(
    pr: Projected, association_mask: Tensor | None, stored_pattern_padding_mask: Tensor | None
) -> Tensor | None:
    """The layers' two masks (True: masked out) as one kernel mask for ``pr`` (True: takes part)."""
    if pr.unbatched and stored_pattern_padding_mask is not None and stored_pattern_padding_mask.ndim == 1:
        stored_pattern_padding_mask = stored_pattern_padding_mask.unsqueeze(0)
    mask = sdpa_mask(
        association_mask,
        stored_pattern_padding_mask,
        batch=pr.q.shape[0],
        heads=pr.q.shape[1],
        length=pr.q.shape[2],
        n=pr.n,
        dtype=pr.q.dtype,
    )
    return pad_keep(mask, pr.extra)


def hopfield_attention(
    state_pattern: Tensor,
    stored_pattern: Tensor,
    pattern_projection: Tensor | None = None,
    *,
    num_heads: int = 1,
    q_weight: Tensor | None = None,
    q_bias: Tensor | None = None,
    k_weight: Tensor | None = None,
    k_bias: Tensor | None = None,
    v_weight: Tensor | None = None,
    v_bias: Tensor | None = None,
    out_weight: Tensor | None = None,
    out_bias: Tensor | None = None,
    scaling: float | Tensor | None = None,
    update_steps_max: int | None = 0,
    update_steps_eps: float = 1e-4,
    association_mask: Tensor | None = None,
    stored_pattern_padding_mask: Tensor | None = None,
    normalize_hopfield_space: bool = False,
    hopfield_norm_weight: Tensor | None = None,
    hopfield_norm_bias: Tensor | None = None,
    normalize_hopfield_space_eps: float = 1e-5,
    pattern_projection_as_connected: bool = False,
    bias_k: Tensor | None = None,
    bias_v: Tensor | None = None,
    add_zero_association: bool = False,
    dropout: float = 0.0,
    training: bool = True,
    association: str = "softmax",
    need_weights: bool = False,
    return_projected_patterns: bool = False,
    kv_splits: int | None = None,
) -> AttentionResult:
    """The Hopfield association of 004 §B2.6 (eqs. (410)-(418)) with heads, masks and iterations.

    Parameters
    ----------
    state_pattern, stored_pattern, pattern_projection:
        R ``(B, L, d_r)``, Y ``(B|1, N, d_y)`` and the values ``(B|1, N, d_v_in)`` (``None``: Y), batch
        first; 2-d inputs are one unbatched sample (a 2-d Y with a 3-d R: one memory shared by the batch).
    num_heads:
        Heads H; each projection weight has ``H * head_dim`` rows.
    q_weight, q_bias, k_weight, k_bias, v_weight, v_bias:
        ``W_Q`` ``(H d_k, d_r)``, ``W_K`` ``(H d_k, d_y)``, ``W_V`` ``(H d_v, d_v_in)`` and biases;
        ``None`` weight: static (unprojected) pattern, seen whole by every head.
    out_weight, out_bias:
        Output projection ``(d_out, H d_v)``; ``None``: the concatenated heads.
    scaling:
        beta: a positive number, a tensor of one beta per head ``(H,)`` (may require grad), or ``None``
        for ``1/sqrt(d_k)``.
    update_steps_max, update_steps_eps:
        0: one update (the association itself); n: up to n updates of the states in the association
        space before it; None: until converged (at most ``MAX_UPDATE_STEPS``). A state stops when its
        largest coordinate change is at most ``update_steps_eps`` (see :func:`hopfield_iterate`).
    association_mask, stored_pattern_padding_mask:
        ``(L, N)``, ``(B H, L, N)`` or ``(B|1, H|1, L, N)``, and ``(B, N)``: bool/uint8 True = masked out,
        or additive float of any float dtype (the convention of hflayers and ``nn.MultiheadAttention``).
    normalize_hopfield_space, hopfield_norm_weight, hopfield_norm_bias, normalize_hopfield_space_eps:
        LayerNorm of the projected states and stored patterns over ``d_k`` (shared affine ``(d_k,)``).
    pattern_projection_as_connected:
        The values pass through ``W_K`` (and ``k_bias``) before ``W_V``.
    bias_k, bias_v:
        ``(1, 1, H d_k)`` and ``(1, 1, H d_v)``: one more stored pattern and value per head.
    add_zero_association:
        One more all-zero stored pattern and value per head.
    dropout, training:
        Dropout on the association weights while ``training``.
    association:
        ``"softmax"`` (fused kernel), ``"sparsemax"`` or ``"entmax15"`` (optional ``entmax``; chunked).
    need_weights, return_projected_patterns:
        Also return the association matrix (materialized) and the projected values.
    kv_splits:
        Split-KV parts for the final update (see :func:`hopfield_update`).

    Returns
    -------
    AttentionResult
        ``(output, association, projected_patterns)``.
    """
    ASSOCIATIONS.get(association)
    steps = check_optional_int(update_steps_max, "update_steps_max", minimum=0)
    eps = check_nonnegative(update_steps_eps, "update_steps_eps")
    drop = check_real(dropout, "dropout", low=0.0, high=1.0, high_open=True)
    drop = drop if check_bool(training, "training") else 0.0
    pr = project_heads(
        state_pattern,
        stored_pattern,
        pattern_projection,
        num_heads=num_heads,
        q_weight=q_weight,
        q_bias=q_bias,
        k_weight=k_weight,
        k_bias=k_bias,
        v_weight=v_weight,
        v_bias=v_bias,
        normalize_hopfield_space=normalize_hopfield_space,
        hopfield_norm_weight=hopfield_norm_weight,
        hopfield_norm_bias=hopfield_norm_bias,
        normalize_hopfield_space_eps=normalize_hopfield_space_eps,
        pattern_projection_as_connected=pattern_projection_as_connected,
        bias_k=bias_k,
        bias_v=bias_v,
        add_zero_association=add_zero_association,
    )
    q, k, v, h, unbatched = pr.q, pr.k, pr.v, pr.q.shape[1], pr.unbatched
    mask = layer_mask(pr, association_mask, stored_pattern_padding_mask)
    beta = per_head_beta(scaling, pr.head_dim, h)
    q, _ = hopfield_iterate(q, k, beta, attn_mask=mask, max_steps=steps, eps=eps, association=association)
    weights = None
    if association == "softmax" and not need_weights:
        out = hopfield_update(q, k, v, beta, attn_mask=mask, dropout_p=drop, kv_splits=kv_splits)
    else:
        out, weights = materialized_update(q, k, v, beta, mask, association, drop, need_weights=need_weights)
    b, length = out.shape[0], out.shape[2]
    out = out.transpose(1, 2).reshape(b, length, -1)  # (B, L, H d_v)
    if out_weight is not None:
        check_tensor(
            out_weight, "out_weight", ranks=(2,), shape=f"(d_out, {out.shape[-1]})", dim=out.shape[-1]
        )
        out = F.linear(out, out_weight, out_bias)
    projected = v if check_bool(return_projected_patterns, "return_projected_patterns") else None
    if unbatched:
        out = out[0]
        weights = None if weights is None else weights[0]
        projected = None if projected is None else projected[0]
    return AttentionResult(out, weights, projected)
