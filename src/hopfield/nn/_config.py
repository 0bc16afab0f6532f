"""Sizes and sub-modules of a Hopfield layer from its (hflayers-compatible) constructor arguments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from hopfield._errors import HopfieldTypeError, input_error
from hopfield._validate import (
    check_bool,
    check_int,
    check_optional_int,
    check_positive,
    check_tensor,
    describe,
)

__all__ = [
    "DELEGATED",
    "LayerSizes",
    "Patterns",
    "activation",
    "attention_kwargs",
    "delegate",
    "layer_norm",
    "layer_sizes",
    "norm_flag",
    "split_patterns",
]

#: A layer's input: one tensor (stored = state = projection) or the triple (stored, state, projection).
Patterns = Tensor | tuple[Tensor, Tensor, Tensor]


@dataclass(frozen=True)
class LayerSizes:
    """The sizes of a layer: inputs (state ``input_size``, stored, projection), association space per
    head (``hidden_size``, None when every pattern is static), value per head, output; static flags."""

    input_size: int | None
    stored_pattern_dim: int | None
    pattern_projection_dim: int | None
    hidden_size: int | None
    pattern_size: int | None
    output_size: int | None
    num_heads: int
    stored_static: bool
    state_static: bool
    projection_static: bool
    connected: bool
    static_execution: bool


def layer_sizes(
    input_size: object,
    hidden_size: object,
    output_size: object,
    pattern_size: object,
    num_heads: object,
    stored_static: object,
    state_static: object,
    projection_static: object,
    connected: object,
    normalize_hopfield_space: bool,
    disable_out_projection: bool,
    stored_pattern_size: object,
    pattern_projection_size: object,
) -> LayerSizes:
    """Check the size arguments and derive the others as hflayers does (without its bugs)."""
    statics = [
        check_bool(v, n)
        for v, n in (
            (stored_static, "stored_pattern_as_static"),
            (state_static, "state_pattern_as_static"),
            (projection_static, "pattern_projection_as_static"),
        )
    ]
    conn = check_bool(connected, "pattern_projection_as_connected")
    static_execution = all(statics) and not (conn or normalize_hopfield_space) and disable_out_projection
    heads = check_int(num_heads, "num_heads")
    size = check_optional_int(input_size, "input_size")
    if size is None and not static_execution:
        raise input_error(
            "input_size", "an integer >= 1 unless every pattern is static and the output projection off", None
        )
    hidden = check_optional_int(hidden_size, "hidden_size")
    if hidden is None and size is not None and not static_execution:
        if size % heads:
            raise input_error("num_heads", f"a divisor of input_size = {size} (or give hidden_size)", heads)
        hidden = size // heads
    hidden = None if static_execution else hidden
    return LayerSizes(
        input_size=size,
        stored_pattern_dim=check_optional_int(stored_pattern_size, "stored_pattern_size") or size,
        pattern_projection_dim=check_optional_int(pattern_projection_size, "pattern_projection_size") or size,
        hidden_size=hidden,
        pattern_size=check_optional_int(pattern_size, "pattern_size") or hidden,
        output_size=check_optional_int(output_size, "output_size") or size,
        num_heads=heads,
        stored_static=statics[0],
        state_static=statics[1],
        projection_static=statics[2],
        connected=conn,
        static_execution=static_execution,
    )


def layer_norm(on: object, size: int | None, affine: object, eps: object, what: str) -> nn.LayerNorm | None:
    """The LayerNorm of one input, or None (its affine flag is ignored when normalization is off)."""
    if not check_bool(on, f"normalize_{what}"):
        return None
    if size is None:
        raise input_error(f"normalize_{what}", "False when the pattern's size is unknown", True)
    return nn.LayerNorm(
        size,
        eps=check_positive(eps, f"normalize_{what}_eps"),
        elementwise_affine=check_bool(affine, f"normalize_{what}_affine"),
    )


def activation(name: object) -> Callable[[Tensor], Tensor] | None:
    """``association_activation``: None, or the name of a torch function applied to the output."""
    if name is None:
        return None
    fn = getattr(torch, name, None) if isinstance(name, str) else None
    if not callable(fn):
        raise input_error(
            "association_activation", "None or the name of a torch function (e.g. 'tanh')", describe(name)
        )
    return fn  # type: ignore[no-any-return]


def split_patterns(layer: Any, input: Patterns) -> tuple[Tensor, Tensor, Tensor]:
    """(stored, state, projection), batch first and normalized."""
    if isinstance(input, Tensor):
        stored = state = projection = input
    elif isinstance(input, tuple) and len(input) == 3:
        stored, state, projection = input
    else:
        raise input_error(
            "input",
            "a tensor, or a tuple (stored_pattern, state_pattern, pattern_projection)",
            describe(input),
            cls=HopfieldTypeError,
        )
    shape = "(batch, length, features) or (length, features)"
    pairs = (
        (stored, "stored_pattern", (layer.k_proj, layer.norm_stored_pattern), layer.stored_pattern_dim),
        (state, "state_pattern", (layer.q_proj, layer.norm_state_pattern), layer.input_size),
        (
            projection,
            "pattern_projection",
            (layer.v_proj, layer.norm_pattern_projection),
            layer.pattern_projection_dim,
        ),
    )
    for x, name, sized, dim in pairs:
        check_tensor(
            x,
            name,
            ranks=(2, 3),
            shape=shape,
            dim=None if sized == (None, None) else dim,
            other=f"the layer's {name} size",
        )
    if not layer.batch_first:
        stored, state, projection = (
            x.transpose(0, 1) if x.ndim == 3 else x for x in (stored, state, projection)
        )
    if layer.norm_stored_pattern is not None:
        stored = layer.norm_stored_pattern(stored)
    if layer.norm_state_pattern is not None:
        state = layer.norm_state_pattern(state)
    if layer.norm_pattern_projection is not None:
        projection = layer.norm_pattern_projection(projection)
    return stored, state, projection


def attention_kwargs(layer: Any) -> dict[str, Any]:
    """The weights and options of ``layer`` (a ``Hopfield``) for :func:`project_heads`."""

    def w(lin: nn.Linear | None) -> Tensor | None:
        return None if lin is None else lin.weight

    def b(lin: nn.Linear | None) -> Tensor | None:
        return None if lin is None else lin.bias

    return {
        "num_heads": layer.num_heads,
        "q_weight": w(layer.q_proj),
        "q_bias": b(layer.q_proj),
        "k_weight": w(layer.k_proj),
        "k_bias": b(layer.k_proj),
        "v_weight": w(layer.v_proj),
        "v_bias": b(layer.v_proj),
        "normalize_hopfield_space": layer.normalize_hopfield_space,
        "hopfield_norm_weight": layer.hopfield_norm_weight,
        "hopfield_norm_bias": layer.hopfield_norm_bias,
        "normalize_hopfield_space_eps": layer.normalize_hopfield_space_eps,
        "pattern_projection_as_connected": layer.pattern_projection_as_connected,
        "bias_k": layer.bias_k,
        "bias_v": layer.bias_v,
        "add_zero_association": layer.add_zero_association,
    }


def norm_flag(norm: str, affine: bool = False) -> Any:
    """A read-only property ``normalize_<x>[_affine]`` (as hflayers) from the LayerNorm attribute ``norm``."""

    def get(layer: Any) -> bool:
        module = getattr(layer, norm)
        return module is not None and (not affine or bool(module.elementwise_affine))

    return property(get)


#: Attributes of the inner ``Hopfield`` that ``HopfieldPooling``/``HopfieldLayer`` expose, as hflayers.
DELEGATED = frozenset(
    {
        "scaling",
        "stored_pattern_dim",
        "state_pattern_dim",
        "pattern_projection_dim",
        "input_size",
        "hidden_size",
        "output_size",
        "pattern_size",
        "update_steps_max",
        "update_steps_eps",
        "stored_pattern_as_static",
        "state_pattern_as_static",
        "pattern_projection_as_static",
        "normalize_stored_pattern",
        "normalize_stored_pattern_affine",
        "normalize_state_pattern",
        "normalize_state_pattern_affine",
        "normalize_pattern_projection",
        "normalize_pattern_projection_affine",
        "normalize_hopfield_space",
        "association",
    }
)


def delegate(layer: nn.Module, name: str) -> Any:
    """``layer.hopfield.<name>`` for the names in :data:`DELEGATED`, else ``AttributeError``."""
    if name in DELEGATED:
        return getattr(layer.get_submodule("hopfield"), name)
    raise AttributeError(f"{type(layer).__name__!r} object has no attribute {name!r}")
