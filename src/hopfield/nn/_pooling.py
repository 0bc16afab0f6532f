"""``HopfieldPooling``: learned state patterns (queries) pool a set of stored patterns (004 §B2.6)."""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from hopfield._errors import HopfieldTypeError, input_error
from hopfield._validate import check_bool, check_tensor, describe
from hopfield.nn._attention import per_head_beta, project_heads
from hopfield.nn._config import attention_kwargs, split_patterns
from hopfield.nn._iteration import MAX_UPDATE_STEPS, iterate_rows
from hopfield.nn._ragged import bag_index, ragged_update
from hopfield.nn._wrapper import HopfieldWrapper

__all__ = ["HopfieldPooling"]

Bag = Tensor | tuple[Tensor, Tensor]


class HopfieldPooling(HopfieldWrapper):
    """Hopfield pooling: ``quantity`` learned state patterns associate with the stored patterns of a
    bag (multiple-instance learning, attention pooling; 004's paper pools immune repertoires so).

    Arguments as :class:`Hopfield` (and ``hflayers.HopfieldPooling``), plus ``quantity`` (number of
    learned state patterns, ``pooling_weights`` ``(quantity, size)``) and ``trainable``. The output is
    ``(B, quantity * output_size)`` whatever ``batch_first`` says (hflayers mixes the batch into the
    features when ``batch_first=False``).

    For bags of different sizes, pass a ``stored_pattern_padding_mask`` ``(B, N)``, or the ragged form:
    the instances of all bags concatenated ``(T, d)`` with ``offsets`` ``(B + 1,)`` (no padding; the
    bags' softmaxes merge chunk by chunk, see :mod:`hopfield.nn._ragged`). In the ragged form a
    ``stored_pattern_bias`` ``(T,)`` may be added to each instance's association logits
    ``beta q k_t^T`` (e.g. ``log`` of a multiplicity: instance ``t`` then weighs as ``exp(bias_t)``
    copies of itself; :class:`~hopfield.nn.RepertoireClassifier` uses it for duplicate counts).

    The static configuration of 004's paper (DeepRC): ``HopfieldPooling(input_size=32,
    stored_pattern_as_static=True, state_pattern_as_static=True, pattern_projection_as_static=True,
    normalize_stored_pattern=False, normalize_state_pattern=False, normalize_pattern_projection=False,
    disable_out_projection=True, scaling=32 ** -0.5)`` called with ``(keys, embeddings)``: one learned
    query, the caller's keys, the raw embeddings as values, nothing materialized beyond ``(B, 1, N)``.

    Examples
    --------
    >>> import torch
    >>> pool = HopfieldPooling(input_size=16, quantity=2)
    >>> pool(torch.randn(4, 10, 16)).shape  # 4 bags of 10 instances
    torch.Size([4, 32])
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
        size = self.hopfield.hidden_size if state_pattern_as_static else self.hopfield.input_size
        size = int(size or self.hopfield.input_size)  # type: ignore[arg-type]
        self.pooling_weights = self.learned(size, trainable, "trainable")
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """The layer's parameters as hflayers: pooling weights ~ N(0, 0.02^2)."""
        self.hopfield.reset_parameters()
        nn.init.normal_(self.pooling_weights, mean=0.0, std=0.02)

    def _split(self, input: Bag) -> tuple[Tensor, Tensor]:
        if isinstance(input, Tensor):
            return input, input
        if isinstance(input, tuple) and len(input) == 2:
            return input
        raise input_error(
            "input",
            "a tensor, or a tuple (stored_pattern, pattern_projection)",
            describe(input),
            cls=HopfieldTypeError,
        )

    def forward(
        self,
        input: Bag,
        stored_pattern_padding_mask: Tensor | None = None,
        association_mask: Tensor | None = None,
        *,
        return_association: bool = False,
        offsets: Tensor | None = None,
        stored_pattern_bias: Tensor | None = None,
    ) -> Any:
        """Pool: ``input`` is the stored patterns (also the values) or ``(stored, projection)``.

        Shapes (``batch_first``): ``(B, N, d)`` (2-d: one unbatched bag), or with ``offsets`` the ragged
        form ``(T, d)``. Returns ``(B, quantity * output_size)`` and, with ``return_association``, the
        association weights: ``(B, H, quantity, N')``, or per instance ``(T, H, quantity)`` when ragged.
        ``stored_pattern_bias`` ``(T,)`` (ragged form only) is added to the association logits.
        """
        stored, projection = self._split(input)
        if offsets is not None:
            need = check_bool(return_association, "return_association")
            return self._ragged(stored, projection, offsets, need, stored_pattern_bias)
        if stored_pattern_bias is not None:
            raise input_error(
                "stored_pattern_bias", "None unless offsets (the ragged form) are given", "a bias"
            )
        check_tensor(stored, "stored_pattern", ranks=(2, 3), shape="(batch, N, features) or (N, features)")
        if stored.ndim == 2:
            state: Tensor = self.pooling_weights
        elif self.batch_first:
            state = self.pooling_weights.unsqueeze(0).expand(stored.shape[0], -1, -1)
        else:
            state = self.pooling_weights.unsqueeze(1).expand(-1, stored.shape[1], -1)
        res = self.hopfield(
            (stored, state, projection),
            stored_pattern_padding_mask,
            association_mask,
            return_association=True if return_association else False,
        )
        out, assoc = res if isinstance(res, tuple) else (res, None)
        if not self.batch_first and out.ndim == 3:
            out = out.transpose(0, 1)
        out = out.flatten(start_dim=-2)
        return (out, assoc) if return_association else out

    def _ragged(
        self, stored: Tensor, projection: Tensor, offsets: Tensor, need: bool, bias: Tensor | None
    ) -> Any:
        hop = self.hopfield
        for x, name in ((stored, "stored_pattern"), (projection, "pattern_projection")):
            check_tensor(x, name, ranks=(2,), shape="(total_instances, features) with offsets")
        if hop.add_zero_association or hop.bias_k is not None:
            raise input_error("offsets", "None with concat_bias_pattern or add_zero_association", "offsets")
        if hop.association != "softmax":
            raise input_error("offsets", "None with a sparse association function", hop.association)
        if projection.shape[0] != stored.shape[0]:
            raise input_error(
                "pattern_projection",
                f"{stored.shape[0]} rows (one per instance)",
                f"shape {tuple(projection.shape)}",
                verb="have",
            )
        if bias is not None:
            check_tensor(bias, "stored_pattern_bias", ranks=(1,), shape="(total_instances,)")
            if bias.shape[0] != stored.shape[0] or not bias.is_floating_point():
                raise input_error(
                    "stored_pattern_bias",
                    f"{stored.shape[0]} floating values (one per instance)",
                    f"shape {tuple(bias.shape)}, dtype {bias.dtype}",
                )
        bag = bag_index(offsets, stored.shape[0])
        n_bags = offsets.numel() - 1
        stored_n, state_n, proj_n = split_patterns(hop, (stored, self.pooling_weights, projection))  # 2-d
        pr = project_heads(state_n, stored_n, proj_n, **attention_kwargs(hop))
        h = pr.q.shape[1]
        beta = per_head_beta(hop.scaling, pr.head_dim, h)
        k, v = pr.k[0], pr.v[0]  # (H|1, T, .)
        limit = MAX_UPDATE_STEPS if hop.update_steps_max is None else hop.update_steps_max
        q, _ = iterate_rows(
            lambda xi: ragged_update(xi, k, k, beta, bag, n_bags, bias=bias)[0],
            pr.q,
            limit,
            hop.update_steps_eps,
        )
        drop = hop.dropout if hop.training else 0.0
        out, weights = ragged_update(q, k, v, beta, bag, n_bags, dropout_p=drop, need_weights=need, bias=bias)
        out = out.transpose(1, 2).reshape(n_bags, self.quantity, -1)  # (B, Q, H dv)
        if hop.out_proj is not None:
            out = hop.out_proj(out)
        if hop.association_activation is not None:
            out = hop.association_activation(out)
        out = out.flatten(start_dim=-2)
        return (out, weights) if need else out
