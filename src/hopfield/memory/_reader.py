"""The read side of a memory: its parameters, and retrieval streamed over its segments."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from hopfield._arrays import Output
from hopfield._deprecation import renamed_arguments
from hopfield._errors import input_error
from hopfield._iterate import RawRetrieval, run_until_fixed
from hopfield._result import Retrieval
from hopfield._tolerances import compute_dtype, tolerances
from hopfield._validate import (
    as_states,
    check_bool,
    check_int,
    check_nonnegative,
    check_optional_int,
    check_seed,
)
from hopfield.memory import _stream as S
from hopfield.memory._manifest import Manifest
from hopfield.memory._segments import Segment
from hopfield.memory._store import Store

__all__ = ["MemoryReader", "run_updates"]


def run_updates(
    update: Callable[[Tensor], Tensor], xi: Tensor, max_steps: int, tol: float, hetero: bool
) -> tuple[RawRetrieval, Tensor]:
    """Iterate ``update`` with :func:`~hopfield._iterate.run_until_fixed` (one step when ``hetero``)
    and return the raw result with the input of the last update applied to each row, ``(B, d)``
    (whose softmax weights produced the returned state)."""
    b = xi.shape[0]
    if hetero:
        zeros = torch.zeros(b, dtype=torch.bool, device=xi.device)
        ones = torch.ones(b, dtype=torch.long, device=xi.device)
        return RawRetrieval(update(xi), ones, zeros, zeros), xi
    last_in = xi.clone()
    rows = torch.arange(b, device=xi.device)  # the rows still active, in order
    seen: list[Tensor] = [xi]

    def step(cur: Tensor) -> Tensor:
        seen[0] = cur
        return update(cur)

    def keep(live: Tensor) -> None:
        nonlocal rows
        last_in[rows[~live]] = seen[0][~live]
        rows, seen[0] = rows[live], seen[0][live]

    raw = run_until_fixed(step, xi, max_steps, tol=tol, keep=keep)
    last_in[rows] = seen[0]
    return raw, last_in


class MemoryReader:
    """What every memory can do without writing: its parameters, :meth:`retrieve`, :meth:`search`,
    :meth:`energy` and :meth:`read` (the base of :class:`~hopfield.Memory`)."""

    _m: Manifest
    _segments: list[Segment]
    _device: torch.device
    _store: Store | None
    chunk_size: int | None

    # ------------------------------------------------------------------ properties
    @property
    def dim(self) -> int:
        return self._m.dim

    @property
    def value_dim(self) -> int:
        return self._m.value_dim

    @property
    def beta(self) -> float:
        return self._m.beta

    @property
    def forgetting(self) -> float:
        """gamma, the forgetting rate."""
        return self._m.gamma

    @property
    def dtype(self) -> torch.dtype:
        dt = getattr(torch, self._m.dtype)
        assert isinstance(dt, torch.dtype)
        return dt

    @property
    def device(self) -> torch.device:
        return self._device

    @property
    def count(self) -> int:
        """N, the number of stored rows."""
        return self._m.count

    def __len__(self) -> int:
        return self._m.count

    @property
    def time(self) -> int | None:
        """The newest time index (the present ``t`` of eq. (446)), None while empty."""
        return int(self._segments[-1].times[-1]) if self._segments else None

    @property
    def path(self) -> Path | None:
        """The store this memory works on, or None in RAM."""
        return None if self._store is None else self._store.root

    @property
    def max_norm(self) -> float:
        """M, the largest pattern norm (0 while empty)."""
        return max((s.max_norm for s in self._segments), default=0.0)

    def read(self, start: int = 0, stop: int | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """Rows ``start:stop`` as ``(patterns (n, d), values (n, value_dim), times (n,))`` copies."""
        start = check_int(start, "start", 0, self.count)
        stop = self.count if stop is None else check_int(stop, "stop", start, self.count)
        parts = []
        for s in self._segments:
            a, b = max(start - s.first_row, 0), min(stop - s.first_row, s.rows)
            if a < b:
                parts.append((s.patterns[a:b], s.value_rows[a:b], s.times[a:b]))
        if not parts:
            z = torch.empty(0, dtype=self.dtype)
            return z.view(0, self.dim), z.view(0, self.value_dim), torch.empty(0, dtype=torch.int64)
        return tuple(torch.cat([p[i] for p in parts]) for i in range(3))  # type: ignore[return-value]

    # ------------------------------------------------------------------ retrieval
    def _as_queries(self, queries: Any, name: str = "queries") -> tuple[Tensor, Output]:
        """Queries through the input rule, in the compute dtype (no check that rows are stored)."""
        xi, out = as_states(queries, self.dim, name, device=self._device)
        return xi.to(compute_dtype(xi.dtype, self.beta)), out

    def _queries(self, queries: Any, name: str = "queries") -> tuple[Tensor, Output]:
        if self.count == 0:
            raise input_error(
                "memory", "at least one stored pattern to retrieve from", "0 patterns", verb="hold"
            )
        return self._as_queries(queries, name)

    def _partial(self, q: Tensor, **kw: Any) -> Any:
        return S.stream_partial(
            q, self._segments, self.beta, self.forgetting, self.time or 0, self.chunk_size, **kw
        )

    def _update(self, q: Tensor) -> Tensor:
        """One update (446): ``sum_i softmax(beta x_i^T xi - gamma (t - t_i))_i v_i``, (B, value_dim)."""
        return self._partial(q).average()  # type: ignore[no-any-return]

    def _topk(self, q: Tensor, k: int) -> tuple[Tensor, Tensor]:
        top = S.TopK(q.shape[0], k, q)
        part = self._partial(q, topk=top, values=False)
        return top.weights(part), top.ids

    @renamed_arguments(queries="state", steps="max_steps")
    def retrieve(
        self,
        state: Any,
        *,
        max_steps: int = 1,
        tol: float | None = None,
        seed: int | torch.Generator | None = None,
        topk: int | None = None,
        return_weights: bool = False,
    ) -> Retrieval:
        """Retrieve: ``max_steps`` updates (446) of each query, stopping early at a fixed point.

        Parameters
        ----------
        state:
            Queries ``(d,)`` or ``(B, d)`` (``queries=`` is a deprecated name).
        max_steps:
            Updates per query (default 1: one-step retrieval, the attention read-out). More than one
            needs ``value_dim == dim``.
        tol:
            Stop a query once its largest coordinate change is at most ``tol`` (default: the dtype's
            retrieval tolerance times ``max(1, M)``, ``hopfield._tolerances``).
        seed:
            Accepted for a uniform API; retrieval is deterministic.
        topk:
            Also return the ``k`` largest weights of the softmax that produced each returned state
            (the last update's: for one step, the query's own weights over the stored rows) and
            their row positions (``topk_weights``, ``topk_indices``), computed chunk by chunk.
        return_weights:
            Also return all ``(B, N)`` weights of that softmax (materialized: on request).

        Returns
        -------
        Retrieval
            ``state`` (B, value_dim), ``steps``, ``converged``, ``cycle`` (all False), ``energy``
            None (see :meth:`energy`), and the weights asked for.
        """
        max_steps = check_int(max_steps, "max_steps")
        return_weights = check_bool(return_weights, "return_weights")
        check_seed(seed)
        xi, out = self._queries(state, "state")
        topk = check_optional_int(topk, "topk", maximum=self.count)
        tol = (
            tolerances(xi.dtype).retrieve * max(1.0, self.max_norm)
            if tol is None
            else check_nonnegative(tol, "tol")
        )
        hetero = self.value_dim != self.dim
        if hetero and max_steps > 1:
            raise input_error(
                "max_steps", f"1 when value_dim ({self.value_dim}) differs from dim ({self.dim})", max_steps
            )
        with torch.no_grad():
            raw, last_in = run_updates(self._update, xi, max_steps, tol, hetero)
            more: dict[str, Tensor] = {}
            if topk is not None:
                more["topk_weights"], more["topk_indices"] = self._topk(last_in, topk)
            if return_weights:
                more["weights"] = S.all_weights(
                    last_in, self._segments, self.beta, self.forgetting, self.time or 0, self.count
                )
        return Retrieval.from_raw(raw, out, None, **more)

    @renamed_arguments(queries="state")
    def search(self, state: Any, k: int = 10) -> tuple[Any, Any]:
        """The ``k`` rows of largest softmax weight for each query (exact top-k, like a flat index).

        With ``gamma = 0`` the order is that of the inner products ``x_i^T xi`` (FAISS
        ``IndexFlatIP`` gives the same indices). Returns ``(weights (B, k), indices (B, k))``, the
        indices being row positions (int64), largest weight first.
        """
        xi, out = self._queries(state, "state")
        k = check_int(k, "k", 1, self.count)
        with torch.no_grad():
            w, i = self._topk(xi, k)
        return out(w), out(i)

    @renamed_arguments(states="state")
    def energy(self, state: Any, *, time: int | None = None) -> Any:
        """Energy (445) of 004 at time ``time`` (default: the newest, :attr:`time`); eq. (432) when
        gamma = 0. ``(d,) -> scalar``, ``(B, d) -> (B,)``."""
        xi, out = self._queries(state, "state")
        newest = self.time or 0
        t = newest if time is None else check_int(time, "time", newest)
        with torch.no_grad():
            e = S.energy(
                xi, self._segments, self.beta, self.forgetting, t, newest, self.max_norm, self.chunk_size
            )
        return out(e)

    def __repr__(self) -> str:
        where = f"path={str(self.path)!r}" if self.path else f"device={self.device}"
        return (
            f"Memory(dim={self.dim}, beta={self.beta}, forgetting={self.forgetting}, count={self.count}, "
            f"dtype={self._m.dtype}, {where})"
        )
