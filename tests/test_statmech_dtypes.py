"""``hopfield.statmech`` follows the input rule for every dtype: a number gives a float, NumPy (or a list)
gives NumPy, torch keeps its device and dtype; computed in float64 and cast back; no warnings."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hopfield import statmech as sm
from hopfield._tolerances import tolerances

KINDS = {
    "torch-float16": torch.float16,
    "torch-bfloat16": torch.bfloat16,
    "torch-float32": torch.float32,
    "torch-float64": torch.float64,
    "numpy-float16": np.float16,
    "numpy-float32": np.float32,
    "numpy-float64": np.float64,
}


def _as(kind: str, a):
    dtype = KINDS[kind]
    return torch.tensor(a, dtype=dtype) if isinstance(dtype, torch.dtype) else np.asarray(a, dtype=dtype)


def _check(result, kind: str, shape: tuple[int, ...]) -> None:
    dtype = KINDS[kind]
    if isinstance(dtype, torch.dtype):
        assert isinstance(result, torch.Tensor) and result.dtype == dtype and result.device.type == "cpu"
        assert tuple(result.shape) == shape
    else:
        assert isinstance(result, np.ndarray) and result.dtype == dtype and result.shape == shape


def _close(result, reference, kind: str) -> None:
    dtype = KINDS[kind]
    tol = tolerances(dtype if isinstance(dtype, torch.dtype) else torch.from_numpy(np.zeros(1, dtype)).dtype)
    got = torch.as_tensor(result).to(torch.float64)
    torch.testing.assert_close(
        got, torch.as_tensor(reference, dtype=torch.float64), rtol=tol.rtol, atol=tol.atol
    )


@pytest.mark.parametrize("kind", list(KINDS))
def test_curie_weiss_elementwise(kind: str) -> None:
    m = _as(kind, [[-0.5, 0.0], [0.25, 0.75]])
    f = sm.curie_weiss_free_energy(m, 2.0)
    _check(f, kind, (2, 2))
    _close(f, sm.curie_weiss_free_energy(torch.as_tensor(m).double().numpy(), 2.0), kind)
    temps = _as(kind, [0.5, 1.5, 0.0])
    mag = sm.curie_weiss_magnetization(temps)
    _check(mag, kind, (3,))
    _close(mag, [0.957504024077, 0.0, 1.0], kind)
    crit = sm.curie_weiss_critical_magnetization(_as(kind, [1.25, 0.5]))
    _check(crit, kind, (2,))
    zero_d = sm.curie_weiss_magnetization(_as(kind, 0.5))
    _check(zero_d, kind, ())


@pytest.mark.parametrize("kind", list(KINDS))
def test_overlap_vectors(kind: str) -> None:
    m0 = _as(kind, [0.5, 0.25, 0.0])
    sol = sm.mean_field_solve(m0, 0.3)
    _check(sol.m, kind, (3,))
    _check(sol.eigenvalues, kind, (3,))
    assert sol.converged and isinstance(sol.free_energy, float)
    assert isinstance(sm.hopfield_free_energy(m0, 0.3), float)


@pytest.mark.parametrize("kind", list(KINDS))
def test_temperature_grids(kind: str) -> None:
    temps = _as(kind, [0.25, 0.5])
    pd = sm.ags_phase_diagram(temps, global_line=False)
    for v in (pd.temperatures, pd.alpha_m, pd.alpha_c, pd.alpha_g):
        _check(v, kind, (2,))
    g = sm.glauber_magnetization(temps, 16, n_chains=2, n_sweeps=3, burn_in=1, seed=0)
    for v in (g.temperatures, g.m, g.m_abs, g.stderr):
        _check(v, kind, (2,))


def test_numbers_give_floats_and_grids_of_one() -> None:
    """Python and NumPy numbers are numbers: a float back; grids of one temperature come back as NumPy."""
    for t in (0.5, np.float32(0.5), np.float16(0.5), 1):
        assert isinstance(sm.curie_weiss_magnetization(t), float)
        assert isinstance(sm.curie_weiss_free_energy(np.float64(0.25), t + 0.5), float)
    g = sm.glauber_magnetization(0.5, 16, n_chains=2, n_sweeps=3, burn_in=1, seed=0)
    assert isinstance(g.m, np.ndarray) and g.m.shape == (1,) and g.m.dtype == np.float64
    pd = sm.ags_phase_diagram(0.5, global_line=False)
    assert isinstance(pd.alpha_m, np.ndarray) and pd.alpha_m.shape == (1,)
    assert isinstance(sm.ags_phase_diagram(global_line=False).alpha_m, np.ndarray)
    lst = sm.curie_weiss_magnetization([0.5, 2.0])
    assert isinstance(lst, np.ndarray) and lst.dtype == np.float64
