"""hopfield: associative memories from the 1982 binary network to modern Hopfield networks.

Patterns are rows, ``(n_patterns, dim)``; queries are ``(dim,)`` or ``(batch, dim)``. The seeds write the
pattern matrix ``X`` with patterns as columns: ``X = patterns.T``.
"""

from typing import Any

from hopfield import functional, statmech, theory
from hopfield._errors import HopfieldBudgetError, HopfieldInputError, HopfieldTypeError, StoreCorruptError
from hopfield._registry import Registry
from hopfield._result import Retrieval
from hopfield.classical import ClassicalHopfield
from hopfield.continuous import ContinuousTimeHopfield
from hopfield.continuous_dense import ContinuousDenseMemory
from hopfield.dense import DenseAssociativeMemory
from hopfield.memory import Memory
from hopfield.modern import ModernHopfield

__version__ = "0.1.0"

__all__ = [
    "ClassicalHopfield",
    "ContinuousDenseMemory",
    "ContinuousTimeHopfield",
    "DenseAssociativeMemory",
    "HopfieldBudgetError",
    "HopfieldInputError",
    "HopfieldTypeError",
    "Memory",
    "ModernHopfield",
    "Registry",
    "Retrieval",
    "StoreCorruptError",
    "__version__",
    "distributed",
    "functional",
    "nn",
    "statmech",
    "theory",
]


def __getattr__(name: str) -> Any:
    """``hopfield.nn`` (the PyTorch layers) and ``hopfield.distributed`` (it imports ``torch.distributed``)
    are imported on first use, so ``import hopfield`` stays cheap."""
    if name in ("nn", "distributed"):
        import importlib

        return importlib.import_module(f"hopfield.{name}")
    raise AttributeError(f"module 'hopfield' has no attribute {name!r}")
