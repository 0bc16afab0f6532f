"""The energy (004 eq. (3)) of state patterns in the association space of a layer."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from hopfield.functional.lse import CHUNK_ELEMENTS, _log_mean_exp_shifted, finite_beta
from hopfield.nn._update import broadcast_shapes

__all__ = ["association_energy"]


def _rows(beta: float | Tensor, like: Tensor) -> float | Tensor:
    """``beta`` with a trailing axis against ``(..., L, N)`` scores."""
    if isinstance(beta, Tensor):
        return beta.to(like.dtype).clamp(max=torch.finfo(like.dtype).max).unsqueeze(-1)
    return finite_beta(beta, like.dtype)


def _chunk_energy(q: Tensor, k: Tensor, beta: float | Tensor, mask: Tensor | None) -> Tensor:
    s = q @ k.transpose(-1, -2)  # (..., Lc, N) unscaled scores
    b = _rows(beta, s)
    norms = torch.linalg.vector_norm(k, dim=-1)  # (..., N)
    if mask is None:
        m = s.detach().amax(dim=-1, keepdim=True)
        lme = m.squeeze(-1) + _log_mean_exp_shifted(b * (s - m)) / _squeeze(b)
        big_m = norms.amax(dim=-1, keepdim=True).expand(s.shape[:-1])
    else:
        if mask.dtype == torch.bool:
            prior = torch.zeros(mask.shape, dtype=s.dtype, device=s.device).masked_fill_(~mask, float("-inf"))
        else:
            prior = mask.to(s.dtype)
        prior = prior.expand(s.shape)
        live = prior > float("-inf")
        m = s.detach().masked_fill(~live, float("-inf")).amax(dim=-1, keepdim=True)
        m = m.masked_fill(m == float("-inf"), 0.0)
        z = (b * (s - m)).masked_fill(~live, 0.0) + prior
        log_prior = torch.logsumexp(prior, dim=-1)
        lme = m.squeeze(-1) + (torch.logsumexp(z, dim=-1) - log_prior) / _squeeze(b)
        big_m = norms.unsqueeze(-2).expand(s.shape).masked_fill(~live, 0.0).amax(dim=-1)
    energy: Tensor = -lme + 0.5 * (q * q).sum(dim=-1) + 0.5 * big_m * big_m
    return energy


def _squeeze(b: float | Tensor) -> float | Tensor:
    return b.squeeze(-1) if isinstance(b, Tensor) else b


def association_energy(
    states: Tensor,
    keys: Tensor,
    beta: float | Tensor,
    attn_mask: Tensor | None = None,
) -> Tensor:
    """Energy (3) of 004 per state pattern, in the association space:

    ``E(xi) = -lse(beta, K xi) + 1/2 xi^T xi + beta^-1 ln N + 1/2 M^2``, ``M`` the largest key norm.

    states: ``(..., L, d)``; keys: ``(..., N, d)`` (leading axes broadcast); beta a positive number or a
    tensor broadcastable to ``states.shape[:-1]``. Returns ``(*batch, L)``.

    With a mask (the :func:`hopfield.nn.functional.hopfield_update` convention: bool True where a
    stored pattern takes part, or additive ``a_i``) the patterns carry prior weights ``exp(a_i)``:
    ``-beta^-1 ln(sum_i exp(beta s_i + a_i) / sum_i exp(a_i))`` replaces ``-lse + beta^-1 ln N`` and
    ``M`` runs over the patterns that take part; the masked update is still the concave-convex step of
    this energy, so it never increases (004 Theorem B1). ``-lse + beta^-1 ln N`` is computed as one
    log-mean-exp, exact down to beta = 1e-6; a beta below the dtype's smallest normal number is
    computed in float64. The score matrix is built in chunks of state patterns.
    """
    tiny = torch.finfo(states.dtype).tiny
    if (
        states.dtype != torch.float64
        and float(beta.detach().min() if isinstance(beta, Tensor) else beta) < tiny
    ):
        # beta (s - m) would underflow to 0 and the log-mean-exp divide 0 by 0: float64, cast back
        wide = beta.double() if isinstance(beta, Tensor) else beta
        return association_energy(states.double(), keys.double(), wide, attn_mask).to(states.dtype)
    batch = broadcast_shapes(states.shape[:-2], keys.shape[:-2])
    length, n = states.shape[-2], keys.shape[-2]
    rows = max(1, CHUNK_ELEMENTS // max(1, math.prod(batch) * n))
    out = []
    for start in range(0, length, rows):
        q = states[..., start : start + rows, :]
        b = beta
        if isinstance(beta, Tensor) and beta.ndim > 0 and beta.shape[-1] == length and length > 1:
            b = beta[..., start : start + rows]
        mask = attn_mask
        if mask is not None and mask.ndim >= 2 and mask.shape[-2] != 1:
            mask = mask[..., start : start + rows, :]
        out.append(_chunk_energy(q, keys.to(q.dtype), b, mask))
    return out[0] if len(out) == 1 else torch.cat(out, dim=-1)
