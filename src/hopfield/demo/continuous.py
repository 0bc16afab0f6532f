"""Demo family: the continuous-time Hopfield network (001 §1.2), tanh, relaxed by dopri5.

Binary family: the grey images are binarized and stored as ``+-1`` patterns with ``W`` trained by
Algorithm 2 (Corollary 10). (Hebb's rule and the pseudo-inverse rule store none of these 40 correlated
64-pixel patterns: every query falls to one spurious state.) Each corrupted query is relaxed until
``max |dx/dt| < 1e-6``; the retrieved state is the fixed point reached (inside ``(-1, 1)^d``).
"""

from __future__ import annotations

import hashlib

import torch
from torch import Tensor

from hopfield import data
from hopfield.continuous import ContinuousTimeHopfield
from hopfield.demo._families import DemoOutcome, family

#: Algorithm 2's settings for the demo (Adam, full batch); trained once per pattern set and reused.
EPOCHS, LR = 2000, 0.01
_TRAINED: dict[tuple[str, int], ContinuousTimeHopfield] = {}


def _trained(stored: Tensor, seed: int) -> ContinuousTimeHopfield:
    key = (hashlib.sha1(stored.numpy().tobytes()).hexdigest(), seed)
    if key not in _TRAINED:
        _TRAINED.clear()
        _TRAINED[key] = ContinuousTimeHopfield.from_patterns(stored, seed=seed, epochs=EPOCHS, lr=LR)
    return _TRAINED[key]


@family("continuous")
def continuous_family(patterns: Tensor, queries: Tensor, seed: int) -> list[DemoOutcome]:
    """Relax the queries under ``W`` trained by Algorithm 2 (Glorot init seeded with ``seed``)."""
    stored = data.binarize(patterns).to(torch.float64)
    net = _trained(stored, seed)
    state = net.retrieve(queries.to(torch.float64), tol=1e-6, t_max=50.0).state
    return [DemoOutcome(f"tanh, algorithm 2 ({EPOCHS} epochs)", stored, state)]
