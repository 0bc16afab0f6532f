"""The functional core of the layers: pure torch functions, each naming its equation in seed 004.

- :func:`hopfield_update`: one update ``softmax(beta q k^T) v`` through the fused kernel (eq. (17),
  §B5 eq. (534)); the one implementation every module calls for a softmax update step.
- :func:`hopfield_iterate`: that update repeated in the association space until the states stop moving.
- :func:`hopfield_attention`: the whole association of a Hopfield layer (projections, heads, masks,
  iterations, output projection; 004 §B2.6).
- :func:`association_weights`: the association matrix, materialized (on request only).
- :func:`association_energy`: the energy (3) of states in the association space.
- :func:`split_kv_update`: the split-KV kernel call, its parts merged by the one log-sum-exp merge.

Ragged bags (one concatenated tensor and offsets) are pooled by ``HopfieldPooling(..., offsets=...)``.
"""

from hopfield.nn._association import ASSOCIATIONS, association_weights
from hopfield.nn._attention import AttentionResult, hopfield_attention
from hopfield.nn._energy import association_energy
from hopfield.nn._iteration import MAX_UPDATE_STEPS, hopfield_iterate
from hopfield.nn._update import hopfield_update, split_kv_update

__all__ = [
    "ASSOCIATIONS",
    "MAX_UPDATE_STEPS",
    "AttentionResult",
    "association_energy",
    "association_weights",
    "hopfield_attention",
    "hopfield_iterate",
    "hopfield_update",
    "split_kv_update",
]
