"""The store on disk: crash safety under SIGKILL, corruption detection, one writer, concurrent readers."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from hopfield import HopfieldInputError, Memory, StoreCorruptError
from hopfield.memory import _store

D = 6
SRC = str(Path(__file__).parents[1] / "src")

#: A child that appends pattern(i) for i = count, ..., n - 1, one add per row, printing i after each.
WRITER = textwrap.dedent(
    """
    import sys, numpy as np
    sys.path.insert(0, {src!r})
    from hopfield import Memory
    mem = Memory.open(sys.argv[1])
    for i in range(mem.count, int(sys.argv[2])):
        mem.add(np.random.default_rng(i).standard_normal({d}).astype(np.float32))
        print(i, flush=True)
    """
)


def pattern(i: int) -> np.ndarray:
    return np.random.default_rng(i).standard_normal(D).astype(np.float32)


def empty_store(path: Path, **kw) -> Path:
    Memory(D, 1.0, **kw).save(path)
    return path


def child(tmp_path: Path, store: Path, n: int) -> subprocess.Popen[str]:
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(src=SRC, d=D))
    return subprocess.Popen(
        [sys.executable, str(script), str(store), str(n)], stdout=subprocess.PIPE, text=True
    )


def check_rows(store: Path, count: int | None = None) -> int:
    mem = Memory.open(store, readonly=True)
    if count is not None:
        assert mem.count == count
    patterns, _, times = mem.read()
    expected = np.stack([pattern(i) for i in range(mem.count)]) if mem.count else np.empty((0, D))
    np.testing.assert_array_equal(patterns.numpy(), expected)
    assert torch.equal(times, torch.arange(mem.count))
    return mem.count


def kill_during_appends(tmp_path: Path, store: Path, kills: int, n: int, seed: int) -> int:
    """Start writers of ``n`` one-row appends and SIGKILL each at a random point of an append;
    after each kill, every acknowledged row is there, nothing partial is. Returns the count."""
    rng = random.Random(seed)
    acked = -1
    for _ in range(kills):
        proc = child(tmp_path, store, n)
        assert proc.stdout is not None
        target = acked + rng.randint(20, 120)
        for line in proc.stdout:
            acked = int(line)
            if acked >= target:
                break
        time.sleep(rng.uniform(0, 0.01))  # land anywhere inside a later append
        proc.send_signal(signal.SIGKILL)
        rest = proc.stdout.read().split()
        proc.stdout.close()
        proc.wait()
        acked = int(rest[-1]) if rest else acked
        count = check_rows(store)  # verify=True: every checksum
        assert acked + 1 <= count <= acked + 2, (acked, count)  # the killed append: all or nothing
        acked = count - 1
    return acked + 1


def test_sigkill_during_1000_appends_loses_nothing_acknowledged(tmp_path) -> None:
    """Kill writers of 1,000 one-row appends; every acknowledged row survives, nothing partial
    appears, and the next writer continues (and removes the leftovers of the killed commits)."""
    store = empty_store(tmp_path / "s")
    count = kill_during_appends(tmp_path, store, kills=2, n=1000, seed=0)
    with Memory.open(store) as mem:
        listed = {Path(s.info.file).name for s in mem._segments}
        assert set(os.listdir(store / "segments")) == listed
        mem.add(pattern(count))
    check_rows(store, count + 1)


@pytest.mark.slow
def test_sigkill_many_times_then_complete_1000_appends(tmp_path) -> None:
    store = empty_store(tmp_path / "s")
    kill_during_appends(tmp_path, store, kills=6, n=1000, seed=1)
    proc = child(tmp_path, store, 1000)
    proc.communicate()
    assert proc.returncode == 0
    check_rows(store, 1000)
    assert len(os.listdir(store / "segments")) <= 20


@pytest.mark.parametrize("stage", ["segment", "sync", "manifest"])
def test_interrupted_commit_leaves_the_store_as_before(tmp_path, monkeypatch, stage) -> None:
    """An exception at each stage of a commit: the memory and the store keep the old rows."""
    store = empty_store(tmp_path / "s")
    mem = Memory.open(store)
    for i in range(3):
        mem.add(pattern(i))

    def boom(*a, **kw):
        raise OSError("disk full")

    target = {"segment": "write_segment", "sync": "fsync_dir", "manifest": "write_manifest"}[stage]
    monkeypatch.setattr(_store, target, boom)
    with pytest.raises(OSError, match="disk full"):
        mem.add(pattern(3))
    monkeypatch.undo()
    check_rows(store, 3)
    assert mem.count == 3
    mem.add(pattern(3))
    mem.close()
    check_rows(store, 4)


def test_leftover_files_are_ignored_by_readers_and_removed_by_writers(tmp_path) -> None:
    store = empty_store(tmp_path / "s")
    with Memory.open(store) as mem:
        mem.add(np.stack([pattern(i) for i in range(5)]))
    junk = [store / "segments" / "seg-000000000005-0000000001-deadbeef.safetensors"]
    junk += [store / "segments" / ".seg-x.tmp", store / ".manifest.json.abc.tmp"]
    for f in junk:
        f.write_bytes(b"half written")
    check_rows(store, 5)
    assert all(f.exists() for f in junk)
    Memory.open(store).close()
    assert not any(f.exists() for f in junk)


def segment_file(store: Path) -> Path:
    return next(p for p in (store / "segments").iterdir() if p.suffix == ".safetensors")


@pytest.fixture
def store(tmp_path) -> Path:
    path = empty_store(tmp_path / "s")
    with Memory.open(path) as mem:
        mem.add(np.stack([pattern(i) for i in range(20)]))
    return path


def test_truncated_segment_is_named(store) -> None:
    f = segment_file(store)
    data = f.read_bytes()
    f.write_bytes(data[:-7])
    with pytest.raises(StoreCorruptError, match=rf"{f.name}.*truncated") as info:
        Memory.open(store, readonly=True, verify=False)
    assert info.value.argument == str(f)
    f.write_bytes(data[:5])
    with pytest.raises(StoreCorruptError, match=f.name):
        Memory.open(store, readonly=True)


@pytest.mark.parametrize("where", ["data", "header"])
def test_bit_flip_is_detected_by_the_checksum(store, where) -> None:
    f = segment_file(store)
    data = bytearray(f.read_bytes())
    pos = len(data) - 3 if where == "data" else 20
    data[pos] ^= 0x10
    f.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError, match=rf"segment file .*{f.name} is corrupt"):
        Memory.open(store, readonly=True)
    if where == "data":  # without verify only sizes and headers are checked
        assert Memory.open(store, readonly=True, verify=False).count == 20


def test_corrupt_manifest_and_missing_segment_are_named(store) -> None:
    f = segment_file(store)
    f.rename(f.with_suffix(".gone"))
    with pytest.raises(StoreCorruptError, match=rf"{f.name}.* is missing"):
        Memory.open(store, readonly=True)
    manifest = store / "manifest.json"
    manifest.write_text(manifest.read_text()[:50])
    with pytest.raises(StoreCorruptError, match=r"manifest .*manifest.json is corrupt"):
        Memory.open(store, readonly=True)


def test_two_writers_are_refused(store, tmp_path) -> None:
    first = Memory.open(store)
    with pytest.raises(HopfieldInputError, match=rf"no other writer.*held by process {os.getpid()}"):
        Memory.open(store)
    script = (
        f"import sys; sys.path.insert(0, {SRC!r})\nfrom hopfield import Memory\nMemory.open({str(store)!r})"
    )
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert other.returncode != 0 and "no other writer" in other.stderr
    reader = Memory.open(store, readonly=True)  # readers are welcome
    with pytest.raises(HopfieldInputError, match="writable"):
        reader.add(pattern(0))
    first.close()
    Memory.open(store).close()


def test_reader_during_appends_sees_consistent_prefixes(tmp_path) -> None:
    store = empty_store(tmp_path / "s")
    proc = child(tmp_path, store, 150)
    reader = Memory.open(store, readonly=True)
    seen = []
    q = torch.from_numpy(pattern(0))
    while True:
        reader.refresh()
        n = reader.count
        if n:
            patterns = reader.read()[0]
            np.testing.assert_array_equal(patterns.numpy(), np.stack([pattern(i) for i in range(n)]))
            assert reader.search(q, k=1)[1].item() == int((patterns @ q).argmax())
        seen.append(n)
        if proc.poll() is not None and n == 150:
            break
    assert proc.communicate()[0].split()[-1] == "149" and proc.returncode == 0
    assert seen == sorted(seen) and seen[-1] == 150 and len(set(seen)) > 2
