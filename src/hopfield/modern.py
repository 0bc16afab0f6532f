"""``ModernHopfield``: the modern continuous Hopfield network (004 §B2, 003 §3), a thin class."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from hopfield._arrays import Output, is_numpy
from hopfield._deprecation import renamed_arguments
from hopfield._errors import input_error
from hopfield._network import PatternNetwork
from hopfield._result import Retrieval
from hopfield._tolerances import compute_dtype, tolerances
from hopfield._validate import (
    as_patterns,
    as_states,
    check_beta,
    check_bool,
    check_int,
    check_nonnegative,
    check_optional_int,
    check_seed,
)
from hopfield.functional import modern as F

__all__ = ["ModernHopfield", "default_tol"]


def default_tol(dtype: torch.dtype, scale: float = 1.0) -> float:
    """Default stopping tolerance for retrieval: the dtype's relative step times ``max(1, scale)``."""
    return tolerances(dtype).retrieve * max(1.0, scale)


class ModernHopfield(PatternNetwork):
    """Modern Hopfield network with continuous states: energy (3), update (17) of 004.

    Parameters
    ----------
    patterns:
        Stored patterns as rows, ``(N, d)``, a floating dtype (torch or NumPy). The seeds' ``X`` is
        ``patterns.T``.
    beta:
        Inverse temperature, a positive finite number.
    chunk_size:
        Patterns per chunk for the online log-sum-exp merge; ``None`` picks one so that a
        ``(B, chunk)`` block holds about 1M entries.
    backend:
        ``"auto"`` (default: the fused SDPA kernel on the CPU, the chunked merge elsewhere or when
        ``chunk_size`` is given), ``"chunked"``, ``"sdpa"`` or ``"materialized"``; see
        :func:`hopfield.functional.modern.update`.

    Computation happens on the device of the state passed in (NumPy states: the patterns' device), in
    its dtype (float16/bfloat16 states are computed in float32 and the results cast back); the patterns
    are cast through a bounded cache. NumPy states give NumPy results.

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
        self.beta = check_beta(beta)
        self.chunk_size = check_optional_int(chunk_size, "chunk_size")
        F.UPDATE_BACKENDS.get(backend)
        self.backend = backend
        self._numpy_patterns = is_numpy(patterns)
        self._init_cache()

    # ------------------------------------------------------------------ helpers
    @property
    def max_norm(self) -> float:
        """M, the largest pattern norm (004 eq. (2))."""
        return float(F.max_norm(self.patterns.to(compute_dtype(self.patterns.dtype))))

    def _states(self, state: Any, name: str = "state") -> tuple[Tensor, Tensor, Output]:
        xi, out = as_states(state, self.dim, name, device=self.device)
        xi = xi.to(compute_dtype(xi.dtype, self.beta))
        key = (xi.dtype, xi.device)
        if key == (self.patterns.dtype, self.patterns.device):
            return xi, self.patterns, out
        return xi, self._cast(key, lambda: self.patterns.to(dtype=key[0], device=key[1])), out

    def _check_backend(self, xi: Tensor, x: Tensor) -> None:
        if self.backend == "sdpa" and not F.sdpa_safe(xi, x, self.beta):
            raise input_error(
                "beta",
                f"small enough that beta |xi| M stays inside {xi.dtype}'s range for backend 'sdpa' "
                "(the fused kernel scales unshifted scores); use backend 'auto' or 'chunked'",
                self.beta,
            )

    # ------------------------------------------------------------------ the network
    def energy(self, state: Any) -> Any:
        """Energy (3) of 004 for each state: ``(d,) -> scalar``, ``(B, d) -> (B,)``."""
        xi, x, out = self._states(state)
        return out(F.energy(xi, x, self.beta, self.chunk_size))

    def update(self, state: Any) -> Any:
        """One update (17) of 004, ``X softmax(beta X^T xi)``; same shape as ``state``."""
        xi, x, out = self._states(state)
        self._check_backend(xi, x)
        return out.state(F.update(xi, x, self.beta, self.chunk_size, self.backend))

    @renamed_arguments()
    def retrieve(
        self,
        state: Any,
        *,
        max_steps: int = 100,
        tol: float | None = None,
        seed: int | torch.Generator | None = None,
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
            ``1e-10 max(1, M)`` in float64 (``hopfield._tolerances``).
        seed:
            Accepted for a uniform API; the modern update is deterministic and uses no randomness.
        return_weights:
            Also return the final ``(B, N)`` softmax weights (materializes them: asked for explicitly).
        topk:
            Also return the ``k`` largest final weights and their indices (``1 <= k <= N``), computed
            chunk by chunk.

        Returns
        -------
        Retrieval
            ``state``, ``steps``, ``converged``, ``energy``, ``cycle`` (all False) and, on request,
            ``weights`` or ``topk_weights``/``topk_indices``.
        """
        max_steps = check_int(max_steps, "max_steps")
        topk = check_optional_int(topk, "topk", maximum=self.n_patterns)
        return_weights = check_bool(return_weights, "return_weights")
        check_seed(seed)
        xi, x, out = self._states(state)
        tol = default_tol(xi.dtype, self.max_norm) if tol is None else check_nonnegative(tol, "tol")
        self._check_backend(xi, x)
        raw = F.retrieve(xi, x, self.beta, max_steps, tol, self.chunk_size, self.backend)
        more: dict[str, Tensor | None] = {}
        if return_weights:
            more["weights"] = F.update_weights(raw.state, x, self.beta)
        if topk is not None:
            more["topk_weights"], more["topk_indices"] = F.topk_weights(
                raw.state, x, self.beta, topk, self.chunk_size
            )
        return Retrieval.from_raw(raw, out, F.energy(raw.state, x, self.beta, self.chunk_size), **more)

    def separation(self) -> Any:
        """Separation ``Delta_i`` of each stored pattern, eq. (286) of 004; needs N >= 2. Shape (N,)."""
        if self.n_patterns < 2:
            raise input_error(
                "patterns", "at least 2 rows to define a separation", f"{self.n_patterns}", verb="have"
            )
        out = Output(numpy=self._numpy_patterns, state_dtype=self.patterns.dtype)
        x = self.patterns.to(compute_dtype(self.patterns.dtype))
        return out(F.separation(x, self.chunk_size), batch_axis=False)

    def __repr__(self) -> str:
        return (
            f"ModernHopfield(n_patterns={self.n_patterns}, dim={self.dim}, beta={self.beta}, "
            f"dtype={self.patterns.dtype}, device={self.device})"
        )
