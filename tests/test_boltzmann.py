"""001 Definition 17 / Theorem 18: the Boltzmann machine (LDPC decoder) is a bipartite Hopfield network."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import assert_close
from hopfield.boltzmann import bipartite_hopfield, boltzmann_energy, boltzmann_network, boltzmann_update

pytestmark = pytest.mark.usefixtures("one_thread")


def machine(g, n_hidden=4, n_visible=9, integer=True):
    if integer:  # integer weights make zero fields frequent, so the zero field rule is exercised
        w = torch.randint(-2, 3, (n_hidden, n_visible), generator=g).double()
        b = torch.randint(-1, 2, (n_hidden,), generator=g).double()
        v = torch.randint(-1, 2, (n_visible,), generator=g).double()
    else:
        w = torch.randn(n_hidden, n_visible, generator=g, dtype=torch.float64)
        b = torch.randn(n_hidden, generator=g, dtype=torch.float64)
        v = torch.randn(n_visible, generator=g, dtype=torch.float64)
    return w, b, v


def pm1(shape, g):
    return torch.randint(0, 2, shape, generator=g).double() * 2 - 1


def test_u_and_h_have_the_block_form():
    g = torch.Generator().manual_seed(0)
    w, b, v = machine(g)
    u, h = bipartite_hopfield(w, b, v)
    assert u.shape == (13, 13)
    assert torch.equal(u[:4, 4:], w) and torch.equal(u[4:, :4], w.T)
    assert float(u[:4, :4].abs().max()) == 0 and float(u[4:, 4:].abs().max()) == 0
    assert torch.equal(u, u.T) and float(u.diagonal().abs().max()) == 0
    assert torch.equal(h, torch.cat([b, v]))
    un, hn = bipartite_hopfield(w.numpy(), b.numpy(), v.numpy())
    assert isinstance(un, np.ndarray) and isinstance(hn, np.ndarray)


@pytest.mark.parametrize("integer", [True, False])
@pytest.mark.parametrize("shape", [(3, 8), (5, 5), (7, 4)])
def test_alternating_update_equals_blockwise_async_updates(integer, shape):
    """Theorem 18: z <- sgn(W x + b), x <- sgn(W^T z + v) is one asynchronous sweep of (U, h) over
    y = (z, x) in the order hidden block, then visible block; n steps are n sweeps."""
    g = torch.Generator().manual_seed(sum(shape) + integer)
    w, b, v = machine(g, *shape, integer=integer)
    x0, z0 = pm1((32, shape[1]), g), pm1((32, shape[0]), g)
    net = boltzmann_network(w, b, v)
    y = torch.cat([z0, x0], dim=1)
    for n in (1, 2, 5):
        z, x = boltzmann_update(x0, w, b, v, z=z0, n_steps=n)
        res = net.retrieve(y, dynamics="async", order="fixed", max_steps=n)
        assert torch.equal(torch.cat([z, x], dim=1), res.state)
    # the order inside a block does not matter: random orders give the same after one sweep per block
    z, x = boltzmann_update(x0, w, b, v, z=z0, n_steps=1)
    cur = y.clone()
    cur[:, : shape[0]] = net.retrieve(y, dynamics="sync", max_steps=1).state[:, : shape[0]]
    mid = cur.clone()
    cur[:, shape[0] :] = net.retrieve(mid, dynamics="sync", max_steps=1).state[:, shape[0] :]
    assert torch.equal(cur, torch.cat([z, x], dim=1))


def test_energy_never_increases_and_the_machine_converges():
    g = torch.Generator().manual_seed(4)
    w, b, v = machine(g, 6, 12, integer=False)
    x, z = pm1((50, 12), g), pm1((50, 6), g)
    e = boltzmann_energy(z, x, w, b, v)
    u, h = bipartite_hopfield(w, b, v)
    y = torch.cat([z, x], 1)
    assert_close(e, -0.5 * ((y @ u) * y).sum(-1) - y @ h)
    for _ in range(30):
        z, x = boltzmann_update(x, w, b, v, z=z)
        new = boltzmann_energy(z, x, w, b, v)
        assert bool((new <= e + 1e-12).all())
        e = new
    z2, x2 = boltzmann_update(x, w, b, v, z=z)
    assert torch.equal(z2, z) and torch.equal(x2, x)  # a fixed point after finitely many steps


def test_seed_dimensions_of_b_and_v_are_swapped():
    """001 Definition 17 declares b in R^A and v in R^L; W x + b needs b in R^L (and v in R^A)."""
    g = torch.Generator().manual_seed(0)
    w, b, v = machine(g, 3, 8)
    with pytest.raises(ValueError, match="b must have last dimension 3"):
        bipartite_hopfield(w, v, b)  # the seed's sizes: b of size A = 8, v of size L = 3
    with pytest.raises(ValueError, match="v must have last dimension 8"):
        bipartite_hopfield(w, b, b)


def test_seed_u_is_for_the_order_x_then_z():
    """The seed's U = [[0_{AxA}, W^T], [W, 0_{LxL}]] is the matrix for y = (x, z), not the y = (z, x) it
    defines: with y = (z, x) its blocks do not even conform when L != A."""
    g = torch.Generator().manual_seed(1)
    n_hidden, n_visible = 3, 7
    w, b, v = machine(g, n_hidden, n_visible)
    seed_u = torch.zeros(10, 10, dtype=torch.float64)
    seed_u[:n_visible, n_visible:] = w.T
    seed_u[n_visible:, :n_visible] = w
    u, _ = bipartite_hopfield(w, b, v)
    assert not torch.equal(seed_u, u)
    perm = torch.cat([torch.arange(n_hidden, 10), torch.arange(n_hidden)])  # (z, x) -> (x, z)
    assert torch.equal(seed_u, u[perm][:, perm])


def test_bad_inputs():
    g = torch.Generator().manual_seed(0)
    w, b, v = machine(g, 3, 5)
    with pytest.raises(ValueError, match="weights must have shape"):
        bipartite_hopfield(w[0], b, v)
    with pytest.raises(ValueError, match="x must be binary"):
        boltzmann_update(torch.zeros(5, dtype=torch.float64), w, b, v)
    with pytest.raises(ValueError, match="x must have last dimension 5"):
        boltzmann_update(torch.ones(4, dtype=torch.float64), w, b, v)
    with pytest.raises(ValueError, match="z must have the batch size"):
        boltzmann_update(torch.ones(2, 5, dtype=torch.float64), w, b, v, z=torch.ones(3, 3))
    with pytest.raises(ValueError, match="n_steps"):
        boltzmann_update(torch.ones(5, dtype=torch.float64), w, b, v, n_steps=0)
