"""Bad input to ``hopfield.statmech`` raises a named error (argument, expected, received), and the defects
of issue 10 stay fixed: one table of ``(label, callable, exception_type, match_regex)``.

Every ``match_regex`` starts with the argument's name (the message reads ``<argument> must ...``), and
the test checks ``exc.argument`` against it.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

from hopfield import HopfieldInputError, HopfieldTypeError
from hopfield import statmech as sm

IE = HopfieldInputError
TE = HopfieldTypeError
SEED = r"seed must be an integer in \[0, 18446744073709551615\], a torch.Generator or None"


def _glauber(temps=(0.5,), dim=20, **kw):
    kw.setdefault("n_chains", 2)
    kw.setdefault("n_sweeps", 3)
    kw.setdefault("burn_in", 1)
    kw.setdefault("seed", 0)
    return sm.glauber_magnetization(temps, dim, **kw)


CASES: list[tuple[str, object, type[Exception], str]] = [
    # issue 10
    (
        "issue-10: curie_weiss_magnetization('0.5')",
        lambda: sm.curie_weiss_magnetization("0.5"),
        TE,
        r"temperature must be a number or an array of numbers \(NumPy or torch\), got '0.5'",
    ),
    # Curie-Weiss
    (
        "free_energy beta=0",
        lambda: sm.curie_weiss_free_energy(0.0, 0.0),
        IE,
        r"beta must be a positive finite",
    ),
    (
        "free_energy beta='2'",
        lambda: sm.curie_weiss_free_energy(0.0, "2"),
        TE,
        r"beta must be a positive finite",
    ),
    (
        "free_energy m=1.5",
        lambda: sm.curie_weiss_free_energy(1.5, 1.0),
        IE,
        r"m must be a finite number in \[-1, 1\], got 1.5",
    ),
    (
        "free_energy m array",
        lambda: sm.curie_weiss_free_energy(np.array([0.5, -1.5]), 1.0),
        IE,
        r"m must have entries that are each a finite number in \[-1, 1\], got 1 other entries \(e.g. -1.5\)",
    ),
    (
        "free_energy m NaN",
        lambda: sm.curie_weiss_free_energy(np.array([np.nan]), 1.0),
        IE,
        r"m must contain only finite values",
    ),
    (
        "free_energy m int array",
        lambda: sm.curie_weiss_free_energy(np.array([0, 1]), 1.0),
        TE,
        r"m must have a floating dtype",
    ),
    (
        "free_energy m string",
        lambda: sm.curie_weiss_free_energy("0.5", 1.0),
        TE,
        r"m must be a number or an array",
    ),
    (
        "free_energy m None",
        lambda: sm.curie_weiss_free_energy(None, 1.0),
        TE,
        r"m must be a number or an array",
    ),
    (
        "free_energy m bool",
        lambda: sm.curie_weiss_free_energy(True, 1.0),
        TE,
        r"m must be a number or an array",
    ),
    (
        "free_energy m empty",
        lambda: sm.curie_weiss_free_energy(np.array([]), 1.0),
        IE,
        r"m must be non-empty",
    ),
    (
        "free_energy J=-1",
        lambda: sm.curie_weiss_free_energy(0.0, 1.0, J=-1.0),
        IE,
        r"J must be a finite number in",
    ),
    (
        "free_energy J=1e301",
        lambda: sm.curie_weiss_free_energy(0.0, 1.0, J=1e301),
        IE,
        r"J must be a finite number in \(0, 1e\+300\], got 1e\+301",
    ),
    (
        "free_energy h=nan",
        lambda: sm.curie_weiss_free_energy(0.0, 1.0, h=math.nan),
        IE,
        r"h must be a finite number",
    ),
    ("roots beta=-1", lambda: sm.curie_weiss_roots(-1.0), IE, r"beta must be a positive finite number"),
    ("roots h=nan", lambda: sm.curie_weiss_roots(1.0, h=math.nan), IE, r"h must be a finite number in"),
    ("roots h='0'", lambda: sm.curie_weiss_roots(1.0, h="0"), TE, r"h must be a finite number in"),
    (
        "roots J=0",
        lambda: sm.curie_weiss_roots(1.0, J=0.0),
        IE,
        r"J must be a finite number in \(0, 1e\+300\]",
    ),
    (
        "critical_temperature J=0",
        lambda: sm.curie_weiss_critical_temperature(0.0),
        IE,
        r"J must be a finite number",
    ),
    (
        "magnetization T=-0.5",
        lambda: sm.curie_weiss_magnetization(-0.5),
        IE,
        r"temperature must be a finite number >= 0, got -0.5",
    ),
    (
        "magnetization T=inf",
        lambda: sm.curie_weiss_magnetization(math.inf),
        IE,
        r"temperature must be a finite number",
    ),
    (
        "magnetization T=True",
        lambda: sm.curie_weiss_magnetization(True),
        TE,
        r"temperature must be a number or an",
    ),
    (
        "magnetization T array",
        lambda: sm.curie_weiss_magnetization([0.5, -1.0]),
        IE,
        r"temperature must have entries that are each a finite number >= 0",
    ),
    (
        "magnetization T int tensor",
        lambda: sm.curie_weiss_magnetization(torch.tensor([1, 2])),
        TE,
        r"temperature must have a floating dtype",
    ),
    (
        "magnetization T complex",
        lambda: sm.curie_weiss_magnetization(np.array([0.5j])),
        TE,
        r"temperature must be a",
    ),
    (
        "critical_magnetization beta=0",
        lambda: sm.curie_weiss_critical_magnetization(0.0),
        IE,
        r"beta must be a finite number > 0, got 0.0",
    ),
    (
        "critical_magnetization beta array",
        lambda: sm.curie_weiss_critical_magnetization(np.array([1.5, 0.0])),
        IE,
        r"beta must have entries that are each a finite number > 0",
    ),
    (
        "critical_magnetization beta='1'",
        lambda: sm.curie_weiss_critical_magnetization("1"),
        TE,
        r"beta must be a",
    ),
    (
        "finite_size n=0",
        lambda: sm.curie_weiss_finite_size_magnetization(0.5, 0),
        IE,
        r"n must be an integer in \[1, 10000000\], got 0",
    ),
    (
        "finite_size n=1.5",
        lambda: sm.curie_weiss_finite_size_magnetization(0.5, 1.5),
        TE,
        r"n must be an integer",
    ),
    (
        "finite_size n=10**19",
        lambda: sm.curie_weiss_finite_size_magnetization(0.5, 10**19),
        IE,
        r"n must be an integer in \[1, 10000000\]",
    ),
    (
        "finite_size T=-1",
        lambda: sm.curie_weiss_finite_size_magnetization(-1.0, 10),
        IE,
        r"temperature must be",
    ),
    # mean field, mixtures
    ("mixture n=0", lambda: sm.mixture_state(0, 0.5), IE, r"n must be an integer in \[1, 1000000\], got 0"),
    ("mixture n=10**7", lambda: sm.mixture_state(10**7, 0.5), IE, r"n must be an integer in \[1, 1000000\]"),
    ("mixture T=0", lambda: sm.mixture_state(1, 0.0), IE, r"temperature must be a positive finite number"),
    (
        "mixture n_patterns<n",
        lambda: sm.mixture_state(3, 0.5, n_patterns=2),
        IE,
        r"n_patterns must be an integer >= n = 3, got 2",
    ),
    (
        "mixture n_patterns='4'",
        lambda: sm.mixture_state(3, 0.5, n_patterns="4"),
        TE,
        r"n_patterns must be an integer",
    ),
    (
        "mixture_critical n_patterns<n",
        lambda: sm.mixture_critical_temperature(1, n_patterns=0),
        IE,
        r"n_patterns must be an integer >= 1",
    ),
    ("mixture_critical n=2.0", lambda: sm.mixture_critical_temperature(2.0), TE, r"n must be an integer"),
    (
        "mean_field m0 21 entries",
        lambda: sm.mean_field_solve(np.zeros(21), 0.5),
        IE,
        r"m0 must have shape \(n_patterns,\) with 1 to 20 entries, got shape \(21,\)",
    ),
    ("mean_field m0 rank 2", lambda: sm.mean_field_solve(np.zeros((2, 2)), 0.5), IE, r"m0 must have shape"),
    (
        "mean_field m0 out of [-1, 1]",
        lambda: sm.mean_field_solve([0.5, 1.5], 0.5),
        IE,
        r"m0 must have entries that are each a finite number in \[-1, 1\]",
    ),
    (
        "mean_field m0 int",
        lambda: sm.mean_field_solve(np.array([1, 0]), 0.5),
        TE,
        r"m0 must have a floating dtype",
    ),
    (
        "mean_field m0 string",
        lambda: sm.mean_field_solve("0.5", 0.5),
        TE,
        r"m0 must be a torch.Tensor or a NumPy",
    ),
    (
        "mean_field T=-1",
        lambda: sm.mean_field_solve([0.5], -1.0),
        IE,
        r"temperature must be a positive finite",
    ),
    (
        "mean_field tol=0",
        lambda: sm.mean_field_solve([0.5], 0.5, tol=0.0),
        IE,
        r"tol must be a positive finite",
    ),
    (
        "mean_field max_iter=0",
        lambda: sm.mean_field_solve([0.5], 0.5, max_iter=0),
        IE,
        r"max_iter must be an integer",
    ),
    ("free_energy m empty", lambda: sm.hopfield_free_energy([], 0.5), IE, r"m must be non-empty"),
    ("free_energy m scalar", lambda: sm.hopfield_free_energy(np.float64(0.5), 0.5), IE, r"m must have shape"),
    ("free_energy T=0", lambda: sm.hopfield_free_energy([0.5], 0.0), IE, r"temperature must be a positive"),
    # replica theory
    (
        "issue-10 neighbour: ags_alpha_c T=-0.1",
        lambda: sm.ags_alpha_c(-0.1),
        IE,
        r"temperature must be a finite number",
    ),
    ("ags_alpha_c T=nan", lambda: sm.ags_alpha_c(math.nan), IE, r"temperature must be a finite number >= 0"),
    ("ags_alpha_c T='0'", lambda: sm.ags_alpha_c("0"), TE, r"temperature must be a finite number >= 0"),
    (
        "ags_retrieval alpha=-0.1",
        lambda: sm.ags_retrieval(-0.1, 0.5),
        IE,
        r"alpha must be a finite number >= 0",
    ),
    (
        "ags_retrieval T=0",
        lambda: sm.ags_retrieval(0.1, 0.0),
        IE,
        r"temperature must be a positive finite number",
    ),
    (
        "ags_spin_glass alpha=0",
        lambda: sm.ags_spin_glass(0.0, 0.5),
        IE,
        r"alpha must be a positive finite number",
    ),
    (
        "ags_spin_glass T=inf",
        lambda: sm.ags_spin_glass(0.1, math.inf),
        IE,
        r"temperature must be a positive finite",
    ),
    (
        "spin_glass_temperature alpha=-1",
        lambda: sm.spin_glass_temperature(-1.0),
        IE,
        r"alpha must be a finite number",
    ),
    (
        "phase_diagram T<0",
        lambda: sm.ags_phase_diagram(np.array([-0.1])),
        IE,
        r"temperatures must have entries that are each a finite number >= 0",
    ),
    (
        "phase_diagram empty",
        lambda: sm.ags_phase_diagram(np.array([])),
        IE,
        r"temperatures must be non-empty",
    ),
    (
        "phase_diagram rank 2",
        lambda: sm.ags_phase_diagram(np.array([[0.1]])),
        IE,
        r"temperatures must have shape \(n_temperatures,\)",
    ),
    (
        "phase_diagram global_line='yes'",
        lambda: sm.ags_phase_diagram([0.1], global_line="yes"),
        TE,
        r"global_line must be True or False, got 'yes'",
    ),
    # Glauber
    (
        "glauber T=0",
        lambda: _glauber((0.0,)),
        IE,
        r"temperatures must have entries that are each a finite number > 0",
    ),
    ("glauber T string", lambda: _glauber("0.5"), TE, r"temperatures must be a number or an array"),
    ("glauber dim=1", lambda: _glauber(dim=1), IE, r"dim must be an integer in \[2, 2147483647\], got 1"),
    ("glauber dim=10**19", lambda: _glauber(dim=10**19), IE, r"dim must be an integer in \[2, 2147483647\]"),
    (
        "glauber n_chains=0",
        lambda: _glauber(n_chains=0),
        IE,
        r"n_chains must be an integer in \[1, 2147483647\]",
    ),
    (
        "glauber burn_in>=n_sweeps",
        lambda: _glauber(n_sweeps=5, burn_in=5),
        IE,
        r"burn_in must be an integer < n_sweeps = 5, got 5",
    ),
    ("glauber burn_in=-1", lambda: _glauber(burn_in=-1), IE, r"burn_in must be an integer >= 0"),
]
for seed, exc in ((2**70, IE), (-1, IE), ("3", TE), (1.5, TE), (True, TE)):
    CASES.append((f"glauber seed={seed!r}", lambda s=seed: _glauber(seed=s), exc, SEED))


@pytest.mark.parametrize(("label", "call", "exc_type", "match"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_a_named_error(label: str, call, exc_type: type[Exception], match: str) -> None:
    with pytest.raises(exc_type, match=match) as info:
        call()
    argument = re.match(r"\^?(\w+) must", match)
    assert argument is not None, label
    assert info.value.argument == argument.group(1)
    assert info.value.expected and info.value.received is not None


def test_glauber_accepts_numpy_integer_seeds_and_implies_none() -> None:
    import inspect

    a = _glauber(seed=np.int64(3))
    b = _glauber(seed=3)
    assert np.array_equal(a.m, b.m)
    assert inspect.signature(sm.glauber_magnetization).parameters["seed"].default is None
