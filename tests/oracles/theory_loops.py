"""Frozen oracle: Theorem B7's inequality and its dimension search as they were before issue 10 (7fff565).

Copied from ``src/hopfield/theory/_capacity.py`` at 7fff565 (``capacity_b7`` and ``min_dimension_b7``,
the search that tested every dimension up to ``d_max`` and hung for ``d_max = 10**9``), imports adapted,
nothing else changed. ``tests/test_theory_extremes.py`` checks that the bounded search of the library
gives the same answers on random cases. Do not edit: this file is the reference the refactor is measured
against.
"""

from __future__ import annotations

import math

from hopfield._validate import check_int, check_positive


def capacity_b7(beta: float, K: float, c: float, d: int) -> tuple[bool, float]:
    """Theorem B7 of 004 (expected separation): whether inequality (376) holds, and ``N = c^{(d-1)/4}``.

    (376): ``(d-1) K^2 / (5 c) (1 - ln(d-1)/(d-1))^2 >= 2 / (beta c^{(d-1)/4})
    + ln(2 c^{(d-1)/2} beta (d-1) K^2) / beta``.
    """
    beta = check_positive(beta, "beta")
    K = check_positive(K, "K")
    c = check_positive(c, "c")
    d = check_int(d, "d", minimum=2)
    if c < 1:
        raise ValueError(f"c must be >= 1 (Theorem B7), got {c!r}")
    e = d - 1
    lhs = e * K * K / (5.0 * c) * (1.0 - math.log(e) / e) ** 2
    rhs = (
        2.0 * math.exp(-e / 4.0 * math.log(c)) / beta
        + (math.log(2.0 * beta * e * K * K) + e / 2.0 * math.log(c)) / beta
    )
    return lhs >= rhs, math.exp(min(e / 4.0 * math.log(c), 709.0))


def min_dimension_b7(beta: float, K: float, c: float, d_max: int = 10_000) -> int:
    """Smallest ``d >= 2`` from which inequality (376) of Theorem B7 holds for every larger ``d`` up to
    ``d_max``; 0 if it does not hold at ``d_max``.

    004 says (376) "is fulfilled with beta = 1, K = 3, c = 2 and d >= 17"; it first holds at d = 21.
    """
    d_max = check_int(d_max, "d_max", minimum=2)
    last_fail = 1
    for d in range(2, d_max + 1):
        if not capacity_b7(beta, K, c, d)[0]:
            last_fail = d
    return 0 if last_fail == d_max else last_fail + 1
