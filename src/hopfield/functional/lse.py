"""Log-sum-exp, softmax and the one log-sum-exp merge of partial results.

``lse(beta, x) = beta^-1 ln sum_i exp(beta x_i)`` is eq. (2) of the supplement 004 (Definition B4 there;
lemmas of §B3 and 000/002 prove it convex with gradient ``softmax(beta x)``, Lemma 18 of 004).

**The merge.** A sum ``S = sum_i exp(s_i) t_i`` over many scores ``s_i`` (with ``t_i`` = 1 for the
normalizer, a value row for a weighted average, coefficients for the dense margins) is computed in parts:
each part keeps a shift ``m`` (its largest score) and ``sum_i exp(s_i - m) t_i`` for each of its terms,
an :class:`LsePartial`. Two parts merge by rescaling both to the larger shift ``M = max(m_a, m_b)``:
``S = exp(m_a - M) S_a + exp(m_b - M) S_b`` (:func:`merge`). No ``exp`` ever sees an unshifted score.

This one function serves every chunked or sharded reduction of the library: chunks of patterns in the
modern network (:class:`OnlineSoftmax`, :func:`softmax_average`), the dense memory's margins and
log-energy, segments of the memory store, ranks of the sharded memory (rescale to the all-reduced max
with :func:`rescale`, then sum) and the split-KV path of the layers. A part made by a fused kernel that
returns ``(average, log-sum-exp)`` enters through :meth:`LsePartial.from_average`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = [
    "CHUNK_ELEMENTS",
    "LsePartial",
    "OnlineSoftmax",
    "block_partial",
    "default_chunk_size",
    "finite_beta",
    "log_mean_exp",
    "lse",
    "merge",
    "merge_all",
    "rescale",
    "score_chunks",
    "softmax",
    "softmax_average",
]

#: Elements of one ``(B, C)`` score block that the chunked paths aim for (4 MiB in float32; the
#: fastest on the benchmark machine, see benchmarks/RESULTS.md).
CHUNK_ELEMENTS = 1 << 20


def finite_beta(beta: float | Tensor, dtype: torch.dtype) -> float | Tensor:
    """``beta`` capped at ``dtype``'s largest value, so that ``beta * 0 = 0`` (not ``inf * 0 = NaN``).

    Scores are shifted to ``s - max s <= 0`` before beta multiplies them, so the cap changes no
    result: every ``beta (s - m) < 0`` that overflowed still gives ``exp = 0``.
    """
    big = torch.finfo(dtype).max
    if isinstance(beta, Tensor):
        return beta.clamp(max=big)
    return min(float(beta), big)


def lse(beta: float | Tensor, x: Tensor, dim: int = -1) -> Tensor:
    """Log-sum-exp with inverse temperature, ``beta^-1 ln sum exp(beta x)`` (004 eq. (2)).

    Stable for any finite ``x`` and any positive ``beta``: the maximum is subtracted before beta
    multiplies, ``m + beta^-1 ln sum exp(beta (x - m))``. Reduces over ``dim``.
    """
    beta = finite_beta(beta, x.dtype)
    m = x.detach().amax(dim=dim, keepdim=True)
    return m.squeeze(dim) + torch.logsumexp(beta * (x - m), dim=dim) / beta


def softmax(beta: float | Tensor, x: Tensor, dim: int = -1) -> Tensor:
    """``softmax(beta x)`` along ``dim``, the gradient of :func:`lse` (004 Lemma 18).

    Max-shifted before beta multiplies, so finite for any positive ``beta``.
    """
    beta = finite_beta(beta, x.dtype)
    return torch.softmax(beta * (x - x.detach().amax(dim=dim, keepdim=True)), dim=dim)


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
    beta = finite_beta(beta, x.dtype)
    m = x.amax(dim=dim, keepdim=True)
    z = beta * (x - m)
    return m.squeeze(dim) + _log_mean_exp_shifted(z, dim=dim) / beta


def default_chunk_size(batch: int, n_patterns: int) -> int:
    """Patterns per chunk so that one ``(batch, chunk)`` block holds about ``CHUNK_ELEMENTS`` entries."""
    return max(1, min(n_patterns, CHUNK_ELEMENTS // max(1, batch)))


def score_chunks(
    queries: Tensor, keys: Tensor, chunk_size: int | None = None
) -> Iterator[tuple[int, Tensor]]:
    """Yield ``(start, queries @ keys[start:start + C].T)`` blocks of unscaled scores, shape ``(B, C)``."""
    n = keys.shape[0]
    c = chunk_size or default_chunk_size(queries.shape[0], n)
    for start in range(0, n, c):
        yield start, queries @ keys[start : start + c].T  # (B, C)


# ------------------------------------------------------------------------------------------- the merge
@dataclass
class LsePartial:
    """A partial reduction ``sum_i exp(beta s_i) t_i`` held as ``exp(beta m)`` times ``terms``.

    Scores ``s_i`` are kept unscaled and ``beta`` is applied only to differences ``s_i - m <= 0``, so
    the part stays finite for any positive ``beta`` (1e-6 to 1e300) and any finite scores.

    Attributes
    ----------
    m:
        ``(B,)`` shift, the largest score of the part (detached; ``-inf`` for an empty part).
    terms:
        Tensors of shape ``(B, ...)``, each ``sum_i exp(beta (s_i - m)) t_i`` for its own ``t``; by
        convention ``terms[0]`` is the normalizer ``l = sum_i exp(beta (s_i - m))`` where there is one.
    beta:
        The inverse temperature (a number, or a ``(B,)`` tensor: one per row).
    s1:
        ``(B,)`` ``sum_i expm1(beta (s_i - m))`` or None: kept only for :meth:`log_mean_exp` at tiny
        beta, where ``ln(l / n)`` would lose every digit.
    count:
        Number of scores in the part (needed with ``s1``).
    """

    m: Tensor
    terms: tuple[Tensor, ...]
    beta: float | Tensor = 1.0
    s1: Tensor | None = None
    count: int = 0

    @classmethod
    def empty(
        cls,
        shapes: Iterable[tuple[int, ...]],
        like: Tensor,
        beta: float | Tensor = 1.0,
        precise: bool = False,
    ) -> LsePartial:
        """An empty part (``m = -inf``, zero terms of the given ``(B, ...)`` shapes)."""
        shapes = list(shapes)
        b = shapes[0][0]
        m = torch.full((b,), float("-inf"), dtype=like.dtype, device=like.device)
        terms = tuple(like.new_zeros(s) for s in shapes)
        return cls(m, terms, finite_beta(beta, like.dtype), like.new_zeros(b) if precise else None, 0)

    @classmethod
    def from_average(cls, average: Tensor, log_sum: Tensor, beta: float | Tensor = 1.0) -> LsePartial:
        """The part of a fused kernel that returned ``average = sum_i softmax_i v_i`` (B, dv) and
        ``log_sum = ln sum_i exp(beta s_i)`` (B,): ``m = log_sum / beta``, ``terms = (1, average)``."""
        beta = finite_beta(beta, log_sum.dtype)
        m = (log_sum / beta).detach()
        one = torch.exp(log_sum - beta * m)  # 1, carrying the gradient of log_sum
        return cls(m, (one, average * one[:, None]), beta)

    def log_sum(self) -> Tensor:
        """``ln sum_i exp(beta s_i) = beta m + ln l``, shape (B,) (may overflow for huge ``beta``)."""
        return self.beta * self.m + torch.log(self.terms[0])

    def average(self) -> Tensor:
        """``sum_i softmax(beta s)_i v_i = terms[1] / terms[0]``, shape (B, dv)."""
        return self.terms[1] / self.terms[0][:, None]

    def lse(self) -> Tensor:
        """``beta^-1 ln sum_i exp(beta s_i) = m + beta^-1 ln l`` (004 eq. (2)), shape (B,); finite."""
        return self.m + torch.log(self.terms[0]) / self.beta

    def log_mean_exp(self) -> Tensor:
        """``beta^-1 ln mean_i exp(beta s_i)``, accurate for tiny beta when the part keeps ``s1``."""
        l = self.terms[0]  # noqa: E741 - the name used by every online-softmax paper
        mean_exp = l / self.count
        small = torch.log(mean_exp)
        if self.s1 is None:
            return self.m + small / self.beta
        close = torch.log1p(self.s1 / self.count)
        return self.m + torch.where(mean_exp > 0.5, close, small) / self.beta


def _shift(p: LsePartial, new_m: Tensor) -> Tensor:
    """``beta (m - new_m) <= 0`` (with ``-inf`` where the part is empty)."""
    return torch.where(p.m == float("-inf"), p.m, p.beta * (p.m - new_m))


def _scaled(t: Tensor, f: Tensor) -> Tensor:
    return t * f.view(f.shape + (1,) * (t.ndim - 1))


def rescale(p: LsePartial, new_m: Tensor) -> LsePartial:
    """The same part expressed with the shift ``new_m >= p.m`` (e.g. the all-reduced maximum of ranks)."""
    z = _shift(p, new_m)
    f = torch.exp(z)  # 0 for an empty part
    s1 = None
    if p.s1 is not None:
        s1 = _scaled(p.s1, f) + (p.count * torch.expm1(z) if p.count else 0.0)
    return LsePartial(new_m, tuple(_scaled(t, f) for t in p.terms), p.beta, s1, p.count)


def merge(a: LsePartial, b: LsePartial) -> LsePartial:
    """The part of the union of two parts: both rescaled to ``M = max(m_a, m_b)`` and added.

    Both parts must use the same ``beta`` and matching term shapes; ``s1`` is merged when both keep it.
    """
    new_m = torch.maximum(a.m, b.m)
    ra, rb = rescale(a, new_m), rescale(b, new_m)
    terms = tuple(x + y for x, y in zip(ra.terms, rb.terms, strict=True))
    s1 = None if ra.s1 is None or rb.s1 is None else ra.s1 + rb.s1
    return LsePartial(new_m, terms, a.beta, s1, a.count + b.count)


def merge_all(parts: Iterable[LsePartial]) -> LsePartial:
    """Merge any number of parts, left to right."""
    it = iter(parts)
    acc = next(it)
    for p in it:
        acc = merge(acc, p)
    return acc


def block_partial(
    scores: Tensor,
    values: Tensor | None = None,
    beta: float | Tensor = 1.0,
    *,
    precise: bool = False,
) -> LsePartial:
    """The part of one ``(B, C)`` block of unscaled scores (and its ``(C, dv)`` values).

    ``beta`` is a number or a ``(B,)`` tensor. Without autograd (and without ``precise``) the block is
    overwritten in place (it becomes ``exp(beta (scores - m))``): pass a block you no longer need, as
    :func:`score_chunks` yields.
    """
    beta = finite_beta(beta, scores.dtype)
    m = scores.detach().amax(dim=-1)  # (B,)
    bcol = beta[:, None] if isinstance(beta, Tensor) and beta.ndim == 1 else beta
    if scores.requires_grad or precise or (isinstance(beta, Tensor) and beta.requires_grad):
        z = (scores - m[:, None]) * bcol  # (B, C), <= 0
        e = torch.exp(z)  # (B, C), in (0, 1]
        s1 = torch.expm1(z).sum(dim=-1) if precise else None
    else:  # reuse the score block in place (one (B, C) buffer per chunk)
        e = scores.sub_(m[:, None]).mul_(bcol).exp_()
        s1 = None
    terms: tuple[Tensor, ...] = (e.sum(dim=-1),)
    if values is not None:
        terms = (terms[0], e @ values)
    return LsePartial(m, terms, beta, s1, scores.shape[-1])


class OnlineSoftmax:
    """Running :class:`LsePartial` of a softmax over chunks of scores (the "online softmax").

    ``add(scores, values)`` merges one ``(B, C)`` block of unscaled scores; :meth:`average`,
    :meth:`lse` and :meth:`log_mean_exp` read the result. ``value_dim=None`` keeps only the normalizer.
    """

    def __init__(
        self,
        batch: int,
        value_dim: int | None,
        like: Tensor,
        beta: float | Tensor = 1.0,
        precise: bool = False,
    ) -> None:
        shapes = [(batch,)] if value_dim is None else [(batch,), (batch, value_dim)]
        self.part = LsePartial.empty(shapes, like, beta, precise)
        self.precise = precise

    def add(self, scores: Tensor, values: Tensor | None = None) -> None:
        """Merge one ``(B, C)`` block of unscaled scores (and its ``(C, dv)`` values); may reuse it."""
        self.part = merge(self.part, block_partial(scores, values, self.part.beta, precise=self.precise))

    def average(self) -> Tensor:
        """``sum_i softmax_i v_i``, shape (B, dv)."""
        return self.part.average()

    def lse(self) -> Tensor:
        """``beta^-1 ln sum exp(beta s)`` over every score merged, shape (B,)."""
        return self.part.lse()

    def log_mean_exp(self) -> Tensor:
        """``beta^-1 ln mean exp(beta s)``, accurate for tiny beta when built with ``precise=True``."""
        return self.part.log_mean_exp()


def softmax_average(
    queries: Tensor,
    keys: Tensor,
    values: Tensor,
    beta: float | Tensor,
    chunk_size: int | None = None,
) -> Tensor:
    """``softmax(beta queries keys^T) values`` over chunks of keys, ``O(B C)`` extra memory.

    queries: (B, dk); keys: (N, dk); values: (N, dv); beta a number or a (B,) tensor. Returns (B, dv).
    Differentiable. Finite for any positive beta (the scores are shifted before beta multiplies them).
    """
    acc = OnlineSoftmax(queries.shape[0], values.shape[-1], queries, beta)
    for start, s in score_chunks(queries, keys, chunk_size):
        acc.add(s, values[start : start + s.shape[-1]])
    return acc.average()
