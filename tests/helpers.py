"""Test helpers importable from every test module (``from helpers import assert_close``)."""

from __future__ import annotations

import torch

from hopfield._tolerances import tolerances

#: Tolerances by dtype, from the library's one table (``hopfield._tolerances``).
TOL = {
    dt: {"rtol": tolerances(dt).rtol, "atol": tolerances(dt).atol}
    for dt in (torch.float16, torch.bfloat16, torch.float32, torch.float64)
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
