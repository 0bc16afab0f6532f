"""The kernel-based dynamics give exactly the answers of the former loops (frozen in tests/oracles).

Same couplings, same seeds: same states, steps, converged and cycle flags (and energies), for the
parallel, sequential and Glauber dynamics, the Glauber sampler with its observations, and the class
(whose integer seeds make the same generators as before).
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from helpers import assert_close
from hopfield import ClassicalHopfield
from hopfield.functional import classical as F
from oracles import classical_loops as O

pytestmark = pytest.mark.usefixtures("one_thread")

KINDS = ["hebb_factored", "hebb_dense", "dense_float64", "asymmetric_float64"]


def make_case(seed: int, kind: str, d: int, p: int, b: int):
    """Couplings of one kind, their ±1 patterns and B random ±1 states."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 2, (p, d), generator=g).float() * 2 - 1
    if kind == "hebb_factored":
        c = F.Couplings.hebb(x, factored=True)
    elif kind == "hebb_dense":
        c = F.Couplings.hebb(x, factored=False)
    else:
        x = x.double()
        w = torch.randn(d, d, generator=g, dtype=torch.float64)
        if kind == "dense_float64":
            w = (w + w.T) / 2
            w.fill_diagonal_(0)
        c = F.Couplings.dense(w, torch.randn(d, generator=g, dtype=torch.float64) * 0.3)
    s = torch.randint(0, 2, (b, d), generator=g).to(x.dtype) * 2 - 1
    return c, x, s


def assert_same(new, old, energy: bool = True) -> None:
    assert torch.equal(new.state, old.state)
    assert torch.equal(new.steps, old.steps)
    assert torch.equal(new.converged, old.converged)
    assert torch.equal(new.cycle, old.cycle)
    if energy:
        assert_close(new.energy, old.energy, new.state.dtype, scale=10)


cases = dict(
    seed=st.integers(0, 2**31 - 1),
    kind=st.sampled_from(KINDS),
    d=st.integers(1, 80),
    p=st.integers(1, 8),
    b=st.integers(1, 9),
)


@given(**cases, max_steps=st.integers(1, 12))
def test_sync_equals_the_former_loop(seed, kind, d, p, b, max_steps):
    c, _, s = make_case(seed, kind, d, p, b)
    assert_same(F.run_sync(s, c, max_steps), O.run_sync(s, c, max_steps), energy=False)


@given(
    **cases,
    max_steps=st.integers(1, 20),
    order=st.sampled_from(["random", "fixed"]),
    temperature=st.sampled_from([0.0, 0.0, 0.3, 2.0]),
    block=st.sampled_from([1, 5, 64]),
)
def test_async_and_glauber_equal_the_former_loop(seed, kind, d, p, b, max_steps, order, temperature, block):
    c, _, s = make_case(seed, kind, d, p, b)
    args = (s, c, max_steps)
    new = F.run_async(*args, torch.Generator().manual_seed(seed), order, temperature, block)
    old = O.run_async(*args, torch.Generator().manual_seed(seed), order, temperature, block)
    assert_same(new, old)


@given(
    **cases,
    n_sweeps=st.integers(1, 8),
    temperature=st.sampled_from([0.0, 0.5, 1.5]),
    record=st.sampled_from([False, True, "states"]),
    own_patterns=st.booleans(),
)
def test_glauber_sampler_equals_the_former_loop(
    seed, kind, d, p, b, n_sweeps, temperature, record, own_patterns
):
    c, x, s = make_case(seed, kind, d, p, b)
    patterns = x if own_patterns else -x  # the stored rows (overlaps from the cache) or other rows
    burn_in = seed % n_sweeps
    kw = dict(patterns=patterns, burn_in=burn_in, record=record)
    new = F.glauber_sweeps(s, c, temperature, n_sweeps, torch.Generator().manual_seed(seed), **kw)
    old = O.glauber_sweeps(s, c, temperature, n_sweeps, torch.Generator().manual_seed(seed), **kw)
    for name in ("state", "mean_overlaps", "overlaps", "energy", "states"):
        a, e = getattr(new, name), getattr(old, name)
        assert (a is None) == (e is None), name
        if a is not None:
            assert torch.equal(a, e), name


@given(
    seed=st.integers(0, 2**31 - 1),
    d=st.integers(2, 60),
    p=st.integers(1, 6),
    b=st.integers(1, 6),
    dynamics=st.sampled_from(["sync", "async", "glauber"]),
)
def test_the_class_with_a_seed_equals_the_former_loop(seed, d, p, b, dynamics):
    """``retrieve(seed=s)`` seeds a generator with ``s``, as before: the same trajectories."""
    _, x, s = make_case(seed, "hebb_factored", d, p, b)
    net = ClassicalHopfield(x, "hebb")
    t = 0.7 if dynamics == "glauber" else 0.0
    res = net.retrieve(s, dynamics=dynamics, temperature=t, max_steps=15, seed=seed)
    old = O.DYNAMICS.get(dynamics)(s, net.couplings, 15, torch.Generator().manual_seed(seed), "random", t, 64)
    assert_same(res, old, energy=dynamics != "sync")
