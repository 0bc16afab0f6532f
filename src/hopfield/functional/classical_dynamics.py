"""Retrieval dynamics of the classical binary Hopfield network, on the one iteration kernel.

Registry :data:`DYNAMICS`, all batched over ``B`` states and all run by
:func:`hopfield._iterate.run_until_fixed` (one step is one sweep):

- ``"sync"`` (parallel, 003 Definition 2.1.2): every neuron at once, ``s <- sgn(W s + h)``. For a
  symmetric ``W`` the trajectory ends in a fixed point or a 2-cycle (001 Theorem 3; Goles); both are
  detected and reported.
- ``"async"`` (sequential, 003 Definition 2.1.2): a sweep visits every neuron once, in a fresh random
  order per sweep (shared by the batch) or in the fixed order ``0..d-1``
  (:func:`~hopfield.functional.classical_async.sweep_t`). A sweep without a flip ends the trajectory at a
  fixed point. Under ``W = W^T`` and ``W_ii >= 0`` the energy (Lyapunov function ``L_{J,h}`` of 003
  Lemma 2.1.1, ``E`` of 001 Lemma 2) never increases.
- ``"glauber"`` (stochastic sequential dynamics, 003 Definition 2.1.5): neuron ``i`` becomes
  ``sgn(phi_i + T z)`` with logistic noise ``z``, i.e. ``+1`` with probability
  ``(1 + tanh(beta phi_i)) / 2``, ``beta = 1/T`` (003 Lemma 2.1.3); every state runs all ``max_steps``
  sweeps. ``T = 0`` is ``"async"``.

Shapes: states ``(B, d)`` with entries ±1 in a floating dtype. Nothing here validates its arguments;
:class:`hopfield.ClassicalHopfield` does.
"""

from __future__ import annotations

from typing import Protocol

import torch
from torch import Tensor

from hopfield._iterate import RawRetrieval, run_until_fixed
from hopfield._registry import Registry
from hopfield.functional.classical_async import (
    DEFAULT_BLOCK,
    REFRESH_SWEEPS,
    UniformNoise,
    neuron_major,
    sweep_order,
    sweep_t,
)
from hopfield.functional.classical_couplings import Couplings, energy, is_fixed_point, sync_step

__all__ = ["DYNAMICS", "Dynamics", "SweepRunner", "run_async", "run_sync"]


def run_sync(states: Tensor, couplings: Couplings, max_steps: int) -> RawRetrieval:
    """Parallel dynamics until a fixed point or a 2-cycle (001 Theorem 3), or ``max_steps`` updates.

    A state stops when ``s_{t+1} = s_t`` (fixed point: ``converged``) or ``s_{t+1} = s_{t-1} != s_t``
    (2-cycle: ``cycle``; the returned state is ``s_{t+1}``). ``steps`` counts parallel updates.
    states: (B, d). Returns a :class:`~hopfield._iterate.RawRetrieval` (``energy`` None).
    """
    return run_until_fixed(lambda s: sync_step(s, couplings), states, max_steps, cycles=True)


class SweepRunner:
    """The step, stop and keep functions of sequential sweeps for :func:`run_until_fixed`.

    Keeps a neuron-major working copy ``st`` (d, A) of the A active states and their cached fields
    ``ct`` (``X s``, (P, A), factored Hebb form; ``K s``, (d, A), otherwise), so that a sweep costs
    ``O(P)`` or ``O(d)`` per flip; ``keep`` prunes both (and records the energies of the rows that
    stopped, from the cache when it is exact). ``step`` ignores its argument (the kernel's copy of the
    same states) and returns a view of ``st``.

    Parameters
    ----------
    states:
        (B, d) initial states (not modified).
    couplings, generator, order, temperature, block:
        As in :func:`run_async`.
    """

    def __init__(
        self,
        states: Tensor,
        couplings: Couplings,
        generator: torch.Generator,
        order: str = "random",
        temperature: float = 0.0,
        block: int = DEFAULT_BLOCK,
    ) -> None:
        self.couplings = couplings
        self.generator = generator
        self.order = order
        self.temperature = temperature
        self.block = block
        self.st = neuron_major(states)  # (d, A) working copy of the active states
        self.ct = couplings.cache_t(self.st)
        self.rows = torch.arange(states.shape[0], device=states.device)  # row of each column
        self.energy = states.new_empty(states.shape[0])
        self.changed = torch.ones(states.shape[0], dtype=torch.bool, device=states.device)
        self.sweeps = 0

    def step(self, _: Tensor) -> Tensor:
        """One sweep of every active state; returns the new states, (A, d) (a view of ``st``)."""
        c, st = self.couplings, self.st
        if self.sweeps and self.sweeps % REFRESH_SWEEPS == 0 and not c.integral:
            self.ct = c.cache_t(st)
        self.sweeps += 1
        perm = sweep_order(st.shape[0], self.order, self.generator, st.device)
        noise_t = None
        if self.temperature > 0:  # (the draws of logistic_noise, turned into noise block by block)
            u = torch.rand(st.shape, generator=self.generator, device=st.device, dtype=st.dtype)
            noise_t = UniformNoise(u, self.temperature)
        self.changed = sweep_t(st, self.ct, c, perm, noise_t, self.block)
        return st.T

    def stop(self, old: Tensor, new: Tensor) -> Tensor:
        """A state is at a fixed point when its last sweep flipped nothing: (A,) bool."""
        return ~self.changed

    def _record(self, cols: Tensor) -> None:
        st, ct = self.st.index_select(1, cols), self.ct.index_select(1, cols)
        self.energy[self.rows.index_select(0, cols)] = _final_energy(st, ct, self.couplings)

    def keep(self, live: Tensor) -> None:
        """Record the energies of the states that stopped and drop them from the working copy."""
        self._record((~live).nonzero().squeeze(1))
        cols = live.nonzero().squeeze(1)
        self.st, self.ct = self.st.index_select(1, cols), self.ct.index_select(1, cols)
        self.rows = self.rows.index_select(0, cols)

    def finish(self) -> Tensor:
        """The energies of every state, (B,), once the kernel has returned."""
        if self.rows.numel():
            self._record(torch.arange(self.rows.numel(), device=self.rows.device))
        return self.energy


def _final_energy(st: Tensor, ct: Tensor, c: Couplings) -> Tensor:
    """Energies of neuron-major states ``st`` (d, A): from the cache ``ct`` when it is exact (integer
    ``K``: ``s^T K s = |X s|^2 - P |s|^2`` factored, ``s . K s`` dense), else recomputed. (A,)."""
    if not c.integral:
        return energy(st.T, c)
    if c.factors is not None:
        quad = (ct * ct).sum(dim=0) - c.factors.shape[0] * st.shape[0]
    else:
        quad = (st * ct).sum(dim=0)
    e = -0.5 * c.scale * quad
    return e - c.bias @ st if bool(c.bias.any()) else e  # (a (1, d) @ (d, A) product forks threads)


def run_async(
    states: Tensor,
    couplings: Couplings,
    max_steps: int,
    generator: torch.Generator,
    order: str = "random",
    temperature: float = 0.0,
    block: int = DEFAULT_BLOCK,
) -> RawRetrieval:
    """Sequential dynamics, ``max_steps`` sweeps at most; Glauber dynamics when ``temperature > 0``.

    Deterministic (``temperature = 0``): a state stops after the first sweep without a flip
    (``converged``). Glauber: every state runs all ``max_steps`` sweeps (``run_all``); ``converged`` then
    says whether the final state is a fixed point of the zero-temperature dynamics. ``steps`` counts
    sweeps; ``energy`` is filled (for free from the cached fields of the Hebb form).

    states: (B, d); generator: the neuron orders and the noise. Returns a
    :class:`~hopfield._iterate.RawRetrieval` (``cycle`` all False).
    """
    runner = SweepRunner(states, couplings, generator, order, temperature, block)
    stochastic = temperature > 0
    raw = run_until_fixed(
        runner.step, states, max_steps, stop=runner.stop, keep=runner.keep, run_all=stochastic
    )
    raw.energy = runner.finish()
    if stochastic:
        raw.converged = is_fixed_point(raw.state, couplings)
    return raw


class Dynamics(Protocol):
    """The signature of the entries of :data:`DYNAMICS`."""

    def __call__(
        self,
        states: Tensor,
        couplings: Couplings,
        max_steps: int,
        generator: torch.Generator,
        order: str,
        temperature: float,
        block: int,
    ) -> RawRetrieval: ...


DYNAMICS: Registry[Dynamics] = Registry("dynamics", "dynamics")


@DYNAMICS.register("sync")
def _sync(
    states: Tensor,
    couplings: Couplings,
    max_steps: int,
    generator: torch.Generator,
    order: str,
    temperature: float,
    block: int,
) -> RawRetrieval:
    return run_sync(states, couplings, max_steps)


@DYNAMICS.register("async")
def _async(
    states: Tensor,
    couplings: Couplings,
    max_steps: int,
    generator: torch.Generator,
    order: str,
    temperature: float,
    block: int,
) -> RawRetrieval:
    return run_async(states, couplings, max_steps, generator, order, 0.0, block)


DYNAMICS.register("glauber")(run_async)
