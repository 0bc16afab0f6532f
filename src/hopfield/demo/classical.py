"""Demo family: the classical binary network on binarized digit images, one setting per learning rule."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from hopfield import data
from hopfield.classical import ClassicalHopfield
from hopfield.demo._families import DemoOutcome, family

#: (setting label, rule, rule options, dynamics).
SETTINGS: tuple[tuple[str, str, dict[str, Any], str], ...] = (
    ("hebb, async", "hebb", {}, "async"),
    ("storkey, async", "storkey", {}, "async"),
    ("pseudoinverse, async", "pseudoinverse", {}, "async"),
    ("gradient (001 Alg. 1), async", "gradient", {"margin": 0.5}, "async"),
)


def binarize_queries(queries: Tensor, seed: int) -> Tensor:
    """``sgn`` of grey queries; entries that are exactly 0 (masked pixels) get a fair coin, seeded."""
    g = torch.Generator().manual_seed(seed)
    coin = torch.randint(0, 2, queries.shape, generator=g).to(queries.dtype).mul_(2).sub_(1)
    return torch.where(queries == 0, coin, torch.sign(queries))


_NETWORKS: dict[bytes, list[ClassicalHopfield]] = {}


def _networks(stored: Tensor) -> list[ClassicalHopfield]:
    """One network per setting, learned once per stored set (the demo calls the family per corruption)."""
    key = stored.numpy().tobytes() + repr(stored.shape).encode()
    if key not in _NETWORKS:
        _NETWORKS.clear()
        _NETWORKS[key] = [ClassicalHopfield(stored, rule, **opts) for _, rule, opts, _ in SETTINGS]
    return _NETWORKS[key]


@family("classical")
def classical_family(patterns: Tensor, queries: Tensor, seed: int) -> list[DemoOutcome]:
    """Store the binarized images with each rule of :data:`SETTINGS`; retrieve the binarized queries."""
    stored = data.binarize(patterns)
    q = binarize_queries(queries, seed)
    outcomes = []
    for (label, _, _, dynamics), net in zip(SETTINGS, _networks(stored), strict=True):
        res = net.retrieve(q, dynamics=dynamics, max_steps=50, seed=seed)
        outcomes.append(DemoOutcome(label, stored, res.state))
    return outcomes
