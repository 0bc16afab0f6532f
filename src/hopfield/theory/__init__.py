"""Theory of modern Hopfield networks, computed: separation, beta selection, bounds, capacity, fixed points.

Seeds: 004 §B2.3-B2.5 (Definition B1, eqs. (286)-(288), Lemmas 2-4, Theorems B5-B9), §B3 (Lambert W),
§B4.1.2 and Theorem B10; 003 §3.3 (Proposition 3.3, Lemma 3.3.2, Definition 3.3.3, Proposition 3.4).

Arrays follow the input rule of ``docs/conventions.md`` (float16, bfloat16, float32 or float64, NumPy or
torch; computed in float64; array results in the caller's form and dtype). Every positive finite
argument gives finite numbers or an honest ``inf`` for a value beyond the float range, never NaN, and
every search has a budget.
"""

from hopfield.theory._b7 import capacity_b7, capacity_b7_best, min_dimension_b7
from hopfield.theory._beta import BetaSelection, select_beta, select_beta_from
from hopfield.theory._bounds import (
    OneStepBound,
    RetrievalErrorBounds,
    UpdateBound,
    one_step_bound,
    retrieval_error_bounds,
    update_bound,
)
from hopfield.theory._capacity import (
    CapacityB5,
    DimensionB6,
    capacity_b5,
    classical_capacity,
    dense_capacity,
    dense_capacity_alpha,
    dimension_b6,
    double_factorial,
    poly_capacity_theory,
    rate_function,
)
from hopfield.theory._fixed_points import FixedPointClass, classify_fixed_point
from hopfield.theory._jacobian import JacobianBound, global_convergence_beta, jacobian_bound, jacobian_norm
from hopfield.theory._separation import max_norm, pattern_spread, separation, sphere_radius
from hopfield.theory._storage import StorageCheck, sphere_patterns, stored_patterns

__all__ = [
    "BetaSelection",
    "CapacityB5",
    "DimensionB6",
    "FixedPointClass",
    "JacobianBound",
    "OneStepBound",
    "RetrievalErrorBounds",
    "StorageCheck",
    "UpdateBound",
    "capacity_b5",
    "capacity_b7",
    "capacity_b7_best",
    "classical_capacity",
    "classify_fixed_point",
    "dense_capacity",
    "dense_capacity_alpha",
    "dimension_b6",
    "double_factorial",
    "global_convergence_beta",
    "jacobian_bound",
    "jacobian_norm",
    "max_norm",
    "min_dimension_b7",
    "one_step_bound",
    "pattern_spread",
    "poly_capacity_theory",
    "rate_function",
    "retrieval_error_bounds",
    "select_beta",
    "select_beta_from",
    "separation",
    "sphere_patterns",
    "sphere_radius",
    "stored_patterns",
    "update_bound",
]
