"""What ``HopfieldLayer`` and ``HopfieldPooling`` share: an inner :class:`Hopfield`, learned patterns."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from hopfield._validate import check_bool, check_int
from hopfield.nn._config import delegate
from hopfield.nn._hopfield import Hopfield

__all__ = ["HopfieldWrapper"]

#: The constructor arguments of :class:`Hopfield` (a wrapper passes on those of its own arguments).
_HOPFIELD_ARGS = frozenset(inspect.signature(Hopfield).parameters)


class HopfieldWrapper(nn.Module):
    """A layer around an inner ``Hopfield`` with ``quantity`` learned patterns (hflayers' wrappers).

    ``arguments`` are the wrapper's constructor arguments (its ``locals()``): those that
    :class:`Hopfield` takes build ``self.hopfield``; ``quantity`` is checked and kept. The inner layer's
    sizes and options (:data:`hopfield.nn._config.DELEGATED`) read through, as hflayers.
    """

    def __init__(self, arguments: Mapping[str, Any]) -> None:
        super().__init__()
        self.hopfield = Hopfield(**{k: v for k, v in arguments.items() if k in _HOPFIELD_ARGS})
        self.quantity = check_int(arguments["quantity"], "quantity")

    def learned(self, size: int, trainable: object, name: str) -> nn.Parameter:
        """A ``(quantity, size)`` parameter (initialized by ``reset_parameters``); ``name`` names the flag."""
        return nn.Parameter(torch.empty(self.quantity, size), requires_grad=check_bool(trainable, name))

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            return delegate(self, name)  # the inner Hopfield's sizes and options, as hflayers

    @property
    def batch_first(self) -> bool:
        """Inputs are ``(batch, length, features)`` (else ``(length, batch, features)``)."""
        return self.hopfield.batch_first
