"""The trainable convex merge of channels used after DeepHNN (003 §4.2 "DeepHNN as MLP")."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from hopfield.nn._hnn_base import check_input, make_parameter, size_arg

__all__ = ["ConvexMerge"]


class ConvexMerge(nn.Module):
    """``(batch, channels, features) -> (batch, features)``: a convex combination of the channels per feature.

    ``out[b, f] = sum_c w[c, f] x[b, c, f]`` with ``w = softmax(weight, dim=0)`` (over the channels), so
    each feature's weights are positive and sum to 1. ``weight`` has shape ``(channels, features)``
    (``channels * features`` trainable parameters) and starts at 0 (the mean of the channels).

    Parameters
    ----------
    channels, features:
        Positive sizes.
    trainable:
        Whether ``weight`` is trainable (frozen: ``requires_grad=False``, kept in the state dict).
    dtype, device:
        Of the weight.
    """

    def __init__(
        self,
        channels: int,
        features: int,
        *,
        trainable: bool = True,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.channels = size_arg(channels, "channels")
        self.features = size_arg(features, "features")
        zeros = torch.zeros(self.channels, self.features, dtype=dtype, device=device)
        self.weight = make_parameter(zeros, trainable, "trainable")

    def weights(self) -> Tensor:
        """The convex weights ``softmax(weight, dim=0)``, ``(channels, features)``."""
        return torch.softmax(self.weight, dim=0)

    def forward(self, x: Tensor) -> Tensor:
        """``(batch, channels, features) -> (batch, features)``."""
        xi = check_input(x, "x", (("batch", None), ("channels", self.channels), ("features", self.features)))
        return (xi * self.weights().to(xi.dtype)).sum(dim=1)

    def extra_repr(self) -> str:
        return f"channels={self.channels}, features={self.features}"
