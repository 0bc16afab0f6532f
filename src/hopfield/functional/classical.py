"""The classical binary Hopfield network as pure torch functions (001 §1.1, 003 §2.1-2.2).

This module gathers the family's functional core, one concept per module:

- :mod:`~hopfield.functional.classical_couplings`: ``Couplings``, local field, energy, overlaps, the
  zero field rule (``decide``), one parallel update;
- :mod:`~hopfield.functional.classical_rules`: the learning rules (registry ``LEARNING_RULES``);
- :mod:`~hopfield.functional.classical_async`: one sequential sweep of a batch (block scheme);
- :mod:`~hopfield.functional.classical_dynamics`: the dynamics on the iteration kernel (registry
  ``DYNAMICS``);
- :mod:`~hopfield.functional.classical_glauber`: Glauber sampling with observations (statistical
  mechanics).

The class :class:`hopfield.ClassicalHopfield` validates arguments and calls these functions.
"""

from __future__ import annotations

from hopfield.functional.classical_async import (
    DEFAULT_BLOCK,
    async_sweep,
    logistic_noise,
    sweep_order,
)
from hopfield.functional.classical_couplings import (
    Couplings,
    decide,
    energy,
    is_fixed_point,
    local_field,
    overlaps,
    sync_step,
)
from hopfield.functional.classical_dynamics import DYNAMICS, run_async, run_sync
from hopfield.functional.classical_glauber import GlauberTrace, glauber_sweeps
from hopfield.functional.classical_rules import (
    LEARNING_RULES,
    RULE_OPTIONS,
    SURROGATES,
    SoftSign,
    gradient_rule,
    hebb,
    optimizer_class,
    optimizer_names,
    pseudoinverse,
    storkey,
)

__all__ = [
    "DEFAULT_BLOCK",
    "DYNAMICS",
    "LEARNING_RULES",
    "RULE_OPTIONS",
    "SURROGATES",
    "Couplings",
    "GlauberTrace",
    "SoftSign",
    "async_sweep",
    "decide",
    "energy",
    "glauber_sweeps",
    "gradient_rule",
    "hebb",
    "is_fixed_point",
    "local_field",
    "logistic_noise",
    "optimizer_class",
    "optimizer_names",
    "overlaps",
    "pseudoinverse",
    "run_async",
    "run_sync",
    "storkey",
    "sweep_order",
    "sync_step",
]
