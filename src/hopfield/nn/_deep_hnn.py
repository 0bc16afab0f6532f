"""DeepHNN: channels of Hopfield networks with ``deep`` patterns per feature (003 §4.1-§4.2, Listing 4.1)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from hopfield.nn._hnn import deep_max, logit_loop
from hopfield.nn._hnn_base import (
    bias_parameter,
    check_input,
    init_patterns,
    log_parameter,
    make_parameter,
    set_sizes,
)

__all__ = ["DeepHNN"]


class DeepHNN(nn.Module):
    """``channels`` Hopfield networks whose logits are maxed over ``deep`` patterns per feature (Listing 4.1).

    Per channel ``c`` with patterns ``X_c`` (``deep * features`` columns of ``neurons``; here the rows of
    ``patterns[c]``): the logits ``l = beta_c X_c^T xi`` (003 §4.1), then ``iterations`` times
    ``l <- A_beta softmax(l)`` with ``A_beta = beta_c X_c^T X_c``, then the largest logit of each
    feature's ``deep`` patterns (pattern ``f * deep + j`` belongs to feature ``f``), plus a bias per
    channel and feature. The loop runs as the one update of :func:`hopfield.nn.functional.hopfield_update`
    (``xi <- X softmax(beta X^T xi)``, then ``l = beta X^T xi``; :func:`hopfield.nn._hnn.logit_loop`).

    Parameters
    ----------
    channels, features, deep, neurons:
        Positive sizes.
    iterations:
        Loop steps (>= 0; 0: the logits ``beta X^T xi`` only).
    beta:
        A positive float or tensor ``(channels,)``; stored as ``log_beta`` ``(channels,)``.
    patterns:
        ``(channels, deep * features, neurons)`` (copied); ``None``: ``U(-1/sqrt(neurons),
        1/sqrt(neurons))`` from ``generator``.
    bias:
        Whether to add the bias ``(channels, features)`` (initialized to 0); ``False``: no bias.
    train_beta, train_patterns, train_bias:
        Whether each is trainable; a frozen one is a parameter with ``requires_grad=False`` (kept in the
        state dict, left out of ``sum(p.numel() for p in m.parameters() if p.requires_grad)``).
    dtype, device:
        Of the parameters.
    generator:
        Draws the initial patterns (``None``: torch's global generator, as ``torch.nn`` layers do).

    Shapes: ``(batch, channels, neurons) -> (batch, channels, features)``. Trainable parameters:
    ``channels * (1 + features + deep * features * neurons)`` with everything trainable (e.g.
    ``DeepHNN(5, 10, 5, 225)``: 5 + 50 + 56,250).

    Examples
    --------
    >>> import torch
    >>> m = DeepHNN(5, 10, 5, 225, generator=torch.Generator().manual_seed(0))
    >>> m(torch.randn(8, 5, 225)).shape
    torch.Size([8, 5, 10])
    >>> sum(p.numel() for p in m.parameters() if p.requires_grad)
    56305
    """

    def __init__(
        self,
        channels: int,
        features: int,
        deep: int,
        neurons: int,
        iterations: int = 1,
        *,
        beta: float | Tensor = 1.0,
        patterns: Tensor | None = None,
        bias: bool = True,
        train_beta: bool = True,
        train_patterns: bool = True,
        train_bias: bool = True,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.channels: int
        self.features: int
        self.deep: int
        self.neurons: int
        self.iterations: int
        set_sizes(self, iterations, channels=channels, features=features, deep=deep, neurons=neurons)
        self.log_beta = log_parameter(beta, "beta", (self.channels,), train_beta, "train_beta", dtype, device)
        shape = (self.channels, self.deep * self.features, self.neurons)
        init = init_patterns(patterns, "patterns", shape, dtype, device, generator)
        self.patterns = make_parameter(init, train_patterns, "train_patterns")
        self.bias = bias_parameter(bias, train_bias, (self.channels, self.features), dtype, device)

    @property
    def beta(self) -> Tensor:
        """``exp(log_beta)``, ``(channels,)``."""
        return self.log_beta.exp()

    def logits(self, x: Tensor) -> Tensor:
        """The logits before the max: ``(batch, channels, neurons) -> (batch, channels, deep * features)``."""
        xi = check_input(x, "x", (("batch", None), ("channels", self.channels), ("neurons", self.neurons)))
        return logit_loop(xi, self.patterns, self.beta.to(xi.dtype), self.iterations)

    def forward(self, x: Tensor) -> Tensor:
        """Listing 4.1: ``(batch, channels, neurons) -> (batch, channels, features)``."""
        out = deep_max(self.logits(x), self.features, self.deep)
        return out if self.bias is None else out + self.bias.to(out.dtype)

    def extra_repr(self) -> str:
        return (
            f"channels={self.channels}, features={self.features}, deep={self.deep}, "
            f"neurons={self.neurons}, iterations={self.iterations}, bias={self.bias is not None}"
        )
