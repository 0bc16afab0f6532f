"""One retrieval result type shared by every network family."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from torch import Tensor

from hopfield._arrays import Output
from hopfield._iterate import RawRetrieval

__all__ = ["Retrieval"]


@dataclass(frozen=True)
class Retrieval:
    """The outcome of a retrieval, for a batch of queries; every family returns it.

    Shapes below are for a batch ``(B, d)`` of queries; a single ``(d,)`` query drops the ``B`` axis
    (``converged`` becomes a 0-d bool, ``steps`` a 0-d int). NumPy queries give NumPy fields; states
    come back in the query's dtype.

    Attributes
    ----------
    state:
        ``(B, d)`` final states.
    steps:
        ``(B,)`` number of updates (sweeps for binary networks, speed checks for ODE relaxations)
        applied to each query.
    converged:
        ``(B,)`` bool, True where the stopping criterion was met before ``max_steps``.
    energy:
        ``(B,)`` energy of each final state (the family's energy function); None where the dynamics
        have none (a continuous-time network with non-symmetric weights).
    weights:
        ``(B, N)`` final softmax weights over stored patterns (modern network, on request).
    topk_weights, topk_indices:
        ``(B, k)`` the k largest final weights and their pattern indices (on request).
    cycle:
        ``(B,)`` bool, True where synchronous dynamics ended in a 2-cycle (binary networks; all False
        elsewhere).
    extras:
        Family-specific additions by name (``"log_energy"`` of the exponential dense memory,
        ``"time"`` of ODE relaxations).
    """

    state: Any
    steps: Any
    converged: Any
    energy: Any
    weights: Any = None
    topk_weights: Any = None
    topk_indices: Any = None
    cycle: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_raw(
        cls, raw: RawRetrieval, out: Output, energy: Tensor | None, **more: Tensor | None
    ) -> Retrieval:
        """Build from a :class:`~hopfield._iterate.RawRetrieval`, its ``energy`` and optional fields
        (``weights``, ``topk_weights``, ``topk_indices``), converting each with ``out``."""
        extras = {**raw.extras, **(more.pop("extras", None) or {})}  # type: ignore[dict-item]
        return cls(
            state=out.state(raw.state),
            steps=out(raw.steps),
            converged=out(raw.converged),
            energy=out(energy),
            cycle=out(raw.cycle),
            extras={k: out(v) for k, v in extras.items()},
            **{k: out(v) for k, v in more.items()},
        )

    @property
    def all_converged(self) -> bool:
        """True when every query met the stopping criterion."""
        return bool(self.converged.all())

    def replace(self, **changes: Any) -> Retrieval:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The non-empty fields as a dict (``extras`` merged in)."""
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extras"}
        d.update(self.extras)
        return {k: v for k, v in d.items() if v is not None}
