"""Training the DeepRC model: the quick simulated run (AUC, attention on the implants), checkpoints with
resume, checkpoints of another configuration, predict, and a 2-process gloo step equal to one process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from hopfield._tolerances import tolerances
from hopfield.repertoire import (
    CheckpointConfigError,
    DeepRC,
    MotifOracle,
    RepertoireDataset,
    TrainConfig,
    collate_bags,
    cross_validate,
    fit,
    kfold_splits,
    load_model,
    predict,
    simulate_repertoires,
    write_prepared,
)
from repertoire_train_setup import CONFIG, TRAIN, VAL

TOL = tolerances(torch.float32)
WORKER = str(Path(__file__).parent / "_repertoire_ddp_worker.py")


@pytest.fixture(scope="module")
def quick(tmp_path_factory) -> RepertoireDataset:
    """The issue's quick setting: witness rate 5%, one motif, 40 repertoires x 500 sequences."""
    _, items = simulate_repertoires(
        n_repertoires=40, n_sequences=500, witness_rate=0.05, motifs="LYAG", seed=22
    )
    return RepertoireDataset(write_prepared(items, tmp_path_factory.mktemp("quick") / "p"))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> RepertoireDataset:
    _, items = simulate_repertoires(
        n_repertoires=12, n_sequences=100, witness_rate=0.1, motifs="WKDE", seed=5
    )
    return RepertoireDataset(write_prepared(items, tmp_path_factory.mktemp("small") / "p"))


def test_quick_run_learns_and_attends_to_the_implants(quick) -> None:
    folds = kfold_splits(quick.labels, 2, seed=0)
    model = DeepRC(TrainConfig(epochs=20, lr=3e-3, patience=20, seed=0))
    cv = cross_validate([MotifOracle("LYAG"), model], quick, folds)
    assert cv["oracle"].mean_auc >= 0.9
    assert cv["deeprc"].mean_auc >= 0.8, cv["deeprc"].fold_auc
    assert np.isfinite(cv["deeprc"].scores).all()
    # the last fold's model: its top-attended sequences (top 5%) in the positive test repertoires
    hits, base = [], []
    with torch.no_grad():
        for i in folds[-1][1][quick.labels[folds[-1][1]] == 1]:
            batch = collate_bags([quick[int(i)]])
            w = model.model.attention(batch)[0]
            hits.append(float(batch.implanted[torch.topk(w, 25).indices].float().mean()))
            base.append(float(batch.implanted.float().mean()))
    assert np.mean(base) == pytest.approx(0.05)
    assert np.mean(hits) >= 5 * np.mean(base), (np.mean(hits), np.mean(base))


def test_resume_equals_uninterrupted(small, tmp_path) -> None:
    train, val = [0, 2, 4, 6, 8, 10, 1, 3], [5, 7, 9, 11]
    cfg = TrainConfig(epochs=3, lr=1e-2, batch_size=3, subsample=50, patience=3, seed=1, min_kept=1)
    straight, h_straight = fit(small, train, val, cfg, checkpoint_dir=tmp_path / "a")
    first, _ = fit(
        small, train, val, TrainConfig(**{**cfg.__dict__, "epochs": 1}), checkpoint_dir=tmp_path / "b"
    )
    resumed, h_resumed = fit(small, train, val, cfg, checkpoint_dir=tmp_path / "b")
    assert [r["epoch"] for r in h_resumed] == [1.0, 2.0, 3.0]
    assert h_resumed == h_straight
    for (k, a), b in zip(straight.state_dict().items(), resumed.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=k)  # the best epochs' parameters
    last_a, last_b = (torch.load(tmp_path / d / "last.pt", weights_only=True) for d in "ab")
    for k, a in last_a["model"].items():  # and the last epoch's, with the optimizer's state
        torch.testing.assert_close(last_b["model"][k], a, rtol=0, atol=0, msg=k)
    assert last_a["optimizer"]["state"][0]["step"] == last_b["optimizer"]["state"][0]["step"] == 9
    torch.testing.assert_close(
        last_b["optimizer"]["state"][0]["exp_avg"], last_a["optimizer"]["state"][0]["exp_avg"]
    )
    initial = type(first)()
    initial.reset_parameters(torch.Generator().manual_seed(cfg.seed))
    assert not torch.allclose(initial.conv.weight, last_a["model"]["conv.weight"])  # it did train
    best, payload = load_model(tmp_path / "b" / "best.pt")
    torch.testing.assert_close(best.conv.weight, resumed.conv.weight, rtol=0, atol=0)
    assert len(payload["history"]) == 3
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["best.pt", "last.pt"]  # no temporaries
    # finished: running again does not train further
    again, h_again = fit(small, train, val, cfg, checkpoint_dir=tmp_path / "b")
    assert h_again == h_straight and torch.equal(again.conv.weight, resumed.conv.weight)
    # another configuration in the same folder: a named error, nothing overwritten
    before = (tmp_path / "b" / "last.pt").read_bytes()
    other = TrainConfig(**{**cfg.__dict__, "lr": 1e-3})
    with pytest.raises(
        CheckpointConfigError, match=r"another training configuration \(differs in train_config\)"
    ):
        fit(small, train, val, other, checkpoint_dir=tmp_path / "b")
    arch = TrainConfig(**{**cfg.__dict__, "model": {"n_filters": 8}})
    with pytest.raises(CheckpointConfigError, match="train_config"):
        fit(small, train, val, arch, checkpoint_dir=tmp_path / "b")
    with pytest.raises(CheckpointConfigError, match="train_idx"):
        fit(small, train[:-1], val, cfg, checkpoint_dir=tmp_path / "b")
    assert (tmp_path / "b" / "last.pt").read_bytes() == before


def test_early_stopping_keeps_the_best_epoch(small) -> None:
    cfg = TrainConfig(epochs=6, lr=3e-2, batch_size=2, subsample=None, patience=1, seed=0)
    model, hist = fit(small, [0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11], cfg)
    scores = [(r["val_auc"], -r["val_loss"]) for r in hist]
    best = int(np.argmax([s[0] * 1e6 + s[1] for s in scores]))
    assert all(scores[i] <= scores[best] for i in range(len(scores)))
    assert len(hist) == 6 or len(hist) - 1 - best == 1  # stopped after `patience` epochs without gain
    logits = predict(model, small, [8, 9, 10, 11])
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.from_numpy(logits), torch.from_numpy(small.labels[[8, 9, 10, 11]].astype(np.float64))
    )
    assert float(loss) == pytest.approx(hist[best]["val_loss"], rel=1e-6)


def test_predict_uses_every_sequence(small) -> None:
    model, _ = fit(small, [0, 1, 2, 3], [4, 5], TrainConfig(epochs=1, subsample=10, seed=0))
    sub = RepertoireDataset(small.path, max_sequences=10, seed=0)
    scores = predict(model, sub, [0, 3])
    assert scores.dtype == np.float64 and scores.shape == (2,)
    with torch.no_grad():
        direct = model(collate_bags([small[0], small[3]])).double().numpy()
    np.testing.assert_allclose(scores, direct, rtol=TOL.rtol, atol=TOL.atol)


def test_bad_input(small) -> None:
    with pytest.raises(ValueError, match="val_idx"):
        fit(small, [0, 1], [99], TrainConfig(epochs=1))
    with pytest.raises(ValueError, match="train_idx"):
        fit(small, [], [1], TrainConfig(epochs=1))
    with pytest.raises(ValueError, match="top_fraction"):
        TrainConfig(top_fraction=0.0)
    with pytest.raises(ValueError, match="kernel_size"):
        TrainConfig(model={"kernel_size": 0})
    with pytest.raises(ValueError, match="distributed"):
        fit(small, [0, 1], [2, 3], TrainConfig(epochs=1), distributed=True)  # no process group, no env
    with pytest.raises(ValueError, match="RepertoireDataset"):
        DeepRC().fit([], np.arange(2), np.array([0, 1]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch.distributed is not available")
def test_two_gloo_processes_step_equals_one_process(small, tmp_path) -> None:
    port = str(_free_port())
    procs = []
    for rank in range(2):
        env = {**os.environ, "RANK": str(rank), "WORLD_SIZE": "2", "LOCAL_RANK": str(rank)}
        env.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=port, OMP_NUM_THREADS="1")
        procs.append(subprocess.Popen([sys.executable, WORKER, str(small.path), str(tmp_path)], env=env))
    try:
        assert [p.wait(timeout=120) for p in procs] == [0, 0]
    finally:
        for p in procs:
            p.kill()
            p.wait()
    ddp = torch.load(tmp_path / "ddp.pt", weights_only=True)
    single, history = fit(small, TRAIN, VAL, CONFIG)
    initial = type(single)()
    initial.reset_parameters(torch.Generator().manual_seed(CONFIG.seed))
    for k, v in single.state_dict().items():
        torch.testing.assert_close(ddp[k], v, rtol=TOL.rtol, atol=TOL.atol, msg=k)
    assert not torch.allclose(initial.conv.weight, single.conv.weight)  # the step moved the parameters
    for r in range(2):
        report = torch.load(tmp_path / f"rank{r}.pt", weights_only=True)
        assert report["world"] == 2
        assert report["history"][0]["val_loss"] == pytest.approx(history[0]["val_loss"], rel=1e-5)
        assert report["history"][0]["train_loss"] == pytest.approx(history[0]["train_loss"], rel=1e-5)


def test_amp_is_ignored_on_the_cpu_and_progress_wraps_the_batches(small) -> None:
    seen = []

    def progress(it, **kw):
        seen.append(kw.get("desc"))
        return it

    cfg = TrainConfig(epochs=2, subsample=30, seed=2, batch_size=3)
    plain, h_plain = fit(small, [0, 1, 2, 3, 4, 5], [6, 7, 8, 9], cfg)
    amp, h_amp = fit(
        small,
        [0, 1, 2, 3, 4, 5],
        [6, 7, 8, 9],
        TrainConfig(**{**cfg.__dict__, "amp": True}),
        progress=progress,
    )
    assert repr(h_amp) == repr(h_plain) and amp.conv.weight.dtype == torch.float32  # NaN AUC: one class
    torch.testing.assert_close(amp.conv.weight, plain.conv.weight, rtol=0, atol=0)
    assert seen == ["epoch 1", "epoch 2"]


def test_config_seed_none_draws_and_records_a_seed() -> None:
    """No implied seed: ``None`` draws a fresh one, kept in the config (checkpoints store it)."""
    a, b = TrainConfig(), TrainConfig()
    assert isinstance(a.seed, int) and isinstance(b.seed, int) and a.seed != b.seed
    assert TrainConfig(seed=3).seed == 3 and TrainConfig(seed=3).rng_seed == 3
    with pytest.raises(TypeError):
        TrainConfig(30)  # type: ignore[misc]  # keyword-only
