"""The classical binary Hopfield network as pure torch functions (001 §1.1, 003 §2.1-2.2).

Learning rules live in :mod:`hopfield.functional.classical_rules`, dynamics, energy, local field and
overlaps in :mod:`hopfield.functional.classical_dynamics`; this module gathers both. The class
:class:`hopfield.ClassicalHopfield` validates arguments and calls these functions.
"""

from __future__ import annotations

from hopfield.functional.classical_dynamics import (
    DEFAULT_BLOCK,
    DYNAMICS,
    Couplings,
    GlauberTrace,
    RetrieveOutput,
    async_sweep,
    decide,
    energy,
    glauber_sweeps,
    is_fixed_point,
    local_field,
    logistic_noise,
    overlaps,
    run_async,
    run_sync,
    sync_step,
)
from hopfield.functional.classical_rules import (
    LEARNING_RULES,
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
    "SURROGATES",
    "Couplings",
    "GlauberTrace",
    "RetrieveOutput",
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
    "sync_step",
]
