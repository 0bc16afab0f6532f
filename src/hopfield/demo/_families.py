"""The demo's network families: each one stores the demo images and answers corrupted queries.

A family is a function ``fn(patterns, queries, seed) -> list[DemoOutcome]`` registered by name in
:data:`FAMILIES`. ``patterns`` is ``(P, d)`` float64 in [-1, 1] (grey images); ``queries`` is ``(P, d)``,
query ``i`` being a corrupted copy of pattern ``i``. A family returns one outcome per setting it tries
(e.g. one per beta), each with the patterns as the family stores them (binary families binarize) and
its retrieved states; the demo scores every outcome the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import Tensor

from hopfield._registry import Registry

__all__ = ["FAMILIES", "DemoOutcome", "family"]


@dataclass(frozen=True)
class DemoOutcome:
    """One setting of one family: ``setting`` label, ``stored`` (P, d) as stored, ``retrieved`` (P, d)."""

    setting: str
    stored: Tensor
    retrieved: Tensor


FamilyFn = Callable[[Tensor, Tensor, int], list[DemoOutcome]]
FAMILIES: Registry[FamilyFn] = Registry("demo family", "family")


def family(name: str) -> Callable[[FamilyFn], FamilyFn]:
    """Decorator registering a demo family under ``name``."""
    return FAMILIES.register(name)
