"""Argument checks shared by every entry point.

Every check raises ``ValueError`` or ``TypeError`` with a message that names the argument, says what was
expected and shows what was received, e.g. ``beta must be a positive finite number, got -1.0``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real

import torch
from torch import Tensor

__all__ = [
    "check_binary",
    "check_choice",
    "check_dim",
    "check_finite",
    "check_float_dtype",
    "check_int",
    "check_nonempty",
    "check_nonnegative",
    "check_positive",
    "check_probability",
    "check_rank",
]


def _describe(value: object) -> str:
    if isinstance(value, Tensor):
        return f"tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    return repr(value)


def check_positive(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise if it is not a positive finite real number."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a positive finite number, got {_describe(value)}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return value


def check_nonnegative(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number >= 0."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a finite number >= 0, got {_describe(value)}")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return value


def check_int(value: object, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise if it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {_describe(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_probability(value: object, name: str, *, closed_low: bool = False) -> float:
    """Return ``value`` as a float in (0, 1] (or [0, 1] with ``closed_low``), or raise."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a probability, got {_describe(value)}")
    value = float(value)
    low_ok = value >= 0 if closed_low else value > 0
    if not (math.isfinite(value) and low_ok and value <= 1):
        interval = "[0, 1]" if closed_low else "(0, 1]"
        raise ValueError(f"{name} must be a probability in {interval}, got {value!r}")
    return value


def check_float_dtype(x: Tensor, name: str) -> Tensor:
    """Raise ``TypeError`` unless ``x`` has a floating dtype."""
    if not torch.is_floating_point(x):
        raise TypeError(f"{name} must have a floating dtype (float32 or float64), got {x.dtype}")
    return x


def check_finite(x: Tensor, name: str) -> Tensor:
    """Raise ``ValueError`` if ``x`` holds a NaN or an infinity."""
    if not bool(torch.isfinite(x).all()):
        n_bad = int((~torch.isfinite(x)).sum())
        raise ValueError(f"{name} must contain only finite values, got {n_bad} NaN or Inf entries")
    return x


def check_rank(x: Tensor, name: str, ranks: Iterable[int], shape_hint: str) -> Tensor:
    """Raise ``ValueError`` unless ``x.ndim`` is in ``ranks``; ``shape_hint`` reads e.g. ``(batch, dim)``."""
    ranks = tuple(ranks)
    if x.ndim not in ranks:
        raise ValueError(f"{name} must have shape {shape_hint}, got shape {tuple(x.shape)}")
    return x


def check_dim(x: Tensor, name: str, dim: int, other: str) -> Tensor:
    """Raise ``ValueError`` unless the last axis of ``x`` has size ``dim`` (matching ``other``)."""
    if x.shape[-1] != dim:
        raise ValueError(
            f"{name} must have last dimension {dim} to match {other}, got shape {tuple(x.shape)}"
        )
    return x


def check_nonempty(x: Tensor, name: str) -> Tensor:
    """Raise ``ValueError`` if ``x`` has no rows or no columns."""
    if x.numel() == 0:
        raise ValueError(f"{name} must be non-empty, got shape {tuple(x.shape)}")
    return x


def check_binary(x: Tensor, name: str) -> Tensor:
    """Raise ``ValueError`` unless every entry of ``x`` is -1 or +1."""
    bad = (x != 1) & (x != -1)
    if bool(bad.any()):
        example = x[bad].flatten()[0].item()
        raise ValueError(
            f"{name} must be binary with entries in {{-1, +1}}, got {int(bad.sum())} other entries "
            f"(e.g. {example!r})"
        )
    return x


def check_choice(value: object, name: str, choices: Iterable[str]) -> str:
    """Raise ``ValueError`` unless ``value`` is one of ``choices`` (the message lists them)."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return str(value)
