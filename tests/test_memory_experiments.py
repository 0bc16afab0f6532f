"""The memory experiments (004 §B2.7) run quickly and show what the seed says."""

from __future__ import annotations

import json

from hopfield import experiments


def test_forgetting_experiment(tmp_path) -> None:
    report, folder = experiments.run("memory-forgetting", tmp_path, experiments.Context(quick=True))
    curves = report.results["gamma"]
    assert all(r == 1.0 for r in curves["0.0"]["recall"])  # the infinite memory forgets nothing
    assert curves["0.1"]["recall"][0] == 1.0 and curves["0.1"]["recall"][-1] < 0.1  # old ones go
    oldest = [c["recall"][-1] for c in curves.values()]
    assert oldest == sorted(oldest, reverse=True)  # more forgetting, less recall of the old
    assert json.loads((folder / "results.json").read_text())["experiment"] == "memory-forgetting"
    assert (folder / "forgetting-recall.png").read_bytes()[:4] == b"\x89PNG"


def test_infinite_memory_experiment(tmp_path) -> None:
    report, folder = experiments.run("memory-infinite", tmp_path, experiments.Context(quick=True))
    rows = report.results["rows"]
    assert [r["N"] for r in rows] == [100, 1000, 10_000]
    assert all(r["first_recalled"] for r in rows)
    overlaps = [r["mean_max_rival_overlap"] for r in rows]
    assert overlaps == sorted(overlaps)  # rivals get closer as N grows
    assert (folder / "infinite-growth.png").exists() and "sqrt(2 ln N/d)" in report.summary
