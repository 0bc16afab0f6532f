"""Which patterns are stored, measured by simulation (004 Definition B4), and random patterns on a sphere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from hopfield._arrays import Output, is_numpy
from hopfield._random import make_generator
from hopfield._validate import check_int, check_positive
from hopfield.functional import modern as F
from hopfield.theory._bounds import _x64

__all__ = ["StorageCheck", "sphere_patterns", "stored_patterns"]


def sphere_patterns(
    n_patterns: int, dim: int, radius: float, seed: int | torch.Generator | None = 0
) -> torch.Tensor:
    """``(N, d)`` float64 patterns drawn uniformly on the sphere of radius ``radius`` (004 §B2.5.1)."""
    n = check_int(n_patterns, "n_patterns")
    d = check_int(dim, "dim", minimum=2)
    r = check_positive(radius, "radius")
    g = make_generator(seed)
    x = torch.randn(n, d, generator=g, dtype=torch.float64)
    return x * (r / torch.linalg.vector_norm(x, dim=-1, keepdim=True))


@dataclass(frozen=True)
class StorageCheck:
    """Result of :func:`stored_patterns`, one entry per pattern.

    ``stored``: all criteria below hold; ``in_sphere``: the fixed point ``x*_i`` reached from ``x_i`` lies
    in ``S_i`` (``||x*_i - x_i|| <= 1/(beta N M)``); ``attracts``: every query drawn on the boundary of
    ``S_i`` converges to ``x*_i``; ``disjoint``: ``S_i`` meets no other sphere; ``error``:
    ``||x*_i - x_i||``; ``radius``: ``1/(beta N M)``.
    """

    stored: Any
    in_sphere: Any
    attracts: Any
    disjoint: Any
    error: Any
    radius: float

    @property
    def all_stored(self) -> bool:
        """Whether every pattern is stored."""
        return bool(self.stored.all())


def stored_patterns(
    patterns: Any,
    beta: float,
    *,
    n_queries: int = 1,
    max_steps: int = 500,
    seed: int | torch.Generator | None = 0,
) -> StorageCheck:
    """Test Definition B4 of 004 by simulation: is each pattern stored and retrieved?

    ``x_i`` is stored if a single fixed point ``x*_i`` in the sphere ``S_i`` (radius ``1/(beta N M)``,
    eq. (288)) attracts all of ``S_i`` and the spheres are disjoint. Checked here by iterating the update
    from ``x_i`` and from ``n_queries`` random points on the boundary of ``S_i`` (float64): the fixed
    point must lie in ``S_i`` and the queries must reach it. Needs ``N >= 2``.
    """
    beta = check_positive(beta, "beta")
    n_queries = check_int(n_queries, "n_queries")
    max_steps = check_int(max_steps, "max_steps")
    x = _x64(patterns, min_rows=2)
    n, d = x.shape
    m = float(F.max_norm(x))
    radius = 1.0 / (beta * n * m)
    tol = 1e-12 * max(1.0, m)
    fp = F.retrieve(x.clone(), x, beta, max_steps=max_steps, tol=tol).state
    err = torch.linalg.vector_norm(fp - x, dim=-1)
    in_sphere = err <= radius
    g = make_generator(seed)
    u = torch.randn(n_queries, n, d, generator=g, dtype=torch.float64)
    u = u / torch.linalg.vector_norm(u, dim=-1, keepdim=True)
    queries = (x[None] + radius * u).reshape(-1, d)
    fq = F.retrieve(queries, x, beta, max_steps=max_steps, tol=tol)
    dist = torch.linalg.vector_norm(fq.state.reshape(n_queries, n, d) - fp[None], dim=-1)
    attracts = ((dist <= 1e-3 * radius) & fq.converged.reshape(n_queries, n)).all(dim=0)
    sq = (x * x).sum(-1)
    dist2 = (sq[:, None] + sq[None] - 2 * x @ x.T).clamp_min(0)
    dist2.fill_diagonal_(float("inf"))
    disjoint = dist2.amin(dim=-1).sqrt() > 2 * radius
    out = Output(numpy=is_numpy(patterns))
    stored = in_sphere & attracts & disjoint
    return StorageCheck(
        *(out(t, batch_axis=False) for t in (stored, in_sphere, attracts, disjoint, err)), radius
    )
