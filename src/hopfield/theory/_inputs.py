"""Array arguments of ``hopfield.theory``: the input rule, float64 computation, results in the caller's form.

Every array goes through :func:`hopfield._validate.as_patterns` / :func:`~hopfield._validate.as_states`
(float16, bfloat16, float32 or float64; NumPy or torch) and is computed in float64, on the CPU for MPS
tensors (no float64 there). Results that are arrays come back in the caller's form: NumPy for NumPy
input, a tensor on the input's device otherwise, in the input's floating dtype (integer and boolean
results keep theirs).

Functions that involve ``beta`` also bound the norms of patterns and states by :data:`MAX_NORM`, so that
every score ``x_i^T xi`` and every ``|x|^2`` is finite in float64; the others (separation, norms,
spread, beta selection) work for any finite input by exact power-of-two rescaling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from hopfield._arrays import Output
from hopfield._errors import input_error
from hopfield._validate import as_input, as_states

__all__ = ["MAX_NORM", "Converted", "patterns64", "pow2_scale", "row_norms", "states64"]

#: Largest norm of a pattern or state for the functions that involve beta: products of two such
#: vectors stay below 2**1022, inside float64's range.
MAX_NORM = 2.0**510


@dataclass(frozen=True)
class Converted:
    """An array argument in float64 on the computing device, and how to return results to its owner."""

    t: Tensor
    out: Output
    device: torch.device

    def back(self, result: Tensor, *, batch_axis: bool = True) -> Any:
        """``result`` in the caller's form (NumPy, or a tensor on the input's device; input's dtype)."""
        return self.out(result.to(self.device), batch_axis=batch_axis)


def _compute_device(device: torch.device) -> torch.device:
    return torch.device("cpu") if device.type == "mps" else device


def pow2_scale(x: Tensor) -> float:
    """A power of two near ``max |x|`` (1 for a zero tensor): dividing by it is exact."""
    top = float(x.abs().amax()) if x.numel() else 0.0
    if top == 0.0:
        return 1.0
    _, exponent = torch.frexp(torch.tensor(top, dtype=torch.float64))
    return 2.0 ** int(exponent)


def row_norms(x: Tensor) -> Tensor:
    """Euclidean norms of the rows of ``x`` without overflow or underflow: ``s ||x / s||``, ``s`` a power
    of two (exact), so finite input gives the true norm wherever it is representable."""
    s = pow2_scale(x)
    norms: Tensor = torch.linalg.vector_norm(x / s, dim=-1)
    return norms * s


def _check_norms(x: Tensor, name: str) -> None:
    top = float(row_norms(x).amax())
    if top > MAX_NORM:
        raise input_error(
            name,
            "rows with norms below 2**510 (about 3.4e153), so that scores stay finite in float64",
            f"a row of norm {top:.3g}",
            verb="have",
        )


def patterns64(patterns: Any, *, min_rows: int = 1, bounded: bool = True, why: str = "") -> Converted:
    """Patterns ``(N, d)`` through the input rule, as float64 (``N >= min_rows``).

    ``bounded``: refuse rows of norm above :data:`MAX_NORM` (functions that involve beta).
    """
    x, out = as_input(patterns, "patterns", ranks=(2,), shape="(n_patterns, dim)", batch=False)
    if x.shape[0] < min_rows:
        raise input_error(
            "patterns", f"at least {min_rows} rows{why}", f"shape {tuple(x.shape)}", verb="have"
        )
    device = x.device
    x64 = x.to(device=_compute_device(device), dtype=torch.float64)
    if bounded:
        _check_norms(x64, "patterns")
    return Converted(x64, out, device)


def states64(state: Any, patterns: Converted, name: str = "state") -> Converted:
    """States ``(d,)`` or ``(B, d)`` through the input rule, as float64 ``(B, d)`` beside ``patterns``."""
    xi, out = as_states(state, patterns.t.shape[1], name)
    device = xi.device
    xi64 = xi.to(device=patterns.t.device, dtype=torch.float64)
    _check_norms(xi64, name)
    return Converted(xi64, out, device)
