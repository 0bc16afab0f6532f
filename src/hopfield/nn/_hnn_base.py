"""Shared pieces of the seed-003 modules: trainable-or-frozen tensors, pattern initialization, checks."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from hopfield._errors import input_error
from hopfield._validate import check_bool, check_int, check_positive, check_tensor, describe

__all__ = [
    "bias_parameter",
    "check_input",
    "init_patterns",
    "log_parameter",
    "make_parameter",
    "set_sizes",
    "size_arg",
]


def size_arg(value: object, name: str) -> int:
    """A positive integer size (channels, features, neurons, ...)."""
    return check_int(value, name, minimum=1)


def set_sizes(module: Any, iterations: object, **sizes: object) -> None:
    """Check and set each positive size (``channels=...``, ``features=...``) and ``iterations >= 0`` on
    ``module`` as attributes of the same names."""
    for name, value in sizes.items():
        setattr(module, name, size_arg(value, name))
    module.iterations = check_int(iterations, "iterations", minimum=0)


def bias_parameter(
    bias: object,
    trainable: object,
    shape: tuple[int, ...],
    dtype: torch.dtype | None,
    device: torch.device | str | None,
) -> nn.Parameter | None:
    """A zero bias of ``shape``, trainable or frozen (``train_bias``), or None when ``bias`` is False."""
    if check_bool(bias, "bias"):
        return make_parameter(torch.zeros(shape, dtype=dtype, device=device), trainable, "train_bias")
    check_bool(trainable, "train_bias")
    return None


def make_parameter(value: Tensor, trainable: object, name: str) -> nn.Parameter:
    """``value`` as a parameter, trainable or frozen (``requires_grad=False``; kept in the state dict)."""
    train = check_bool(trainable, name)
    return nn.Parameter(value, requires_grad=train)


def log_parameter(
    value: object,
    name: str,
    shape: tuple[int, ...],
    trainable: object,
    train_name: str,
    dtype: torch.dtype | None,
    device: torch.device | str | None,
) -> nn.Parameter:
    """``log(value)`` filled into ``shape`` (a positive float, or a positive tensor of that shape)."""
    if isinstance(value, Tensor):
        check_tensor(value, name, ranks=(len(shape),), shape=str(shape))
        if tuple(value.shape) != shape:
            raise input_error(name, f"shape {shape}", f"shape {tuple(value.shape)}", verb="have")
        if not bool((value > 0).all()):
            raise input_error(name, "positive entries", describe(value), verb="have")
        logv = value.detach().to(dtype=dtype or value.dtype, device=device).log()
    else:
        v = check_positive(value, name)
        logv = torch.full(shape, math.log(v), dtype=dtype, device=device)
    return make_parameter(logv, trainable, train_name)


def init_patterns(
    patterns: object,
    name: str,
    shape: tuple[int, ...],
    dtype: torch.dtype | None,
    device: torch.device | str | None,
    generator: torch.Generator | None,
) -> Tensor:
    """Given patterns checked against ``shape`` (copied), or ``U(-1/sqrt(n), 1/sqrt(n))`` as ``nn.Linear``.

    The random initialization draws from ``generator`` (``None``: torch's global generator, as the
    ``torch.nn`` layers do).
    """
    if patterns is None:
        bound = 1.0 / math.sqrt(shape[-1])
        out = torch.empty(shape, dtype=dtype, device=device)
        return out.uniform_(-bound, bound, generator=generator)
    check_tensor(patterns, name, ranks=(len(shape),), shape=str(shape))
    assert isinstance(patterns, Tensor)
    if tuple(patterns.shape) != shape:
        raise input_error(name, f"shape {shape}", f"shape {tuple(patterns.shape)}", verb="have")
    return patterns.detach().to(dtype=dtype or patterns.dtype, device=device).clone()


def check_input(x: object, name: str, axes: tuple[tuple[str, int | None], ...]) -> Tensor:
    """A floating tensor with one axis per entry of ``axes`` (``(axis name, size or None)``).

    The message gives the expected shape, e.g. ``x must have shape (batch, channels=5, neurons=225),
    got shape (2, 4, 225)``.
    """
    hint = "(" + ", ".join(a if s is None else f"{a}={s}" for a, s in axes) + ")"
    check_tensor(x, name, ranks=(len(axes),), shape=hint)
    assert isinstance(x, Tensor)
    for i, (_, s) in enumerate(axes):
        if s is not None and x.shape[i] != s:
            raise input_error(name, f"shape {hint}", f"shape {tuple(x.shape)}", verb="have")
    return x
