"""Encoder and decoder layers on :class:`Hopfield` for ``nn.TransformerEncoder`` and ``...Decoder``."""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from hopfield._errors import HopfieldTypeError, input_error
from hopfield._validate import check_bool, check_int, check_positive, check_real, describe
from hopfield.nn._hopfield import Hopfield

__all__ = ["HopfieldDecoderLayer", "HopfieldEncoderLayer"]


def _activation(activation: str | Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    if callable(activation):
        return activation
    fn = (
        (getattr(F, activation, None) or getattr(torch, activation, None))
        if isinstance(activation, str)
        else None
    )
    if not callable(fn):
        raise input_error(
            "activation", "a callable or the name of a torch function (e.g. 'relu')", describe(activation)
        )
    return fn  # type: ignore[no-any-return]


def _association(hop: object, name: str) -> Hopfield:
    if not isinstance(hop, Hopfield):
        raise input_error(name, "a hopfield.nn.Hopfield", describe(hop), cls=HopfieldTypeError)
    if hop.input_size is None or hop.output_size != hop.input_size:
        raise input_error(
            name, "a Hopfield whose output_size equals its input_size (the residual adds them)", repr(hop)
        )
    return copy.deepcopy(hop)


class _FeedForward(nn.Module):
    """The residual feed-forward block and the shared options of both layers."""

    def __init__(
        self,
        d: int,
        dim_feedforward: int,
        dropout: float,
        activation: str | Callable[[Tensor], Tensor],
        norm_first: bool,
        eps: float,
    ) -> None:
        super().__init__()
        p = check_real(dropout, "dropout", low=0.0, high=1.0, high_open=True)
        self.linear_residual = nn.Linear(d, check_int(dim_feedforward, "dim_feedforward"))
        self.dropout_residual = nn.Dropout(p)
        self.linear_output = nn.Linear(dim_feedforward, d)
        self.norm_output = nn.LayerNorm(d, eps=check_positive(eps, "layer_norm_eps"))
        self.dropout_output = nn.Dropout(p)
        self.activation_residual = _activation(activation)
        self.norm_first = check_bool(norm_first, "norm_first")

    def _ff(self, x: Tensor) -> Tensor:
        y: Tensor = self.linear_output(
            self.dropout_residual(self.activation_residual(self.linear_residual(x)))
        )
        out: Tensor = self.dropout_output(y)
        return out

    @property
    def batch_first(self) -> bool:
        """Inputs are ``(batch, length, features)`` (the association's setting)."""
        return bool(self.self_attn.batch_first)

    @property
    def input_size(self) -> int:
        """Size of the features, as hflayers."""
        return int(self.linear_output.out_features)

    @property
    def output_size(self) -> int:
        """Size of the output features (= ``input_size``), as hflayers."""
        return int(self.linear_output.out_features)

    @property
    def self_attn(self) -> Hopfield:
        """The (self-)association: the name ``nn.TransformerEncoder``/``Decoder`` look for."""
        raise NotImplementedError

    def _residual(self, x: Tensor, block: Callable[[Tensor], Tensor], norm: nn.Module) -> Tensor:
        """``x + block(norm(x))`` (pre-LN) or ``norm(x + block(x))`` (post-LN, hflayers' order)."""
        if self.norm_first:
            return x + block(norm(x))
        out: Tensor = norm(x + block(x))
        return out


class HopfieldEncoderLayer(_FeedForward):
    """Hopfield self-association, then a feed-forward block, each with a residual and a LayerNorm.

    Usable as the layer of ``nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)``:
    ``forward(src, src_mask, src_key_padding_mask, is_causal)`` with the masks of
    ``nn.TransformerEncoderLayer`` (bool True = masked out, or additive). ``norm_first=False``
    (post-LN) is hflayers' layer; ``norm_first=True`` is pre-LN. The association is deep-copied, as in
    hflayers. ``self_attn`` is the association (``nn.TransformerEncoder`` reads ``batch_first`` there).
    """

    def __init__(
        self,
        hopfield_association: Hopfield,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu",
        *,
        norm_first: bool = False,
        layer_norm_eps: float = 1e-5,
    ) -> None:
        hop = _association(hopfield_association, "hopfield_association")
        d = int(hop.input_size)  # type: ignore[arg-type]
        super().__init__(d, dim_feedforward, dropout, activation, norm_first, layer_norm_eps)
        self.hopfield_association = hop
        self.norm_residual = nn.LayerNorm(d, eps=layer_norm_eps)
        self.dropout_hopfield_association = nn.Dropout(self.dropout_residual.p)

    @property
    def self_attn(self) -> Hopfield:
        """The Hopfield association (the name ``nn.TransformerEncoder`` looks for)."""
        return self.hopfield_association

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        """``src`` ``(B, L, d)`` (``batch_first``) -> same shape. ``is_causal`` is a hint only (as in
        ``nn.MultiheadAttention``): the mask is what counts."""

        def associate(x: Tensor) -> Tensor:
            out: Tensor = self.hopfield_association(x, src_key_padding_mask, src_mask)
            dropped: Tensor = self.dropout_hopfield_association(out)
            return dropped

        x = self._residual(src, associate, self.norm_residual)
        return self._residual(x, self._ff, self.norm_output)


class HopfieldDecoderLayer(_FeedForward):
    """Hopfield self-association, cross-association with the memory, feed-forward; each residual.

    Usable as the layer of ``nn.TransformerDecoder``: ``forward(tgt, memory, tgt_mask, memory_mask,
    tgt_key_padding_mask, memory_key_padding_mask, tgt_is_causal, memory_is_causal)``. Post-LN (hflayers)
    or pre-LN with ``norm_first=True``.
    """

    def __init__(
        self,
        hopfield_association_self: Hopfield,
        hopfield_association_cross: Hopfield,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu",
        *,
        norm_first: bool = False,
        layer_norm_eps: float = 1e-5,
    ) -> None:
        hop_self = _association(hopfield_association_self, "hopfield_association_self")
        hop_cross = _association(hopfield_association_cross, "hopfield_association_cross")
        d = int(hop_self.input_size)  # type: ignore[arg-type]
        if hop_cross.input_size != d:
            raise input_error(
                "hopfield_association_cross", f"input_size {d} (the self-association's)", hop_cross.input_size
            )
        super().__init__(d, dim_feedforward, dropout, activation, norm_first, layer_norm_eps)
        self.hopfield_association_self = hop_self
        self.hopfield_association_cross = hop_cross
        self.norm_residual_self = nn.LayerNorm(d, eps=layer_norm_eps)
        self.norm_residual_cross = nn.LayerNorm(d, eps=layer_norm_eps)
        self.dropout_hopfield_association_self = nn.Dropout(self.dropout_residual.p)
        self.dropout_hopfield_association_cross = nn.Dropout(self.dropout_residual.p)

    @property
    def self_attn(self) -> Hopfield:
        """The self-association (the name ``nn.TransformerDecoder`` looks for)."""
        return self.hopfield_association_self

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """``tgt`` ``(B, L, d)``, ``memory`` ``(B, S, d)`` (``batch_first``) -> ``(B, L, d)``."""

        def self_associate(x: Tensor) -> Tensor:
            out: Tensor = self.hopfield_association_self(x, tgt_key_padding_mask, tgt_mask)
            dropped: Tensor = self.dropout_hopfield_association_self(out)
            return dropped

        def cross_associate(x: Tensor) -> Tensor:
            out: Tensor = self.hopfield_association_cross(
                (memory, x, memory), memory_key_padding_mask, memory_mask
            )
            dropped: Tensor = self.dropout_hopfield_association_cross(out)
            return dropped

        x = self._residual(tgt, self_associate, self.norm_residual_self)
        x = self._residual(x, cross_associate, self.norm_residual_cross)
        return self._residual(x, self._ff, self.norm_output)
