"""``Hopfield``: the modern Hopfield layer (004 §B2.6, §B5), argument-compatible with ``hflayers``."""

from __future__ import annotations

import math
from typing import Literal, overload

import torch
from torch import Tensor, nn

from hopfield._errors import input_error
from hopfield._validate import (
    check_bool,
    check_nonnegative,
    check_optional_int,
    check_positive,
    check_real,
    check_tensor,
)
from hopfield.nn._association import ASSOCIATIONS
from hopfield.nn._attention import Projected, hopfield_attention, layer_mask, per_head_beta, project_heads
from hopfield.nn._config import (
    Patterns,
    activation,
    attention_kwargs,
    layer_norm,
    layer_sizes,
    norm_flag,
    split_patterns,
)
from hopfield.nn._energy import association_energy

__all__ = ["Hopfield", "Patterns"]


class Hopfield(nn.Module):
    """Modern Hopfield layer: associates state patterns with stored patterns (004 eq. (17), §B2.6, §B5).

    ``forward((stored, state, projection))`` maps the state patterns R, the stored patterns Y and the
    pattern projections (values) to the association space (``W_Q``, ``W_K``, ``W_V``; LayerNorms before
    and optionally in that space), updates the states ``update_steps_max`` times there, associates once
    more, ``softmax(beta Q K^T) V``, and applies the output projection: with one update and no
    normalization this is ``nn.MultiheadAttention`` (eq. (534)); with identity projections, the update
    (17) of :class:`hopfield.ModernHopfield`. The one-update softmax path runs in the fused kernel and
    never builds the association matrix (unless asked for with ``return_association=True``).

    Arguments and defaults are those of ``hflayers.Hopfield`` (docs/migrating-from-hflayers.md maps
    each, and lists where ours differs on purpose); the additions are keyword-only.

    Parameters
    ----------
    input_size, hidden_size, output_size, pattern_size:
        Size of the state patterns; of the association space per head (``d_k``, default
        ``input_size / num_heads``); of the output (default ``input_size``); of a projected value per
        head (``d_v``, default ``d_k``).
    num_heads:
        Heads; each has its own association space.
    scaling:
        beta: a number, a tensor of one beta per head ``(num_heads,)`` (an ``nn.Parameter`` is learned),
        or None: ``1/sqrt(d_k)`` (1.0 when every pattern is static, as in hflayers).
    update_steps_max, update_steps_eps:
        0: one update; n: up to n more updates of the states in the association space; None: until
        converged (at most 1000). A state stops once its largest coordinate change (in the association
        space) is at most ``update_steps_eps``.
    normalize_{stored_pattern,state_pattern,pattern_projection}[_affine, _eps]:
        LayerNorm of the inputs before their projections (the affine flags are ignored when off).
    normalize_hopfield_space[_affine, _eps]:
        LayerNorm of the projected states and stored patterns over ``d_k``.
    stored_pattern_as_static, state_pattern_as_static, pattern_projection_as_static:
        Use that input as it is (no projection; every head sees it whole).
    pattern_projection_as_connected:
        Pass the values through the stored patterns' projection first.
    stored_pattern_size, pattern_projection_size:
        Sizes of the stored patterns and of the values (default ``input_size``).
    batch_first:
        Inputs ``(batch, length, features)`` (else ``(length, batch, features)``).
    association_activation:
        Name of a torch function applied to the output (e.g. ``"tanh"``).
    dropout:
        Dropout on the association weights.
    input_bias:
        Biases of the projections (and of the output projection).
    concat_bias_pattern:
        One learned stored pattern and value more per head (``bias_k``, ``bias_v``).
    add_zero_association:
        One all-zero stored pattern and value more per head.
    disable_out_projection:
        Return the concatenated heads ``(..., num_heads * d_v)``.
    association:
        ``"softmax"`` (default), ``"sparsemax"`` or ``"entmax15"`` (sparse modern Hopfield networks;
        the optional extra ``hopfield[sparse]``).
    """

    def __init__(
        self,
        input_size: int | None = None,
        hidden_size: int | None = None,
        output_size: int | None = None,
        pattern_size: int | None = None,
        num_heads: int = 1,
        scaling: float | Tensor | None = None,
        update_steps_max: int | None = 0,
        update_steps_eps: float = 1e-4,
        normalize_stored_pattern: bool = True,
        normalize_stored_pattern_affine: bool = True,
        normalize_stored_pattern_eps: float = 1e-5,
        normalize_state_pattern: bool = True,
        normalize_state_pattern_affine: bool = True,
        normalize_state_pattern_eps: float = 1e-5,
        normalize_pattern_projection: bool = True,
        normalize_pattern_projection_affine: bool = True,
        normalize_pattern_projection_eps: float = 1e-5,
        normalize_hopfield_space: bool = False,
        normalize_hopfield_space_affine: bool = False,
        normalize_hopfield_space_eps: float = 1e-5,
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
        *,
        association: str = "softmax",
    ) -> None:
        super().__init__()
        sz = layer_sizes(
            input_size,
            hidden_size,
            output_size,
            pattern_size,
            num_heads,
            stored_pattern_as_static,
            state_pattern_as_static,
            pattern_projection_as_static,
            pattern_projection_as_connected,
            check_bool(normalize_hopfield_space, "normalize_hopfield_space"),
            check_bool(disable_out_projection, "disable_out_projection"),
            stored_pattern_size,
            pattern_projection_size,
        )
        self.sizes = sz
        self.input_size, self.hidden_size, self.num_heads = sz.input_size, sz.hidden_size, sz.num_heads
        self.output_size, self.pattern_size = sz.output_size, sz.pattern_size
        self.state_pattern_dim, self.stored_pattern_dim = sz.input_size, sz.stored_pattern_dim
        self.pattern_projection_dim = sz.pattern_projection_dim
        self.stored_pattern_as_static, self.state_pattern_as_static = sz.stored_static, sz.state_static
        self.pattern_projection_as_static = sz.projection_static
        self.pattern_projection_as_connected, self.static_execution = sz.connected, sz.static_execution
        self.normalize_hopfield_space = bool(normalize_hopfield_space)
        self.disable_out_projection = bool(disable_out_projection)
        self.batch_first = check_bool(batch_first, "batch_first")
        self.update_steps_max = check_optional_int(update_steps_max, "update_steps_max", minimum=0)
        self.update_steps_eps = check_nonnegative(update_steps_eps, "update_steps_eps")
        self.dropout = check_real(dropout, "dropout", low=0.0, high=1.0, high_open=True)
        self.add_zero_association = check_bool(add_zero_association, "add_zero_association")
        ASSOCIATIONS.get(association)
        self.association = association
        self.association_activation = activation(association_activation)
        bias = check_bool(input_bias, "input_bias")
        h, d, p = sz.num_heads, sz.hidden_size, sz.pattern_size

        def linear(on: bool, fan_in: int | None, rows: int | None) -> nn.Linear | None:
            return nn.Linear(fan_in, rows, bias=bias) if on and fan_in and rows else None

        self.q_proj = linear(not sz.state_static, self.input_size, h * d if d else None)
        self.k_proj = linear(not sz.stored_static, self.stored_pattern_dim, h * d if d else None)
        v_in = (
            h * d
            if (self.pattern_projection_as_connected and not sz.stored_static and d)
            else self.pattern_projection_dim
        )
        self.v_proj = linear(not sz.projection_static, v_in, h * p if p else None)
        self.out_proj = linear(not self.disable_out_projection, h * p if p else None, self.output_size)
        if not self.disable_out_projection and self.out_proj is None:
            raise input_error("disable_out_projection", "True when the output size is unknown", False)
        self.norm_stored_pattern = layer_norm(
            normalize_stored_pattern,
            self.stored_pattern_dim,
            normalize_stored_pattern_affine,
            normalize_stored_pattern_eps,
            "stored_pattern",
        )
        self.norm_state_pattern = layer_norm(
            normalize_state_pattern,
            self.input_size,
            normalize_state_pattern_affine,
            normalize_state_pattern_eps,
            "state_pattern",
        )
        self.norm_pattern_projection = layer_norm(
            normalize_pattern_projection,
            self.pattern_projection_dim,
            normalize_pattern_projection_affine,
            normalize_pattern_projection_eps,
            "pattern_projection",
        )
        self.normalize_hopfield_space_eps = check_positive(
            normalize_hopfield_space_eps, "normalize_hopfield_space_eps"
        )
        affine = self.normalize_hopfield_space and check_bool(
            normalize_hopfield_space_affine, "normalize_hopfield_space_affine"
        )
        self.hopfield_norm_weight = nn.Parameter(torch.ones(d)) if affine and d else None
        self.hopfield_norm_bias = nn.Parameter(torch.zeros(d)) if affine and d else None
        concat = check_bool(concat_bias_pattern, "concat_bias_pattern")
        if concat and (sz.stored_static or sz.projection_static or not d):
            raise input_error(
                "concat_bias_pattern", "False with static stored patterns or pattern projections", True
            )
        self.bias_k = nn.Parameter(torch.empty(1, 1, h * d)) if concat and d else None
        self.bias_v = nn.Parameter(torch.empty(1, 1, h * p)) if concat and p else None
        self._set_scaling(scaling)
        self.reset_parameters()

    normalize_stored_pattern = norm_flag("norm_stored_pattern")
    normalize_stored_pattern_affine = norm_flag("norm_stored_pattern", affine=True)
    normalize_state_pattern = norm_flag("norm_state_pattern")
    normalize_state_pattern_affine = norm_flag("norm_state_pattern", affine=True)
    normalize_pattern_projection = norm_flag("norm_pattern_projection")
    normalize_pattern_projection_affine = norm_flag("norm_pattern_projection", affine=True)

    def _set_scaling(self, scaling: float | Tensor | None) -> None:
        self.scaling: float | Tensor
        if scaling is None:
            self.scaling = (
                1.0 if self.static_execution or not self.hidden_size else 1.0 / math.sqrt(self.hidden_size)
            )
        elif isinstance(scaling, nn.Parameter):
            per_head_beta(scaling, 1, self.num_heads)
            self.scaling = scaling
        elif isinstance(scaling, Tensor):
            per_head_beta(scaling, 1, self.num_heads)
            self.register_buffer("scaling", scaling.detach().clone(), persistent=False)
        else:
            self.scaling = check_positive(scaling, "scaling")

    def reset_parameters(self) -> None:
        """Projections ~ N(0, 0.02^2) with zero biases, LayerNorms to identity (as hflayers)."""
        for lin in (self.q_proj, self.k_proj, self.v_proj, self.out_proj):
            if lin is not None:
                nn.init.normal_(lin.weight, mean=0.0, std=0.02)
                if lin.bias is not None:
                    nn.init.zeros_(lin.bias)
        for norm in (self.norm_stored_pattern, self.norm_state_pattern, self.norm_pattern_projection):
            if norm is not None:
                norm.reset_parameters()
        if self.hopfield_norm_weight is not None and self.hopfield_norm_bias is not None:
            nn.init.ones_(self.hopfield_norm_weight)
            nn.init.zeros_(self.hopfield_norm_bias)
        for b in (self.bias_k, self.bias_v):
            if b is not None:
                nn.init.normal_(b, mean=0.0, std=0.02)

    def project(self, input: Patterns) -> Projected:
        """The patterns in the association space (after every normalization, before any update):
        ``q`` ``(B, H, L, d_k)``, ``k`` and ``v`` ``(B|1, H|1, N', .)``; unbatched input keeps B = 1."""
        stored, state, projection = split_patterns(self, input)
        return project_heads(state, stored, projection, **attention_kwargs(self))

    # ------------------------------------------------------------------------------------------ forward
    @overload
    def forward(
        self,
        input: Patterns,
        stored_pattern_padding_mask: Tensor | None = ...,
        association_mask: Tensor | None = ...,
        *,
        return_association: Literal[False] = ...,
    ) -> Tensor: ...

    @overload
    def forward(
        self,
        input: Patterns,
        stored_pattern_padding_mask: Tensor | None = ...,
        association_mask: Tensor | None = ...,
        *,
        return_association: Literal[True],
    ) -> tuple[Tensor, Tensor]: ...

    def forward(
        self,
        input: Patterns,
        stored_pattern_padding_mask: Tensor | None = None,
        association_mask: Tensor | None = None,
        *,
        return_association: bool = False,
    ) -> Tensor | tuple[Tensor, Tensor]:
        """Associate: ``input`` is one tensor (self-association) or ``(stored, state, projection)``.

        Shapes (``batch_first``): stored ``(B|1, N, d_y)``, state ``(B, L, d)``, projection
        ``(B|1, N, d_v)``, or 2-d for one unbatched sample; masks as in ``hflayers`` (True: masked out,
        or additive). Returns ``(B, L, output_size)`` and, with ``return_association``, the association
        matrix ``(B, H, L, N')`` (materialized on request).
        """
        stored, state, projection = split_patterns(self, input)
        res = hopfield_attention(
            state,
            stored,
            projection,
            **attention_kwargs(self),
            out_weight=None if self.out_proj is None else self.out_proj.weight,
            out_bias=None if self.out_proj is None else self.out_proj.bias,
            scaling=self.scaling,
            update_steps_max=self.update_steps_max,
            update_steps_eps=self.update_steps_eps,
            association_mask=association_mask,
            stored_pattern_padding_mask=stored_pattern_padding_mask,
            dropout=self.dropout,
            training=self.training,
            association=self.association,
            need_weights=check_bool(return_association, "return_association"),
        )
        out = res.output
        if self.association_activation is not None:
            out = self.association_activation(out)
        if not self.batch_first and out.ndim == 3:
            out = out.transpose(0, 1)
        if return_association:
            assert res.association is not None
            return out, res.association
        return out

    def get_association_matrix(
        self,
        input: Patterns,
        stored_pattern_padding_mask: Tensor | None = None,
        association_mask: Tensor | None = None,
    ) -> Tensor:
        """The association matrix ``(B, H, L, N')`` after the updates (no gradient), as hflayers."""
        with torch.no_grad():
            out: tuple[Tensor, Tensor] = self(
                input, stored_pattern_padding_mask, association_mask, return_association=True
            )
            return out[1]

    def get_projected_pattern_matrix(self, input: Patterns) -> Tensor:
        """The projected values ``(B, H, N', d_v)`` (no gradient), as hflayers."""
        with torch.no_grad():
            pr = self.project(input)
            return pr.v.expand(pr.q.shape[0], pr.q.shape[1], *pr.v.shape[2:])

    def energy(
        self,
        input: Patterns,
        stored_pattern_padding_mask: Tensor | None = None,
        association_mask: Tensor | None = None,
        *,
        state: Tensor | None = None,
    ) -> Tensor:
        """Energy (3) of 004 in the association space, per head and state pattern, ``(B, H, L)``.

        ``E = -lse(beta, K xi) + 1/2 xi^T xi + beta^-1 ln N + 1/2 M^2`` with ``K`` the projected stored
        patterns of ``input`` and ``xi`` the projected state patterns, or ``state`` ``(B, H, L, d_k)``
        (e.g. iterates of :func:`hopfield.nn.functional.hopfield_iterate`). Masked-out stored patterns
        take no part (see :func:`hopfield.nn.functional.association_energy`).
        """
        pr = self.project(input)
        mask = layer_mask(pr, association_mask, stored_pattern_padding_mask)
        beta = per_head_beta(self.scaling, pr.head_dim, pr.q.shape[1])
        xi = pr.q
        if state is not None:
            xi = check_tensor(state, "state", ranks=(4,), shape=f"{tuple(pr.q.shape)}", dim=pr.head_dim)
        e = association_energy(xi, pr.k, beta, mask)
        return e[0] if pr.unbatched and state is None else e

    def extra_repr(self) -> str:
        return (
            f"input_size={self.input_size}, hidden_size={self.hidden_size}, num_heads={self.num_heads}, "
            f"update_steps_max={self.update_steps_max}, association={self.association!r}, "
            f"batch_first={self.batch_first}"
        )
