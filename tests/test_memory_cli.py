"""``hopfield memory create|add|query|info``: a round trip through .npy files."""

from __future__ import annotations

import numpy as np

from hopfield import Memory
from hopfield.cli import main


def test_memory_cli_round_trip(tmp_path, capsys) -> None:
    store = tmp_path / "store"
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 4)).astype(np.float32)
    q = rng.standard_normal((3, 4))  # float64 queries are computed in float64
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "x64.npy", x.astype(np.float64))
    np.save(tmp_path / "q.npy", q)
    assert main(["memory", "create", str(store), "--dim", "4", "--beta", "3", "--forgetting", "0.01"]) == 0
    assert main(["memory", "add", str(store), str(tmp_path / "x.npy")]) == 0
    assert main(["memory", "add", str(store), str(tmp_path / "x64.npy")]) == 2  # no silent downcast
    assert "pass --cast" in capsys.readouterr().err
    assert main(["memory", "add", str(store), str(tmp_path / "x64.npy"), "--cast"]) == 0
    out = tmp_path / "res" / "r.npy"
    assert (
        main(["memory", "query", str(store), str(tmp_path / "q.npy"), "--out", str(out), "--topk", "2"]) == 0
    )
    expected = Memory.open(store, readonly=True).retrieve(q, topk=2)
    np.testing.assert_array_equal(np.load(out), expected.state)
    np.testing.assert_array_equal(np.load(tmp_path / "res" / "r-indices.npy"), expected.topk_indices)
    assert np.load(out).dtype == np.float64 and np.load(out).shape == (3, 4)
    capsys.readouterr()
    assert main(["memory", "info", str(store), "--verify"]) == 0
    info = capsys.readouterr().out
    assert "100" in info and "verified" in info and "0.01" in info
    assert main(["memory", "info", str(tmp_path)]) == 2  # not a store: a one-line named error
    assert "path must be a memory store" in capsys.readouterr().err
    assert main(["memory", "query", str(store), str(tmp_path / "q.npy"), "--out", str(tmp_path)]) == 2
    assert main(["memory", "add", str(store), str(tmp_path / "missing.npy")]) == 2
    assert "patterns must be a readable .npy file" in capsys.readouterr().err
