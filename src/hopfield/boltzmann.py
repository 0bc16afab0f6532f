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
from hopfield._errors import input_error
from hopfield._iterate import run_until_fixed
from hopfield._tolerances import compute_dtype
from hopfield._validate import as_input, as_states, check_int
from hopfield.classical import ClassicalHopfield
from hopfield.functional.classical import decide

__all__ = ["bipartite_hopfield", "boltzmann_energy", "boltzmann_network", "boltzmann_update"]


def _params(weights: Any, b: Any, v: Any) -> tuple[Tensor, Tensor, Tensor]:
    """``W`` (L, A), ``b`` (L,), ``v`` (A,) checked, in one floating dtype (float32 for integer or half
    precision weights) on the weights' device."""
    w, _ = as_input(weights, "weights", kind="any", ranks=(2,), shape="(L, A)")
    w = w.to(compute_dtype(w.dtype) if w.is_floating_point() else torch.float32)
    n_hidden, n_visible = w.shape

    def thresholds(x: Any, name: str, n: int, unit: str, other: str) -> Tensor:
        t, _ = as_input(
            x,
            name,
            kind="any",
            ranks=(1,),
            shape=f"({n},) (one threshold per {unit})",
            dim=n,
            other=other,
            device=w.device,
        )
        return t.to(dtype=w.dtype, device=w.device)

    bt = thresholds(b, "b", n_hidden, "hidden unit z", "the L rows of weights")
    return w, bt, thresholds(v, "v", n_visible, "visible unit x", "the A columns of weights")


def _states(x: Any, size: int, name: str, w: Tensor) -> tuple[Tensor, Output]:
    """±1 states (B, size) (bool/integer/floating) in the computing dtype, and their :class:`Output`."""
    s, out = as_states(x, size, name, kind="binary", device=w.device, dtype=w.dtype)
    return s.to(compute_dtype(s.dtype)), out


def bipartite_hopfield(weights: Any, b: Any, v: Any) -> tuple[Any, Any]:
    """The Hopfield network ``(U, h)`` of 001 Theorem 18 for the machine ``(W, b, v)``.

    weights: ``W`` (L, A); b: (L,); v: (A,). Returns ``U`` (L+A, L+A) ``= [[0, W], [W^T, 0]]`` and
    ``h = (b, v)`` (L+A,), for the state ``y = (z, x)``, in the weights' floating dtype (float32 for
    integer or half-precision weights). NumPy in gives NumPy out.
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
    w, bt, vt = _params(weights, b, v)
    u, h = bipartite_hopfield(w, bt, vt)
    return ClassicalHopfield(weights=u, bias=h)


def boltzmann_update(
    x: Any, weights: Any, b: Any, v: Any, z: Any = None, n_steps: int = 1
) -> tuple[Any, Any]:
    """``n_steps`` alternating updates of 001 Definition 17 from visible ``x`` (A,) or (B, A).

    ``z`` (L,) or (B, L) is the hidden state before the first step (it only matters where a field is
    exactly zero: the unit keeps it); default +1. Every step runs (``n_steps`` is a number of steps, not
    a limit; :func:`hopfield._iterate.run_until_fixed` with ``run_all=True``). Returns ``(z, x)`` after
    the last step, in the dtype of ``x``.
    """
    w, bt, vt = _params(weights, b, v)
    n_hidden, n_visible = w.shape
    n_steps = check_int(n_steps, "n_steps")
    xs, out = _states(x, n_visible, "x", w)
    if z is None:
        zs = xs.new_ones(xs.shape[0], n_hidden)
    else:
        zs, _ = _states(z, n_hidden, "z", w)
        if zs.shape[0] != xs.shape[0]:
            raise input_error(
                "z", f"the batch size {xs.shape[0]} of x", f"shape {tuple(zs.shape)}", verb="have"
            )
    ws, bs, vs = (t.to(xs.dtype) for t in (w, bt, vt))

    def step(y: Tensor) -> Tensor:  # y = (z, x): one sweep of (U, h), hidden block first
        zn = decide(torch.addmm(bs, y[:, n_hidden:], ws.T), y[:, :n_hidden])
        xn = decide(torch.addmm(vs, zn, ws), y[:, n_hidden:])
        return torch.cat([zn, xn], dim=1)

    y = run_until_fixed(step, torch.cat([zs, xs], dim=1), n_steps, run_all=True).state
    return out.state(y[:, :n_hidden]), out.state(y[:, n_hidden:])


def boltzmann_energy(z: Any, x: Any, weights: Any, b: Any, v: Any) -> Any:
    """``-z^T W x - b^T z - v^T x``, the energy of ``(U, h)`` at ``y = (z, x)``: (B,) or scalar, in the
    floating dtype of ``x`` (the weights' for bool/integer ``x``)."""
    w, bt, vt = _params(weights, b, v)
    xs, out = _states(x, w.shape[1], "x", w)
    zs, _ = _states(z, w.shape[0], "z", w)
    ws, bs, vs = (t.to(xs.dtype) for t in (w, bt, vt))
    return out(-((zs.to(xs.dtype) @ ws) * xs).sum(-1) - zs.to(xs.dtype) @ bs - xs @ vs)
