"""Every dtype-dependent tolerance of the library, in one table.

The library's defaults (stopping thresholds, ODE tolerances, tie tolerances) and the tests' comparison
tolerances both read from here, so that a change of precision is one edit. ``float16`` and ``bfloat16``
have entries wherever the family computes in that dtype; families that compute half-precision input in
float32 (see ``docs/conventions.md``) use the float32 row and cast the result back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

__all__ = ["TOLERANCES", "Tolerances", "compute_dtype", "tolerances"]


@dataclass(frozen=True)
class Tolerances:
    """The tolerances of one dtype.

    Attributes
    ----------
    eps:
        Machine epsilon of the dtype.
    retrieve:
        Default stopping threshold of fixed-point iterations, relative to ``max(1, scale)`` (modern
        network: the largest coordinate change; ``scale`` is the largest pattern norm).
    ode_rtol, ode_atol:
        Default relative and absolute tolerances of adaptive ODE solvers.
    speed:
        Default threshold on ``max |dx/dt|`` that ends a relaxation of an ODE network.
    rtol, atol:
        Comparison tolerances for results computed in this dtype (tests, internal self-checks).
    eig:
        Default margin around 0 within which a real part of a Jacobian eigenvalue counts as zero
        (the "marginal" verdict of the ODE networks' ``stability``).
    """

    eps: float
    retrieve: float
    ode_rtol: float
    ode_atol: float
    speed: float
    rtol: float
    atol: float
    eig: float


def _row(
    dtype: torch.dtype, *, retrieve: float, ode: tuple[float, float], speed: float, tol: float, eig: float
) -> Tolerances:
    """One dtype's row: ``ode`` is ``(ode_rtol, ode_atol)``; results compare with ``rtol = atol = tol``."""
    eps = torch.finfo(dtype).eps
    return Tolerances(
        eps=eps, retrieve=retrieve, ode_rtol=ode[0], ode_atol=ode[1], speed=speed, rtol=tol, atol=tol, eig=eig
    )


_FLOAT32 = _row(torch.float32, retrieve=1e-5, ode=(1e-5, 1e-7), speed=1e-4, tol=1e-5, eig=1e-5)


def _half(dtype: torch.dtype, tol: float) -> Tolerances:
    """A half-precision row: its own stopping and comparison tolerance ``tol``; the ODE, speed and
    eigenvalue entries of float32 (the families that use them compute half-precision input in float32)."""
    return replace(_FLOAT32, eps=torch.finfo(dtype).eps, retrieve=tol, rtol=tol, atol=tol)


TOLERANCES: dict[torch.dtype, Tolerances] = {
    torch.float64: _row(torch.float64, retrieve=1e-10, ode=(1e-7, 1e-9), speed=1e-8, tol=1e-10, eig=1e-9),
    torch.float32: _FLOAT32,
    torch.float16: _half(torch.float16, 1e-2),
    torch.bfloat16: _half(torch.bfloat16, 2e-2),
}


def tolerances(dtype: torch.dtype) -> Tolerances:
    """The :class:`Tolerances` of a floating ``dtype`` (float32's for any other dtype)."""
    return TOLERANCES.get(dtype, TOLERANCES[torch.float32])


def compute_dtype(dtype: torch.dtype, beta: float | None = None) -> torch.dtype:
    """The dtype a family that cannot work in half precision computes in: float32 for float16/bfloat16.

    With ``beta`` below that dtype's smallest normal number (float32: 1.2e-38), ``beta (s - max s)``
    would underflow (NaN or lost digits in the energy and the log-sum-exp merge): float64 then.
    """
    out = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
    if beta is not None and out.is_floating_point and beta < torch.finfo(out).tiny:
        return torch.float64
    return out
