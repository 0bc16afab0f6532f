"""Log-sum-exp, softmax and the chunked online log-sum-exp merge.

``lse(beta, x) = beta^-1 ln sum_i exp(beta x_i)`` is eq. (2) of the supplement 004 (Definition B4 there;
lemmas of §B3 and 000/002 prove it convex with gradient ``softmax(beta x)``, Lemma 18 of 004).

The merge is the one piece that lets a modern Hopfield network, an attention layer or a sharded memory
average over ``N`` stored patterns in chunks of ``C`` with ``O(B C)`` extra memory instead of ``O(B N)``:
per chunk it keeps a running maximum ``m``, a running sum ``l = sum exp(beta s - m)`` and a running
weighted sum of values, rescaling the old sums by ``exp(m_old - m_new)`` when the maximum grows
(the "online softmax" of flash attention). No ``exp`` is ever applied to an unshifted logit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = [
    "OnlineSoftmax",
    "default_chunk_size",
    "log_mean_exp",
    "lse",
    "score_chunks",
    "softmax",
    "softmax_average",
]

#: Elements of one ``(B, C)`` score block that the chunked paths aim for (4 MiB in float32; the
#: fastest on the benchmark machine, see benchmarks/RESULTS.md).
CHUNK_ELEMENTS = 1 << 20


def lse(beta: float | Tensor, x: Tensor, dim: int = -1) -> Tensor:
    """Log-sum-exp with inverse temperature, ``beta^-1 ln sum exp(beta x)`` (004 eq. (2)).

    Stable for any finite ``x`` and ``beta`` in [1e-6, 1e6]: the maximum is subtracted before ``exp``
    (``torch.logsumexp``). Reduces over ``dim``.
    """
    return torch.logsumexp(beta * x, dim=dim) / beta


def softmax(beta: float | Tensor, x: Tensor, dim: int = -1) -> Tensor:
    """``softmax(beta x)`` along ``dim``, the gradient of :func:`lse` (004 Lemma 18). Max-shifted."""
    return torch.softmax(beta * x, dim=dim)


def _log_mean_exp_shifted(z: Tensor, dim: int = -1) -> Tensor:
    """``ln mean exp(z)`` for ``z <= 0`` with ``max z = 0``, accurate when ``|z|`` is tiny.

    ``ln mean exp z = log1p(mean expm1 z)`` keeps the digits that ``ln(sum exp z) - ln N`` loses when
    every ``z`` is close to 0 (small beta); where the mean is small the plain form is exact enough.
    """
    mean_exp = torch.exp(z).mean(dim=dim)
    small = torch.log(mean_exp)
    close = torch.log1p(torch.expm1(z).mean(dim=dim))
    return torch.where(mean_exp > 0.5, close, small)


def log_mean_exp(beta: float | Tensor, x: Tensor, dim: int = -1) -> Tensor:
    """``beta^-1 ln (1/N) sum exp(beta x) = lse(beta, x) - beta^-1 ln N`` without cancellation.

    This is the combination that appears in the energy (004 eq. (3)). For beta -> 0 it tends to the
    mean of ``x``, and it is computed so that it does (no ``1e6 ln N - 1e6 ln N`` cancellation).
    """
    m = x.amax(dim=dim, keepdim=True)
    z = beta * (x - m)
    return m.squeeze(dim) + _log_mean_exp_shifted(z, dim=dim) / beta


def default_chunk_size(batch: int, n_patterns: int) -> int:
    """Patterns per chunk so that one ``(batch, chunk)`` block holds about ``CHUNK_ELEMENTS`` entries."""
    return max(1, min(n_patterns, CHUNK_ELEMENTS // max(1, batch)))


def score_chunks(
    queries: Tensor, keys: Tensor, beta: float | Tensor, chunk_size: int | None = None
) -> Iterator[tuple[int, Tensor]]:
    """Yield ``(start, beta * queries @ keys[start:start + C].T)`` blocks of shape ``(B, C)``."""
    n = keys.shape[0]
    c = chunk_size or default_chunk_size(queries.shape[0], n)
    scaled = queries * beta  # (B, dk): scale once, not every (B, C) block
    for start in range(0, n, c):
        yield start, scaled @ keys[start : start + c].T  # (B, C)


@dataclass
class OnlineSoftmax:
    """Running state of the online log-sum-exp merge over chunks of scores.

    ``m`` (B,) running max of the scaled scores (detached: the result does not depend on the shift),
    ``l`` (B,) running ``sum exp(s - m)``, ``s1`` (B,) running ``sum expm1(s - m)`` (only with
    ``precise``, for :meth:`log_mean_exp` at tiny beta), ``acc`` (B, dv) running ``sum exp(s - m) v``,
    ``count`` the number of scores seen.
    """

    m: Tensor
    l: Tensor  # noqa: E741 - the name used by every online-softmax paper
    acc: Tensor | None
    s1: Tensor | None = None
    count: int = 0

    @classmethod
    def start(cls, batch: int, value_dim: int | None, like: Tensor, precise: bool = False) -> OnlineSoftmax:
        """An empty state for ``batch`` rows; ``value_dim=None`` skips the weighted sum."""
        m = torch.full((batch,), float("-inf"), dtype=like.dtype, device=like.device)
        l = torch.zeros(batch, dtype=like.dtype, device=like.device)  # noqa: E741
        acc = None if value_dim is None else like.new_zeros(batch, value_dim)
        s1 = torch.zeros_like(l) if precise else None
        return cls(m, l, acc, s1)

    def add(self, scores: Tensor, values: Tensor | None = None) -> None:
        """Merge one ``(B, C)`` block of scaled scores (and its ``(C, dv)`` values).

        Without autograd the block is overwritten in place (it becomes ``exp(scores - m)``): pass a
        block you no longer need, as :func:`score_chunks` yields.
        """
        m_new = torch.maximum(self.m, scores.detach().amax(dim=-1))  # (B,)
        shift = self.m - m_new  # (B,), <= 0; -inf on the first chunk
        rescale = torch.exp(shift)  # (B,)
        if scores.requires_grad or self.s1 is not None:
            z = scores - m_new[:, None]  # (B, C), <= 0
            e = torch.exp(z)  # (B, C), in (0, 1]
        else:  # no autograd: reuse the score block in place (one (B, C) buffer per chunk)
            z = e = scores.sub_(m_new[:, None]).exp_()
        if self.s1 is not None:
            # sum expm1 over the old scores re-shifted: c * s1 + n * (c - 1), with c - 1 = expm1(shift)
            old = rescale * self.s1 + self.count * torch.expm1(shift) if self.count else self.s1
            self.s1 = old + torch.expm1(z).sum(dim=-1)
        self.l = self.l * rescale + e.sum(dim=-1)
        if self.acc is not None and values is not None:
            if e.requires_grad or self.acc.requires_grad or values.requires_grad:
                self.acc = torch.addmm(self.acc * rescale[:, None], e, values)
            else:
                self.acc.mul_(rescale[:, None]).addmm_(e, values)
        self.m = m_new
        self.count += scores.shape[-1]

    def average(self) -> Tensor:
        """``sum_i softmax_i v_i``, shape (B, dv)."""
        assert self.acc is not None
        return self.acc / self.l[:, None]

    def lse(self, beta: float | Tensor) -> Tensor:
        """``beta^-1 ln sum exp(s)`` over every score merged, shape (B,)."""
        return (self.m + torch.log(self.l)) / beta

    def log_mean_exp(self, beta: float | Tensor) -> Tensor:
        """``beta^-1 ln mean exp(s)``, accurate for tiny beta when built with ``precise=True``."""
        mean_exp = self.l / self.count
        small = torch.log(mean_exp)
        if self.s1 is None:
            return (self.m + small) / beta
        close = torch.log1p(self.s1 / self.count)
        return (self.m + torch.where(mean_exp > 0.5, close, small)) / beta


def softmax_average(
    queries: Tensor,
    keys: Tensor,
    values: Tensor,
    beta: float | Tensor,
    chunk_size: int | None = None,
) -> Tensor:
    """``softmax(beta queries keys^T) values`` over chunks of keys, ``O(B C)`` extra memory.

    queries: (B, dk); keys: (N, dk); values: (N, dv). Returns (B, dv). Differentiable.
    """
    state = OnlineSoftmax.start(queries.shape[0], values.shape[-1], queries)
    for start, s in score_chunks(queries, keys, beta, chunk_size):
        state.add(s, values[start : start + s.shape[-1]])
    return state.average()
