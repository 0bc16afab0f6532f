"""``hopfield repertoire train|predict|explain``: outputs, resume, and one-line errors (exit code 2)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from hopfield.cli import main
from hopfield.repertoire import prepare, simulate

pytest.importorskip("airr")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    sim = simulate(root / "sim", n_repertoires=12, n_sequences=120, witness_rate=0.1, motifs="LYAG", seed=8)
    attributes = {"simulation": json.loads((root / "sim" / "simulation.json").read_text())}
    prep = prepare(sim.metadata, root / "prep", label_column="label", attributes=attributes)
    return root, sim, prep


TRAIN = ["--folds", "2", "--epochs", "2", "--subsample", "60", "--baselines", "oracle,burden", "--seed", "1"]


@pytest.fixture(scope="module")
def trained(dataset):
    root, _, prep = dataset
    args = ["repertoire", "train", str(prep), "--out", str(root / "train"), *TRAIN, "--quiet"]
    assert main(args) == 0
    return args, root / "train"


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_train_writes_the_table_figure_scores_and_checkpoints_and_resumes(trained, capsys) -> None:
    args, out = trained
    assert main([*args[:-1], "--out", str(out.parent / "printed"), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "mean ROC AUC" in text and "deeprc" in text and "oracle" in text and "burden" in text
    table = rows(out / "results.tsv")
    assert [r["method"] for r in table] == ["deeprc", "oracle", "burden"]
    assert all(0.0 <= float(r["mean ROC AUC"]) <= 1.0 for r in table)
    assert float(table[1]["mean ROC AUC"]) >= 0.9  # the oracle knows the motif
    scores = rows(out / "scores.tsv")
    assert len(scores) == 12 and sorted({r["fold"] for r in scores}) == ["0", "1"]
    assert (out / "roc.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = json.loads((out / "results.json").read_text())
    assert len(result["auc"]["deeprc"]) == 2 and len(result["history"]) == 2
    for k in (0, 1):
        assert {p.name for p in (out / "checkpoints" / f"fold{k}").iterdir()} == {"best.pt", "last.pt"}
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]  # no temporaries left
    # the same command again resumes from the checkpoints: the same results
    assert main(args) == 0
    capsys.readouterr()
    assert rows(out / "scores.tsv") == scores
    # another configuration in the same folder: a one-line named error
    assert main([*args[:-1], "--lr", "0.1", "--quiet"]) == 2
    assert "another training configuration" in capsys.readouterr().err
    assert main([*args[:-1], "--baselines", "oracle,lasso", "--quiet"]) == 2
    assert "lasso" in capsys.readouterr().err


def test_predict_and_explain_new_files(dataset, trained, tmp_path, capsys) -> None:
    _, sim, _ = dataset
    out = trained[1]
    ckpt = str(out / "checkpoints" / "fold0" / "best.pt")
    files = sorted(str(p) for p in (sim.path / "repertoires").glob("*.tsv"))[:3]
    assert main(["repertoire", "predict", ckpt, *files, "--out", str(tmp_path / "scores.tsv")]) == 0
    pred = rows(tmp_path / "scores.tsv")
    assert [r["file"] for r in pred] == files
    for r in pred:
        assert int(r["n_sequences"]) == 120
        p = float(r["probability"])
        assert p == pytest.approx(1 / (1 + np.exp(-float(r["logit"]))))
    capsys.readouterr()
    assert main(["repertoire", "predict", ckpt, files[0]]) == 0  # to standard output
    assert capsys.readouterr().out.splitlines()[1].split("\t")[2] == pred[0]["logit"]
    assert main(["repertoire", "explain", ckpt, *files, "--out", str(tmp_path / "explain")]) == 0
    summary = rows(tmp_path / "explain" / "summary.tsv")
    assert len(summary) == 3
    for s, r in zip(summary, pred, strict=True):
        assert float(s["logit"]) == pytest.approx(float(r["logit"]), rel=1e-5, abs=1e-6)
        ranked = rows(tmp_path / "explain" / s["output"])
        w = np.array([float(x["attention"]) for x in ranked])
        assert len(ranked) == 120 and w.sum() == pytest.approx(1.0, abs=1e-5)
        assert (np.diff(w) <= 0).all() and [int(x["rank"]) for x in ranked] == list(range(1, 121))
        assert ranked[0]["sequence"] == s["top_sequence"] and "implanted" in ranked[0]
        assert sorted(int(x["sequence_index"]) for x in ranked) == list(range(120))


def test_bad_checkpoint_and_missing_file(dataset, tmp_path, capsys) -> None:
    _, sim, _ = dataset
    junk = tmp_path / "junk.pt"
    junk.write_text("not a model")
    file = str(next((sim.path / "repertoires").glob("*.tsv")))
    assert main(["repertoire", "predict", str(junk), file]) == 2
    assert "is not a checkpoint" in capsys.readouterr().err
    assert main(["repertoire", "explain", str(junk), file, "--out", str(tmp_path / "e")]) == 2
    assert not (tmp_path / "e").exists()  # nothing written


def test_bad_repertoire_files_are_the_data_layers_errors(trained, tmp_path, capsys) -> None:
    ckpt = str(trained[1] / "checkpoints" / "fold0" / "best.pt")
    empty, bad = tmp_path / "empty.tsv", tmp_path / "bad.tsv"
    empty.write_text("sequence\n")
    bad.write_text("sequence\nCASSLG\nCASS1G\n")
    for file, message in ((empty, "no sequences"), (bad, "bad.tsv:3")):
        out = tmp_path / f"explain-{file.stem}"
        assert main(["repertoire", "explain", ckpt, str(file), "--format", "plain", "--out", str(out)]) == 2
        assert message in capsys.readouterr().err
        assert not out.exists()
    scores = tmp_path / "s.tsv"
    assert main(["repertoire", "predict", ckpt, str(bad), "--format", "plain", "--out", str(scores)]) == 2
    assert not scores.exists()
    assert main(["repertoire", "predict", ckpt, str(bad), "--format", "plain", "--drop-invalid"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split("\t")[1] == "1"  # one sequence left
