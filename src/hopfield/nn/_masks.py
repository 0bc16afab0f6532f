"""Masks: from the layers' convention (hflayers, ``nn.MultiheadAttention``) to the fused kernel's.

The layers take two masks, as ``hflayers`` and ``torch.nn.MultiheadAttention`` do:

- ``association_mask`` ``(L, N)``, ``(B * H, L, N)`` or ``(B|1, H|1, L, N)``: which stored pattern each
  state pattern may associate with;
- ``stored_pattern_padding_mask`` ``(B, N)``: stored patterns that are padding (bags of different sizes).

Each is ``bool`` or ``uint8`` (True / non-zero: **masked out**), or an additive float mask of any float
dtype (float16, bfloat16, float32, float64; ``-inf`` masks out). ``scaled_dot_product_attention`` wants
the opposite bool convention (True: takes part) and an additive mask in the query's dtype;
:func:`sdpa_mask` converts once per call. The result broadcasts against ``(B, H, L, N)`` without
materializing it: a padding mask alone stays ``(B, 1, 1, N)``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from hopfield._errors import HopfieldTypeError, input_error
from hopfield._validate import check_dtype, describe

__all__ = ["MASK_DTYPES", "pad_keep", "sdpa_mask"]

#: Accepted mask dtypes: bool and uint8 (True: masked out) and the additive float dtypes.
MASK_DTYPES = (torch.bool, torch.uint8, torch.float16, torch.bfloat16, torch.float32, torch.float64)
_EXPECTED_DTYPE = "dtype bool or uint8 (True: masked out), or a float dtype (additive)"


def _check(mask: object, name: str) -> Tensor:
    if not isinstance(mask, Tensor):
        raise input_error(name, "a torch.Tensor or None", describe(mask), cls=HopfieldTypeError)
    return check_dtype(mask, name, MASK_DTYPES, _EXPECTED_DTYPE)


def _shape_error(name: str, expected: str, mask: Tensor) -> Exception:
    return input_error(name, f"shape {expected}", f"shape {tuple(mask.shape)}", verb="have")


def _association_4d(mask: Tensor, batch: int, heads: int, length: int, n: int) -> Tensor:
    """``association_mask`` as a view broadcastable to ``(B, H, L, N)``."""
    name = "association_mask"
    expected = f"({length}, {n}), ({batch * heads}, {length}, {n}) or ({batch}|1, {heads}|1, {length}, {n})"
    if mask.ndim == 2 and tuple(mask.shape) == (length, n):
        return mask[None, None]
    if mask.ndim == 3 and tuple(mask.shape) == (batch * heads, length, n):
        return mask.view(batch, heads, length, n)
    if (
        mask.ndim == 4
        and mask.shape[0] in (1, batch)
        and mask.shape[1] in (1, heads)
        and tuple(mask.shape[2:]) == (length, n)
    ):
        return mask
    raise _shape_error(name, expected, mask)


def _to_additive(mask: Tensor, dtype: torch.dtype) -> Tensor:
    if mask.dtype == torch.bool:
        return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill_(mask, float("-inf"))
    return mask.to(dtype)


def sdpa_mask(
    association_mask: Tensor | None,
    stored_pattern_padding_mask: Tensor | None,
    *,
    batch: int,
    heads: int,
    length: int,
    n: int,
    dtype: torch.dtype,
) -> Tensor | None:
    """Both masks checked and combined into one mask for the fused kernel, or None.

    Returns a bool mask (True: **takes part**) when both masks are boolean (or uint8), else an additive
    mask in ``dtype``; it broadcasts against ``(batch, heads, length, n)``.
    """
    parts: list[Tensor] = []  # masked-out (bool) or additive (float), each 4-d and broadcastable
    if association_mask is not None:
        m = _check(association_mask, "association_mask")
        parts.append(_association_4d(m, batch, heads, length, n))
    if stored_pattern_padding_mask is not None:
        p = _check(stored_pattern_padding_mask, "stored_pattern_padding_mask")
        if tuple(p.shape) != (batch, n):
            raise _shape_error("stored_pattern_padding_mask", f"({batch}, {n})", p)
        parts.append(p[:, None, None, :])
    if not parts:
        return None
    parts = [m != 0 if m.dtype == torch.uint8 else m for m in parts]
    if all(m.dtype == torch.bool for m in parts):
        out = parts[0] if len(parts) == 1 else parts[0] | parts[1]
        return ~out
    total = _to_additive(parts[0], dtype)
    for m in parts[1:]:
        total = total + _to_additive(m, dtype)
    return total


def pad_keep(mask: Tensor | None, extra: int) -> Tensor | None:
    """Append ``extra`` stored-pattern columns that take part (a bias pattern, the zero pattern)."""
    if mask is None or extra == 0:
        return mask
    if mask.dtype == torch.bool:
        return torch.nn.functional.pad(mask, (0, extra), value=True)
    return torch.nn.functional.pad(mask, (0, extra), value=0.0)
