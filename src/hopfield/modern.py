"""``ModernHopfield``: the modern continuous Hopfield network (004 §B2, 003 §3), a thin class."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from hopfield._arrays import Output, as_patterns, as_states, is_numpy
from hopfield._result import Retrieval
from hopfield._validate import check_int, check_nonnegative, check_positive
from hopfield.functional import modern as F

__all__ = ["ModernHopfield", "default_tol"]

_DEFAULT_TOL = {torch.float64: 1e-10, torch.float32: 1e-5, torch.float16: 1e-2, torch.bfloat16: 1e-2}


def default_tol(dtype: torch.dtype, scale: float = 1.0) -> float:
    """Default stopping tolerance for retrieval: a dtype-dependent relative step times ``max(1, scale)``."""
    return _DEFAULT_TOL.get(dtype, 1e-5) * max(1.0, scale)


class ModernHopfield:
    """Modern Hopfield network with continuous states: energy (3), update (17) of 004.

    Parameters
    ----------
    patterns:
        Stored patterns as rows, ``(N, d)``, float32 or float64 (torch or NumPy). The seeds' ``X`` is
        ``patterns.T``.
    beta:
        Inverse temperature, a positive finite number.
    chunk_size:
        Patterns per chunk for the online log-sum-exp merge; ``None`` picks one so that a
        ``(B, chunk)`` block holds about 2M entries.
    backend:
        ``"auto"`` (default: the fused SDPA kernel on the CPU, the chunked merge elsewhere or when
        ``chunk_size`` is given), ``"chunked"``, ``"sdpa"`` or ``"materialized"``; see
        :func:`hopfield.functional.update`.

    Computation happens in the dtype and on the device of the state passed in (the patterns are cast
    once per dtype/device and cached). NumPy states give NumPy results.

    Examples
    --------
    >>> import numpy as np
    >>> net = ModernHopfield(np.eye(3), beta=8.0)
    >>> net.retrieve(np.array([0.9, 0.2, 0.1])).state.round(3)
    array([0.999, 0.   , 0.   ])
    """

    def __init__(
        self,
        patterns: Any,
        beta: float = 1.0,
        *,
        chunk_size: int | None = None,
        backend: str = "auto",
    ) -> None:
        self.patterns = as_patterns(patterns)
        self.beta = check_positive(beta, "beta")
        self.chunk_size = None if chunk_size is None else check_int(chunk_size, "chunk_size")
        F.UPDATE_BACKENDS.get(backend)
        self.backend = backend
        self._numpy_patterns = is_numpy(patterns)
        self._cache: dict[tuple[torch.dtype, torch.device], Tensor] = {}

    # ------------------------------------------------------------------ helpers
    @property
    def n_patterns(self) -> int:
        """N, the number of stored patterns."""
        return self.patterns.shape[0]

    @property
    def dim(self) -> int:
        """d, the dimension of a pattern."""
        return self.patterns.shape[1]

    @property
    def max_norm(self) -> float:
        """M, the largest pattern norm (004 eq. (2))."""
        return float(F.max_norm(self.patterns))

    def _states(self, state: Any, name: str = "state") -> tuple[Tensor, Tensor, Output]:
        xi, out = as_states(state, self.dim, name)
        key = (xi.dtype, xi.device)
        if key not in self._cache:
            self._cache[key] = self.patterns.to(dtype=xi.dtype, device=xi.device)
        return xi, self._cache[key], out

    # ------------------------------------------------------------------ the network
    def energy(self, state: Any) -> Any:
        """Energy (3) of 004 for each state: ``(d,) -> scalar``, ``(B, d) -> (B,)``."""
        xi, x, out = self._states(state)
        return out(F.energy(xi, x, self.beta, self.chunk_size))

    def update(self, state: Any) -> Any:
        """One update (17) of 004, ``X softmax(beta X^T xi)``; same shape as ``state``."""
        xi, x, out = self._states(state)
        return out(F.update(xi, x, self.beta, self.chunk_size, self.backend))

    def retrieve(
        self,
        state: Any,
        max_steps: int = 100,
        tol: float | None = None,
        *,
        return_weights: bool = False,
        topk: int | None = None,
    ) -> Retrieval:
        """Iterate the update until ``max |xi_{t+1} - xi_t| <= tol`` or ``max_steps`` updates.

        Parameters
        ----------
        state:
            Queries ``(d,)`` or ``(B, d)``.
        max_steps:
            At most this many updates per query (>= 1).
        tol:
            Stopping threshold on the largest coordinate change; default ``1e-5 max(1, M)`` in float32,
            ``1e-10 max(1, M)`` in float64.
        return_weights:
            Also return the final ``(B, N)`` softmax weights (materializes them: asked for explicitly).
        topk:
            Also return the ``k`` largest final weights and their indices, computed chunk by chunk.

        Returns
        -------
        Retrieval
            ``state``, ``steps``, ``converged``, ``energy`` and, on request, ``weights`` or
            ``topk_weights``/``topk_indices``.
        """
        max_steps = check_int(max_steps, "max_steps")
        if topk is not None:
            topk = check_int(topk, "topk")
        xi, x, out = self._states(state)
        tol = default_tol(xi.dtype, self.max_norm) if tol is None else check_nonnegative(tol, "tol")
        raw = F.retrieve(xi, x, self.beta, max_steps, tol, self.chunk_size, self.backend)
        values: dict[str, Tensor | None] = {
            "state": raw.state,
            "steps": raw.steps,
            "converged": raw.converged,
            "energy": F.energy(raw.state, x, self.beta, self.chunk_size),
        }
        if return_weights:
            values["weights"] = F.update_weights(raw.state, x, self.beta)
        if topk is not None:
            w, i = F.topk_weights(raw.state, x, self.beta, topk, self.chunk_size)
            values["topk_weights"], values["topk_indices"] = w, i
        return Retrieval.build(out, **values)

    def separation(self) -> Any:
        """Separation ``Delta_i`` of each stored pattern, eq. (286) of 004; needs N >= 2. Shape (N,)."""
        if self.n_patterns < 2:
            raise ValueError(
                f"patterns must have at least 2 rows to define a separation, got {self.n_patterns}"
            )
        out = Output(numpy=self._numpy_patterns)
        return out(F.separation(self.patterns, self.chunk_size), batch_axis=False)

    def __repr__(self) -> str:
        return (
            f"ModernHopfield(n_patterns={self.n_patterns}, dim={self.dim}, beta={self.beta}, "
            f"dtype={self.patterns.dtype})"
        )
