"""Activations of the continuous-time Hopfield network (seed 001 §1.2, Definition 5 and Lemma 7).

An :class:`Activation` is an increasing ``f`` into ``[-1, 1]`` together with what the energy of Lemma 7
needs: ``f'``, the integral of ``f^-1`` (closed forms for the registered ``"tanh"``, ``"sigmoid"`` and
``"sign"``; quadrature and bisection for a callable, :func:`callable_activation`). Chosen by name from
:data:`ACTIVATIONS`. Nothing here validates its arguments; :class:`hopfield.ContinuousTimeHopfield` does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from hopfield._registry import Registry

__all__ = ["ACTIVATIONS", "Activation", "callable_activation"]

_LN2 = math.log(2.0)


@dataclass(frozen=True)
class Activation:
    """An increasing activation ``f`` with what the energy of Lemma 7 (001) needs.

    Attributes
    ----------
    name:
        Registry name, or ``"callable"``.
    f, df:
        ``f(a)`` and ``f'(a)``, elementwise.
    inverse_integral:
        ``G(y) = int_{f(0)}^{y} f^-1(s) ds``, elementwise (``+inf`` outside ``[low, high]``).
    legendre:
        ``G(f(a))`` written in ``a``, without inverting ``f``: ``a f(a) - int_0^a f = int_0^a u f'(u) du``.
    low, high:
        The closed range of ``f``.
    """

    name: str
    f: Callable[[Tensor], Tensor]
    df: Callable[[Tensor], Tensor]
    inverse_integral: Callable[[Tensor], Tensor]
    legendre: Callable[[Tensor], Tensor]
    low: float = -1.0
    high: float = 1.0


def _outside(y: Tensor, low: float, high: float, value: Tensor) -> Tensor:
    return torch.where((y < low) | (y > high), torch.full_like(value, math.inf), value)


def _entropy_form(s: Tensor) -> Tensor:
    """``ln 2 + sigma(s) ln sigma(s) + sigma(-s) ln sigma(-s)``, stable for any finite ``s``."""
    return _LN2 + torch.sigmoid(s) * F.logsigmoid(s) + torch.sigmoid(-s) * F.logsigmoid(-s)


def _tanh_inverse_integral(y: Tensor) -> Tensor:
    # int_0^y artanh = 1/2 [(1+y) ln(1+y) + (1-y) ln(1-y)]; finite (ln 2) at y = +-1.
    c = y.clamp(-1.0, 1.0)
    g = 0.5 * (torch.xlogy(1 + c, 1 + c) + torch.xlogy(1 - c, 1 - c))
    return _outside(y, -1.0, 1.0, g)


def _sigmoid_inverse_integral(y: Tensor) -> Tensor:
    # int_{1/2}^y logit = y ln y + (1-y) ln(1-y) + ln 2.
    c = y.clamp(0.0, 1.0)
    g = torch.xlogy(c, c) + torch.xlogy(1 - c, 1 - c) + _LN2
    return _outside(y, 0.0, 1.0, g)


ACTIVATIONS: Registry[Activation] = Registry("activation", "activation")
ACTIVATIONS.register("tanh")(
    Activation(
        "tanh",
        torch.tanh,
        lambda a: 1 - torch.tanh(a) ** 2,
        _tanh_inverse_integral,
        lambda a: _entropy_form(2 * a),
    )
)
ACTIVATIONS.register("sigmoid")(
    Activation(
        "sigmoid",
        torch.sigmoid,
        lambda a: torch.sigmoid(a) * torch.sigmoid(-a),
        _sigmoid_inverse_integral,
        _entropy_form,
        low=0.0,
    )
)
# The limit of tanh(g a) as the gain g -> oo (Remark 6): f' = 0 and int f^-1 = 0 on [-1, 1].
ACTIVATIONS.register("sign")(
    Activation(
        "sign",
        torch.sign,
        torch.zeros_like,
        lambda y: _outside(y, -1.0, 1.0, torch.zeros_like(y)),
        torch.zeros_like,
    )
)

#: Panels of the quadrature for a callable activation: [0, 1/16], [1/16, 1/8], ..., up to 2^45.
_PANEL_EDGES = [0.0] + [2.0**k for k in range(-4, 46)]
_BISECTION_BOUND = 2.0**45


def _autograd_df(fn: Callable[[Tensor], Tensor], a: Tensor) -> Tensor:
    """``f'(a)`` of an elementwise torch function by autograd (differentiable again when ``a`` is)."""
    with torch.enable_grad():
        z = a if a.requires_grad else a.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(fn(z).sum(), z, create_graph=a.requires_grad)
    return g


def _legendre_quadrature(df: Callable[[Tensor], Tensor], a: Tensor, nodes: int = 16) -> Tensor:
    """``int_0^a u f'(u) du`` by Gauss-Legendre on geometric panels (no cancellation, any ``|a|``)."""
    nodes_np, weights_np = np.polynomial.legendre.leggauss(nodes)
    x, w = a.new_tensor(nodes_np), a.new_tensor(weights_np)
    r = a.abs()
    top = float(r.detach().max()) if r.numel() else 0.0
    n_edges = next((i for i, e in enumerate(_PANEL_EDGES) if e >= top), len(_PANEL_EDGES) - 1) + 1
    edges = a.new_tensor(_PANEL_EDGES[:n_edges])
    lo = torch.minimum(edges[:-1], r[..., None])  # (..., K)
    hi = torch.minimum(edges[1:], r[..., None])
    mid, half = (hi + lo) / 2, (hi - lo) / 2
    s = mid[..., None] + half[..., None] * x  # (..., K, nodes)
    sign = torch.where(a < 0, -1.0, 1.0).to(a.dtype)[..., None, None]
    integrand = s * df(sign * s)
    total: Tensor = (integrand * w * half[..., None]).sum(dim=(-1, -2))
    return total


def _bisect_inverse(fn: Callable[[Tensor], Tensor], y: Tensor, iters: int = 110) -> Tensor:
    """``f^-1(y)`` by bisection on ``[-2^45, 2^45]`` (clamps to the bound where ``y`` is out of reach)."""
    lo = torch.full_like(y, -_BISECTION_BOUND)
    hi = torch.full_like(y, _BISECTION_BOUND)
    for _ in range(iters):
        mid = (lo + hi) / 2
        below = fn(mid) < y
        lo = torch.where(below, mid, lo)
        hi = torch.where(below, hi, mid)
    return (lo + hi) / 2


def callable_activation(fn: Callable[[Tensor], Tensor]) -> Activation:
    """Wrap an increasing elementwise torch function into ``[-1, 1]`` as an :class:`Activation`.

    ``f'`` comes from autograd; ``G(f(a)) = int_0^a u f'(u) du`` from Gauss-Legendre quadrature on
    geometric panels; ``G(y)`` first inverts ``f`` by bisection. Computed in float64.
    """

    def df(a: Tensor) -> Tensor:
        return _autograd_df(fn, a)

    def legendre(a: Tensor) -> Tensor:
        return _legendre_quadrature(df, a.to(torch.float64)).to(a.dtype)

    def inverse_integral(y: Tensor) -> Tensor:
        y64 = y.to(torch.float64)
        a = _bisect_inverse(fn, y64.clamp(-1.0, 1.0))
        return _outside(y64, -1.0, 1.0, _legendre_quadrature(df, a)).to(y.dtype)

    return Activation("callable", fn, df, inverse_integral, legendre)
