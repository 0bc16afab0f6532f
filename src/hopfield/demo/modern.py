"""Demo family: the modern continuous Hopfield network at three inverse temperatures."""

from __future__ import annotations

from torch import Tensor

from hopfield.demo._families import DemoOutcome, family
from hopfield.modern import ModernHopfield

BETAS = (0.05, 0.5, 5.0)


@family("modern")
def modern_family(patterns: Tensor, queries: Tensor, seed: int) -> list[DemoOutcome]:
    """Retrieve with ``ModernHopfield`` for each beta in :data:`BETAS` (deterministic: seed unused)."""
    outcomes = []
    for beta in BETAS:
        net = ModernHopfield(patterns, beta=beta)
        res = net.retrieve(queries, max_steps=50)
        outcomes.append(DemoOutcome(f"beta={beta:g}", patterns, res.state))
    return outcomes
