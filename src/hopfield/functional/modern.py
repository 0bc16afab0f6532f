"""The modern continuous Hopfield network as pure torch functions (seed 004 §B2, 003 §3, 000/002).

Shapes: ``patterns`` is ``(N, d)`` with patterns as rows (the seeds' ``X`` is ``patterns.T``), ``state`` is
``(B, d)``. No function here validates its arguments; the class :class:`hopfield.ModernHopfield` does.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from hopfield._iterate import RawRetrieval, run_until_fixed
from hopfield._registry import Registry
from hopfield.functional.lse import (
    CHUNK_ELEMENTS,
    OnlineSoftmax,
    default_chunk_size,
    score_chunks,
    softmax,
    softmax_average,
)

__all__ = [
    "UPDATE_BACKENDS",
    "energy",
    "max_norm",
    "retrieve",
    "sdpa_safe",
    "separation",
    "topk_weights",
    "update",
    "update_weights",
]


def max_norm(patterns: Tensor) -> Tensor:
    """``M = max_i ||x_i||``, the largest pattern norm (004 eq. (2)). Returns a 0-d tensor."""
    norms: Tensor = torch.linalg.vector_norm(patterns, dim=-1)
    return norms.amax()


def energy(state: Tensor, patterns: Tensor, beta: float, chunk_size: int | None = None) -> Tensor:
    """Energy (3) of 004: ``E = -lse(beta, X^T xi) + 1/2 xi^T xi + beta^-1 ln N + 1/2 M^2``.

    Computed as ``-log_mean_exp + 1/2 |xi|^2 + 1/2 M^2`` over chunks of patterns so that the
    ``beta^-1 ln N`` terms cancel exactly (no loss of digits for beta down to 1e-6; finite for any
    positive beta). Lemma 1 of 004: ``E >= 0`` everywhere, and ``E <= beta^-1 ln N + 1/2 M^2`` and
    ``E <= 2 M^2`` on the convex hull.

    state: (B, d); patterns: (N, d). Returns (B,).
    """
    acc = OnlineSoftmax(state.shape[0], None, state, beta, precise=True)
    for _, s in score_chunks(state, patterns, chunk_size):
        acc.add(s)
    m = max_norm(patterns)
    return -acc.log_mean_exp() + 0.5 * (state * state).sum(dim=-1) + 0.5 * m * m


UPDATE_BACKENDS: Registry[Callable[[Tensor, Tensor, float, int | None], Tensor]] = Registry(
    "update backend", "backend"
)


@UPDATE_BACKENDS.register("chunked")
def _update_chunked(state: Tensor, patterns: Tensor, beta: float, chunk_size: int | None) -> Tensor:
    return softmax_average(state, patterns, patterns, beta, chunk_size)


@UPDATE_BACKENDS.register("sdpa")
def _update_sdpa(state: Tensor, patterns: Tensor, beta: float, chunk_size: int | None) -> Tensor:
    # 004 §B5: keys = values = patterns, scale = beta. With 4-d inputs (1 batch, 1 head) torch picks its
    # fused flash kernel on the CPU, itself an online-lse merge over key blocks (O(B) extra memory); with
    # 3-d inputs it falls back to the materialized math path (measured: benchmarks/RESULTS.md). The
    # kernel multiplies unshifted scores by beta: see sdpa_safe.
    x = patterns[None, None]  # (1, 1, N, d)
    return F.scaled_dot_product_attention(state[None, None], x, x, scale=beta)[0, 0]


_SDPA_CPU_DTYPES = (torch.float32, torch.float64, torch.bfloat16)


def sdpa_safe(state: Tensor, patterns: Tensor, beta: float) -> bool:
    """True when ``beta |xi| M`` stays far inside the dtype's range, so a kernel that scales unshifted
    scores by beta (SDPA) cannot overflow: ``beta max_b |xi_b| max_i |x_i| <= finfo.max / 16``."""
    bound = beta * float(torch.linalg.vector_norm(state, dim=-1).amax()) * float(max_norm(patterns))
    return bound <= torch.finfo(state.dtype).max / 16


@UPDATE_BACKENDS.register("auto")
def _update_auto(state: Tensor, patterns: Tensor, beta: float, chunk_size: int | None) -> Tensor:
    # A (B, N) block no larger than one chunk: the plain formula (no kernel launch or thread-pool
    # overhead, same memory as one chunk). Larger: the fused kernel where it is known to be
    # memory-efficient (CPU) and beta cannot overflow it, else our chunked merge (which never
    # materializes (B, N) whatever the device and dtype). An explicit chunk_size asks for ours.
    if chunk_size is None and state.shape[0] * patterns.shape[0] <= CHUNK_ELEMENTS:
        return _update_materialized(state, patterns, beta, chunk_size)
    if (
        chunk_size is None
        and state.device.type == "cpu"
        and state.dtype in _SDPA_CPU_DTYPES
        and sdpa_safe(state, patterns, beta)
    ):
        return _update_sdpa(state, patterns, beta, chunk_size)
    return _update_chunked(state, patterns, beta, chunk_size)


@UPDATE_BACKENDS.register("materialized")
def _update_materialized(state: Tensor, patterns: Tensor, beta: float, chunk_size: int | None) -> Tensor:
    # The plain formula, O(B N) memory: what the most used Hopfield-layer package does (max-shifted).
    return softmax(beta, state @ patterns.T) @ patterns


def update(
    state: Tensor,
    patterns: Tensor,
    beta: float,
    chunk_size: int | None = None,
    backend: str = "auto",
) -> Tensor:
    """One update, eq. (17) of 004 (003 Definition 3.1.2): ``xi_new = X softmax(beta X^T xi)``.

    ``backend`` is ``"chunked"`` (online log-sum-exp merge over chunks of ``chunk_size`` patterns,
    ``O(B C)`` extra memory), ``"sdpa"`` (``torch.nn.functional.scaled_dot_product_attention``, the
    fused kernel), ``"materialized"`` (the ``(B, N)`` softmax, for reference) or ``"auto"`` (the plain
    formula when ``B N`` fits one chunk, else ``"sdpa"`` on the CPU when :func:`sdpa_safe`, else
    ``"chunked"``; an explicit ``chunk_size`` selects ``"chunked"``). state: (B, d); returns (B, d).
    """
    return UPDATE_BACKENDS.get(backend)(state, patterns, beta, chunk_size)


def update_weights(state: Tensor, patterns: Tensor, beta: float) -> Tensor:
    """The full ``(B, N)`` softmax ``p = softmax(beta X^T xi)`` (materialized: use on request only)."""
    return softmax(beta, state @ patterns.T)


def topk_weights(
    state: Tensor, patterns: Tensor, beta: float, k: int, chunk_size: int | None = None
) -> tuple[Tensor, Tensor]:
    """The ``k`` largest softmax weights and their pattern indices, ``(B, k)`` each, chunk by chunk.

    ``k`` must not exceed the number of patterns (the caller checks it).
    """
    b, n = state.shape[0], patterns.shape[0]
    c = max(chunk_size or default_chunk_size(b, n), k)
    acc = OnlineSoftmax(b, None, state, beta)
    best_s = state.new_full((b, 0), float("-inf"))
    best_i = torch.empty((b, 0), dtype=torch.long, device=state.device)
    for start, s in score_chunks(state, patterns, c):
        idx = torch.arange(start, start + s.shape[-1], device=state.device).expand(b, -1)
        cand_s = torch.cat([best_s, s], dim=-1)
        cand_i = torch.cat([best_i, idx], dim=-1)
        best_s, pos = cand_s.topk(min(k, cand_s.shape[-1]), dim=-1)
        best_i = cand_i.gather(-1, pos)
        acc.add(s)  # last: it may reuse the block s in place
    part = acc.part
    log_w = beta * (best_s - part.m[:, None]) - torch.log(part.terms[0])[:, None]
    return torch.exp(log_w), best_i


def retrieve(
    state: Tensor,
    patterns: Tensor,
    beta: float,
    max_steps: int = 100,
    tol: float = 1e-6,
    chunk_size: int | None = None,
    backend: str = "auto",
) -> RawRetrieval:
    """Iterate the update (17) until ``max |xi_{t+1} - xi_t| <= tol`` per query, or ``max_steps``.

    Theorem B1 of 004 (Theorem 1 of 000, Proposition 3.2 of 003): the energy never increases along
    these iterates and every limit point is a stationary point of the energy. Converged queries stop
    being updated; only the active ones are computed each step (:func:`hopfield._iterate.run_until_fixed`).
    """

    def step(xi: Tensor) -> Tensor:
        return update(xi, patterns, beta, chunk_size, backend)

    return run_until_fixed(step, state, max_steps, tol=tol)


def separation(patterns: Tensor, chunk_size: int | None = None) -> Tensor:
    """Separation of each pattern, eq. (286) of 004: ``Delta_i = x_i^T x_i - max_{j != i} x_i^T x_j``.

    Computed over row blocks of the Gram matrix. patterns: (N, d) with N >= 2; returns (N,).
    """
    n = patterns.shape[0]
    c = chunk_size or default_chunk_size(n, n)
    sq = (patterns * patterns).sum(dim=-1)  # (N,)
    out = []
    for start in range(0, n, c):
        g = patterns[start : start + c] @ patterns.T  # (C, N)
        rows = torch.arange(g.shape[0], device=g.device)
        g[rows, rows + start] = float("-inf")
        out.append(sq[start : start + c] - g.amax(dim=-1))
    return torch.cat(out)
