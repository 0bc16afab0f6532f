"""Glauber dynamics of a Hebbian network storing one pattern, against the Curie-Weiss magnetization.

003 §2.2.1: with one stored pattern ``x`` and Hebb couplings ``J_ij = x_i x_j / d`` (``J_ii = 0``), the
network is the Curie-Weiss model in the gauge ``s_i -> x_i s_i``; the Mattis overlap
``m = (1/d) sum_i x_i s_i`` plays the magnetization. Glauber dynamics (003 Definition 2.1.5, Lemma 2.1.3:
``P(s_i = +1) = (1 + tanh(beta h_i)) / 2``) samples ``exp(-beta H)``, ``H = -(1/2) sum_{i != j} J_ij s_i s_j``
(J = 1, T_c = 1).

The chains are run by the classical network's functional sampler
(:func:`hopfield.functional.classical.glauber_sweeps`: exact sequential sweeps in a fresh random
order, computed block by block for all chains at once), so the validation checks that code too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from hopfield._errors import input_error
from hopfield._random import make_generator
from hopfield._validate import check_int
from hopfield.functional import classical as cd
from hopfield.statmech._common import as_values

#: Largest dimension and number of chains (torch sizes are 64-bit; memory ends much earlier).
MAX_SIZE = 2**31 - 1

__all__ = ["GlauberMagnetization", "glauber_magnetization"]


def _overlaps(
    pattern: Tensor,
    temperature: float,
    n_chains: int,
    n_sweeps: int,
    burn_in: int,
    generator: torch.Generator,
) -> Tensor:
    """Mattis overlaps of ``n_chains`` chains started at ``pattern``, after each sweep past ``burn_in``:
    ``(n_chains, n_sweeps - burn_in)``."""
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
    overlaps = trace.overlaps
    if overlaps is None:  # record=True keeps them; a sampler that did not is a bug, not bad input
        raise RuntimeError("the Glauber sampler returned no overlaps")
    return overlaps[burn_in:, :, 0].T.to(torch.float64)


@dataclass(frozen=True)
class GlauberMagnetization:
    """Result of :func:`glauber_magnetization`, arrays over ``temperatures`` (in their form and dtype:
    NumPy for a number, a list or NumPy, a tensor for a tensor).

    ``m``: signed Mattis overlap averaged over chains (started at the pattern) and over the sweeps after
    burn-in; ``m_abs``: the same for ``|m|`` (what the finite-size Curie-Weiss law predicts at and above
    T_c); ``stderr``: standard error of ``m`` over chains (NaN for one chain).
    """

    temperatures: Any
    m: Any
    m_abs: Any
    stderr: Any
    dim: int


def glauber_magnetization(
    temperatures: Any,
    dim: int = 2000,
    *,
    n_chains: int = 32,
    n_sweeps: int = 60,
    burn_in: int = 20,
    seed: int | torch.Generator | None = None,
) -> GlauberMagnetization:
    """Simulate the one-pattern Hebbian network with Glauber dynamics at each temperature.

    A random ±1 pattern of length ``dim`` is stored; ``n_chains`` chains start at it. Compare ``m`` with
    :func:`hopfield.statmech.curie_weiss_magnetization` (thermodynamic limit) and ``m_abs`` with
    :func:`hopfield.statmech.curie_weiss_finite_size_magnetization`.

    Parameters
    ----------
    temperatures:
        A positive number or a 1-d array (NumPy, torch or a list) of them.
    dim, n_chains:
        Pattern length (>= 2) and number of chains (>= 1).
    n_sweeps, burn_in:
        Sweeps per chain and how many of them to discard (``0 <= burn_in < n_sweeps``).
    seed:
        An integer in ``[0, 2**64)`` or a ``torch.Generator``; ``None`` draws a random one (the result
        then differs between calls unless torch's global generator was seeded).
    """
    values = as_values(
        temperatures, "temperatures", low=0.0, low_open=True, ranks=(0, 1), shape="(n_temperatures,)"
    )
    temps = np.atleast_1d(values.array)
    d = check_int(dim, "dim", minimum=2, maximum=MAX_SIZE)
    n_chains = check_int(n_chains, "n_chains", maximum=MAX_SIZE)
    n_sweeps = check_int(n_sweeps, "n_sweeps")
    burn_in = check_int(burn_in, "burn_in", minimum=0)
    if burn_in >= n_sweeps:
        raise input_error("burn_in", f"an integer < n_sweeps = {n_sweeps}", burn_in)
    g = make_generator(seed)
    pattern = torch.where(torch.rand(d, generator=g) < 0.5, -1.0, 1.0)
    m, m_abs, err = (np.empty_like(temps) for _ in range(3))
    for k, t in enumerate(temps):
        ov = _overlaps(pattern, float(t), n_chains, n_sweeps, burn_in, g)  # (B, kept)
        per_chain = ov.mean(dim=1)
        m[k] = float(per_chain.mean())
        m_abs[k] = float(ov.abs().mean())
        err[k] = float(per_chain.std()) / math.sqrt(n_chains) if n_chains > 1 else math.nan
    back = values.back_1d
    return GlauberMagnetization(back(temps), back(m), back(m_abs), back(err), d)
