"""One seeding convention: ``seed=`` is an int, a ``torch.Generator`` or None (seed 0 is never implied)."""

from __future__ import annotations

import torch

__all__ = ["make_generator"]


def make_generator(seed: int | torch.Generator | None, device: torch.device | str = "cpu") -> torch.Generator:
    """A generator on ``device``: the one passed in, or a new one seeded with ``seed``.

    ``None`` draws a fresh seed from torch's global generator, so ``torch.manual_seed`` still makes a
    run reproducible.
    """
    if isinstance(seed, torch.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be an int, a torch.Generator or None, got {type(seed).__name__}")
    g = torch.Generator(device=device)
    g.manual_seed(int(torch.randint(0, 2**62, (1,))) if seed is None else seed)
    return g
