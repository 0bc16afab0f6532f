"""Pure torch functions: energies, updates and retrieval loops, one module per network family.

Nothing here validates arguments or converts arrays; the classes in :mod:`hopfield` do that. This
namespace re-exports the log-sum-exp tools and the modern network; the other families are submodules:
:mod:`~hopfield.functional.classical` (rules, couplings, dynamics), :mod:`~hopfield.functional.dense`,
:mod:`~hopfield.functional.continuous` (with ``continuous_ode``, ``batched_rk``) and
:mod:`~hopfield.functional.continuous_dense`.
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
