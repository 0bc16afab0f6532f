"""The one softmax update of the layers: ``softmax(beta q k^T) v`` through the fused kernel (004 eq. (17)).

:func:`hopfield_update` is the core every module of :mod:`hopfield.nn` calls for a softmax update step
(``Hopfield`` and its pooling/lookup forms, and the DeepHNN family). It broadcasts leading axes (e.g.
queries ``(B, H, L, d)`` against stored patterns ``(H, N, d)``), folds a per-row ``beta`` tensor into the
queries (the kernel takes one scalar scale), and calls
``torch.nn.functional.scaled_dot_product_attention`` with 4-d inputs, where torch's flash kernels never
build the ``(L, N)`` score matrix (CPU and CUDA). A split-KV form (:func:`split_kv_update`) cuts the
stored patterns into parts, runs the parts as extra heads of one kernel call and merges them with the
library's one log-sum-exp merge (:mod:`hopfield.functional.lse`).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from hopfield._errors import HopfieldInputError, HopfieldTypeError, input_error
from hopfield._validate import check_bool, check_int, check_positive, check_real, check_tensor, describe
from hopfield.functional.lse import LsePartial, merge_all

__all__ = ["broadcast_shapes", "check_beta", "flatten_batch", "hopfield_update", "split_kv_update"]

_RANKS = range(2, 9)


def broadcast_shapes(*shapes: tuple[int, ...] | torch.Size) -> tuple[int, ...]:
    """``torch.broadcast_shapes`` as a tuple (raises ``RuntimeError`` when they do not broadcast)."""
    return tuple(torch.broadcast_shapes(*shapes))  # type: ignore[no-untyped-call]


def check_beta(beta: object, rows: tuple[int, ...], name: str = "beta") -> float | Tensor:
    """``beta`` as a positive float, or a floating tensor that broadcasts against ``rows`` (one per row).

    A tensor's values are not inspected (that would cost a device synchronization per call): it must
    hold positive numbers.
    """
    if isinstance(beta, Tensor):
        check_tensor(beta, name, ranks=range(0, len(rows) + 1), shape=f"broadcastable to {rows}")
        try:
            if broadcast_shapes(beta.shape, rows) != rows:
                raise RuntimeError
        except RuntimeError:
            raise input_error(
                name, f"a shape broadcastable to {rows} (one beta per row)", f"shape {tuple(beta.shape)}"
            ) from None
        return beta
    return check_positive(beta, name)


def _broadcast(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None) -> tuple[int, ...]:
    shapes = [q.shape[:-2], k.shape[:-2], v.shape[:-2]]
    if mask is not None:
        shapes.append(mask.shape[:-2])
    try:
        return broadcast_shapes(*shapes)
    except RuntimeError:
        got = ", ".join(str(tuple(s)) for s in shapes)
        raise input_error(
            "keys", "leading axes that broadcast against the queries' (and the mask's)", got, verb="have"
        ) from None


def flatten_batch(x: Tensor, batch: tuple[int, ...]) -> Tensor:
    """``x`` (leading axes broadcastable to ``batch``) as 4-d ``(P, Q, rows, d)``: a view for <= 2 axes."""
    x = x.expand(*batch, *x.shape[-2:]) if tuple(x.shape[:-2]) != batch else x
    if len(batch) == 0:
        return x[None, None]
    if len(batch) == 1:
        return x[None]
    if len(batch) == 2:
        return x
    return x.reshape(-1, batch[-1], *x.shape[-2:])


def _check_mask(mask: object, length: int, n: int) -> Tensor | None:
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise input_error("attn_mask", "a torch.Tensor or None", describe(mask), cls=HopfieldTypeError)
    if mask.dtype != torch.bool and not mask.is_floating_point():
        raise input_error(
            "attn_mask",
            "dtype bool (True: takes part) or a float dtype (additive)",
            f"dtype {mask.dtype}",
            cls=HopfieldTypeError,
            verb="have",
        )
    if mask.ndim < 2 or mask.shape[-2] not in (1, length) or mask.shape[-1] not in (1, n):
        raise input_error(
            "attn_mask", f"shape (..., {length}|1, {n}|1)", f"shape {tuple(mask.shape)}", verb="have"
        )
    return mask


#: Above this beta the kernel's unshifted scores ``beta q k^T`` may overflow: see :func:`_capped`.
_BIG_BETA = 1e4


def _capped(q: Tensor, k: Tensor, beta: float) -> Tensor:
    """``q`` times ``beta / _BIG_BETA``, capped so that ``_BIG_BETA |q| |k|`` stays 16x inside the dtype's
    range. The kernel scales unshifted scores, so a huge beta (1e300) overflowed to inf - inf = NaN; the
    cap keeps every logit gap at least ``finfo.max / 16`` times its relative size, which underflows
    ``exp`` exactly as the true beta does (the argmax; ties share), with tensor ops only (no graph break).
    """
    big = torch.finfo(q.dtype).max / 16
    qn = torch.linalg.vector_norm(q.detach(), dim=-1).amax()
    kn = torch.linalg.vector_norm(k.detach(), dim=-1).amax()
    bound = (big / _BIG_BETA) / (qn * kn).clamp(min=torch.finfo(q.dtype).tiny)
    return q * torch.clamp(bound, max=min(beta / _BIG_BETA, torch.finfo(q.dtype).max))


def _fold_beta(q: Tensor, k: Tensor, beta: Tensor) -> Tensor:
    """``beta q`` for a tensor ``beta`` (one per row), each row capped as :func:`_capped` where its beta
    exceeds ``_BIG_BETA`` (so that ``beta q`` and the scores stay finite in the dtype, e.g. beta = 1e6 in
    float16); rows at ordinary beta are ``beta q`` exactly, and the gradient reaches ``beta`` there."""
    b = beta.to(q.dtype).unsqueeze(-1)
    big = torch.finfo(q.dtype).max / 16
    acc = torch.float64 if q.dtype == torch.float64 else torch.float32  # norms without overflow
    qn = torch.linalg.vector_norm(q.detach().to(acc), dim=-1, keepdim=True)
    kn = torch.linalg.vector_norm(k.detach().to(acc), dim=-1).amax()
    bound = (big / (qn * kn).clamp(min=torch.finfo(acc).tiny)).clamp(max=big).to(q.dtype)
    capped = torch.minimum(b.detach().clamp(max=big), bound)
    return q * torch.where(b.detach() > _BIG_BETA, capped, b)


def _pad_last(x: Tensor, size: int) -> Tensor:
    return x if x.shape[-1] == size else F.pad(x, (0, size - x.shape[-1]))


def _auto_splits(q4: Tensor, k4: Tensor) -> int:
    """Parts for split-KV on CUDA when too few query blocks would keep the GPU busy (else 1)."""
    if q4.device.type != "cuda" or torch.compiler.is_compiling():
        return 1
    if torch.is_grad_enabled() and (q4.requires_grad or k4.requires_grad):
        return 1
    sms = torch.cuda.get_device_properties(q4.device).multi_processor_count
    blocks = q4.shape[0] * q4.shape[1] * math.ceil(q4.shape[2] / 128)
    n = k4.shape[2]
    if blocks >= 2 * sms or n < 8192:
        return 1
    return max(1, min(math.ceil(2 * sms / blocks), n // 4096))


def hopfield_update(
    queries: Tensor,
    keys: Tensor,
    values: Tensor | None = None,
    beta: float | Tensor = 1.0,
    *,
    attn_mask: Tensor | None = None,
    is_causal: bool = False,
    dropout_p: float = 0.0,
    kv_splits: int | None = None,
) -> Tensor:
    """One modern-Hopfield update ``softmax(beta q k^T) v`` (004 eq. (17), §B5 eq. (534)), fused.

    Parameters
    ----------
    queries:
        State patterns ``(..., L, d)``.
    keys:
        Stored patterns ``(..., N, d)``; leading axes broadcast against the queries' (e.g. queries
        ``(B, H, L, d)`` with keys ``(H, N, d)``: one memory per head, shared by the batch).
    values:
        Pattern projections ``(..., N, dv)``; ``None``: the keys (the update of eq. (17),
        ``xi <- X softmax(beta X^T xi)``).
    beta:
        A positive number, or a floating tensor broadcastable to ``queries.shape[:-1]`` (one beta per
        row: per head ``(H, 1)``, per channel, ...; it may require grad). A tensor is folded into the
        queries (``softmax((beta q) k^T)``), since the kernel takes one scalar scale.
    attn_mask:
        As for ``torch.nn.functional.scaled_dot_product_attention``: a bool mask is **True where a
        stored pattern takes part**; a float mask is added to ``beta q k^T``. Broadcastable to
        ``(..., L, N)``. (The layers' masks use the opposite bool convention; see ``hopfield.nn``.)
    is_causal:
        Query ``l`` sees stored patterns ``0..l`` only (no ``attn_mask`` with it).
    dropout_p:
        Dropout on the association weights (pass 0 outside training).
    kv_splits:
        Cut the stored patterns into this many parts merged by the log-sum-exp merge (split-KV; no
        mask, dropout or gradient); ``None``: automatic (CUDA only, when few query blocks would leave
        the GPU idle), 1: never.

    Returns
    -------
    Tensor
        ``(*batch, L, dv)`` with ``batch`` the broadcast leading axes, in the queries' dtype.
        A query whose stored patterns are all masked out gets zeros.

    Examples
    --------
    >>> import torch
    >>> hopfield_update(torch.tensor([[0.9, 0.2, 0.1]]), torch.eye(3), beta=8.0).round(decimals=3)
    tensor([[0.9950, 0.0040, 0.0020]])
    """
    check_tensor(queries, "queries", ranks=_RANKS, shape="(..., L, d)")
    check_tensor(keys, "keys", ranks=_RANKS, shape="(..., N, d)", dim=queries.shape[-1], other="the queries")
    values = keys if values is None else values
    check_tensor(values, "values", ranks=_RANKS, shape="(..., N, dv)")
    if values.shape[-2] != keys.shape[-2]:
        raise input_error(
            "values",
            f"{keys.shape[-2]} rows (one per stored pattern)",
            f"shape {tuple(values.shape)}",
            verb="have",
        )
    length, n, d, dv = queries.shape[-2], keys.shape[-2], queries.shape[-1], values.shape[-1]
    mask = _check_mask(attn_mask, length, n)
    check_bool(is_causal, "is_causal")
    if is_causal and mask is not None:
        raise input_error("attn_mask", "None when is_causal=True", describe(mask))
    dropout_p = check_real(dropout_p, "dropout_p", low=0.0, high=1.0, high_open=True)
    beta = check_beta(beta, tuple(queries.shape[:-1]))
    splits = None if kv_splits is None else check_int(kv_splits, "kv_splits")
    keys, values = keys.to(queries.dtype), values.to(queries.dtype)
    if isinstance(beta, Tensor):
        queries, scale = _fold_beta(queries, keys, beta), 1.0
    elif beta > _BIG_BETA:
        queries, scale = _capped(queries, keys, beta), _BIG_BETA
    else:
        scale = beta
    if mask is not None and mask.dtype != torch.bool:
        mask = mask.to(queries.dtype)
    batch = _broadcast(queries, keys, values, mask)
    width = max(d, dv)  # the CPU flash kernel wants one head size: pad with zeros (scores unchanged)
    q4 = flatten_batch(_pad_last(queries, width), batch)
    k4 = flatten_batch(_pad_last(keys, width), batch)
    v4 = flatten_batch(_pad_last(values, width), batch)
    m4 = None
    if mask is not None:
        m4 = mask if mask.ndim >= 4 and len(batch) <= 2 else None
        if m4 is None:
            full = mask.expand(*batch, *mask.shape[-2:]) if len(batch) > 2 else mask
            m4 = (
                flatten_batch(full, batch)
                if len(batch) > 2
                else full.reshape((1,) * (4 - full.ndim) + full.shape)
            )
    if splits is None:
        splits = 1 if (mask is not None or dropout_p > 0 or is_causal) else _auto_splits(q4, k4)
    if splits > 1:
        if mask is not None or dropout_p > 0 or is_causal:
            raise HopfieldInputError(
                "kv_splits > 1 needs no attn_mask, no dropout and is_causal=False",
                argument="kv_splits",
                expected="1 or None with a mask, dropout or causal attention",
                received=splits,
            )
        out = split_kv_update(q4, k4, v4, scale, splits)
    else:
        out = F.scaled_dot_product_attention(
            q4, k4, v4, attn_mask=m4, dropout_p=dropout_p, is_causal=is_causal, scale=scale
        )
    return out[..., :dv].reshape(*batch, length, dv)


def _fused_with_lse(q: Tensor, k: Tensor, v: Tensor, scale: float) -> tuple[Tensor, Tensor]:
    """``(softmax(scale q k^T) v, ln sum exp(scale q k^T))`` from torch's fused kernels (4-d inputs)."""
    if q.device.type == "cuda":
        if q.dtype in (torch.float16, torch.bfloat16) and q.shape[-1] <= 256:
            res = torch.ops.aten._scaled_dot_product_flash_attention(q, k, v, 0.0, False, False, scale=scale)
            return res[0], res[1]
        res = torch.ops.aten._scaled_dot_product_efficient_attention(
            q, k, v, None, True, 0.0, False, scale=scale
        )
        return res[0], res[1][..., : q.shape[2]]
    out, lse = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(q, k, v, 0.0, False, scale=scale)
    return out, lse


def split_kv_update(q: Tensor, k: Tensor, v: Tensor, scale: float, splits: int) -> Tensor:
    """Split-KV: the stored patterns cut into ``splits`` equal parts that one kernel call treats as extra
    heads, each returning its average and log-sum-exp, merged by :func:`hopfield.functional.lse.merge_all`.

    4-d inputs ``(P, H, L, d)``, ``(P, H, N, d)``, ``(P, H, N, d)`` (equal head sizes). For few queries
    and many stored patterns (e.g. 16 queries, 4M patterns) the parts keep every multiprocessor busy.
    Not differentiable through the merge weights: use it for retrieval (no gradient).
    """
    p, h, length, d = q.shape
    n = k.shape[2]
    splits = max(1, min(splits, n))
    size = n // splits
    main = size * splits
    qs = q[:, :, None].expand(p, h, splits, length, d).reshape(p, h * splits, length, d)
    ks = k[:, :, :main].reshape(p, h * splits, size, d)
    vs = v[:, :, :main].reshape(p, h * splits, size, v.shape[-1])
    out, lse = _fused_with_lse(qs, ks, vs, scale)
    out = out.view(p, h, splits, length, -1).movedim(2, 0)  # (S, P, H, L, dv)
    lse = lse.view(p, h, splits, length).movedim(2, 0)  # (S, P, H, L)
    parts = [
        LsePartial.from_average(o.reshape(-1, o.shape[-1]).float(), s.reshape(-1).float())
        for o, s in zip(out, lse, strict=True)
    ]
    if main < n:  # the remainder (fewer than `splits` patterns), one more part
        o, s = _fused_with_lse(q, k[:, :, main:], v[:, :, main:], scale)
        parts.append(LsePartial.from_average(o.reshape(-1, o.shape[-1]).float(), s.reshape(-1).float()))
    merged = merge_all(parts).average()
    return merged.to(q.dtype).view(p, h, length, -1)
