"""Pure torch functions: energies, updates and retrieval loops, one module per network family.

Nothing here validates arguments or converts arrays; the classes in :mod:`hopfield` do that.
"""

from hopfield.functional.lse import (
    OnlineSoftmax,
    log_mean_exp,
    lse,
    score_chunks,
    softmax,
    softmax_average,
)
from hopfield.functional.modern import energy, max_norm, retrieve, separation, topk_weights, update

__all__ = [
    "OnlineSoftmax",
    "energy",
    "log_mean_exp",
    "lse",
    "max_norm",
    "retrieve",
    "score_chunks",
    "separation",
    "softmax",
    "softmax_average",
    "topk_weights",
    "update",
]
