"""ShardedMemory over 2 and 4 gloo processes on 127.0.0.1: equal to one Memory; a dead rank is detected."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch.distributed as dist

from hopfield import HopfieldInputError

WORKER = str(Path(__file__).parent / "_sharded_worker.py")

pytestmark = pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is not available")


def torchrun(n: int, mode: str, out: Path) -> None:
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={n}"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [*cmd, WORKER, mode, str(out)], capture_output=True, text=True, timeout=240, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(n: int, mode: str, out: Path) -> list[subprocess.Popen[bytes]]:
    """Start the ranks ourselves (torchrun would stop every rank when one dies)."""
    port = str(free_port())
    procs = []
    for rank in range(n):
        env = {**os.environ, "RANK": str(rank), "WORLD_SIZE": str(n), "LOCAL_RANK": str(rank)}
        env.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=port, OMP_NUM_THREADS="1")
        procs.append(subprocess.Popen([sys.executable, WORKER, mode, str(out)], env=env))
    return procs


@pytest.mark.parametrize("n", [2, 4])
def test_sharded_equals_single_process(n, tmp_path) -> None:
    torchrun(n, "equal", tmp_path)
    reports = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(n)]
    for rep in reports:
        for gamma in ("0.0", "0.05"):
            r = rep[gamma]
            assert r["count"] == 300 and abs(r["local_rows"] - 300 / n) <= 1
            assert r["state"] <= 1e-5 and r["topk_weights"] <= 1e-5 and r["search_weights"] <= 1e-5
            assert r["steps"] and r["topk_indices"] and r["search_indices"] and r["numpy_out"]
        assert rep["reopened"]["state"] <= 1e-5
        assert rep["empty_shards"]["state"] <= 1e-5
    assert len(list((tmp_path / "store").iterdir())) == n


@pytest.mark.parametrize("mode", ["kill", "hang"])
def test_dead_or_hung_rank_raises_within_the_timeout(mode, tmp_path) -> None:
    procs = spawn(2, mode, tmp_path)
    try:
        assert procs[0].wait(timeout=90) == 0
    finally:
        for p in procs:
            p.kill()
            p.wait()
    rep = json.loads((tmp_path / "rank0.json").read_text())
    assert "ShardedMemory.retrieve" in rep["error"] and "timeout=3.0" in rep["error"]
    assert rep["elapsed"] < 3.0 + 5.0  # the timeout (3 s) plus slack, not a hang


def test_needs_an_initialized_process_group() -> None:
    from hopfield.distributed import ShardedMemory

    if dist.is_initialized():  # pragma: no cover
        pytest.skip("a process group is already initialized")
    with pytest.raises(HopfieldInputError, match=r"torch\.distributed must be initialized"):
        ShardedMemory(4, 1.0)
