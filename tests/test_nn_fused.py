"""The layers never build the (queries x stored) association matrix unless asked (issue 11, item 1).

Every aten op run by a forward pass is recorded (a ``TorchDispatchMode``); with softmax, one update or
several, with or without a padding mask, no op returns a tensor whose last two axes are (L, S) or (S, L),
and the fused kernel does the work. Asking for the association matrix builds it (so the check can fail).
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

import hopfield.nn as hnn

L, S, D = 7, 11, 16  # distinct sizes: an (L, S) tensor cannot be anything else


class _Record(TorchDispatchMode):
    """Records ``(op name, output shapes)`` of every aten op."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: list[tuple[str, list[tuple[int, ...]]]] = []

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        shapes = [tuple(t.shape) for t in tree_flatten(out)[0] if isinstance(t, torch.Tensor)]
        self.ops.append((str(func), shapes))
        return out


def _forward(steps: int | None, masked: bool, **kwargs: Any) -> _Record:
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    net = hnn.Hopfield(input_size=D, num_heads=2, update_steps_max=steps)
    y, r = torch.randn(2, S, D, generator=g), torch.randn(2, L, D, generator=g)
    mask = torch.zeros(2, S, dtype=torch.bool) if masked else None
    if masked:
        mask[1, -3:] = True  # hflayers' convention: True = padding
    with torch.no_grad(), _Record() as rec:
        net((y, r, y), stored_pattern_padding_mask=mask, **kwargs)
    return rec


def _association_sized(rec: _Record) -> list[tuple[str, list[tuple[int, ...]]]]:
    return [(op, s) for op, s in rec.ops if any(len(x) >= 2 and set(x[-2:]) == {L, S} for x in s)]


@pytest.mark.parametrize("steps", [0, 3, None])
@pytest.mark.parametrize("masked", [False, True])
def test_no_association_matrix_is_built(steps: int | None, masked: bool) -> None:
    rec = _forward(steps, masked)
    assert _association_sized(rec) == []
    assert any("scaled_dot_product" in op for op, _ in rec.ops), sorted({op for op, _ in rec.ops})


def test_asking_for_the_association_matrix_builds_it() -> None:
    assert _association_sized(_forward(0, False, return_association=True)) != []
