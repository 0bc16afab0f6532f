"""The generalized continuous Hopfield network: the loop with ``A = M^T M`` trained (003 §4.1 remark)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from hopfield.nn._hnn import deep_max, generalized_loop
from hopfield.nn._hnn_base import (
    bias_parameter,
    check_input,
    init_patterns,
    make_parameter,
    set_sizes,
    size_arg,
)

__all__ = ["GeneralizedHopfield"]


class GeneralizedHopfield(nn.Module):
    """A DeepHNN whose loop matrix ``A = M^T M`` is trained directly (003 §4.1, remark "Generalized").

    The seed observes that ``A_beta = beta X^T X`` is only required to be real, symmetric and
    non-negative, so ``A = M^T M`` with ``M`` trained is a valid loop: the network is an encoder (an FC
    layer ``E``, the seed's ``beta X^T``, zero bias), the cycle ``l <- M^T M softmax(l)``
    (:func:`hopfield.nn._hnn.generalized_loop`, through the one update), then the max over the ``deep``
    patterns of each feature and a bias, as in :class:`DeepHNN`.

    Parameters
    ----------
    channels, features, deep, neurons:
        Positive sizes (``P = deep * features`` logits per channel).
    iterations:
        Loop steps (>= 0).
    rank:
        Rows ``R`` of ``M`` ``(channels, R, P)``; ``None``: ``P`` (the seed's square ``M``).
    encoder:
        ``E``, ``(channels, P, neurons)`` (copied); ``None``: ``U(-1/sqrt(neurons), 1/sqrt(neurons))``.
    matrix:
        ``M``, ``(channels, R, P)`` (copied); ``None``: ``U(-1/sqrt(P), 1/sqrt(P))``.
    bias:
        Whether to add a bias ``(channels, features)`` (initialized to 0).
    train_encoder, train_matrix, train_bias:
        Whether each is trainable (frozen: ``requires_grad=False``, kept in the state dict).
    dtype, device, generator:
        Of the parameters; ``generator`` draws the random initializations (``None``: torch's global one).

    Shapes: ``(batch, channels, neurons) -> (batch, channels, features)``.
    """

    def __init__(
        self,
        channels: int,
        features: int,
        deep: int,
        neurons: int,
        iterations: int = 1,
        *,
        rank: int | None = None,
        encoder: Tensor | None = None,
        matrix: Tensor | None = None,
        bias: bool = True,
        train_encoder: bool = True,
        train_matrix: bool = True,
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
        p = self.deep * self.features
        self.rank = p if rank is None else size_arg(rank, "rank")
        enc = init_patterns(encoder, "encoder", (self.channels, p, self.neurons), dtype, device, generator)
        self.encoder = make_parameter(enc, train_encoder, "train_encoder")
        mat = init_patterns(matrix, "matrix", (self.channels, self.rank, p), dtype, device, generator)
        self.matrix = make_parameter(mat, train_matrix, "train_matrix")
        self.bias = bias_parameter(bias, train_bias, (self.channels, self.features), dtype, device)

    def loop_matrix(self) -> Tensor:
        """``A = M^T M``, ``(channels, P, P)``: symmetric and positive semi-definite."""
        return self.matrix.transpose(-1, -2) @ self.matrix

    def logits(self, x: Tensor) -> Tensor:
        """``(batch, channels, neurons) -> (batch, channels, deep*features)``: ``E xi`` then the loop."""
        xi = check_input(x, "x", (("batch", None), ("channels", self.channels), ("neurons", self.neurons)))
        l0 = torch.einsum("bcn,cpn->bcp", xi, self.encoder.to(xi.dtype))
        return generalized_loop(l0, self.matrix, self.iterations)

    def forward(self, x: Tensor) -> Tensor:
        """``(batch, channels, neurons) -> (batch, channels, features)``."""
        out = deep_max(self.logits(x), self.features, self.deep)
        return out if self.bias is None else out + self.bias.to(out.dtype)

    def extra_repr(self) -> str:
        return (
            f"channels={self.channels}, features={self.features}, deep={self.deep}, "
            f"neurons={self.neurons}, iterations={self.iterations}, rank={self.rank}"
        )
