"""Glauber dynamics of a Hebbian network storing one pattern, against the Curie-Weiss magnetization.

003 §2.2.1: with one stored pattern ``x`` and Hebb couplings ``J_ij = x_i x_j / d`` (``J_ii = 0``), the
network is the Curie-Weiss model in the gauge ``s_i -> x_i s_i``; the Mattis overlap
``m = (1/d) sum_i x_i s_i`` plays the magnetization. Glauber dynamics (003 Definition 2.1.5, Lemma 2.1.3:
``P(s_i = +1) = (1 + tanh(beta h_i)) / 2``) samples ``exp(-beta H)``, ``H = -(1/2) sum_{i != j} J_ij s_i s_j``
(J = 1, T_c = 1).

Two samplers, by name (registry :data:`GLAUBER_SAMPLERS`):

- ``"classical"``: the classical network's functional sampler
  (:func:`hopfield.functional.classical_dynamics.glauber_sweeps`, exact sequential sweeps computed block
  by block);
- ``"minimal"``: a self-contained one: random-order sequential sweeps, every neuron updated for all
  chains at once from the running overlap, ``O(B)`` per neuron (``h_i = x_i (d m - x_i s_i) / d``).

``"auto"`` takes ``"classical"`` when it can be imported, else ``"minimal"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from hopfield._random import make_generator
from hopfield._registry import Registry
from hopfield._validate import check_int

__all__ = ["GLAUBER_SAMPLERS", "GlauberMagnetization", "glauber_magnetization", "minimal_glauber"]

#: Samplers returning ``(B, n_kept)`` overlaps after burn-in: ``fn(x, T, n_chains, n_sweeps, burn_in, g)``.
GLAUBER_SAMPLERS: Registry[Callable[..., Tensor]] = Registry("Glauber sampler", "sampler")


def minimal_glauber(
    pattern: Tensor,
    temperature: float,
    n_chains: int,
    n_sweeps: int,
    burn_in: int,
    generator: torch.Generator,
) -> Tensor:
    """Glauber sweeps of ``n_chains`` copies of the one-pattern Hebbian network, started at the pattern.

    Returns the Mattis overlaps after each sweep past ``burn_in``: ``(n_chains, n_sweeps - burn_in)``.
    """
    d = pattern.shape[0]
    x = pattern.to(torch.float64)
    s = x.expand(n_chains, d).clone()
    total = s @ x  # (B,) = d m
    beta = 1.0 / temperature
    kept = []
    for t in range(n_sweeps):
        order = torch.randperm(d, generator=generator).tolist()
        u = torch.rand(d, n_chains, generator=generator, dtype=torch.float64)
        for k, i in enumerate(order):
            xi = float(x[i])
            si = s[:, i]
            field = xi * (total - xi * si) / d
            new = torch.where(u[k] < 0.5 * (1 + torch.tanh(beta * field)), 1.0, -1.0)
            total += xi * (new - si)
            s[:, i] = new
        if t >= burn_in:
            kept.append(total / d)
    return torch.stack(kept, dim=1) if kept else s.new_zeros(n_chains, 0)


GLAUBER_SAMPLERS.register("minimal")(minimal_glauber)


@GLAUBER_SAMPLERS.register("classical")
def _classical(
    pattern: Tensor,
    temperature: float,
    n_chains: int,
    n_sweeps: int,
    burn_in: int,
    generator: torch.Generator,
) -> Tensor:
    from hopfield.functional import classical_dynamics as cd

    x = pattern.to(torch.float32)[None]
    trace = cd.glauber_sweeps(
        x.expand(n_chains, -1).clone(),
        cd.Couplings.hebb(x),
        temperature,
        n_sweeps,
        generator,
        patterns=x,
        record=True,
    )
    return trace.overlaps[burn_in:, :, 0].T.to(torch.float64)


def _auto() -> str:
    try:
        from hopfield.functional import classical_dynamics as cd

        if hasattr(cd, "glauber_sweeps") and hasattr(cd, "Couplings"):
            return "classical"
    except ImportError:
        pass
    return "minimal"


@dataclass(frozen=True)
class GlauberMagnetization:
    """Result of :func:`glauber_magnetization`, arrays over ``temperatures``.

    ``m``: signed Mattis overlap averaged over chains (started at the pattern) and over the sweeps after
    burn-in; ``m_abs``: the same for ``|m|`` (what the finite-size Curie-Weiss law predicts at and above
    T_c); ``stderr``: standard error of ``m`` over chains; ``sampler``: the one used.
    """

    temperatures: np.ndarray
    m: np.ndarray
    m_abs: np.ndarray
    stderr: np.ndarray
    dim: int
    sampler: str


def glauber_magnetization(
    temperatures: Any,
    dim: int = 2000,
    *,
    n_chains: int = 32,
    n_sweeps: int = 60,
    burn_in: int = 20,
    sampler: str = "auto",
    seed: int | torch.Generator | None = 0,
) -> GlauberMagnetization:
    """Simulate the one-pattern Hebbian network with Glauber dynamics at each temperature.

    A random ±1 pattern of length ``dim`` is stored; ``n_chains`` chains start at it. Compare ``m`` with
    :func:`hopfield.statmech.curie_weiss_magnetization` (thermodynamic limit) and ``m_abs`` with
    :func:`hopfield.statmech.curie_weiss_finite_size_magnetization`.
    """
    temps = np.atleast_1d(np.asarray(temperatures, dtype=np.float64))
    if temps.ndim != 1 or np.any(~np.isfinite(temps)) or np.any(temps <= 0):
        raise ValueError(f"temperatures must be positive finite numbers, got {temperatures!r}")
    d = check_int(dim, "dim", minimum=2)
    n_chains = check_int(n_chains, "n_chains")
    n_sweeps = check_int(n_sweeps, "n_sweeps")
    burn_in = check_int(burn_in, "burn_in", minimum=0)
    if burn_in >= n_sweeps:
        raise ValueError(f"burn_in must be < n_sweeps = {n_sweeps}, got {burn_in}")
    name = _auto() if sampler == "auto" else sampler
    fn = GLAUBER_SAMPLERS.get(name)
    g = make_generator(seed)
    pattern = torch.where(torch.rand(d, generator=g) < 0.5, -1.0, 1.0)
    m, m_abs, err = (np.empty_like(temps) for _ in range(3))
    for k, t in enumerate(temps):
        try:
            ov = fn(pattern, float(t), n_chains, n_sweeps, burn_in, g)  # (B, kept)
        except (AttributeError, TypeError):
            if sampler != "auto" or name != "classical":
                raise
            # the classical network's sampler changed its interface: fall back to the minimal one
            name, fn = "minimal", minimal_glauber
            ov = fn(pattern, float(t), n_chains, n_sweeps, burn_in, g)
        per_chain = ov.mean(dim=1)
        m[k] = float(per_chain.mean())
        m_abs[k] = float(ov.abs().mean())
        err[k] = float(per_chain.std()) / math.sqrt(n_chains) if n_chains > 1 else math.nan
    return GlauberMagnetization(temps, m, m_abs, err, d, name)
