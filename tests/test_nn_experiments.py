"""The layer examples (quick forms, side by side with hflayers when present) and the benchmark scripts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

from hopfield.experiments import Context, layers, registry, run

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))


def test_data_generators():
    g = torch.Generator().manual_seed(0)
    x, y = layers.bit_bags(64, 8, 6, 3, g)
    assert x.shape == (64, 8, 6) and set(x.unique().tolist()) <= {0.0, 1.0} and y.sum() == 32
    codes = (x * 2 ** torch.arange(6)).sum(-1)
    signal = torch.stack([torch.isin(codes[i], codes[y == 1].flatten()) for i in range(64)])
    assert bool((y[signal.sum(-1) == 0] == 0).all())  # a bag without a signal is negative
    s, lab = layers.latch_sequences(10, 7, 5, g)
    assert (
        s.shape == (10, 7, 5)
        and torch.equal(s[:, 0].argmax(-1).float(), lab)
        and (s[:, 1:].argmax(-1) >= 2).all()
    )


def test_mnist_bags(data_dir):
    from hopfield import data

    images, labels = data.load_mnist(data_dir)
    x, pad, y = layers.mnist_bags(images[:500], labels[:500], 40, 6, torch.Generator().manual_seed(0))
    assert x.shape[0] == 40 and x.shape[2] == 784 and pad.shape == x.shape[:2]
    assert bool((x[pad] == 0).all()) and 0 < y.sum() < 40


def test_side_by_side_quick(data_dir, one_thread, tmp_path):
    """The three examples, ours and (when ../shared/anchors is there) hflayers, same data and seeds."""
    import layers_vs_hflayers as side

    results = side.run(quick=True, seed=0, data_dir=data_dir)
    floors = {"layers-mil-bits": 0.6, "layers-mil-mnist": 0.6, "layers-latch": 0.95}
    for name, entry in results["examples"].items():
        ours = entry["hopfield.nn"]
        assert ours["models"]["HopfieldPooling"]["accuracy"] >= floors[name], name
        if "hflayers" in entry:
            theirs = entry["hflayers"]["models"]["HopfieldPooling"]["accuracy"]
            assert abs(theirs - ours["models"]["HopfieldPooling"]["accuracy"]) < 0.2, name
        assert "| model |" in layers.summarize(ours)
        assert set(layers.plot(ours)) == {"training"}
    table = side.table(results)
    assert table.count("\n") == 1 + sum(len(e["hopfield.nn"]["models"]) for e in results["examples"].values())


def test_registered_and_written(one_thread, tmp_path):
    assert {"layers-mil-bits", "layers-mil-mnist", "layers-latch"} <= set(registry().names())
    report, folder = run("layers-latch", tmp_path, Context(quick=True, seed=1))
    assert (folder / "training.png").is_file()
    saved = json.loads((folder / "results.json").read_text())
    assert (
        saved["models"]["HopfieldPooling"]["accuracy"]
        == report.results["models"]["HopfieldPooling"]["accuracy"]
    )


def test_gpu_script_small(monkeypatch, capsys, tmp_path):
    import gpu_layers

    out = tmp_path / "gpu.json"
    monkeypatch.setattr(sys, "argv", ["gpu_layers.py", "--small", "--json", str(out)])
    gpu_layers.main()
    assert "| 4 | 65536 | 32 |" in capsys.readouterr().out
    rows = json.loads(out.read_text())["rows"]
    assert len(rows) == 3 and all(r["ours_s"] > 0 for r in rows)


@pytest.mark.parametrize(
    ("row", "impl", "mode"),
    [
        ("self-8k", "hopfield.nn", "forward+backward"),
        ("self-8k", "MultiheadAttention", "forward"),
        ("batch-2k", "hflayers", "forward"),
        ("static", "hopfield.nn", "forward"),
        ("static", "bare SDPA", "forward"),
    ],
)
def test_bench_layers_cases_small(row, impl, mode, capsys):
    import bench_layers

    if impl == "hflayers" and not (bench_layers.ANCHORS / "hflayers").is_dir():
        pytest.skip("../shared/anchors/hflayers not found")
    bench_layers.child(row, impl, mode, small=True, repeat=1)
    rec = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert rec["seconds"] > 0 and rec["extra_mib"] >= 0
