"""The MNIST experiments of seed 003 ch. 4 (``seed003-*``): harness, resume, quick forms beat chance."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from torch import nn

from hopfield._errors import HopfieldInputError
from hopfield.experiments import Context
from hopfield.experiments._seed003_train import SPLIT, Task, accuracy_eval, fit, mnist32


class _Interrupt(Exception):
    pass


def _interrupting(after: int):
    """A progress wrapper that raises after ``after`` epochs (an interruption between checkpoints)."""

    def progress(it, **kw):
        for k, item in enumerate(it):
            if k == after:
                raise _Interrupt
            yield item

    return progress


def _toy_task(x_test, y_test) -> Task:
    def loss(model, batch, g):
        x, y = batch
        noisy = x + 0.1 * torch.randn(x.shape, generator=g)  # uses the epoch's generator
        return nn.functional.cross_entropy(model(noisy), y)

    return Task(
        "toy",
        {"model": "linear"},
        lambda: nn.Sequential(nn.Flatten(), nn.Linear(1024, 10)),
        loss,
        accuracy_eval(x_test, y_test),
        0.01,
        plateau="accuracy",
    )


def test_mnist32(data_dir):
    ctx = Context(data_dir=data_dir)
    x, y, xt, yt = mnist32(ctx, "signed", n_train=50)
    assert x.shape == (50, 1, 32, 32) and xt.shape == (10000 - SPLIT, 1, 32, 32)
    assert x.dtype == torch.float32 and y.dtype == torch.int64 and yt.shape == (2000,)
    assert float(x.min()) == -1.0 and float(x.max()) == 1.0
    assert bool((x[..., :2, :] == -1).all()) and bool((x[..., -2:] == -1).all())  # padding: background
    u = mnist32(ctx, "unit", n_train=50, n_test=5)
    assert torch.allclose(u[0], (x + 1) / 2) and u[2].shape[0] == 5 and float(u[0].min()) == 0.0
    with pytest.raises(HopfieldInputError, match="scale"):
        mnist32(ctx, "bytes")


def test_fit_resume_equals_uninterrupted(data_dir, one_thread, tmp_path):
    """Interrupted after epoch 1 and run again: same history and weights as an uninterrupted run."""
    base = Context(data_dir=data_dir, seed=3)
    x, y, xt, yt = mnist32(base, "signed", n_train=300, n_test=200)
    task = _toy_task(xt, yt)
    ref_model, ref = fit(replace(base, work_dir=tmp_path / "a"), task, (x, y), 3, 32)
    ctx = replace(base, work_dir=tmp_path / "b", progress=_interrupting(1))
    with pytest.raises(_Interrupt):
        fit(ctx, task, (x, y), 3, 32)
    assert (tmp_path / "b" / "checkpoints" / "toy.pt").is_file()
    model, rec = fit(replace(base, work_dir=tmp_path / "b"), task, (x, y), 3, 32)
    assert rec["resumed_from"] == 1 and ref["resumed_from"] == 0
    assert rec["history"] == ref["history"]
    for a, b in zip(model.state_dict().values(), ref_model.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert ref["history"][-1]["accuracy"] > 0.5  # the toy model learns
    # another configuration does not resume from this checkpoint
    _, other = fit(replace(base, work_dir=tmp_path / "b", seed=4), task, (x, y), 3, 32)
    assert other["resumed_from"] == 0


def test_fit_without_work_dir(data_dir, one_thread):
    ctx = Context(data_dir=data_dir)
    x, y, xt, yt = mnist32(ctx, "signed", n_train=100, n_test=50)
    _, rec = fit(ctx, _toy_task(xt, yt), (x, y), 1, 50)
    assert [h["epoch"] for h in rec["history"]] == [0, 1] and rec["trainable_parameters"] == 10250


def _figures_ok(figs, stems):
    from matplotlib.figure import Figure

    assert set(figs) == set(stems) and all(isinstance(f, Figure) for f in figs.values())


def test_vhnn_quick_and_resume(data_dir, one_thread, tmp_path):
    from hopfield.experiments import registry, seed003_vhnn

    assert "seed003-vhnn" in registry().names()
    ctx = Context(quick=True, data_dir=data_dir, seed=1)
    ref = seed003_vhnn.compute(replace(ctx, work_dir=tmp_path / "a"))
    with pytest.raises(_Interrupt):  # interrupted after the first block of 256 steps
        seed003_vhnn.compute(replace(ctx, work_dir=tmp_path / "b", progress=_interrupting(1)))
    again = seed003_vhnn.compute(replace(ctx, work_dir=tmp_path / "b"))
    for key in ("sphere_track", "nearest_track", "distance_track", "chains"):
        assert again[key] == ref[key], key
    near = torch.tensor(ref["nearest_track"])
    assert near.shape == (2, 512) and ref["radius"] == pytest.approx(1 / (0.063 * 30 * 31.3933), rel=1e-4)
    # the state hops: between patterns, yet mostly around a few of them
    assert all(c["nearest_switches"] > 5 and c["main_share"] > 0.5 for c in ref["chains"])
    assert "| chain |" in seed003_vhnn.summarize(ref)
    _figures_ok(seed003_vhnn.plot(ref), {"hopping", "visits"})


def test_cnn_parameter_count():
    from hopfield.experiments.seed003_classify import CNN_PARAMETERS, build_cnn

    model = build_cnn()
    counts = {n: p.numel() for n, p in model.named_parameters() if p.requires_grad}
    assert sum(counts.values()) == CNN_PARAMETERS == 56_440
    assert counts["conv.weight"] + counts["conv.bias"] == 85 and counts["hnn.patterns"] == 56_250
    assert counts["hnn.bias"] == 50 and counts["hnn.log_beta"] == 5 and counts["merge.weight"] == 50
    assert model(torch.zeros(2, 1, 32, 32)).shape == (2, 10)


def test_denoiser_parameter_count():
    from hopfield.experiments.seed003_denoise import DENOISER_PARAMETERS, build_denoiser

    model = build_denoiser()
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == DENOISER_PARAMETERS == 733
    x = torch.rand(2, 1, 32, 32)
    stages = model.stages(x)
    assert stages["logits"].shape == (2, 9, 28, 28) and stages["code"].shape == (2, 3, 26, 26)
    assert stages["output"].shape == x.shape


def test_patterns_quick(data_dir, one_thread, tmp_path):
    from hopfield.experiments import run

    report, folder = run("seed003-patterns", tmp_path, Context(quick=True, data_dir=data_dir))
    r = report.results
    assert r["accuracy"] > 0.3 and r["accuracy"] > r["zero_shot_accuracy"]  # chance: 0.1
    assert 0.1 < r["zero_shot_accuracy"] < 0.5  # the patterns as given: above chance, far from good
    assert r["trainable_parameters"] == 30 * 1024 + 10 + 1 and r["resumed_from"] == 0
    frozen = r["frozen_patterns"]  # only the bias (10) and log-beta (1) trained
    assert frozen["trainable_parameters"] == 11 and frozen["history"][0] == r["history"][0]
    assert frozen["accuracy"] > 0.1 and len(frozen["bias_after"]) == 10
    change = torch.tensor(r["pattern_change"])
    assert change.shape == (30,) and bool((change > 0).all())
    assert (folder / "training.png").is_file() and (folder / "patterns.png").is_file()
    _figures_ok(report.figures, {"training", "patterns"})
    assert "| zero-shot accuracy" in report.summary
    # a second run in the same folder resumes from the last checkpoint: nothing left to train
    again, _ = run("seed003-patterns", tmp_path, Context(quick=True, data_dir=data_dir))
    assert again.results["resumed_from"] == 3 and again.results["history"] == r["history"]
    assert again.results["frozen_patterns"]["history"] == frozen["history"]


def test_cnn_quick(data_dir, one_thread, tmp_path):
    from hopfield.experiments import seed003_classify

    ctx = Context(quick=True, data_dir=data_dir, work_dir=tmp_path)
    r = seed003_classify.compute_cnn(ctx)
    # interrupted after 2 of 3 epochs and run again: the same as the uninterrupted run
    other = replace(ctx, work_dir=tmp_path / "b")
    with pytest.raises(_Interrupt):
        seed003_classify.compute_cnn(replace(other, progress=_interrupting(2)))
    resumed = seed003_classify.compute_cnn(other)
    assert resumed["resumed_from"] == 2 and resumed["history"] == r["history"]
    assert r["accuracy"] > 0.6 and r["history"][0]["accuracy"] < 0.3  # chance: 0.1
    assert r["trainable_parameters"] == 56_440
    assert "56,440" in seed003_classify.summarize_cnn(r)
    _figures_ok({"training": seed003_classify.plot_curves(r)}, {"training"})


def test_denoiser_quick(data_dir, one_thread, tmp_path):
    from hopfield.experiments import seed003_denoise

    r = seed003_denoise.compute(Context(quick=True, data_dir=data_dir, work_dir=tmp_path))
    assert r["mse"] < 0.2 * r["identity_mse"] and r["mse"] < r["history"][0]["mse"]
    assert r["identity_mse"] == pytest.approx(1.0, abs=0.05)  # noise of variance 1.0
    assert "| ConvHNN2d denoiser |" in seed003_denoise.summarize(r)
    _figures_ok(seed003_denoise.plot(r), {"training", "examples", "logits"})
