"""Pure torch functions: energies, updates and retrieval loops, one module per network family.

Nothing here validates arguments or converts arrays; the classes in :mod:`hopfield` do that. The
log-sum-exp tools and the one merge of partial results are re-exported here; each family is a submodule:
:mod:`~hopfield.functional.modern`, :mod:`~hopfield.functional.classical` (rules, couplings, dynamics),
:mod:`~hopfield.functional.dense`, :mod:`~hopfield.functional.continuous` (with ``continuous_ode``,
``batched_rk``) and :mod:`~hopfield.functional.continuous_dense`.

The modern network's ``energy``, ``update``, ``retrieve``, ``max_norm``, ``separation`` and
``topk_weights`` used to be importable from here; they live in :mod:`hopfield.functional.modern`
(the old names still work for one release and warn).
"""

from typing import Any

from hopfield._deprecation import warn_deprecated
from hopfield.functional import modern
from hopfield.functional.lse import (
    LsePartial,
    OnlineSoftmax,
    block_partial,
    log_mean_exp,
    lse,
    merge,
    merge_all,
    rescale,
    score_chunks,
    softmax,
    softmax_average,
)

__all__ = [
    "LsePartial",
    "OnlineSoftmax",
    "block_partial",
    "log_mean_exp",
    "lse",
    "merge",
    "merge_all",
    "modern",
    "rescale",
    "score_chunks",
    "softmax",
    "softmax_average",
]

_MOVED = ("energy", "max_norm", "retrieve", "separation", "topk_weights", "update")


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        warn_deprecated(name, f"hopfield.functional.modern.{name}", "hopfield.functional", what="name")
        return getattr(modern, name)
    raise AttributeError(f"module 'hopfield.functional' has no attribute {name!r}")
