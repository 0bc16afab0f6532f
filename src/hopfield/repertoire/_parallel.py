"""The process group of data-parallel training (``torchrun``: ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``MASTER_ADDR``, ``MASTER_PORT``): gloo on the CPU, NCCL on CUDA (one GPU per process)."""

from __future__ import annotations

import os

import torch

from hopfield._errors import input_error

__all__ = ["init_distributed"]


def init_distributed(device: torch.device) -> tuple[int, int, torch.device]:
    """``(rank, world_size, device)``: the initialized process group, or one initialized here from the
    environment. On CUDA the device becomes ``cuda:LOCAL_RANK`` (unless an index is given)."""
    import torch.distributed as dist

    if not dist.is_available():  # pragma: no cover - builds without distributed
        raise input_error("distributed", "a torch build with torch.distributed", "none")
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    if not dist.is_initialized():
        missing = [v for v in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT") if v not in os.environ]
        if missing:
            raise input_error(
                "distributed",
                "an initialized process group, or torchrun's variables RANK, WORLD_SIZE, MASTER_ADDR, "
                "MASTER_PORT",
                f"missing {', '.join(missing)}",
            )
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return dist.get_rank(), dist.get_world_size(), device
