"""prepare -> RepertoireDataset: round trip, manifest and checksums, atomicity, laziness, subsampling."""

from __future__ import annotations

import json
import os
import pickle
import tracemalloc

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from hopfield._io import NpyStreamWriter
from hopfield.repertoire import (
    AminoAcidError,
    PreparedFormatError,
    Repertoire,
    RepertoireDataset,
    collate_bags,
    gather_sequences,
    prepare,
    read_repertoire,
    simulate_repertoires,
    write_prepared,
)
from repertoire_files import AIRR_BAD, small_dataset, write

pytest.importorskip("airr")


def test_npy_stream_writer_round_trip_and_abort(tmp_path) -> None:
    with NpyStreamWriter(tmp_path / "a.npy", np.int64) as w:
        w.append([1, 2])
        w.append(np.arange(3))
    arr = np.load(tmp_path / "a.npy", mmap_mode="r")
    assert isinstance(arr, np.memmap) and arr.tolist() == [1, 2, 0, 1, 2] and arr.dtype == np.int64
    with pytest.raises(RuntimeError), NpyStreamWriter(tmp_path / "b.npy", np.uint8) as w:
        w.append([1])
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == [tmp_path / "a.npy"]  # no partial file, no temporary left


def test_round_trip_equals_reading_the_files(tmp_path) -> None:
    meta = small_dataset(tmp_path / "data")
    out = prepare(meta, tmp_path / "prep", label_column="status")
    ds = RepertoireDataset(out, verify=True)
    assert len(ds) == 6 and ds.labels.tolist() == [0, 1, 0, 1, 0, 1]
    assert ds.n_sequences.tolist() == [2, 3, 4, 5, 6, 7]
    for i in range(6):
        direct = read_repertoire(tmp_path / "data" / "reps" / f"r{i}.tsv")
        stored = ds.repertoire(i)
        assert stored.sequences() == direct.sequences()
        np.testing.assert_array_equal(stored.counts, direct.counts)
        assert stored.v_call == direct.v_call and stored.j_call is None is direct.j_call
        bag = ds[i]
        assert bag.residues.dtype == torch.uint8 and torch.equal(
            bag.residues, torch.from_numpy(direct.residues)
        )
        assert bag.sequence_index.tolist() == list(range(len(direct))) and float(bag.label) == ds.labels[i]
    m = json.loads((out / "manifest.json").read_text())
    assert m["format"] == "hopfield-repertoire" and m["version"] == 1
    assert m["label_values"] == ["-", "+"] and m["n_sequences"] == 27
    assert set(m["arrays"]) == {
        "residues",
        "sequence_offsets",
        "repertoire_offsets",
        "labels",
        "counts",
        "v_call",
    }
    assert all(len(a["sha256"]) == 64 for a in m["arrays"].values())


def test_optional_columns_are_backfilled(tmp_path) -> None:
    reps = [
        ("a", Repertoire.from_sequences(["CAS", "CW"]), 0),
        ("b", Repertoire.from_sequences(["CASF"], counts=[7], implanted=[True]), 1),
        ("c", Repertoire.from_sequences(["WW", "YY"], v_call=["V1", ""]), 0),
    ]
    ds = RepertoireDataset(write_prepared(reps, tmp_path / "p"))
    assert [ds.repertoire(i).counts.tolist() for i in range(3)] == [[1, 1], [7], [1, 1]]
    assert [ds.repertoire(i).implanted.tolist() for i in range(3)] == [[False, False], [True], [False, False]]
    assert [ds.repertoire(i).v_call for i in range(3)] == [("", ""), ("",), ("V1", "")]


def test_corruption_is_detected(tmp_path) -> None:
    out = prepare(small_dataset(tmp_path / "d"), tmp_path / "p", label_column="status")
    raw = bytearray((out / "residues.npy").read_bytes())
    raw[-1] = (raw[-1] + 1) % 20
    (out / "residues.npy").write_bytes(bytes(raw))
    RepertoireDataset(out)  # sizes still agree: opening stays lazy
    with pytest.raises(PreparedFormatError, match=r"residues\.npy fails its checksum"):
        RepertoireDataset(out, verify=True)
    np.save(out / "labels.npy", np.zeros(5, np.int64))
    with pytest.raises(
        PreparedFormatError, match=r"labels\.npy holds <i8 \[5\], the manifest says <i8 \[6\]"
    ):
        RepertoireDataset(out)
    np.save(out / "labels.npy", np.array([0, 1, 0, 1, 0, 1]))
    (out / "counts.npy").write_bytes((out / "counts.npy").read_bytes()[:-8])
    with pytest.raises(PreparedFormatError, match=r"cannot read counts\.npy"):
        RepertoireDataset(out)
    m = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**m, "version": 99}))
    with pytest.raises(PreparedFormatError, match=r"format version 99; this hopfield reads version 1"):
        RepertoireDataset(out)


def test_a_bad_file_leaves_nothing_and_keeps_an_old_dataset(tmp_path) -> None:
    meta = small_dataset(tmp_path / "d")
    out = prepare(meta, tmp_path / "p", label_column="status")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    write(tmp_path / "d" / "reps" / "r4.tsv", AIRR_BAD)
    with pytest.raises(AminoAcidError, match=r"r4\.tsv:4:"):
        prepare(meta, out, label_column="status", overwrite=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "p"]  # no temporary folder left
    with pytest.raises(AminoAcidError):
        prepare(meta, tmp_path / "new", label_column="status")
    assert not (tmp_path / "new").exists()
    ds = RepertoireDataset(prepare(meta, out, label_column="status", overwrite=True, on_invalid="drop"))
    assert ds.manifest["n_dropped"] == 3 and ds.manifest["repertoires"][4]["n_dropped"] == 3


def _prepared(tmp_path, n_repertoires: int, n_sequences: int, **kw):
    _, items = simulate_repertoires(
        n_repertoires=n_repertoires, n_sequences=n_sequences, witness_rate=0.05, motifs="LYAG", seed=5, **kw
    )
    return write_prepared(items, tmp_path / f"p{n_repertoires}", overwrite=True)


def test_reading_one_repertoire_does_not_load_the_others(tmp_path) -> None:
    """Lazy: memory while opening and reading one repertoire ~ that repertoire, not the 24 MB dataset."""
    out = _prepared(tmp_path, 40, 40_000)
    total = sum(f.stat().st_size for f in out.iterdir())
    tracemalloc.start()
    ds = RepertoireDataset(out, seed=0)
    bag = ds[17]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    one = bag.residues.numel() + 8 * bag.offsets.numel()
    assert total > 20e6 and peak < 4 * one + 2e6 and peak < total / 5
    assert isinstance(ds._open()["residues"], np.memmap)


def _mapped_rss_kib(path) -> int:
    """Resident KiB of this process's mappings of ``path`` (from /proc/self/smaps)."""
    total, inside = 0, False
    with open("/proc/self/smaps", encoding="utf-8") as f:
        lines = f.read().splitlines()
    for line in lines:
        head = line.split()
        if head and "-" in head[0] and len(head) >= 5:  # a mapping's header line
            inside = len(head) >= 6 and head[-1] == str(path)
        elif inside and line.startswith("Rss:"):
            total += int(head[1])
    return total


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps"), reason="needs Linux /proc/self/smaps")
def test_reading_repertoires_leaves_no_mapped_pages_resident(tmp_path) -> None:
    """After each item the mapped residue pages are dropped from the RSS (they stay in the page cache), so
    an epoch's resident memory does not grow with the number of repertoires it reads."""
    out = _prepared(tmp_path, 20, 20_000)
    ds = RepertoireDataset(out, seed=0)
    residues = (out / "residues.npy").resolve()
    touched = np.asarray(ds._open()["residues"][:2_000_000]).sum()  # touch pages directly: they count
    assert touched > 0 and _mapped_rss_kib(residues) > 100
    for i in range(len(ds)):
        ds[i]
    assert _mapped_rss_kib(residues) == 0


def test_prepare_memory_does_not_grow_with_the_number_of_repertoires(tmp_path) -> None:
    peaks = []
    for n in (4, 16):
        _, items = simulate_repertoires(n_repertoires=n, n_sequences=20_000, witness_rate=0.01, seed=1)
        tracemalloc.start()
        write_prepared(items, tmp_path / f"q{n}")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.3 * peaks[0], peaks


def test_subsampling_is_seeded_per_epoch_and_item(tmp_path) -> None:
    out = _prepared(tmp_path, 4, 500)
    a = RepertoireDataset(out, max_sequences=100, seed=7)
    b = RepertoireDataset(out, max_sequences=100, seed=7)
    idx = a[2].sequence_index
    assert idx.numel() == 100 and bool((idx.diff() > 0).all())  # distinct, ascending
    assert torch.equal(idx, b[2].sequence_index) and torch.equal(a[2].residues, b[2].residues)
    assert not torch.equal(a[1].sequence_index, idx)
    a.set_epoch(1)
    assert not torch.equal(a[2].sequence_index, idx)
    assert not torch.equal(RepertoireDataset(out, max_sequences=100, seed=8)[2].sequence_index, idx)
    full = a.repertoire(2)
    chosen = [full.sequences()[i] for i in a[2].sequence_index.tolist()]
    sub = Repertoire(a[2].residues.numpy(), a[2].offsets.numpy())
    assert sub.sequences() == chosen
    assert torch.equal(a[2].implanted, torch.from_numpy(full.implanted[a[2].sequence_index.numpy()]))


def test_collate_dataloader_and_pickling(tmp_path) -> None:
    out = _prepared(tmp_path, 6, 300)
    ds = RepertoireDataset(out, max_sequences=50, seed=3)
    ds[0]
    clone = pickle.loads(pickle.dumps(ds))  # what a DataLoader worker receives: no memory maps inside
    assert clone._arrays is None and torch.equal(clone[5].residues, ds[5].residues)
    batches = list(DataLoader(ds, batch_size=4, collate_fn=collate_bags))
    direct = collate_bags([ds[i] for i in range(4)])
    first = batches[0]
    for name in (
        "residues",
        "sequence_offsets",
        "bag_offsets",
        "labels",
        "indices",
        "sequence_index",
        "implanted",
    ):
        assert torch.equal(getattr(first, name), getattr(direct, name)), name
    assert first.bag_offsets.tolist() == [0, 50, 100, 150, 200] and first.n_bags == 4
    assert first.bag_ids().tolist() == [0] * 50 + [1] * 50 + [2] * 50 + [3] * 50
    assert int(first.sequence_offsets[-1]) == first.residues.numel()
    for b in range(4):
        bag = ds[b]
        lo, hi = int(first.sequence_offsets[50 * b]), int(first.sequence_offsets[50 * (b + 1)])
        assert torch.equal(first.residues[lo:hi], bag.residues)
    assert batches[1].n_bags == 2 and first.to("cpu").labels.dtype == torch.float32


def test_gather_sequences_equals_a_loop(np_rng) -> None:
    lengths = np_rng.integers(0, 9, size=50)
    offsets = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    residues = np_rng.integers(0, 20, size=int(offsets[-1])).astype(np.uint8)
    index = np.sort(np_rng.choice(50, size=17, replace=False)).astype(np.int64)
    got, got_off = gather_sequences(residues, offsets, index)
    want = [residues[offsets[i] : offsets[i + 1]] for i in index]
    assert got_off.tolist() == np.r_[0, np.cumsum([len(w) for w in want])].tolist()
    np.testing.assert_array_equal(got, np.concatenate(want))
