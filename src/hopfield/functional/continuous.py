"""The continuous-time Hopfield network as pure torch functions (seed 001 §1.2).

Dynamics (Definition 5 of 001): ``tau dx/dt = -x + f(W x + b)`` with ``f`` increasing into ``[-1, 1]``.
States are rows ``(B, d)``, so ``a = W x + b`` is ``x @ W.T + b``. Also here: Lemma 7's energy, the
Jacobian of §1.2.5 and the learning rules of Corollary 10 (Algorithms 2 and 3). The activations
(:data:`ACTIVATIONS`) live in :mod:`hopfield.functional.continuous_activations` and the ODE machinery
(:data:`SOLVERS`, :func:`integrate`, :func:`relax`) in :mod:`hopfield.functional.continuous_ode`; both
are re-exported here. Nothing here validates its arguments; :class:`hopfield.ContinuousTimeHopfield` does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from hopfield._registry import Registry
from hopfield.functional.continuous_activations import ACTIVATIONS, Activation, callable_activation
from hopfield.functional.continuous_ode import (
    DEFAULT_MAX_EVALS,
    DEFAULT_METHOD,
    SOLVERS,
    Solver,
    integrate,
    relax,
)

__all__ = [
    "ACTIVATIONS",
    "DEFAULT_MAX_EVALS",
    "DEFAULT_METHOD",
    "LEARNING_RULES",
    "OPTIMIZERS",
    "SOLVERS",
    "Activation",
    "Solver",
    "TrainOutput",
    "callable_activation",
    "energy",
    "energy_rate",
    "flow_loss",
    "glorot",
    "integrate",
    "jacobian",
    "lyapunov",
    "project",
    "reconstruct",
    "reconstruction_loss",
    "relax",
    "train",
    "velocity",
]


def _drive(x: Tensor, weights: Tensor, bias: Tensor) -> Tensor:
    """``a = W x + b`` for row states: (B, d) -> (B, d) (one fused ``addmm`` for a batch)."""
    return torch.addmm(bias, x, weights.T) if x.ndim == 2 else x @ weights.T + bias


def velocity(x: Tensor, weights: Tensor, bias: Tensor, tau: float, act: Activation) -> Tensor:
    """``dx/dt = (-x + f(W x + b)) / tau``, Definition 5 of 001. x: (B, d); returns (B, d).

    Without autograd the subtraction and division run in place on ``f``'s fresh output (this is the
    solver's hot path).
    """
    y = act.f(_drive(x, weights, bias))
    if torch.is_grad_enabled() and (x.requires_grad or weights.requires_grad or bias.requires_grad):
        return (y - x) / tau
    y = y.sub_(x)
    return y if tau == 1.0 else y.div_(tau)


def reconstruct(x: Tensor, weights: Tensor, bias: Tensor, act: Activation) -> Tensor:
    """``f(W x + b)``: the single-layer tied auto-encoder of §1.2.4 (001); its fixed points are the
    network's, and it is one Euler step with ``dt = tau`` (Remark 6)."""
    return act.f(_drive(x, weights, bias))


def energy(y: Tensor, weights: Tensor, bias: Tensor, act: Activation) -> Tensor:
    """Lemma 7 of 001, written in ``y = f(a)``: ``E(y) = -1/2 y^T W y - b^T y + sum_a int^{y_a} f^-1``.

    The integral runs from ``f(0)`` (tanh: ``1/2[(1+y)ln(1+y) + (1-y)ln(1-y)]``; sigmoid:
    ``y ln y + (1-y) ln(1-y) + ln 2``; sign: 0); ``+inf`` where ``y`` leaves the range of ``f``.
    y: (B, d); returns (B,).
    """
    quad = -0.5 * ((y @ weights.T) * y).sum(dim=-1) - y @ bias
    return quad + act.inverse_integral(y).sum(dim=-1)


def lyapunov(x: Tensor, weights: Tensor, bias: Tensor, act: Activation) -> Tensor:
    """The Lyapunov function of Theorem 9 (001): ``E(y(x))`` with ``y = f(W x + b)``.

    Computed in ``a = W x + b`` (``int^{f(a)} f^-1 = int_0^a u f'(u) du``), so a saturated ``y`` loses
    no digits. Non-increasing along trajectories when ``W`` is symmetric. x: (B, d); returns (B,).
    """
    a = _drive(x, weights, bias)
    y = act.f(a)
    quad = -0.5 * ((y @ weights.T) * y).sum(dim=-1) - y @ bias
    return quad + act.legendre(a).sum(dim=-1)


def energy_rate(x: Tensor, weights: Tensor, bias: Tensor, tau: float, act: Activation) -> Tensor:
    """``dE/dt = -tau sum_a f'(a_a) (da_a/dt)^2 <= 0`` with ``da/dt = W dx/dt`` (proof of Lemma 7).

    x: (B, d); returns (B,). Equals ``grad lyapunov . dx/dt`` for symmetric ``W`` only.
    """
    a = _drive(x, weights, bias)
    da = ((act.f(a) - x) / tau) @ weights.T
    return -tau * (act.df(a) * da * da).sum(dim=-1)


def jacobian(x: Tensor, weights: Tensor, bias: Tensor, tau: float, act: Activation) -> Tensor:
    """``d(dx/dt)/dx = (-I + diag(f'(z)) W) / tau`` with ``z = W x + b`` (§1.2.5 of 001, which drops the
    ``1/tau`` and, for tanh, writes ``f' = 1/2 (1 - f^2)``: the correct ``f'`` is ``1 - f^2``).

    x: (B, d); returns (B, d, d).
    """
    d = x.shape[-1]
    fp = act.df(_drive(x, weights, bias))  # (B, d)
    eye = torch.eye(d, dtype=x.dtype, device=x.device)
    return (fp[:, :, None] * weights - eye) / tau


# ---------------------------------------------------------------------------------------------- learning
def project(weights: Tensor, zero_diagonal: bool = True) -> Tensor:
    """``set_zero_diag(symmetrize(W))`` of Algorithms 2 and 3 (001): ``(W + W^T)/2``, diagonal zeroed."""
    w = (weights + weights.T) / 2
    if zero_diagonal:
        w = w - torch.diag_embed(torch.diagonal(w))
    return w


def glorot(dim: int, generator: torch.Generator, dtype: torch.dtype = torch.float64) -> Tensor:
    """Glorot-uniform ``(d, d)`` weights, projected (symmetric, zero diagonal): the seeds' ``init_W``."""
    bound = math.sqrt(6.0 / (2 * dim))
    w = (torch.rand(dim, dim, generator=generator, dtype=torch.float64) * 2 - 1) * bound
    return project(w).to(dtype)


def reconstruction_loss(
    patterns: Tensor, weights: Tensor, bias: Tensor, tau: float, act: Activation, **_: Any
) -> Tensor:
    """Algorithm 2 (001): ``mean_n |x_n - f(W x_n + b)|^2``: zero exactly when every ``x_n`` is a fixed
    point (Corollary 10). patterns: (N, d); returns a 0-d tensor."""
    y = reconstruct(patterns, weights, bias, act)
    return (patterns - y).pow(2).sum(dim=-1).mean()


def flow_loss(
    patterns: Tensor,
    weights: Tensor,
    bias: Tensor,
    tau: float,
    act: Activation,
    *,
    dt: float = 0.1,
    solver: str = "rk4",
    step_size: float | None = None,
    adjoint: bool = False,
    **_: Any,
) -> Tensor:
    """Algorithm 3 (001): ``mean_n |x_n - x_n(dt)|^2`` with ``x(0) = x_n`` through a short ODE solve.

    Remark 11 calls it equivalent to Algorithm 2; it is to first order in ``dt``: ``x(dt) - x =
    (dt/tau)(f(Wx+b) - x) + O(dt^2)``, so this loss is ``(dt/tau)^2`` times Algorithm 2's.
    """

    def field(x: Tensor) -> Tensor:
        return velocity(x, weights, bias, tau, act)

    t = torch.tensor([0.0, dt], dtype=patterns.dtype, device=patterns.device)
    y = integrate(field, patterns, t, solver, step_size=step_size, adjoint=adjoint, params=(weights, bias))
    return (patterns - y[-1]).pow(2).sum(dim=-1).mean()


LEARNING_RULES: Registry[Callable[..., Tensor]] = Registry("learning rule", "method")
LEARNING_RULES.register("algorithm2")(reconstruction_loss)
LEARNING_RULES.register("algorithm3")(flow_loss)

OPTIMIZERS: Registry[Callable[..., torch.optim.Optimizer]] = Registry("optimizer", "optimizer")
OPTIMIZERS.register("adam")(torch.optim.Adam)
OPTIMIZERS.register("sgd")(torch.optim.SGD)


@dataclass
class TrainOutput:
    """Output of :func:`train`: trained ``weights`` (d, d), ``bias`` (d,), ``losses`` (epochs,)."""

    weights: Tensor
    bias: Tensor
    losses: Tensor


def train(
    patterns: Tensor,
    weights: Tensor,
    bias: Tensor,
    tau: float,
    act: Activation,
    *,
    epochs: int = 200,
    lr: float = 0.01,
    optimizer: str = "adam",
    method: str = "algorithm2",
    batch_size: int | None = None,
    zero_diagonal: bool = True,
    generator: torch.Generator | None = None,
    progress: Callable[..., Any] = lambda it, **kw: it,
    **loss_kwargs: Any,
) -> TrainOutput:
    """Learning rule of Corollary 10 (001): minimize Algorithm 2's or 3's loss over ``(W, b)``, projecting
    ``W`` onto symmetric zero-diagonal matrices after every optimizer step.

    The seed steps once per pattern; here a step takes a mini-batch of ``batch_size`` patterns (all of
    them by default), shuffled each epoch with ``generator``. ``losses`` holds each epoch's mean loss.
    """
    w = project(weights.detach().clone(), zero_diagonal).requires_grad_(True)
    b = bias.detach().clone().requires_grad_(True)
    opt = OPTIMIZERS.get(optimizer)([w, b], lr=lr)
    loss_fn = LEARNING_RULES.get(method)
    n = patterns.shape[0]
    bs = n if batch_size is None else min(batch_size, n)
    losses = []
    for _ in progress(range(epochs), desc=f"training ({method})"):
        order = torch.randperm(n, generator=generator).to(patterns.device) if bs < n else None
        total = 0.0
        for start in range(0, n, bs):
            batch = patterns if order is None else patterns[order[start : start + bs]]
            opt.zero_grad()
            loss = loss_fn(batch, w, b, tau, act, **loss_kwargs)
            torch.autograd.backward(loss)
            opt.step()
            with torch.no_grad():
                w.copy_(project(w, zero_diagonal))
            total += float(loss.detach()) * batch.shape[0]
        losses.append(total / n)
    return TrainOutput(w.detach(), b.detach(), torch.tensor(losses, dtype=torch.float64))
