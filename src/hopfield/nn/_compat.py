"""Loading ``hflayers`` checkpoints: its ``state_dict`` keys and layouts mapped onto ours.

hflayers keeps the three input projections of a ``Hopfield`` in ``association_core.in_proj_weight``
(stacked ``[W_Q; W_K; W_V]``, leaving out the static ones) when the inputs have equal sizes, else in
``q_proj_weight``/``k_proj_weight``/``v_proj_weight``; one ``in_proj_bias`` holds the biases
(``[b_Q; b_K; b_V]``, whose value slot exists even for a static value); the Hopfield-space LayerNorm is
``p_norm_weight``/``p_norm_bias``; pooling/lookup weights carry a batch axis of size 1. Ours keeps one
``nn.Linear`` per projection (``q_proj``, ``k_proj``, ``v_proj``, ``out_proj``),
``hopfield_norm_weight``/``hopfield_norm_bias`` and ``(quantity, size)`` weights. ``scaling`` is not in
hflayers' state_dict: it comes from the constructor, as there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import Tensor, nn

from hopfield._errors import HopfieldInputError, HopfieldTypeError, input_error
from hopfield._validate import check_bool, describe
from hopfield.nn._hopfield import Hopfield
from hopfield.nn._layer import HopfieldLayer
from hopfield.nn._pooling import HopfieldPooling

__all__ = ["convert_hflayers_state_dict", "load_hflayers_state_dict"]

_CORE = "association_core."


def _mismatch(key: str, expected: str, got: Any) -> HopfieldInputError:
    return input_error("state_dict", f"{key} with {expected} (the layer's configuration)", got, verb="hold")


def _split_rows(key: str, t: Tensor, parts: list[tuple[str, int]]) -> dict[str, Tensor]:
    """Cut ``t`` along its first axis into the named parts (size 0: a slot that is absent)."""
    total = sum(n for _, n in parts)
    if t.shape[0] != total:
        raise _mismatch(key, f"{total} rows", f"shape {tuple(t.shape)}")
    out, start = {}, 0
    for name, n in parts:
        if n and name:
            out[name] = t[start : start + n]
        start += n
    return out


def _hopfield(prefix: str, hop: Hopfield, src: dict[str, Tensor], dst: dict[str, Tensor]) -> None:
    """Move the keys of one hflayers ``Hopfield`` at ``prefix`` from ``src`` into ``dst``, converted."""
    core = prefix + _CORE
    lin = {"q": hop.q_proj, "k": hop.k_proj, "v": hop.v_proj}
    rows = {n: (m.out_features if m is not None else 0) for n, m in lin.items()}
    w = src.pop(core + "in_proj_weight", None)
    if w is not None:
        names = [(f"{prefix}{n}_proj.weight", rows[n]) for n in "qkv"]
        dst.update(_split_rows(core + "in_proj_weight", w, names))
    for n in "qkv":
        t = src.pop(f"{core}{n}_proj_weight", None)
        if t is not None:
            dst[f"{prefix}{n}_proj.weight"] = t
    b = src.pop(core + "in_proj_bias", None)
    if b is not None:
        value_slot = rows["v"] or hop.num_heads * (hop.pattern_size or 0)
        names = [(f"{prefix}q_proj.bias", rows["q"]), (f"{prefix}k_proj.bias", rows["k"])]
        names.append((f"{prefix}v_proj.bias" if rows["v"] else "", value_slot))
        dst.update(_split_rows(core + "in_proj_bias", b, names))
    for ours, theirs in (
        ("out_proj.weight", "out_proj.weight"),
        ("out_proj.bias", "out_proj.bias"),
        ("hopfield_norm_weight", "p_norm_weight"),
        ("hopfield_norm_bias", "p_norm_bias"),
        ("bias_k", "bias_k"),
        ("bias_v", "bias_v"),
    ):
        t = src.pop(core + theirs, None)
        if t is None:
            continue
        if theirs.startswith("bias_") and getattr(hop, ours) is None:
            continue  # hflayers ignored them (concat_bias_pattern had no effect): nothing to load
        dst[prefix + ours] = t


def convert_hflayers_state_dict(module: nn.Module, state_dict: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """``state_dict`` of an hflayers module, with the keys and shapes of ``module`` (ours, same config)."""
    if not isinstance(module, nn.Module):
        raise input_error("module", "a torch.nn.Module", describe(module), cls=HopfieldTypeError)
    if not isinstance(state_dict, Mapping):
        raise input_error(
            "state_dict", "a mapping of names to tensors", describe(state_dict), cls=HopfieldTypeError
        )
    src = dict(state_dict)
    dst: dict[str, Tensor] = {}
    for name, sub in module.named_modules():
        prefix = f"{name}." if name else ""
        if isinstance(sub, Hopfield):
            _hopfield(prefix, sub, src, dst)
        for attr in ("pooling_weights", "lookup_weights", "target_weights"):
            if isinstance(sub, (HopfieldPooling, HopfieldLayer)) and prefix + attr in src:
                t = src.pop(prefix + attr)
                dst[prefix + attr] = t.reshape(-1, t.shape[-1])  # (1, Q, s) or (Q, 1, s) -> (Q, s)
    dst.update(src)  # everything else keeps its name (LayerNorms, feed-forward blocks, ...)
    return dst


def load_hflayers_state_dict(
    module: nn.Module, state_dict: Mapping[str, Tensor], *, strict: bool = True
) -> Any:
    """Load an ``hflayers`` ``state_dict`` into ``module``, a layer of :mod:`hopfield.nn` built with the
    same arguments (``Hopfield``, ``HopfieldPooling``, ``HopfieldLayer``, the encoder/decoder layers, or
    any model holding them). Returns what ``nn.Module.load_state_dict`` returns.

    hflayers' ``bias_k``/``bias_v`` had no effect there (``concat_bias_pattern`` was ignored): build ours
    with ``concat_bias_pattern=False`` to reproduce a checkpoint's outputs (they are then dropped), or
    with ``True`` to use them as the appended stored pattern they were meant to be (outputs change).
    """
    converted = convert_hflayers_state_dict(module, state_dict)
    return module.load_state_dict(converted, strict=check_bool(strict, "strict"))
