"""The dense memory's kernel-based loops against the frozen pre-refactor loops (``tests/oracles``).

Same patterns, states and seeds must give exactly the same states, sweep counts, convergence and cycle
flags: the move onto ``hopfield._iterate.run_until_fixed`` and the ``lse`` merge changed no trajectory.
"""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hopfield import DenseAssociativeMemory
from oracles import dense_loops as O


def cubic_plus(a):
    """A user interaction ``F(a) = a^3 + 2 a^2``."""
    return a**3 + 2 * a**2


#: (interaction, degree, beta): every registered interaction, several regimes of the exp tracker
#: (beta = 0.05 recomputes every 200 flips, beta = 12 at every flip in float32), and a callable.
SETTINGS = [
    ("poly", 2, 1.0),
    ("poly", 3, 1.0),
    ("poly", 4, 1.0),
    ("rectified_poly", 3, 1.0),
    ("exp", 1, 0.05),
    ("exp", 1, 0.3),
    ("exp", 1, 1.0),
    ("exp", 1, 3.0),
    ("exp", 1, 12.0),
    (cubic_plus, 1, 1.0),
]

case = st.fixed_dictionaries(
    {
        "n": st.integers(1, 40),
        "d": st.integers(2, 24),
        "b": st.integers(1, 8),
        "data_seed": st.integers(0, 2**31 - 1),
        "seed": st.integers(0, 2**63 - 1),
        "setting": st.sampled_from(SETTINGS),
        "max_steps": st.integers(1, 8),
        "dtype": st.sampled_from([torch.float32, torch.float64]),
    }
)


def _data(c):
    g = torch.Generator().manual_seed(c["data_seed"])
    x = torch.randint(0, 2, (c["n"], c["d"]), generator=g).to(c["dtype"]) * 2 - 1
    xi = torch.randint(0, 2, (c["b"], c["d"]), generator=g).to(c["dtype"]) * 2 - 1
    return x, xi


def _oracle_interaction(setting):
    interaction, degree, beta = setting
    return O.make_interaction(interaction, degree, beta)


def _assert_same(res, ref) -> None:
    assert torch.equal(res.state, ref.state)
    assert torch.equal(res.steps, ref.steps)
    assert torch.equal(res.converged, ref.converged)
    assert torch.equal(res.cycle, ref.cycle)


@settings(max_examples=120)
@given(case, st.sampled_from(["random", "fixed"]))
def test_async_equals_the_former_loop(c, order) -> None:
    """Asynchronous sweeps (incremental trackers, pruned through ``keep``): identical trajectories."""
    x, xi = _data(c)
    interaction, degree, beta = c["setting"]
    net = DenseAssociativeMemory(x, interaction, degree=degree, beta=beta)
    res = net.retrieve(xi, dynamics="async", max_steps=c["max_steps"], seed=c["seed"], order=order)
    gen = torch.Generator().manual_seed(c["seed"])
    ref = O.retrieve_async(xi, x, _oracle_interaction(c["setting"]), c["max_steps"], order, gen)
    _assert_same(res, ref)


@settings(max_examples=120)
@given(case, st.sampled_from([None, 1, 3, 7]))
def test_sync_equals_the_former_loop(c, chunk_size) -> None:
    """Synchronous steps (margins merged block by block with ``LsePartial``): identical trajectories,
    fixed points and 2-cycles, whatever the block size."""
    x, xi = _data(c)
    interaction, degree, beta = c["setting"]
    net = DenseAssociativeMemory(x, interaction, degree=degree, beta=beta, chunk_size=chunk_size)
    res = net.retrieve(xi, dynamics="sync", max_steps=c["max_steps"], seed=c["seed"])
    ref = O.retrieve_sync(xi, x, _oracle_interaction(c["setting"]), c["max_steps"], chunk_size)
    _assert_same(res, ref)


def test_long_async_runs_equal_the_former_loop() -> None:
    """Larger memories, many flips per state (the exp tracker recomputes its weights many times)."""
    g = torch.Generator().manual_seed(0)
    for n, d, beta in [(300, 64, 1.0), (2000, 48, 0.2), (500, 32, 4.0)]:
        x = torch.randint(0, 2, (n, d), generator=g).float() * 2 - 1
        xi = torch.randint(0, 2, (16, d), generator=g).float() * 2 - 1
        res = DenseAssociativeMemory(x, "exp", beta=beta).retrieve(xi, max_steps=50, seed=n)
        gen = torch.Generator().manual_seed(n)
        ref = O.retrieve_async(xi, x, O.make_interaction("exp", 1, beta), 50, "random", gen)
        _assert_same(res, ref)
        assert bool(res.converged.all())
