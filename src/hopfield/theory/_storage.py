"""Which patterns are stored, measured by simulation (004 Definition B4), and random patterns on a sphere.

Randomness only from ``seed`` (an integer in ``[0, 2**64)``, a ``torch.Generator``, or None for random).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from hopfield._random import make_generator
from hopfield._validate import check_int, check_positive, check_seed
from hopfield.functional import modern as F
from hopfield.theory._inputs import MAX_NORM, patterns64, row_norms
from hopfield.theory._numeric import check_count

__all__ = ["StorageCheck", "sphere_patterns", "stored_patterns"]

#: Stopping threshold of the retrievals, relative to ``max(1, M)`` (float64).
STORAGE_TOL = 1e-12
#: A query "reaches" the fixed point within this fraction of the sphere's radius.
ATTRACT_RTOL = 1e-3


def sphere_patterns(
    n_patterns: int, dim: int, radius: float, *, seed: int | torch.Generator | None = None
) -> torch.Tensor:
    """``(N, d)`` float64 patterns drawn uniformly on the sphere of radius ``radius`` (004 §B2.5.1).

    ``seed``: an integer in ``[0, 2**64)`` or a ``torch.Generator``; ``None`` draws a random one (the
    result then differs between calls unless torch's global generator was seeded).
    """
    n = check_count(n_patterns, "n_patterns")
    d = check_count(dim, "dim", minimum=2)
    r = check_positive(radius, "radius")
    g = make_generator(seed)
    x = torch.randn(n, d, generator=g, dtype=torch.float64)
    norms: torch.Tensor = torch.linalg.vector_norm(x, dim=-1, keepdim=True)
    return x * (r / norms)


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
    seed: int | torch.Generator | None = None,
) -> StorageCheck:
    """Test Definition B4 of 004 by simulation: is each pattern stored and retrieved?

    ``x_i`` is stored if a single fixed point ``x*_i`` in the sphere ``S_i`` (radius ``1/(beta N M)``,
    eq. (288)) attracts all of ``S_i`` and the spheres are disjoint. Checked here by iterating the update
    from ``x_i`` and from ``n_queries`` random points on the boundary of ``S_i`` (float64, at most
    ``max_steps`` updates each; a query that does not converge does not count as attracted): the fixed
    point must lie in ``S_i`` and the queries must reach it. Needs ``N >= 2``. A radius above ``2**510``
    (``beta N M`` below ``2**-510``) cannot be sampled in float64: ``attracts`` is False there, as is
    ``disjoint``.

    ``seed``: an integer in ``[0, 2**64)`` or a ``torch.Generator`` for the random queries; ``None`` draws
    a random one. Per-pattern results come back in the patterns' form and dtype.
    """
    beta = check_positive(beta, "beta")
    n_queries = check_int(n_queries, "n_queries")
    max_steps = check_int(max_steps, "max_steps")
    check_seed(seed)
    xp = patterns64(patterns, min_rows=2, why=" to define a separation")
    g = make_generator(seed)  # after every check: a refused call draws nothing from torch's generator
    x = xp.t
    n, d = x.shape
    m = float(row_norms(x).amax())
    radius = math.inf if m == 0 else 1.0 / beta / n / m
    tol = STORAGE_TOL * max(1.0, m)
    fp = F.retrieve(x.clone(), x, beta, max_steps=max_steps, tol=tol).state
    err = torch.linalg.vector_norm(fp - x, dim=-1)
    in_sphere = err <= radius
    if radius <= MAX_NORM:
        u = torch.randn(n_queries, n, d, generator=g, dtype=torch.float64).to(x.device)
        u = u / torch.linalg.vector_norm(u, dim=-1, keepdim=True)
        queries = (x[None] + radius * u).reshape(-1, d)
        fq = F.retrieve(queries, x, beta, max_steps=max_steps, tol=tol)
        dist = torch.linalg.vector_norm(fq.state.reshape(n_queries, n, d) - fp[None], dim=-1)
        attracts = ((dist <= ATTRACT_RTOL * radius) & fq.converged.reshape(n_queries, n)).all(dim=0)
    else:
        attracts = torch.zeros(n, dtype=torch.bool, device=x.device)
    gaps = torch.cdist(x, x).fill_diagonal_(math.inf).amin(dim=-1)
    disjoint = gaps > 2 * radius
    stored = in_sphere & attracts & disjoint

    def back(t: torch.Tensor) -> Any:
        return xp.back(t, batch_axis=False)

    return StorageCheck(back(stored), back(in_sphere), back(attracts), back(disjoint), back(err), radius)
