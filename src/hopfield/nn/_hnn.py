"""The functional core of the seed-003 layers (003 §4.1-§4.4): pure torch functions over the one update.

Every softmax update goes through :func:`hopfield.nn.functional.hopfield_update` (004 eq. (17)):

- :func:`state_loop`: ``iterations`` times ``xi <- X softmax(beta X^T xi)`` per channel;
- :func:`logit_loop`: the logits ``l = beta X^T xi`` of that loop (003 §4.1: ``l <- A_beta softmax(l)``,
  ``A_beta = beta X^T X``; Listing 4.1), computed in pattern space through the state loop;
- :func:`softmax_probs`: ``softmax(beta X^T xi)`` itself (the one update with the identity as values);
- :func:`generalized_loop`: the loop ``l <- M^T M softmax(l)`` with ``M`` trained (003 §4.1 remark);
- :func:`deep_max`: the max over the ``deep`` patterns of each feature (Listing 4.1, lines 30-31);
- :func:`vhnn_step`: one noisy step of the variational network (003 §4.4, Listing 4.3);
- :func:`sphere_radius`, :func:`sphere_index`: the spheres ``S_i`` of 003 Proposition 3.4 (radius
  ``1 / (beta N M)``, N patterns, M the largest pattern norm) and which one a state is in.

Shapes: patterns are rows, ``(C, P, n)`` (C channels of P patterns of n neurons; the seed's X_c is
``patterns[c].T``); states ``(B, C, n)``; logits ``(B, C, P)``; ``beta`` a positive float or a tensor
``(C,)`` (one per channel).
"""

from __future__ import annotations

import torch
from torch import Tensor

from hopfield._errors import input_error
from hopfield._validate import check_tensor
from hopfield.nn._update import hopfield_update

__all__ = [
    "deep_max",
    "generalized_loop",
    "logit_loop",
    "softmax_probs",
    "sphere_index",
    "sphere_radius",
    "state_loop",
    "vhnn_step",
]


def _per_channel(beta: float | Tensor) -> float | Tensor:
    """A per-channel tensor ``(C,)`` as ``(C, 1)``: one per query row of ``(C, B, n)`` (floats pass)."""
    return beta.reshape(-1, 1) if isinstance(beta, Tensor) else beta


def state_loop(states: Tensor, patterns: Tensor, beta: float | Tensor, iterations: int) -> Tensor:
    """``iterations`` updates ``xi <- X softmax(beta X^T xi)`` (003 Def. 3.1.2, 004 eq. (17)), per channel.

    Parameters
    ----------
    states:
        ``(B, C, n)``.
    patterns:
        ``(C, P, n)``, each channel its own memory.
    beta:
        A positive float or a tensor ``(C,)``.
    iterations:
        Number of updates (0: the states unchanged).

    Returns
    -------
    Tensor
        ``(B, C, n)``.
    """
    xi = states.transpose(0, 1)  # (C, B, n): per channel, the batch is the queries of one kernel call
    for _ in range(iterations):
        xi = hopfield_update(xi, patterns, patterns, _per_channel(beta))
    return xi.transpose(0, 1)


def logit_loop(states: Tensor, patterns: Tensor, beta: float | Tensor, iterations: int) -> Tensor:
    """The logits of the loop of 003 §4.1 (Listing 4.1, lines 20-28): ``(B, C, n) -> (B, C, P)``.

    The seed writes ``l = beta X^T xi`` followed by ``iterations`` times ``l <- A_beta softmax(l)``,
    ``A_beta = beta X^T X``. Since ``A_beta softmax(l) = beta X^T (X softmax(l))`` and
    ``l = beta X^T xi``, this is the state loop ``xi <- X softmax(beta X^T xi)`` (the one update)
    followed by ``l = beta X^T xi``, computed here in that form.
    """
    xi = state_loop(states, patterns, beta, iterations)
    logits = torch.einsum("bcn,cpn->bcp", xi, patterns.to(xi.dtype))
    return _per_channel(beta) * logits


def softmax_probs(states: Tensor, patterns: Tensor, beta: float | Tensor) -> Tensor:
    """``p = softmax(beta X^T xi)`` per channel, ``(B, C, n) -> (B, C, P)``: the one update with values I.

    The fused update ``softmax(beta q k^T) v`` with ``v`` the identity returns the probabilities
    themselves (log-sum-exp stable), so the layers that need ``p`` (the VHNN noise) do not copy the
    softmax.
    """
    p_count = patterns.shape[-2]
    eye = torch.eye(p_count, dtype=states.dtype, device=states.device).expand(patterns.shape[0], -1, -1)
    return hopfield_update(states.transpose(0, 1), patterns, eye, _per_channel(beta)).transpose(0, 1)


def generalized_loop(logits: Tensor, matrix: Tensor, iterations: int) -> Tensor:
    """``iterations`` times ``l <- A softmax(l)`` with ``A = M^T M`` trained directly (003 §4.1 remark).

    ``A softmax(l) = M^T (M softmax(l))``: the one update with the logits as queries, the identity as
    stored patterns and ``M^T`` as values gives ``M softmax(l)``, then ``M^T`` maps it back.

    Parameters
    ----------
    logits:
        ``(B, C, P)``.
    matrix:
        ``M``, ``(C, R, P)`` (``R`` rows per channel; ``R = P`` is the seed's square ``M``).

    Returns
    -------
    Tensor
        ``(B, C, P)``.
    """
    p_count = matrix.shape[-1]
    eye = torch.eye(p_count, dtype=logits.dtype, device=logits.device).expand(matrix.shape[0], -1, -1)
    m = matrix.to(logits.dtype)
    out = logits.transpose(0, 1)  # (C, B, P)
    for _ in range(iterations):
        code = hopfield_update(out, eye, m.transpose(-1, -2))  # (C, B, R)
        out = code @ m
    return out.transpose(0, 1)


def deep_max(logits: Tensor, features: int, deep: int) -> Tensor:
    """``(B, C, features * deep) -> (B, C, features)``: the largest logit of each feature's patterns.

    Pattern ``f * deep + j`` belongs to feature ``f`` (Listing 4.1, ``view(-1, C, features, deep)``).
    """
    return logits.reshape(*logits.shape[:-1], features, deep).amax(dim=-1)


def vhnn_step(
    states: Tensor,
    patterns: Tensor,
    beta: float | Tensor,
    eta: float | Tensor,
    noise: Tensor | None,
) -> Tensor:
    """One step of the variational network (003 §4.4, Listing 4.3): ``xi <- X S``.

    ``p = softmax(beta X^T xi)``, ``S = p + diag(sqrt(p (1 - p))) eps``, ``eps ~ N(0, eta^2)``
    (``eps = eta * noise`` with ``noise`` standard normal). The square root is computed on ``p``
    detached (no gradient through it; the seed's ``x.detach().requires_grad(False)`` raises a
    ``TypeError`` since ``requires_grad`` is an attribute, ``.detach()`` is what it means); the gradient
    reaches ``eta`` and, through ``p`` and ``X``, beta and the patterns.

    Parameters
    ----------
    states:
        ``(B, C, n)``.
    patterns:
        ``(C, P, n)``.
    beta, eta:
        Positive floats or tensors ``(C,)``.
    noise:
        Standard normal ``(B, C, P)``; ``None``: no noise (the deterministic update).

    Returns
    -------
    Tensor
        ``(B, C, n)``.
    """
    if noise is None:
        return state_loop(states, patterns, beta, 1)
    p = softmax_probs(states, patterns, beta)
    q = p.detach()
    sigma = (q * (1 - q)).clamp_min(0).sqrt()
    s = p + _per_channel(eta) * sigma * noise.to(p.dtype)
    return torch.einsum("bcp,cpn->bcn", s, patterns.to(s.dtype))


def sphere_radius(patterns: Tensor, beta: float | Tensor) -> Tensor:
    """The radius ``1 / (beta N M)`` of the spheres ``S_i`` (003 eq. before Prop. 3.4, §4.4).

    ``patterns`` ``(..., N, n)`` (N patterns of n neurons), M the largest pattern norm of each group;
    ``beta`` a float or a tensor broadcastable to ``patterns.shape[:-2]``. Returns ``patterns.shape[:-2]``.
    """
    m = torch.linalg.vector_norm(patterns, dim=-1).amax(dim=-1)
    radius: Tensor = 1.0 / (beta * patterns.shape[-2] * m)
    return radius


def sphere_index(
    states: Tensor, patterns: Tensor, beta: float | Tensor, radius: float | Tensor | None = None
) -> Tensor:
    """Which sphere ``S_i = {xi : ||xi - x^i|| <= 1 / (beta N M)}`` each state is in (003 Prop. 3.4).

    Parameters
    ----------
    states:
        ``(..., n)``, or ``(..., C, n)`` with channel patterns.
    patterns:
        ``(N, n)``, or ``(C, N, n)`` (one set of spheres per channel).
    beta:
        A positive float, or a tensor broadcastable to ``patterns.shape[:-2]``.
    radius:
        Overrides ``1 / (beta N M)`` (a float or a tensor broadcastable to ``patterns.shape[:-2]``).

    Returns
    -------
    Tensor
        ``int64`` of shape ``states.shape[:-1]``: the index ``i`` of the pattern whose sphere holds the
        state (the nearest one when spheres overlap), ``-1`` when it is in none.

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[3.0, 0.0], [0.0, 4.0]])
    >>> sphere_index(torch.tensor([[3.0, 0.1], [0.0, 1.0]]), x, beta=0.05)  # radius 1 / (0.05 * 2 * 4)
    tensor([ 0, -1])
    """
    check_tensor(patterns, "patterns", ranks=(2, 3), shape="(N, n) or (C, N, n)")
    check_tensor(states, "states", ranks=range(1, 9), shape="(..., n) or (..., C, n)")
    if states.shape[-1] != patterns.shape[-1]:
        raise input_error(
            "states",
            f"last dimension {patterns.shape[-1]} (the neurons of patterns {tuple(patterns.shape)})",
            f"shape {tuple(states.shape)}",
            verb="have",
        )
    r = sphere_radius(patterns, beta) if radius is None else radius
    x = patterns.to(states.dtype)
    dist = torch.linalg.vector_norm(states.unsqueeze(-2) - x, dim=-1)  # (..., [C,] N)
    best, index = dist.min(dim=-1)
    r_t = torch.as_tensor(r, dtype=states.dtype, device=states.device)
    return torch.where(best <= r_t, index, torch.full_like(index, -1))
