"""The command line, the demo, the experiment registry and the public API."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

import hopfield
from hopfield import experiments
from hopfield.cli import main
from hopfield.demo import FAMILIES, load_families, run_demo


def test_public_api_resolves() -> None:
    for name in hopfield.__all__:
        assert getattr(hopfield, name) is not None, name
    for name in hopfield.functional.__all__:
        obj = getattr(hopfield.functional, name)
        assert callable(obj) or inspect.ismodule(obj), name


def test_demo_runs_every_family_and_writes_outputs(tmp_path, capsys) -> None:
    """The main job: every registered family in one table, results files and one PNG per corruption."""
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 0
    printed = capsys.readouterr().out
    load_families()
    for fam in FAMILIES.names():
        assert fam in printed
    rows = json.loads((tmp_path / "results.json").read_text())["rows"]
    assert {r["network"] for r in rows} == set(FAMILIES.names())
    assert (tmp_path / "results.md").read_text().startswith("| network")
    assert len(list(tmp_path.glob("demo-*.png"))) == 5
    for png in tmp_path.glob("demo-*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_modern_retrieves_lightly_corrupted_digits(tmp_path) -> None:
    rows = run_demo(tmp_path, families=["modern"], progress=False)
    acc = {(r.setting, r.corruption): r.accuracy for r in rows}
    assert acc[("beta=5", "mask 25%")] >= 0.9
    assert acc[("beta=5", "noise 0.5")] >= 0.9
    # at small beta every query goes to the mean (003 Fig. 3.1): no better than chance
    assert acc[("beta=0.05", "mask 25%")] <= 0.1


def test_reproduce_list(capsys) -> None:
    assert main(["reproduce", "--list"]) == 0
    out = capsys.readouterr().out
    for name in experiments.registry().names():
        assert name in out
    assert "modern-one-step" in out and "modern-beta" in out


@pytest.mark.parametrize("name", ["modern-one-step", "modern-beta"])
def test_reproduce_modern_quick(name: str, tmp_path, data_dir, monkeypatch) -> None:
    monkeypatch.setenv("HOPFIELD_DATA_DIR", data_dir)
    assert main(["reproduce", name, "--quick", "--quiet", "--out", str(tmp_path)]) == 0
    folder = tmp_path / name
    results = json.loads((folder / "results.json").read_text())
    assert results["experiment"] == name and results["quick"] is True
    assert (folder / "summary.md").read_text().startswith(f"# {name}")
    assert list(folder.glob("*.png"))
    if name == "modern-one-step":
        assert results["random"]["violations"] == 0 and results["random"]["cases"] > 100
    else:
        classes = [r["class"] for r in results["records"]]
        assert classes[0] == "mean" and classes[-1] == "pattern" and "mixture" in classes


def test_unknown_experiment_lists_valid_names(capsys) -> None:
    assert main(["reproduce", "no-such-thing"]) == 2
    err = capsys.readouterr().err
    assert "name must be a known experiment" in err and "modern-one-step" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--per-class", "-3"], r"argument --per-class: must be an integer in \[1, 174\], got -3"),
        (
            ["demo", "--per-class", "10000"],
            r"argument --per-class: must be an integer in \[1, 174\], got 10000",
        ),
        (["demo", "--seed", "-1"], r"argument --seed: must be an integer in \[0, 4294967295\], got -1"),
        (["reproduce", "modern-beta", "--seed", "x"], r"argument --seed: must be an integer .*got 'x'"),
    ],
)
def test_bad_options_name_the_option(argv: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert re.search(message, capsys.readouterr().err)


@pytest.mark.parametrize("command", [["demo", "--quiet"], ["reproduce", "modern-beta", "--quick", "--quiet"]])
def test_unusable_out_fails_before_any_work(command: list[str], tmp_path, capsys, monkeypatch) -> None:
    """A file, a folder under one, or a folder under /proc as --out: refused at once, naming --out (no
    traceback, no work)."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    ran = []
    monkeypatch.setattr("hopfield.demo.run_demo", lambda *a, **k: ran.append(1))
    unusable = [afile, afile / "x"]
    if Path("/proc/self").is_dir():  # Linux: /proc takes no new folders, not even as root
        unusable.append(Path("/proc/hopfield-cli-test"))
    for out in unusable:
        with pytest.raises(SystemExit) as e:
            main([*command, "--out", str(out)])
        assert e.value.code == 2
        assert "argument --out: must be" in capsys.readouterr().err
    assert not ran


def test_cli_catches_only_the_librarys_input_errors(monkeypatch, capsys) -> None:
    """A bug (any other exception) surfaces with its traceback; --debug re-raises input errors too."""
    import hopfield.demo

    def bug(*a, **k):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(hopfield.demo, "run_demo", bug)
    with pytest.raises(ZeroDivisionError):
        main(["demo", "--quiet", "--out", "/tmp/hopfield-cli-test"])

    def bad(*a, **k):
        raise hopfield.HopfieldInputError("beta must be positive, got -1", argument="beta")

    monkeypatch.setattr(hopfield.demo, "run_demo", bad)
    assert main(["demo", "--quiet", "--out", "/tmp/hopfield-cli-test"]) == 2
    assert "hopfield: error: beta must be positive" in capsys.readouterr().err
    with pytest.raises(hopfield.HopfieldInputError):
        main(["--debug", "demo", "--quiet", "--out", "/tmp/hopfield-cli-test"])


def test_out_check_leaves_no_folder_when_a_later_option_is_bad(tmp_path, capsys) -> None:
    """--out is checked by creating and removing it again: a bad option after it leaves nothing behind."""
    out = tmp_path / "new" / "deeper"
    with pytest.raises(SystemExit) as e:
        main(["demo", "--out", str(out), "--per-class", "-3"])
    assert e.value.code == 2
    assert "--per-class" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()
