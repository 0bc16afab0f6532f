"""``HopfieldLayer``: learned stored patterns (and targets) looked up by the state patterns (004 §B2.6)."""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from hopfield._validate import check_bool, check_tensor
from hopfield.nn._wrapper import HopfieldWrapper

__all__ = ["HopfieldLayer"]


class HopfieldLayer(HopfieldWrapper):
    """Hopfield lookup: the state patterns of the input associate with ``quantity`` learned stored
    patterns (``lookup_weights``), which are also the values unless ``lookup_weights_as_separated``
    gives separate learned targets (``target_weights``). A layer with a learned memory.

    Arguments as :class:`Hopfield` (and ``hflayers.HopfieldLayer``). The learned patterns are one
    memory shared by the batch: they are projected once per call, not once per sample.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int | None = None,
        output_size: int | None = None,
        pattern_size: int | None = None,
        num_heads: int = 1,
        scaling: float | Tensor | None = None,
        update_steps_max: int | None = 0,
        update_steps_eps: float = 1e-4,
        lookup_weights_as_separated: bool = False,
        lookup_targets_as_trainable: bool = True,
        normalize_stored_pattern: bool = True,
        normalize_stored_pattern_affine: bool = True,
        normalize_state_pattern: bool = True,
        normalize_state_pattern_affine: bool = True,
        normalize_pattern_projection: bool = True,
        normalize_pattern_projection_affine: bool = True,
        normalize_hopfield_space: bool = False,
        normalize_hopfield_space_affine: bool = False,
        stored_pattern_as_static: bool = False,
        state_pattern_as_static: bool = False,
        pattern_projection_as_static: bool = False,
        pattern_projection_as_connected: bool = False,
        stored_pattern_size: int | None = None,
        pattern_projection_size: int | None = None,
        batch_first: bool = True,
        association_activation: str | None = None,
        dropout: float = 0.0,
        input_bias: bool = True,
        concat_bias_pattern: bool = False,
        add_zero_association: bool = False,
        disable_out_projection: bool = False,
        quantity: int = 1,
        trainable: bool = True,
        *,
        association: str = "softmax",
    ) -> None:
        super().__init__(locals())
        hop = self.hopfield
        size = int((hop.hidden_size if stored_pattern_as_static else hop.stored_pattern_dim) or input_size)
        self.lookup_weights = self.learned(size, trainable, "trainable")
        self.target_weights: nn.Parameter | None = None
        if check_bool(lookup_weights_as_separated, "lookup_weights_as_separated"):
            target = pattern_projection_size or size
            self.target_weights = self.learned(
                target, lookup_targets_as_trainable, "lookup_targets_as_trainable"
            )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """As hflayers: lookup (and target) weights ~ N(0, 0.02^2)."""
        self.hopfield.reset_parameters()
        nn.init.normal_(self.lookup_weights, mean=0.0, std=0.02)
        if self.target_weights is not None:
            nn.init.normal_(self.target_weights, mean=0.0, std=0.02)

    def _memory(self, x: Tensor) -> Tensor:
        """A learned ``(quantity, size)`` memory as one stored-pattern batch the input broadcasts against."""
        if x.ndim == 2:
            return x
        return x.unsqueeze(0) if self.batch_first else x.unsqueeze(1)

    def forward(
        self,
        input: Tensor,
        stored_pattern_padding_mask: Tensor | None = None,
        association_mask: Tensor | None = None,
        *,
        return_association: bool = False,
    ) -> Any:
        """Look up: state patterns ``(B, L, d)`` (``batch_first``; 2-d: unbatched) -> ``(B, L, output_size)``
        and, with ``return_association``, the association matrix ``(B, H, L, quantity')``."""
        check_tensor(input, "input", ranks=(2, 3), shape="(batch, L, features) or (L, features)")
        stored = self.lookup_weights if input.ndim == 2 else self._memory(self.lookup_weights)
        targets = self.lookup_weights if self.target_weights is None else self.target_weights
        projection = targets if input.ndim == 2 else self._memory(targets)
        return self.hopfield(
            (stored, input, projection),
            stored_pattern_padding_mask,
            association_mask,
            return_association=True if return_association else False,
        )
