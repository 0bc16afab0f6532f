"""Helpers for the hflayers comparisons: import the peer's package from ../shared/anchors (test oracle
only; skipped cleanly when absent) and build an hflayers module and ours with the same weights."""

from __future__ import annotations

import math
import os
import sys
from typing import Any

import pytest
import torch

import hopfield.nn as ours

ANCHORS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared", "anchors")


def hflayers() -> Any:
    """The peer's package, or skip the test."""
    if not os.path.isdir(os.path.join(ANCHORS, "hflayers")):
        pytest.skip("../shared/anchors/hflayers not found")
    if ANCHORS not in sys.path:
        sys.path.insert(0, ANCHORS)
    import hflayers as hf

    return hf


def randomize(module: torch.nn.Module, seed: int = 0) -> None:
    """Every parameter (LayerNorm affines included) ~ N(0, 1/fan_in), fan_in = its last axis."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(p.shape[-1]))


def pair(cls: str, seed: int = 0, **kwargs: Any) -> tuple[torch.nn.Module, torch.nn.Module]:
    """(theirs, ours): ``hflayers.<cls>(**kwargs)`` randomized, and ``hopfield.nn.<cls>`` loaded from it."""
    hf = hflayers()
    theirs = getattr(hf, cls)(**kwargs)
    randomize(theirs, seed)
    mine = getattr(ours, cls)(**kwargs)
    ours.load_hflayers_state_dict(mine, theirs.state_dict())
    return theirs.eval(), mine.eval()
