"""Helpers shared by the experiment modules: random ±1 patterns, threshold crossings, the stored digits."""

from __future__ import annotations

import torch
from torch import Tensor

from hopfield import data

__all__ = ["crossing", "digit_patterns_or_demo", "random_patterns"]


def random_patterns(p: int, d: int, g: torch.Generator, dtype: torch.dtype = torch.float32) -> Tensor:
    """``p`` independent uniform ±1 patterns of dimension ``d``, drawn from ``g``. Shape (p, d)."""
    return torch.randint(0, 2, (p, d), generator=g, dtype=torch.int8).to(dtype).mul_(2).sub_(1)


def crossing(xs: list[float], ys: list[float], level: float) -> float:
    """First ``x`` where ``ys`` falls below ``level`` (linear interpolation), NaN if never."""
    for i in range(1, len(xs)):
        if ys[i - 1] >= level > ys[i]:
            t = (ys[i - 1] - level) / (ys[i - 1] - ys[i])
            return xs[i - 1] + t * (xs[i] - xs[i - 1])
    return float("nan")


def digit_patterns_or_demo(data_dir: str | None, per_class: int, seed: int) -> tuple[Tensor, bool]:
    """The report's 30 digit patterns (32x32, from ``data_dir``) and True; when the folder is not
    there, ``per_class`` built-in 8x8 digits of each class and False. Shape (n_patterns, dim)."""
    try:
        x, _ = data.load_digit_patterns(data_dir)
        return x, True
    except ValueError:
        demo, _ = data.load_demo_digits(per_class, seed=seed)
        return demo, False
