"""Glauber sampling of the classical network for statistical mechanics (003 §2.1.2, §2.2).

:func:`glauber_sweeps` runs a fixed number ``n_sweeps`` of Glauber sweeps (003 Definition 2.1.5) of a
batch of chains and observes them after every sweep: the Mattis magnetizations (003 Definition 2.2.7),
their time average after a burn-in, energies and states. It is the equilibrium measurement of 003 §2.2
(and of :mod:`hopfield.statmech`), not a retrieval: every sweep runs, there is no stopping rule
(:func:`hopfield._iterate.run_until_fixed` with ``run_all=True``).

Shapes: states ``(B, d)`` with entries ±1 in a floating dtype. Nothing here validates its arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from hopfield._iterate import run_until_fixed
from hopfield.functional.classical_async import DEFAULT_BLOCK
from hopfield.functional.classical_couplings import Couplings, energy, overlaps
from hopfield.functional.classical_dynamics import SweepRunner

__all__ = ["GlauberResult", "GlauberTrace", "glauber_sweeps"]


@dataclass(frozen=True)
class GlauberResult:
    """Output of :meth:`hopfield.ClassicalHopfield.glauber` (NumPy for NumPy input; (d,) input drops ``B``).

    Attributes
    ----------
    state:
        (B, d) states after the last sweep, in the input's dtype.
    mean_overlaps:
        (B, P) Mattis magnetizations averaged over the sweeps after ``burn_in`` (None without patterns).
    overlaps:
        (n_sweeps, B, P) magnetizations after every sweep (``record=True``).
    energy:
        (n_sweeps, B) energies after every sweep (``record=True``).
    """

    state: Any
    mean_overlaps: Any = None
    overlaps: Any = None
    energy: Any = None


@dataclass
class GlauberTrace:
    """Output of :func:`glauber_sweeps`.

    Attributes
    ----------
    state:
        (B, d) states after the last sweep.
    mean_overlaps:
        (B, P) time average of the Mattis magnetizations over the sweeps after ``burn_in`` (None
        without patterns).
    overlaps:
        (n_sweeps, B, P) magnetizations after each sweep (only with ``record=True`` and patterns).
    energy:
        (n_sweeps, B) energy after each sweep (only with ``record=True``).
    states:
        (n_sweeps, B, d) states after each sweep (only with ``record="states"``).
    """

    state: Tensor
    mean_overlaps: Tensor | None = None
    overlaps: Tensor | None = None
    energy: Tensor | None = None
    states: Tensor | None = None


def glauber_sweeps(
    states: Tensor,
    couplings: Couplings,
    temperature: float,
    n_sweeps: int,
    generator: torch.Generator,
    *,
    patterns: Tensor | None = None,
    burn_in: int = 0,
    record: bool | str = False,
    order: str = "random",
    block: int = DEFAULT_BLOCK,
) -> GlauberTrace:
    """Run ``n_sweeps`` Glauber sweeps (003 Definition 2.1.5) of a batch of chains and observe them.

    Each sweep updates every neuron once (a fresh random order per sweep, shared by the chains), all B
    chains at once. Every single-neuron update leaves the Gibbs distribution ``exp(-H/T)/Z`` invariant
    (003 Theorem 2.1 for symmetric ``W`` with zero diagonal), so the sweeps do too.
    ``temperature = 0`` gives deterministic asynchronous sweeps (all ``n_sweeps`` of them). With
    ``patterns`` (P, d) the Mattis magnetizations are averaged over the sweeps after ``burn_in`` (for
    the factored Hebb form with ``patterns`` the stored patterns they come for free from the cached
    ``X s``). ``record=True`` keeps per-sweep overlaps and energies; ``record="states"`` also every
    state.

    states: (B, d); generator: the orders and the noise. Returns a :class:`GlauberTrace`.
    """
    b, d = states.shape
    runner = SweepRunner(states, couplings, generator, order, temperature, block)
    free = (
        patterns is not None
        and couplings.factors is not None
        and patterns.shape == couplings.factors.shape
        and bool(torch.equal(patterns, couplings.factors))
    )
    mean = None if patterns is None else states.new_zeros(b, patterns.shape[0])
    trace_m: list[Tensor] = []
    trace_e: list[Tensor] = []
    trace_s: list[Tensor] = []

    def step(s: Tensor) -> Tensor:
        t = runner.sweeps
        new = runner.step(s)
        m = None
        if patterns is not None:
            m = runner.ct.T / d if free else overlaps(new, patterns)
            if t >= burn_in and mean is not None:
                mean.add_(m)
        if record:
            if m is not None:
                trace_m.append(m.clone())
            trace_e.append(energy(new, couplings))
            if record == "states":
                trace_s.append(new.clone())
        return new

    raw = run_until_fixed(step, states, n_sweeps, run_all=True)
    n_kept = max(n_sweeps - burn_in, 0)
    if mean is not None and n_kept:
        mean /= n_kept
    return GlauberTrace(
        state=raw.state,
        mean_overlaps=mean,
        overlaps=torch.stack(trace_m) if trace_m else None,
        energy=torch.stack(trace_e) if trace_e else None,
        states=torch.stack(trace_s) if trace_s else None,
    )
