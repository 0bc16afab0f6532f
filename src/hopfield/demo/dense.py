"""Demo family: dense associative memories (004 §B4.2) on the binarized demo digits.

Binary family: patterns and queries are binarized (``hopfield.data.binarize``); each query runs
asynchronous dynamics (531) to a fixed point. The 40 binarized 8x8 digits are strongly correlated, so
a low-degree polynomial (``n = 3``, like the classical ``n = 2``) lets every query fall into a few
attractors, while a steep interaction (rectified ``n = 10``, or ``exp``) separates them.
"""

from __future__ import annotations

from torch import Tensor

from hopfield import data
from hopfield.demo._families import DemoOutcome, family
from hopfield.dense import DenseAssociativeMemory

#: (label, interaction, degree, beta) of the settings shown.
SETTINGS = (
    ("poly n=3", "poly", 3, 1.0),
    ("rectified_poly n=10", "rectified_poly", 10, 1.0),
    ("exp beta=1", "exp", 1, 1.0),
)


@family("dense")
def dense_family(patterns: Tensor, queries: Tensor, seed: int) -> list[DemoOutcome]:
    """Retrieve each binarized query with async dynamics (random order seeded with ``seed``)."""
    stored = data.binarize(patterns)
    binary_queries = data.binarize(queries)
    outcomes = []
    for label, interaction, degree, beta in SETTINGS:
        net = DenseAssociativeMemory(stored, interaction, degree=degree, beta=beta)
        res = net.retrieve(binary_queries, dynamics="async", max_steps=50, seed=seed)
        outcomes.append(DemoOutcome(label, stored, res.state))
    return outcomes
