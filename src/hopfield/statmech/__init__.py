"""Statistical mechanics of Hopfield networks: Curie-Weiss, mean-field Hopfield model, replica theory.

Seeds: 003 §2.2 (Curie-Weiss model, Hopfield model at low load, pure and mixture states). Beyond the
seeds: the replica-symmetric equations of Amit, Gutfreund and Sompolinsky at finite load and the
``(alpha, T)`` phase diagram; Glauber simulation (the classical network's sampler) against the theory.
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
