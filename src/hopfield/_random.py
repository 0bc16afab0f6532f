"""One seeding convention: ``seed=`` is an integer in [0, 2**64), a ``torch.Generator`` or None.

``None`` means random: a fresh seed is drawn from torch's global generator (so ``torch.manual_seed``
still makes a run reproducible). No function of the library implies a seed; experiments and the demo pass
fixed, documented ones.
"""

from __future__ import annotations

import torch

from hopfield._validate import check_seed

__all__ = ["make_generator"]


def make_generator(seed: object, device: torch.device | str = "cpu", name: str = "seed") -> torch.Generator:
    """A generator on ``device``: the one passed in, or a new one seeded with ``seed`` (checked)."""
    s = check_seed(seed, name)
    if isinstance(s, torch.Generator):
        return s
    g = torch.Generator(device=device)
    g.manual_seed(int(torch.randint(0, 2**62, (1,))) if s is None else s)
    return g
