"""``ShardedMemory``: a :class:`~hopfield.Memory` sharded over the ranks of a ``torch.distributed`` group.

Each rank keeps the rows whose global position ``p`` has ``p % world_size == rank``, with their global
time indices. A retrieval is collective: rank ``src`` broadcasts the queries, each rank computes the
:class:`~hopfield.functional.lse.LsePartial` of its shard (shift ``m``, sum of exponentials, weighted
sum of values), and two all-reduces merge them exactly: MAX of the shifts, then, after
:func:`~hopfield.functional.lse.rescale` to that maximum, SUM of the terms. The answer equals the
single-process one up to the order of floating-point sums.

Works with any backend: gloo (CPU tensors) and NCCL (CUDA tensors; each rank's memory on its GPU).
Every collective waits at most ``timeout`` seconds: a rank that died or hangs makes the others raise
:class:`RankFailureError` instead of waiting forever (the group is unusable afterwards). Launch with
``torchrun --standalone --nproc-per-node=N script.py`` (one machine) or with ``--nnodes``/``--rdzv-*``
across machines (``docs/memory.md``).
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor

from hopfield._arrays import Output
from hopfield._deprecation import renamed_arguments
from hopfield._errors import HopfieldInputError, input_error
from hopfield._result import Retrieval
from hopfield._tolerances import compute_dtype, tolerances
from hopfield._validate import (
    as_integers,
    check_int,
    check_nonnegative,
    check_optional_int,
    check_positive,
    check_seed,
)
from hopfield.functional.lse import LsePartial, rescale
from hopfield.memory import Memory
from hopfield.memory import _stream as S
from hopfield.memory._reader import run_updates

__all__ = ["RankFailureError", "ShardedMemory"]

_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


class RankFailureError(RuntimeError):
    """A collective of :class:`ShardedMemory` failed: a rank died, hung past the timeout, or the
    connection broke. The process group cannot be used afterwards."""


class ShardedMemory:
    """A memory whose rows are spread over the ranks of a process group (collective calls).

    Parameters
    ----------
    dim, beta, forgetting, value_dim, dtype, device, chunk_size:
        As for :class:`~hopfield.Memory` (each rank's shard is one; with NCCL pass each rank's GPU).
    group:
        The process group (default: the world group of ``torch.distributed.init_process_group``).
    timeout:
        Seconds any collective may take before :class:`RankFailureError` is raised.

    Every method is collective: all ranks call it, in the same order. :meth:`add` takes the same
    batch on every rank (each keeps its share); :meth:`retrieve` and :meth:`search` take the queries
    on rank ``src`` (other ranks may pass None) and return the same result on every rank.
    Top-k indices are global row positions (the default time indices).
    """

    def __init__(
        self,
        dim: int,
        beta: float = 1.0,
        forgetting: float = 0.0,
        *,
        value_dim: int | None = None,
        dtype: torch.dtype | str = torch.float32,
        device: torch.device | str | None = None,
        chunk_size: int | None = None,
        group: Any = None,
        timeout: float = 60.0,
    ) -> None:
        local = Memory(
            dim, beta, forgetting, value_dim=value_dim, dtype=dtype, device=device, chunk_size=chunk_size
        )
        self._attach(local, group, timeout)

    @classmethod
    def from_local(cls, local: Memory, *, group: Any = None, timeout: float = 60.0) -> ShardedMemory:
        """Wrap each rank's own shard (rows with global time indices, ``t % world_size == rank``)."""
        self = cls.__new__(cls)
        self._attach(local, group, timeout)
        return self

    @staticmethod
    def shard_path(path: str | os.PathLike[str], rank: int, world_size: int) -> Path:
        """The folder of one rank's shard in a sharded store: ``path/shard-RANK-of-WORLD``."""
        return Path(path) / f"shard-{rank:05d}-of-{world_size:05d}"

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        readonly: bool = False,
        verify: bool = True,
        device: torch.device | str | None = None,
        chunk_size: int | None = None,
        group: Any = None,
        timeout: float = 60.0,
    ) -> ShardedMemory:
        """Open the sharded store at ``path`` (written by :meth:`save` with the same world size)."""
        rank, world = _rank_world(group)
        shard = cls.shard_path(path, rank, world)
        local = Memory.open(shard, readonly=readonly, verify=verify, device=device, chunk_size=chunk_size)
        return cls.from_local(local, group=group, timeout=timeout)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Every rank writes its shard to :meth:`shard_path` (atomically); returns ``path``."""
        self.local.save(self.shard_path(path, self.rank, self.world_size))
        self._gather(torch.zeros(1, dtype=torch.float64), "save")  # all shards written
        return Path(path)

    def close(self) -> None:
        self.local.close()

    # ------------------------------------------------------------------ collectives
    def _attach(self, local: Memory, group: Any, timeout: float) -> None:
        self.rank, self.world_size = _rank_world(group)
        self.local, self.group = local, group
        self.timeout = check_positive(timeout, "timeout")
        nccl = dist.get_backend(group) == "nccl"
        self._comm = torch.device("cuda", torch.cuda.current_device()) if nccl else torch.device("cpu")
        m = local._m
        code = _DTYPES.index(local.dtype)
        mine = torch.tensor([m.dim, m.value_dim, m.beta, m.gamma, code], dtype=torch.float64)
        for r, theirs in enumerate(self._gather(mine, "setup")):
            if not torch.equal(theirs, mine):
                raise HopfieldInputError(
                    f"every rank's memory must have the same dim, value_dim, beta, forgetting and dtype, "
                    f"got {mine.tolist()} on rank {self.rank} and {theirs.tolist()} on rank {r}",
                    argument="local",
                    expected="the same parameters on every rank",
                    received=theirs.tolist(),
                )
        stats = torch.tensor([local.count, -1 if local.time is None else local.time], dtype=torch.float64)
        counts = torch.stack(self._gather(stats, "setup"))
        self._count = int(counts[:, 0].sum())
        self._time: int | None = None if self._count == 0 else int(counts[:, 1].max())

    def _wait(self, work: Any, what: str) -> None:
        try:
            done = work.wait(timeout=datetime.timedelta(seconds=self.timeout))
        except RuntimeError as exc:
            raise RankFailureError(
                f"ShardedMemory.{what}: a rank of the {self.world_size}-rank group failed or did not "
                f"answer within timeout={self.timeout} s (rank {self.rank} here): {exc}"
            ) from exc
        if done is False:
            raise RankFailureError(f"ShardedMemory.{what}: timed out after {self.timeout} s")

    def _all_reduce(self, t: Tensor, op: Any, what: str) -> Tensor:
        c = t.to(self._comm, copy=True).contiguous()  # never reduce the caller's tensor in place
        self._wait(dist.all_reduce(c, op=op, group=self.group, async_op=True), what)
        return c.to(t.device)

    def _broadcast(self, t: Tensor, src: int, what: str) -> Tensor:
        c = t.to(self._comm, copy=True).contiguous()  # never reduce the caller's tensor in place
        self._wait(dist.broadcast(c, src=src, group=self.group, async_op=True), what)
        return c.to(t.device)

    def _gather(self, t: Tensor, what: str) -> list[Tensor]:
        c = t.to(self._comm, copy=True).contiguous()  # never reduce the caller's tensor in place
        out = [torch.empty_like(c) for _ in range(self.world_size)]
        self._wait(dist.all_gather(out, c, group=self.group, async_op=True), what)
        return [o.to(t.device) for o in out]

    def _reduce(self, part: LsePartial) -> LsePartial:
        """The global part: all-reduce MAX of the shifts, rescale, all-reduce SUM of the terms."""
        m = self._all_reduce(part.m, dist.ReduceOp.MAX, "retrieve")
        r = rescale(part, m)
        flat = torch.cat([t.reshape(t.shape[0], -1) for t in r.terms], dim=1)
        flat = self._all_reduce(flat, dist.ReduceOp.SUM, "retrieve")
        terms = (flat[:, 0], flat[:, 1:]) if len(r.terms) > 1 else (flat[:, 0],)
        return LsePartial(m, terms, part.beta)

    # ------------------------------------------------------------------ the memory
    @property
    def count(self) -> int:
        """N, the number of rows over all ranks."""
        return self._count

    @property
    def time(self) -> int | None:
        """The newest global time index (None while empty)."""
        return self._time

    def add(self, patterns: Any, values: Any = None, *, times: Any = None) -> None:
        """Append a batch (the same on every rank); rank ``r`` keeps the rows of global position
        ``p % world_size == r``. ``times`` (default: the global positions) as for ``Memory.add``."""
        x = self.local._rows(patterns, "patterns", self.local.dim, None)
        n = x.shape[0]
        v = None if values is None else self.local._rows(values, "values", self.local.value_dim, n)
        start = 0 if self._time is None else self._time + 1
        t = torch.arange(start, start + n) if times is None else as_integers(times, "times", n)
        if (self._time is not None and int(t[0]) <= self._time) or bool((t[1:] <= t[:-1]).any()):
            raise input_error("times", f"strictly increasing and after {self._time}", t.tolist()[:8])
        check = torch.tensor([n, int(t[0]), int(t[-1])], dtype=torch.float64)
        if not all(torch.equal(c, check) for c in self._gather(check, "add")):
            raise HopfieldInputError(
                "ShardedMemory.add must get the same batch on every rank", argument="patterns"
            )
        mine = (torch.arange(self._count, self._count + n) % self.world_size) == self.rank
        if bool(mine.any()):
            self.local.add(x[mine], None if v is None else v[mine], times=t[mine])
        self._count += n
        self._time = int(t[-1])

    def _queries(self, queries: Any, src: int) -> tuple[Tensor, Output]:
        """Broadcast rank ``src``'s queries (checked there; a refusal is raised on every rank)."""
        src = check_int(src, "src", 0, self.world_size - 1)
        header = torch.zeros(4, dtype=torch.int64)  # B (or -1: refused), numpy, squeeze, dtype code
        error: Exception | None = None
        if self.rank == src:
            try:
                if self._count == 0:
                    raise input_error("memory", "at least one stored pattern", "0 patterns", verb="hold")
                xi, out = self.local._as_queries(queries, "state")
                code = _DTYPES.index(out.state_dtype or xi.dtype)
                header = torch.tensor([xi.shape[0], out.numpy, out.squeeze, code])
            except HopfieldInputError as exc:
                error, header[0] = exc, -1
        header = self._broadcast(header, src, "retrieve")
        if error is not None:
            raise error
        if int(header[0]) < 0:
            raise HopfieldInputError(f"the queries on rank {src} were refused", argument="state")
        dtype = _DTYPES[int(header[3])]
        if self.rank != src:
            xi = torch.empty(int(header[0]), self.local.dim, dtype=compute_dtype(dtype))
        xi = self._broadcast(xi.to(self.local.device), src, "retrieve")
        return xi, Output(numpy=bool(header[1]), squeeze=bool(header[2]), state_dtype=dtype)

    def _part(self, q: Tensor, **kw: Any) -> LsePartial:
        mem = self.local
        return S.stream_partial(
            q, mem._segments, mem.beta, mem.forgetting, self._time or 0, mem.chunk_size, **kw
        )

    def _topk(self, q: Tensor, k: int) -> tuple[Tensor, Tensor]:
        top = S.TopK(q.shape[0], k, q)
        part = self._reduce(self._part(q, topk=top, by_time=True, values=False))
        pad = k - top.scores.shape[1]  # a shard with fewer than k rows
        scores = torch.nn.functional.pad(top.scores, (0, pad), value=float("-inf"))
        ids = torch.nn.functional.pad(top.ids, (0, pad), value=-1)
        merged = S.TopK(q.shape[0], k, q)
        for s, i in zip(self._gather(scores, "search"), self._gather(ids, "search"), strict=True):
            merged.add(s, i)
        return merged.weights(part), merged.ids

    @renamed_arguments(queries="state", steps="max_steps")
    def retrieve(
        self,
        state: Any = None,
        *,
        max_steps: int = 1,
        tol: float | None = None,
        seed: int | torch.Generator | None = None,
        topk: int | None = None,
        src: int = 0,
    ) -> Retrieval:
        """Collective :meth:`Memory.retrieve <hopfield.Memory.retrieve>` with rank ``src``'s queries
        (``state``; other ranks may pass None). ``seed`` is accepted for a uniform API (deterministic)."""
        check_seed(seed)
        max_steps = check_int(max_steps, "max_steps")
        topk = check_optional_int(topk, "topk", maximum=max(self._count, 1))
        xi, out = self._queries(state, src)
        norms = self._gather(torch.tensor([self.local.max_norm], dtype=torch.float64), "retrieve")
        m = float(torch.cat(norms).max())
        tol = tolerances(xi.dtype).retrieve * max(1.0, m) if tol is None else check_nonnegative(tol, "tol")
        hetero = self.local.value_dim != self.local.dim
        if hetero and max_steps > 1:
            raise input_error("max_steps", "1 when value_dim differs from dim", max_steps)
        with torch.no_grad():
            raw, last_in = run_updates(
                lambda s: self._reduce(self._part(s)).average(), xi, max_steps, tol, hetero
            )
            more: dict[str, Tensor] = {}
            if topk is not None:
                more["topk_weights"], more["topk_indices"] = self._topk(last_in, topk)
        return Retrieval.from_raw(raw, out, None, **more)

    @renamed_arguments(queries="state")
    def search(self, state: Any = None, k: int = 10, *, src: int = 0) -> tuple[Any, Any]:
        """Collective exact top-k: ``(weights (B, k), global row positions (B, k))`` on every rank."""
        k = check_int(k, "k", 1, max(self._count, 1))
        xi, out = self._queries(state, src)
        with torch.no_grad():
            w, i = self._topk(xi, k)
        return out(w), out(i)

    def __repr__(self) -> str:
        return (
            f"ShardedMemory(rank={self.rank}, world_size={self.world_size}, count={self._count}, "
            f"local={self.local!r})"
        )


def _rank_world(group: Any) -> tuple[int, int]:
    if not (dist.is_available() and dist.is_initialized()):
        raise HopfieldInputError(
            "torch.distributed must be initialized (torch.distributed.init_process_group, e.g. under "
            "torchrun) before a ShardedMemory is made",
            argument="group",
            expected="an initialized process group",
            received="none",
        )
    return dist.get_rank(group), dist.get_world_size(group)
