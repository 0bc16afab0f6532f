"""Association functions chosen by name, and the materialized (chunked) update they need.

``softmax`` (default) is the modern Hopfield network of 004 (eq. (17)); its update runs in the fused
kernel (:func:`hopfield.nn._update.hopfield_update`). ``sparsemax`` and ``entmax15`` give the sparse
modern Hopfield networks (the update ``xi <- X sparsemax(beta X^T xi)``), through the optional
``entmax`` package (``pip install 'hopfield[sparse]'``); they need the score matrix, which is built in
chunks of state patterns so that no more than about ``CHUNK_ELEMENTS`` scores exist at once. The
association weights are materialized only when asked for.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from hopfield._errors import HopfieldInputError
from hopfield._registry import Registry
from hopfield.functional.lse import CHUNK_ELEMENTS
from hopfield.nn._update import broadcast_shapes

__all__ = ["ASSOCIATIONS", "association_weights", "materialized_update"]

#: name -> ``fn(scores, dim) -> weights`` (rows of scores that are all ``-inf`` are handled by the caller).
ASSOCIATIONS: Registry[Callable[[Tensor, int], Tensor]] = Registry("association function", "association")


@ASSOCIATIONS.register("softmax")
def _softmax(scores: Tensor, dim: int) -> Tensor:
    return torch.softmax(scores, dim=dim)


def _entmax() -> Any:
    try:
        import entmax
    except ImportError:  # pragma: no cover - depends on the environment
        raise HopfieldInputError(
            "association 'sparsemax' and 'entmax15' need the optional package entmax "
            "(pip install 'hopfield[sparse]'), which is not installed",
            argument="association",
            expected="'softmax', or entmax installed",
            received="entmax missing",
        ) from None
    return entmax


@ASSOCIATIONS.register("sparsemax")
def _sparsemax(scores: Tensor, dim: int) -> Tensor:
    out: Tensor = _entmax().sparsemax(scores, dim=dim)
    return out


@ASSOCIATIONS.register("entmax15")
def _entmax15(scores: Tensor, dim: int) -> Tensor:
    out: Tensor = _entmax().entmax15(scores, dim=dim)
    return out


def _weights(scores: Tensor, mask: Tensor | None, association: str) -> Tensor:
    """Association weights of a block of scaled scores; rows with every pattern masked out get 0."""
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    fn = ASSOCIATIONS.get(association)
    if mask is None:
        return fn(scores, -1)
    dead = scores.amax(dim=-1, keepdim=True) == float("-inf")
    w = fn(scores.masked_fill(dead, 0.0), -1)
    return w.masked_fill(dead, 0.0)


def _scaled_queries(q: Tensor, beta: float | Tensor) -> Tensor:
    return q * beta.to(q.dtype).unsqueeze(-1) if isinstance(beta, Tensor) else q * beta


def association_weights(
    queries: Tensor,
    keys: Tensor,
    beta: float | Tensor,
    attn_mask: Tensor | None = None,
    association: str = "softmax",
) -> Tensor:
    """The association matrix ``f(beta q k^T + mask)``, shape ``(*batch, L, N)`` (materialized).

    Same argument conventions as :func:`hopfield.nn.functional.hopfield_update` (a bool ``attn_mask`` is
    True where a stored pattern takes part); ``f`` is the association function by name.
    """
    q = _scaled_queries(queries, beta)
    return _weights(q @ keys.to(q.dtype).transpose(-1, -2), attn_mask, association)


def materialized_update(
    queries: Tensor,
    keys: Tensor,
    values: Tensor,
    beta: float | Tensor,
    attn_mask: Tensor | None = None,
    association: str = "softmax",
    dropout_p: float = 0.0,
    *,
    need_weights: bool = False,
    chunk_rows: int | None = None,
) -> tuple[Tensor, Tensor | None]:
    """``f(beta q k^T + mask) v`` over chunks of state patterns, and the weights when ``need_weights``.

    Without ``need_weights`` at most about ``CHUNK_ELEMENTS`` scores exist at a time (``chunk_rows``
    state patterns per chunk); with it the whole ``(*batch, L, N)`` matrix is returned.
    """
    q = _scaled_queries(queries, beta)
    k, v = keys.to(q.dtype), values.to(q.dtype)
    batch = broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    length, n = q.shape[-2], k.shape[-2]
    if need_weights:
        rows = length
    else:
        rows = chunk_rows or max(1, CHUNK_ELEMENTS // max(1, math.prod(batch) * n))
    outs, weights = [], []
    for start in range(0, length, rows):
        qc = q[..., start : start + rows, :]
        mc = None
        if attn_mask is not None:
            mc = (
                attn_mask
                if attn_mask.ndim < 2 or attn_mask.shape[-2] == 1
                else attn_mask[..., start : start + rows, :]
            )
        w = _weights(qc @ k.transpose(-1, -2), mc, association)
        if need_weights:
            weights.append(w)
        outs.append(F.dropout(w, dropout_p) @ v if dropout_p > 0 else w @ v)
    out = outs[0] if len(outs) == 1 else torch.cat(outs, dim=-2)
    return out, (weights[0] if need_weights else None)
