"""Statistical mechanics of Hopfield networks: Curie-Weiss, mean-field Hopfield model, replica theory.

Seeds: 003 §2.2 (Curie-Weiss model, Hopfield model at low load, pure and mixture states). Beyond the
seeds: the replica-symmetric equations of Amit, Gutfreund and Sompolinsky at finite load and the
``(alpha, T)`` phase diagram; Glauber simulation (the classical network's sampler) against the theory.

Arguments that may be a number or an array (``m``, ``temperature``, ``beta``, temperature grids,
overlap vectors) follow the input rule of ``docs/conventions.md``: a number gives a float; an array
(float16, bfloat16, float32 or float64; NumPy, torch or a list) is computed in float64 and comes back in
its form and dtype. Every positive finite temperature works (down to the ``T -> 0`` limit), every root
search is bracketed and budgeted, and randomness comes only from ``seed`` (``None`` is random).
"""

from hopfield.statmech._curie_weiss import (
    CurieWeissRoot,
    curie_weiss_critical_magnetization,
    curie_weiss_critical_temperature,
    curie_weiss_finite_size_magnetization,
    curie_weiss_free_energy,
    curie_weiss_magnetization,
    curie_weiss_roots,
)
from hopfield.statmech._glauber import (
    GlauberMagnetization,
    glauber_magnetization,
)
from hopfield.statmech._mean_field import (
    MeanFieldState,
    MixtureState,
    hopfield_free_energy,
    mean_field_solve,
    mixture_critical_temperature,
    mixture_state,
)
from hopfield.statmech._replica import (
    PhaseDiagram,
    ReplicaState,
    ags_alpha_c,
    ags_phase_diagram,
    ags_retrieval,
    ags_spin_glass,
    spin_glass_temperature,
)

__all__ = [
    "CurieWeissRoot",
    "GlauberMagnetization",
    "MeanFieldState",
    "MixtureState",
    "PhaseDiagram",
    "ReplicaState",
    "ags_alpha_c",
    "ags_phase_diagram",
    "ags_retrieval",
    "ags_spin_glass",
    "curie_weiss_critical_magnetization",
    "curie_weiss_critical_temperature",
    "curie_weiss_finite_size_magnetization",
    "curie_weiss_free_energy",
    "curie_weiss_magnetization",
    "curie_weiss_roots",
    "glauber_magnetization",
    "hopfield_free_energy",
    "mean_field_solve",
    "mixture_critical_temperature",
    "mixture_state",
    "spin_glass_temperature",
]
