"""Seeds for the NumPy generators of this package, from the library's one seeding convention."""

from __future__ import annotations

import torch

from hopfield._random import make_generator
from hopfield._validate import check_seed

__all__ = ["resolve_seed"]


def resolve_seed(seed: object, name: str = "seed") -> int:
    """An integer seed: ``seed`` itself (checked, in ``[0, 2**64)``), or one drawn from a
    ``torch.Generator`` or, for None, from torch's global generator (so ``torch.manual_seed`` applies)."""
    s = check_seed(seed, name)
    if isinstance(s, int):
        return s
    return int(torch.randint(0, 2**62, (1,), generator=make_generator(s, name=name)))
