"""The classical experiments (quick runs) and the demo family."""

from __future__ import annotations

import json
import math

import pytest
import torch

from hopfield.demo import load_families, score
from hopfield.demo._families import FAMILIES
from hopfield.experiments import Context, run
from hopfield.experiments.classical import mean_field_overlap

pytestmark = pytest.mark.usefixtures("one_thread")


def _run(name, tmp_path):
    report, folder = run(name, tmp_path, Context(quick=True, seed=0))
    assert (folder / "results.json").exists() and (folder / "summary.md").exists()
    assert list(folder.glob("*.png"))
    return report, json.loads((folder / "results.json").read_text())


def test_capacity_quick(tmp_path):
    report, res = _run("classical-capacity", tmp_path)
    c = res["checks"]
    assert c["hebb_overlap_0.10"] > 0.98
    assert c["pinv_min_fixed_fraction"] == 1.0
    hebb = res["dims"]["200"]["hebb"]
    assert hebb["overlap"][0] > 0.99  # alpha = 0.05
    assert hebb["overlap"][-1] < 0.5  # alpha = 0.3
    storkey = res["dims"]["200"]["storkey"]
    assert storkey["fixed_fraction"][3] > hebb["fixed_fraction"][3]  # alpha = 0.2
    assert "Hebb overlap at alpha = 0.10" in report.summary


def test_spurious_quick(tmp_path):
    _, res = _run("classical-spurious", tmp_path)
    mix = res["mixtures"]
    assert mix["1"]["fixed"] == 1.0 and mix["3"]["fixed"] == 1.0 and mix["5"]["fixed"] == 1.0
    assert mix["2"]["fixed"] == 0.0 and mix["4"]["fixed"] == 0.0
    assert mix["3"]["m_start"] == pytest.approx(0.5, abs=0.05)
    assert mix["3"]["energy"] == pytest.approx(mix["3"]["energy_theory"], abs=0.02)


def test_temperature_quick(tmp_path):
    _, res = _run("classical-temperature", tmp_path)
    temps, m = res["temperatures"], res["mean_abs_overlap"]
    assert m[temps.index(0.0)] == 1.0
    assert m[temps.index(0.6)] == pytest.approx(mean_field_overlap(0.6), abs=0.05)
    assert max(v for t, v in zip(temps, m, strict=True) if t > 1.2) < 0.15
    assert all(abs(v) < 0.1 for t, v in zip(temps, res["mean_overlap"], strict=True) if t > 1.05)


def test_mean_field_overlap():
    for t in (0.2, 0.5, 0.9):
        m = mean_field_overlap(t)
        assert m == pytest.approx(math.tanh(m / t), abs=1e-9) and m > 0
    assert mean_field_overlap(1.2) == 0.0


def test_demo_family_binarizes_and_beats_hebb():
    load_families()
    fn = FAMILIES.get("classical")
    g = torch.Generator().manual_seed(0)
    patterns = torch.rand(12, 64, generator=g, dtype=torch.float64) * 2 - 1
    queries = patterns.clone()
    queries[:, :8] = 0.0  # masked pixels
    outcomes = fn(patterns, queries, 0)
    assert [o.setting.split(",")[0] for o in outcomes] == [
        "hebb",
        "storkey",
        "pseudoinverse",
        "gradient (001 Alg. 1)",
    ]
    for o in outcomes:
        assert set(o.stored.unique().tolist()) <= {-1.0, 1.0}
        assert set(o.retrieved.unique().tolist()) <= {-1.0, 1.0}
    acc = {o.setting: score(o)[0] for o in outcomes}
    assert acc["pseudoinverse, async"] == 1.0
