"""A rank of tests/test_repertoire_train.py's data-parallel test (RANK/WORLD_SIZE/MASTER_* set).

``python _repertoire_ddp_worker.py PREPARED OUT``: one epoch of :func:`fit` with ``distributed=True``
(gloo); rank 0 writes the parameters to ``OUT/ddp.pt`` (and every rank its history to ``OUT/rank<r>.pt``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
import torch.distributed as dist

sys.path.insert(0, str(Path(__file__).parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).parent))


def main(prepared: str, out: str) -> None:
    from hopfield.repertoire import RepertoireDataset, fit
    from repertoire_train_setup import CONFIG, TRAIN, VAL

    model, history = fit(RepertoireDataset(prepared), TRAIN, VAL, CONFIG, distributed=True)
    rank = dist.get_rank()
    torch.save({"history": history, "world": dist.get_world_size()}, Path(out) / f"rank{rank}.pt")
    if rank == 0:
        torch.save(model.state_dict(), Path(out) / "ddp.pt")
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
