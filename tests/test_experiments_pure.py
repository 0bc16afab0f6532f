"""Experiments are compute / plot / summarize and change no global state (issue 10, item 4).

Each experiment runs in a fresh interpreter: no ``matplotlib.pyplot`` import, the backend, torch's
thread count and default dtype as they were; ``compute`` returns plain JSON, ``plot`` returns
``matplotlib.figure.Figure`` objects and ``summarize`` a markdown string.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import hopfield
from hopfield import experiments

SRC = Path(hopfield.__file__).resolve().parents[1]

#: Cheap experiments (about a second each in quick mode), one of each module family.
CHEAP = [
    "modern-beta",
    "classical-spurious",
    "dense-exp-capacity",
    "statmech-free-energy",
    "theory-capacity",
]

_SCRIPT = """
import json, sys
import matplotlib, torch
torch.set_num_threads(3)  # not the default, so that a change shows
before = [matplotlib.get_backend(), torch.get_num_threads(), str(torch.get_default_dtype())]
from matplotlib.figure import Figure
from hopfield import experiments
report = {}
for name in sys.argv[2:]:
    exp = experiments.registry().get(name)
    data = exp.compute(experiments.Context(quick=True, seed=0, data_dir=sys.argv[1] or None))
    text = json.dumps(data)  # plain JSON: no tensors, arrays or NumPy scalars
    figures = exp.plot(json.loads(text))  # plot and summarize work from the JSON form too
    summary = exp.summarize(json.loads(text))
    report[name] = {
        "figures": sorted(figures),
        "all_figures": bool(figures) and all(type(f) is Figure for f in figures.values()),
        "summary": isinstance(summary, str) and "|" in summary,
    }
after = [matplotlib.get_backend(), torch.get_num_threads(), str(torch.get_default_dtype())]
print(json.dumps({"before": before, "after": after, "pyplot": "matplotlib.pyplot" in sys.modules,
                  "report": report}))
"""


def _run_fresh(names: list[str], data_dir: str = "") -> dict:
    """Run ``names`` in one fresh interpreter with an explicit non-Agg backend (pdf)."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "MPLBACKEND": "pdf", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, data_dir, *names],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _check(out: dict, names: list[str]) -> None:
    assert out["before"] == ["pdf", 3, "torch.float32"]
    assert out["after"] == out["before"]
    assert out["pyplot"] is False
    assert sorted(out["report"]) == sorted(names)
    for name, r in out["report"].items():
        assert r["all_figures"], (name, r)
        assert r["summary"], name


def test_cheap_experiments_leave_global_state_alone() -> None:
    _check(_run_fresh(CHEAP), CHEAP)


@pytest.mark.slow
def test_every_experiment_leaves_global_state_alone(data_dir: str) -> None:
    names = experiments.registry().names()
    _check(_run_fresh(list(names), data_dir), list(names))


def test_every_experiment_is_registered_as_three_pieces() -> None:
    reg = experiments.registry()
    names = reg.names()
    assert set(CHEAP) <= set(names)
    for name in names:
        exp = reg.get(name)
        assert callable(exp.compute) and callable(exp.plot) and callable(exp.summarize), name
    assert not hasattr(experiments, "experiment")  # the fn(ctx) -> Report decorator is gone


def test_no_pyplot_and_no_backend_change_in_the_library() -> None:
    pattern = re.compile(r"import matplotlib\.pyplot|from matplotlib import pyplot|matplotlib\.use\(")
    offenders = [
        str(p.relative_to(SRC))
        for p in (SRC / "hopfield").rglob("*.py")
        if pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_plot_and_summary_from_saved_results(tmp_path) -> None:
    """The figures and the summary can be rebuilt from ``results.json`` alone."""
    from matplotlib.figure import Figure

    report, folder = experiments.run("classical-spurious", tmp_path, experiments.Context(quick=True))
    saved = json.loads((folder / "results.json").read_text())
    exp = experiments.registry().get("classical-spurious")
    assert exp.summarize(saved) == report.summary
    figures = exp.plot(saved)
    assert list(figures) == list(report.figures) == ["spurious"]
    assert all(type(f) is Figure for f in figures.values())
