"""``hopfield repertoire simulate|prepare``: outputs, tables, and one-line errors (exit code 2)."""

from __future__ import annotations

import json

import pytest

from hopfield.cli import build_parser, main
from hopfield.repertoire import RepertoireDataset
from repertoire_files import small_dataset

pytest.importorskip("airr")


def test_simulate_then_prepare(tmp_path, capsys) -> None:
    sim = tmp_path / "sim"
    args = [
        "repertoire",
        "simulate",
        str(sim),
        "--repertoires",
        "6",
        "--sequences",
        "200",
        "--witness-rate",
        "0.05",
        "--motif",
        "LYAG",
        "--motif",
        "WKDE",
        "--substitution",
        "0.1",
        "--seed",
        "4",
        "--quiet",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "6 (3 positive)" in out and "10 implants per positive repertoire" in out
    assert "LYAG (sub 0.1, del 0), WKDE (sub 0.1, del 0)" in out and "seed" in out
    assert json.loads((sim / "simulation.json").read_text())["seed"] == 4
    prep = tmp_path / "prep"
    assert main(["repertoire", "prepare", str(sim / "metadata.tsv"), "--out", str(prep)]) == 0
    out, err = capsys.readouterr()
    assert "prepare" in err and "6/6" in err  # the progress bar
    assert "6 (3 positive: label = 1)" in out and "1200" in out and "implanted" in out
    ds = RepertoireDataset(prep, verify=True)
    assert ds.attributes["simulation"]["motifs"][1]["sequence"] == "WKDE"
    assert ds.labels.tolist() == json.loads((sim / "simulation.json").read_text())["labels"]


def test_prepare_options_and_drop_invalid(tmp_path, capsys) -> None:
    meta = small_dataset(tmp_path / "d")
    (tmp_path / "d" / "reps" / "r2.tsv").write_text("sequence_id\tjunction_aa\n1\tCASSF\n2\tCA*F\n3\tCW\n")
    prep = tmp_path / "p"
    args = ["repertoire", "prepare", str(meta), "--out", str(prep), "--label-column", "status", "--quiet"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("hopfield: error: ") and "r2.tsv:3: junction_aa 'CA*F'" in err
    assert not prep.exists()
    assert main([*args, "--drop-invalid", "--positive", "-"]) == 0
    out = capsys.readouterr().out
    assert "invalid rows dropped  1" in out and "6 (3 positive: status = -)" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["simulate", "{tmp}/s", "--witness-rate", "2"],
            "witness_rate must be a finite number in [0, 1], got 2.0",
        ),
        (["simulate", "{tmp}/s", "--seed", "-1"], "seed must be an integer in [0, 18446744073709551615]"),
        (["simulate", "{tmp}/s", "--motif", "LY*G"], "motif must be a non-empty string over"),
        (["prepare", "{tmp}/nothing.tsv", "--out", "{tmp}/p"], "metadata must be an existing metadata file"),
        (
            ["prepare", "{meta}", "--out", "{tmp}/p"],
            "has no label column 'label'; its columns: filename, status, age",
        ),
        (["prepare", "{meta}", "--out", "{meta}", "--label-column", "status"], "out must be a folder path"),
    ],
)
def test_errors_are_one_line(argv, message, tmp_path, capsys) -> None:
    meta = small_dataset(tmp_path / "d")
    argv = [a.format(tmp=tmp_path, meta=meta) for a in argv]
    assert main(["repertoire", *argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_parser_has_room_for_more_verbs() -> None:
    parser = build_parser()
    args = parser.parse_args(["repertoire", "simulate", "x"])
    assert args.command == "repertoire" and args.verb == "simulate" and callable(args.fn)
    with pytest.raises(SystemExit):
        parser.parse_args(["repertoire"])  # a verb is required


def test_a_missing_extra_is_one_line_with_the_install_hint(tmp_path, monkeypatch, capsys) -> None:
    import builtins

    from hopfield.repertoire import _background

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "olga" or name.startswith("olga."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    _background._olga_generator.cache_clear()
    monkeypatch.setattr(builtins, "__import__", fake_import)
    argv = ["repertoire", "simulate", str(tmp_path / "s"), "--background", "olga", "--seed", "0", "--quiet"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "the OLGA background needs the optional package 'olga': pip install 'hopfield[repertoire]'" in err
    assert not (tmp_path / "s").exists() and not list(tmp_path.iterdir())
    _background._olga_generator.cache_clear()
