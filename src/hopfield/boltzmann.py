"""The Boltzmann machine / low-density parity-check decoder of 001 §2.3 as a Hopfield network.

001 Definition 17: with ``W`` (L, A), ``b`` (L,), ``v`` (A,) and visible ``x`` in {-1, +1}^A, the
alternating update is

    z_{t+1} = sgn(W x_t + b),        x_{t+1} = sgn(W^T z_{t+1} + v).

001 Theorem 18: with ``y = (z, x)`` in {-1, +1}^{L+A} and ``h = (b, v)``, this is asynchronous dynamics
of the Hopfield network ``(U, h)`` with

    U = [[0_{L x L}, W], [W^T, 0_{A x A}]],

symmetric with zero diagonal, updating the L hidden neurons first and then the A visible ones (within
a block no neuron sees another, so the order inside a block does not matter). Hence the energy
``-1/2 y^T U y - h^T y = -z^T W x - b^T z - v^T x`` never increases and the machine converges.

**The seed's text has two slips** (tests in ``tests/test_boltzmann.py``): it declares ``b`` in R^A and
``v`` in R^L, but ``W x + b`` needs ``b`` in R^L and ``W^T z + v`` needs ``v`` in R^A; and its ``U``
puts ``W^T`` top right with an A x A zero block first, which is the matrix for the order
``y = (x, z)``, not for the ``y = (z, x)`` it defines. Here ``y = (z, x)`` and ``U`` as above.

Zero fields keep the current value (the classical network's rule), so the update needs the previous
hidden state ``z``; without one it starts from ``z = +1``. Definition 17 asks ``L < A`` (an LDPC code
has fewer checks than bits); nothing here needs it.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from hopfield._arrays import Output, is_numpy
from hopfield._validate import as_states, check_binary, check_dim, check_int, check_rank, to_tensor
from hopfield.classical import ClassicalHopfield
from hopfield.functional.classical import decide
from hopfield.functional.classical_dynamics import SMALL_WORK, one_thread

__all__ = ["bipartite_hopfield", "boltzmann_energy", "boltzmann_network", "boltzmann_update"]


def _params(weights: Any, b: Any, v: Any) -> tuple[Tensor, Tensor, Tensor]:
    w = to_tensor(weights, "weights", allow_int=True)
    check_rank(w, "weights", (2,), "(L, A)")
    n_hidden, n_visible = w.shape
    bt = to_tensor(b, "b", allow_int=True).to(w.dtype)
    check_rank(bt, "b", (1,), f"({n_hidden},) (one threshold per hidden unit z)")
    check_dim(bt, "b", n_hidden, "the L rows of weights")
    vt = to_tensor(v, "v", allow_int=True).to(w.dtype)
    check_rank(vt, "v", (1,), f"({n_visible},) (one threshold per visible unit x)")
    check_dim(vt, "v", n_visible, "the A columns of weights")
    return w, bt.to(w.device), vt.to(w.device)


def bipartite_hopfield(weights: Any, b: Any, v: Any) -> tuple[Any, Any]:
    """The Hopfield network ``(U, h)`` of 001 Theorem 18 for the machine ``(W, b, v)``.

    weights: ``W`` (L, A); b: (L,); v: (A,). Returns ``U`` (L+A, L+A) ``= [[0, W], [W^T, 0]]`` and
    ``h = (b, v)`` (L+A,), for the state ``y = (z, x)``. NumPy in gives NumPy out.
    """
    w, bt, vt = _params(weights, b, v)
    n_hidden, n_visible = w.shape
    n = n_hidden + n_visible
    u = w.new_zeros(n, n)
    u[:n_hidden, n_hidden:] = w
    u[n_hidden:, :n_hidden] = w.T
    h = torch.cat([bt, vt])
    out = Output(numpy=is_numpy(weights))
    return out(u, batch_axis=False), out(h, batch_axis=False)


def boltzmann_network(weights: Any, b: Any, v: Any) -> ClassicalHopfield:
    """:class:`~hopfield.ClassicalHopfield` with the weights and bias of :func:`bipartite_hopfield`.

    Asynchronous sweeps of it with ``order="fixed"`` are exactly the alternating updates of
    :func:`boltzmann_update` (hidden block first).
    """
    u, h = bipartite_hopfield(to_tensor(weights, "weights", allow_int=True), b, v)
    return ClassicalHopfield(weights=u, bias=h)


def boltzmann_update(
    x: Any, weights: Any, b: Any, v: Any, z: Any = None, n_steps: int = 1
) -> tuple[Any, Any]:
    """``n_steps`` alternating updates of 001 Definition 17 from visible ``x`` (A,) or (B, A).

    ``z`` (L,) or (B, L) is the hidden state before the first step (it only matters where a field is
    exactly zero: the unit keeps it); default +1. Returns ``(z, x)`` after the last step.
    """
    w, bt, vt = _params(weights, b, v)
    n_hidden, n_visible = w.shape
    n_steps = check_int(n_steps, "n_steps")
    xs, out = as_states(x, n_visible, "x", allow_int=True)
    xs = check_binary(xs.to(dtype=w.dtype, device=w.device), "x")
    if z is None:
        zs = xs.new_ones(xs.shape[0], n_hidden)
    else:
        zs, _ = as_states(z, n_hidden, "z", allow_int=True)
        zs = check_binary(zs.to(dtype=w.dtype, device=w.device), "z")
        if zs.shape[0] != xs.shape[0]:
            raise ValueError(f"z must have the batch size {xs.shape[0]} of x, got shape {tuple(zs.shape)}")
    with one_thread(xs.shape[0] * w.numel() < SMALL_WORK):
        for _ in range(n_steps):
            zs = decide(torch.addmm(bt, xs, w.T), zs)
            xs = decide(torch.addmm(vt, zs, w), xs)
    return out(zs), out(xs)


def boltzmann_energy(z: Any, x: Any, weights: Any, b: Any, v: Any) -> Any:
    """``-z^T W x - b^T z - v^T x``, the energy of ``(U, h)`` at ``y = (z, x)``: (B,) or scalar."""
    w, bt, vt = _params(weights, b, v)
    xs, out = as_states(x, w.shape[1], "x", allow_int=True)
    zs, _ = as_states(z, w.shape[0], "z", allow_int=True)
    xs = xs.to(dtype=w.dtype, device=w.device)
    zs = zs.to(dtype=w.dtype, device=w.device)
    return out(-((zs @ w) * xs).sum(-1) - zs @ bt - xs @ vt)
