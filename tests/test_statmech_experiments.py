"""The statistical-mechanics experiments of ``hopfield reproduce`` in quick mode."""

from __future__ import annotations

import json

import pytest

from hopfield import experiments
from hopfield.experiments import Context


def _run(name: str, tmp_path) -> dict:
    _, folder = experiments.run(name, tmp_path, Context(quick=True))
    assert (folder / "summary.md").read_text().startswith(f"# {name}")
    assert list(folder.glob("*.png"))
    return json.loads((folder / "results.json").read_text())


def test_magnetization_experiment(tmp_path) -> None:
    res = _run("statmech-magnetization", tmp_path)
    assert res["dim"] == 2000 and res["critical_temperature"] == 1.0
    assert res["max_diff_tdl_outside_window"] <= 0.03
    assert res["max_diff_finite_size"] <= 0.03


def test_free_energy_experiment(tmp_path) -> None:
    res = _run("statmech-free-energy", tmp_path)
    crit = res["mixture_critical_temperature"]
    assert crit["1"] == 1.0 and crit["2"] is None and crit["4"] is None
    assert crit["3"] == pytest.approx(0.46, abs=0.005)
    roots = res["curie_weiss_roots"]
    assert len(roots["0.5"]) == 3 and len(roots["1.2"]) == 1


def test_phase_diagram_experiment(tmp_path) -> None:
    res = _run("statmech-phase-diagram", tmp_path)
    assert res["alpha_c_T0"] == pytest.approx(0.138, abs=5e-4)
    assert res["alpha_global_T0"] == pytest.approx(0.051, abs=2e-3)
