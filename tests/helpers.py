"""Test helpers importable from every test module (``from helpers import assert_close``)."""

from __future__ import annotations

import torch

#: Tolerances by dtype: the one place tests take rtol/atol from.
TOL = {
    torch.float32: {"rtol": 1e-5, "atol": 1e-5},
    torch.float64: {"rtol": 1e-10, "atol": 1e-10},
}


def tol(dtype: torch.dtype, scale: float = 1.0) -> dict[str, float]:
    """``rtol``/``atol`` for ``dtype``, with ``atol`` multiplied by ``scale`` (e.g. a norm)."""
    t = TOL[dtype]
    return {"rtol": t["rtol"], "atol": t["atol"] * scale}


def assert_close(actual, expected, dtype: torch.dtype = torch.float64, scale: float = 1.0) -> None:
    """``torch.testing.assert_close`` with the dtype's tolerances (tensors or arrays)."""
    a = torch.as_tensor(actual)
    e = torch.as_tensor(expected).to(a.dtype)
    torch.testing.assert_close(a, e, **tol(dtype, scale))
