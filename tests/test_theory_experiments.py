"""The theory experiments of ``hopfield reproduce`` in quick mode: files written, key numbers sane."""

from __future__ import annotations

import json

import pytest

from hopfield import experiments
from hopfield.experiments import Context


def _run(name: str, tmp_path, data_dir: str | None = None) -> dict:
    _, folder = experiments.run(name, tmp_path, Context(quick=True, data_dir=data_dir))
    assert (folder / "summary.md").read_text().startswith(f"# {name}")
    assert list(folder.glob("*.png"))
    return json.loads((folder / "results.json").read_text())


def test_separation_table_experiment(tmp_path, data_dir: str) -> None:
    res = _run("theory-separation", tmp_path, data_dir)
    assert res["max_norm"] == pytest.approx(31.3933, abs=5e-5)
    assert res["delta_min"] == pytest.approx(35.1906, abs=5e-4) and res["delta_min_pattern"] == "pattern7_2"
    assert res["max_abs_diff_table_4_1"] < 2e-3
    assert res["beta_plus"] == pytest.approx(0.3825, abs=5e-4)
    assert res["beta_plus_iteration"] == pytest.approx(res["beta_plus"], rel=1e-12)
    by_beta = {round(v["beta"], 4): v for v in res["retrieval"].values()}
    assert by_beta[0.0727]["condition_holds"] is False and by_beta[0.0727]["own_fixed_point"] < 30
    assert by_beta[round(res["beta_plus"], 4)]["own_fixed_point"] == 30


def test_capacity_experiment(tmp_path) -> None:
    res = _run("theory-capacity", tmp_path)
    assert res["b5_examples"]["d20_K3"] == pytest.approx(3.1546, abs=1e-4)
    assert res["b7_min_dimension"] == 21
    for row in res["by_dimension"]:
        assert row["measured"] >= 2
        if row["b5"] is not None:
            assert row["measured"] >= row["b5"]


def test_bounds_experiment(tmp_path) -> None:
    res = _run("theory-bounds", tmp_path)
    for key in ("lemma4", "b8", "b9", "b9_simple", "jac"):
        assert res[key]["cases"] > 0 and res[key]["violations"] == 0
    ce = res["seed_391_counterexample"]
    assert ce["error"] > ce["seed_bound"] and ce["error"] <= ce["corrected_bound"]
