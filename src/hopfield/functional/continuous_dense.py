"""Continuous dense associative memories as pure torch functions (seed 001 §2.1, Theorem 12).

Dynamics: ``tau dx/dt = -grad E(x) = -x + W^T grad F(W x + b) + v`` with energy
``E(x) = 1/2 x^T x - v^T x - F(W x + b)``. ``W`` is ``(n, d)``: its rows ``v_i`` are the stored memories
(Example 15); states are rows ``(B, d)``, so ``z = W x + b`` is ``x @ W.T + b`` and ``W^T g`` is ``g @ W``.
The interaction ``F`` is chosen by name from :data:`INTERACTIONS`:

- ``"sigmoid"`` (Example 13): ``F(z) = beta^-1 sum_i softplus(beta z_i)``, ``grad F = sigmoid(beta z)``
  (``beta = 1`` is the seed's ``sum_i int^{z_i} sigma``), computed as
  ``sum_i max(z_i, 0) + beta^-1 softplus(-beta |z_i|)`` so that no ``beta z`` overflows;
- ``"lse"`` (Examples 14 and 15): ``F(z) = beta^-1 ln sum_i exp(beta z_i)``, ``grad F = softmax(beta z)``,
  both shifted by ``max z`` before beta multiplies (:mod:`hopfield.functional.lse`).
  The seed writes ``beta^-1 ln(beta sum_i exp(z_i))``, whose gradient is ``softmax(z) / beta``, not the
  ``softmax(beta z)`` of its own dynamics; the form here is the one that gives them.

Every beta in ``(0, inf)`` gives finite results on finite input (beta is capped at the dtype's largest
value, :func:`hopfield.functional.lse.finite_beta`, which changes no result).

Nothing here validates its arguments; :class:`hopfield.ContinuousDenseMemory` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from hopfield._registry import Registry
from hopfield.functional.lse import finite_beta, lse

__all__ = [
    "INTERACTIONS",
    "Interaction",
    "callable_interaction",
    "covariance",
    "energy",
    "jacobian",
    "probabilities",
    "velocity",
]


@dataclass(frozen=True)
class Interaction:
    """An interaction function ``F: R^n -> R`` with bounded gradient (Theorem 12 of 001).

    ``potential(z, beta)`` (B, n) -> (B,); ``grad(z, beta)`` (B, n) -> (B, n);
    ``curvature(z, W, beta)`` -> (B, d, d), the matrix ``W^T (d^2 F / dz^2) W``.
    """

    name: str
    potential: Callable[[Tensor, float], Tensor]
    grad: Callable[[Tensor, float], Tensor]
    curvature: Callable[[Tensor, Tensor, float], Tensor]


def _softmax(beta: float, z: Tensor) -> Tensor:
    """``softmax(beta z)`` over the last axis, shifted by ``max z`` before beta multiplies (as
    :func:`hopfield.functional.lse.softmax`), written with elementwise ops: ``torch.softmax`` starts a
    parallel region for every few rows, which on a busy CPU stalls the many small solver evaluations."""
    e = torch.exp(finite_beta(beta, z.dtype) * (z - z.detach().amax(dim=-1, keepdim=True)))
    return e / e.sum(dim=-1, keepdim=True)


def _lse_curvature(z: Tensor, weights: Tensor, beta: float) -> Tensor:
    # W^T beta (diag p - p p^T) W = beta Cov_p(v): Lemma 16 of 001, with the beta its statement drops.
    p = _softmax(beta, z)  # (B, n)
    m = p @ weights  # (B, d), E_p[v]
    second = torch.einsum("bn,nd,ne->bde", p, weights, weights)
    return finite_beta(beta, z.dtype) * (second - m[:, :, None] * m[:, None, :])


def _sigmoid_potential(z: Tensor, beta: float) -> Tensor:
    # softplus(beta z) / beta = max(z, 0) + softplus(-beta |z|) / beta; (z + |z|) / 2 has the gradient
    # 1/2 = sigmoid(0) at z = 0 under autograd, as the potential must.
    b = finite_beta(beta, z.dtype)
    a = z.abs()
    return ((z + a) / 2 + F.softplus(-b * a) / b).sum(dim=-1)


def _sigmoid_grad(z: Tensor, beta: float) -> Tensor:
    return torch.sigmoid(finite_beta(beta, z.dtype) * z)


def _sigmoid_curvature(z: Tensor, weights: Tensor, beta: float) -> Tensor:
    b = finite_beta(beta, z.dtype)
    h = b * torch.sigmoid(b * z) * torch.sigmoid(-b * z)  # beta s (1 - s), at most beta / 4
    return torch.einsum("bn,nd,ne->bde", h, weights, weights)


INTERACTIONS: Registry[Interaction] = Registry("interaction function", "interaction")
INTERACTIONS.register("lse")(
    Interaction("lse", lambda z, beta: lse(beta, z), lambda z, beta: _softmax(beta, z), _lse_curvature)
)
INTERACTIONS.register("sigmoid")(
    Interaction("sigmoid", _sigmoid_potential, _sigmoid_grad, _sigmoid_curvature)
)


def callable_interaction(fn: Callable[[Tensor], Tensor]) -> Interaction:
    """Wrap ``fn(z) (B, n) -> (B,)``, a differentiable torch function, as an :class:`Interaction`.

    Its gradient and Hessian come from autograd (``beta`` is ignored: put it inside ``fn``).
    """

    def grad(z: Tensor, beta: float) -> Tensor:
        with torch.enable_grad():
            zz = z if z.requires_grad else z.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(fn(zz).sum(), zz, create_graph=z.requires_grad)
        return g

    def curvature(z: Tensor, weights: Tensor, beta: float) -> Tensor:
        # reverse-over-reverse (torch.func.hessian's forward mode scripts some ops, with a warning)
        hess: Tensor = torch.func.vmap(torch.func.jacrev(torch.func.jacrev(lambda zi: fn(zi[None])[0])))(z)
        return weights.T @ hess @ weights

    return Interaction("callable", lambda z, beta: fn(z), grad, curvature)


def _drive(x: Tensor, weights: Tensor, bias: Tensor) -> Tensor:
    return x @ weights.T + bias


def velocity(
    x: Tensor, weights: Tensor, bias: Tensor, v: Tensor, tau: float, inter: Interaction, beta: float
) -> Tensor:
    """``dx/dt = (-x + W^T grad F(W x + b) + v) / tau``, Theorem 12 of 001. x: (B, d); returns (B, d).

    With ``"lse"``, ``b = 0`` and ``v = 0`` (Example 14) the fixed points ``x = W^T softmax(beta W x)`` are
    those of the modern Hopfield update ``X softmax(beta X^T xi)`` with ``X = W^T``.
    """
    return (inter.grad(_drive(x, weights, bias), beta) @ weights + v - x) / tau


def energy(x: Tensor, weights: Tensor, bias: Tensor, v: Tensor, inter: Interaction, beta: float) -> Tensor:
    """``E(x) = 1/2 x^T x - v^T x - F(W x + b)`` (proof of Theorem 12, 001); ``tau dx/dt = -grad E``.

    x: (B, d); returns (B,).
    """
    return 0.5 * (x * x).sum(dim=-1) - x @ v - inter.potential(_drive(x, weights, bias), beta)


def jacobian(x: Tensor, weights: Tensor, bias: Tensor, tau: float, inter: Interaction, beta: float) -> Tensor:
    """``d(dx/dt)/dx = (-I + W^T (d^2 F) W) / tau``, symmetric (minus the Hessian of E over tau).

    For ``"lse"`` this is ``(-I + beta Cov_p(v)) / tau``: Lemma 16 of 001 (whose statement drops the
    ``beta`` its proof derives, and the ``1/tau``). x: (B, d); returns (B, d, d).
    """
    d = x.shape[-1]
    eye = torch.eye(d, dtype=x.dtype, device=x.device)
    return (inter.curvature(_drive(x, weights, bias), weights, beta) - eye) / tau


def probabilities(x: Tensor, weights: Tensor, bias: Tensor, beta: float) -> Tensor:
    """``p = softmax(beta (W x + b))``, the categorical distribution over memories of Example 15. (B, n)."""
    return _softmax(beta, _drive(x, weights, bias))


def covariance(x: Tensor, weights: Tensor, bias: Tensor, beta: float) -> Tensor:
    """``Cov_{p(x)}(v^alpha, v^beta)`` over the memories ``v_i`` with weights ``p(x)``. (B, d, d)."""
    p = probabilities(x, weights, bias, beta)
    m = p @ weights
    centred = weights[None, :, :] - m[:, None, :]  # (B, n, d)
    return torch.einsum("bn,bnd,bne->bde", p, centred, centred)
