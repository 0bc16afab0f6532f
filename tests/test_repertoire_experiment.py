"""The ``repertoire-simulated`` experiment (issue 14, item 5): its quick form and its pieces."""

from __future__ import annotations

import json
import math
import time

import pytest

from hopfield import experiments
from hopfield.experiments import repertoire as rx

pytest.importorskip("sklearn")


def test_quick_experiment_meets_the_issue_bounds_and_resumes(tmp_path) -> None:
    t0 = time.perf_counter()
    report, folder = experiments.run("repertoire-simulated", tmp_path, experiments.Context(quick=True))
    first = time.perf_counter() - t0
    (row,) = report.results["settings"]
    assert row["setting"]["witness_rate"] == 0.05
    auc = row["auc"]
    assert auc["oracle"]["mean"] >= 0.9
    assert auc["DeepRC (ours)"]["mean"] >= 0.8
    assert len(auc["DeepRC (ours)"]["folds"]) == row["setting"]["folds"]
    attention = row["attention"]
    assert attention["base_rate"] == pytest.approx(0.05, abs=1e-6)  # 20 implants of 400 sequences
    assert attention["precision"] >= 5 * attention["base_rate"]
    assert json.loads((folder / "results.json").read_text())["experiment"] == "repertoire-simulated"
    assert (folder / "repertoire-simulated.png").read_bytes()[:4] == b"\x89PNG"
    assert "DeepRC (paper)" in report.summary and "kmer-logistic" in report.summary
    checkpoints = sorted(p.name for p in (folder / "checkpoints").rglob("*.json"))
    assert checkpoints == ["baselines.json", "model-fold0.json", "model-fold1.json", "model-fold2.json"]
    # a second run resumes from the checkpoints: same numbers, no training
    t0 = time.perf_counter()
    again, _ = experiments.run("repertoire-simulated", tmp_path, experiments.Context(quick=True))
    assert time.perf_counter() - t0 < first / 2
    assert again.results["settings"][0]["auc"] == auc


def test_full_settings_hold_the_papers_and_fit_the_budget() -> None:
    full = rx.settings(quick=False)
    assert {s.name for s in full} >= set(rx.PAPER)
    assert all(s.folds == 5 for s in full)
    assert sorted(s.witness_rate for s in full) == [0.0001, 0.001, 0.001, 0.01]
    (limit,) = [s for s in full if s.limit]
    # about one witness per training subsample at 0.01%
    assert limit.witness_rate * limit.max_sequences == pytest.approx(1.0)


def test_witness_statistics_follow_the_hypergeometric_law(tmp_path) -> None:
    s = rx.Setting("t", 0.002, 1, 200, 2000, 1000, 1)  # 4 implants, half of each repertoire drawn
    data = rx.dataset(tmp_path / "d", s, seed=5)
    w = rx.witness_statistics(data, s, seed=5)
    p = math.comb(1996, 1000) / math.comb(2000, 1000)
    assert w["expected_without_implant"] == pytest.approx(p, rel=1e-9)
    assert w["implants_per_repertoire"] == 4
    assert abs(w["subsamples_without_implant"] - p) < 4 * math.sqrt(p * (1 - p) / 100)
    assert w["implants_per_subsample"] == pytest.approx(2.0, abs=4 * math.sqrt(1.0 / 100))
    stamp = (tmp_path / "d" / "manifest.json").stat().st_mtime_ns
    assert rx.dataset(tmp_path / "d", s, seed=5).path == data.path
    assert (tmp_path / "d" / "manifest.json").stat().st_mtime_ns == stamp  # reused, not rewritten
