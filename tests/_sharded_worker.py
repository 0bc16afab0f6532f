"""A rank of tests/test_distributed.py, started by torchrun or with RANK/WORLD_SIZE/MASTER_* set.

``python _sharded_worker.py MODE OUT``: MODE ``equal`` compares ShardedMemory with one Memory and
writes ``OUT/rank<r>.json``; ``kill`` and ``hang`` stop rank 1 (SIGKILL, or a long sleep) after a
first retrieval and let rank 0 time its next one.
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

sys.path.insert(0, str(Path(__file__).parents[1] / "src"))

D = 8


def data(n: int = 300) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, D, generator=g) / 2, torch.randn(6, D, generator=g)


def diff(a, b) -> float:
    return float((torch.as_tensor(a).double() - torch.as_tensor(b).double()).abs().max())


def equal(out: Path) -> None:
    from hopfield import Memory
    from hopfield.distributed import ShardedMemory

    rank = dist.get_rank()
    x, q = data()
    report: dict[str, dict[str, float | bool | int]] = {}
    for gamma in (0.0, 0.05):
        sm = ShardedMemory(D, 2.0, gamma, timeout=30)
        single = Memory(D, 2.0, gamma)
        for a, b in ((0, 100), (100, 101), (101, 300)):  # uneven batches
            sm.add(x[a:b])
            single.add(x[a:b])
        res = sm.retrieve(q if rank == 0 else None, max_steps=3, topk=4)
        ref = single.retrieve(q, max_steps=3, topk=4)
        w, i = sm.search(q.numpy() if rank == 0 else None, k=5)
        wr, ir = single.search(q.numpy(), k=5)
        report[str(gamma)] = {
            "local_rows": sm.local.count,
            "count": sm.count,
            "state": diff(res.state, ref.state),
            "steps": bool(torch.equal(res.steps, ref.steps)),
            "topk_indices": bool(torch.equal(res.topk_indices, ref.topk_indices)),
            "topk_weights": diff(res.topk_weights, ref.topk_weights),
            "search_indices": bool(np.array_equal(i, ir)),
            "search_weights": diff(w, wr),
            "numpy_out": isinstance(w, np.ndarray),
        }
    sm.save(out / "store")
    again = ShardedMemory.open(out / "store", readonly=True, timeout=30)
    report["reopened"] = {
        "state": diff(again.retrieve(q if rank == 0 else None).state, single.retrieve(q).state)
    }
    few = ShardedMemory(D, 1.0, timeout=30)  # fewer rows than ranks: empty shards take part
    few.add(x[:2])
    report["empty_shards"] = {"state": diff(few.retrieve(q if rank == 0 else None).state, _one(x[:2], q))}
    (out / f"rank{rank}.json").write_text(json.dumps(report))


def _one(x: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    return torch.softmax(q.double() @ x.double().T, -1) @ x.double()


def failure(out: Path, mode: str) -> None:
    from hopfield.distributed import RankFailureError, ShardedMemory

    rank = dist.get_rank()
    x, q = data()
    sm = ShardedMemory(D, 1.0, timeout=3.0)
    sm.add(x)
    sm.retrieve(q if rank == 0 else None)
    if rank == 1:
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(15)  # hang past the timeout, then leave without a word
        os._exit(0)
    t0 = time.monotonic()
    try:
        sm.retrieve(q)
        error = ""
    except RankFailureError as exc:
        error = str(exc)
    (out / "rank0.json").write_text(json.dumps({"error": error, "elapsed": time.monotonic() - t0}))
    os._exit(0)  # the group is broken: skip its teardown


def main() -> None:
    mode, out = sys.argv[1], Path(sys.argv[2])
    dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=60))
    if mode == "equal":
        equal(out)
        dist.destroy_process_group()
    else:
        failure(out, mode)


if __name__ == "__main__":
    main()
