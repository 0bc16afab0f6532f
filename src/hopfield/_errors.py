"""The library's own errors: one base class that is also the built-in a user expects.

``HopfieldInputError`` derives from ``ValueError`` (so ``except ValueError`` keeps working) and
``HopfieldTypeError`` from both it and ``TypeError``. Each carries the argument's name, what was
expected and what was received, and its message says all three::

    beta must be a positive finite number, got -1.0

The command line catches these (and only these): anything else is a bug and surfaces with a traceback.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "HopfieldBudgetError",
    "HopfieldInputError",
    "HopfieldTypeError",
    "StoreCorruptError",
    "input_error",
]


class HopfieldInputError(ValueError):
    """Bad input to a public entry point (a value out of range, a wrong shape, an unknown name, ...).

    Attributes
    ----------
    argument:
        The name of the offending argument (``"beta"``, ``"state"``, ...), or ``None``.
    expected:
        What was expected, in words (``"a positive finite number"``), or ``None``.
    received:
        What was received (a value or a description of it), or ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        argument: str | None = None,
        expected: str | None = None,
        received: Any = None,
    ) -> None:
        super().__init__(message)
        self.argument = argument
        self.expected = expected
        self.received = received


class HopfieldTypeError(HopfieldInputError, TypeError):
    """An argument of the wrong type or dtype (also a ``TypeError``)."""


class HopfieldBudgetError(HopfieldInputError):
    """A solver or search spent its step or evaluation budget (raised instead of running forever).

    ``argument`` names the budget (e.g. ``"max_evals"``) or the argument that asked for the
    impossible (e.g. ``"tol"``).
    """


class StoreCorruptError(HopfieldInputError):
    """A file of an on-disk store is unreadable, truncated or fails its checksum.

    ``argument`` is the path of the offending file, ``expected`` what the store's manifest says it
    should be and ``received`` what was found; the message names all three.
    """


def input_error(
    argument: str,
    expected: str,
    received: Any,
    *,
    cls: type[HopfieldInputError] = HopfieldInputError,
    verb: str = "be",
    hint: str = "",
) -> HopfieldInputError:
    """``cls("<argument> must <verb> <expected>, got <received><hint>")`` with the three fields set.

    ``received`` is shown as is when it is a ``str`` (a description such as ``"shape (3,)"``; pass
    ``repr(value)`` for a string value) and with ``repr`` otherwise.
    """
    shown = received if isinstance(received, str) else repr(received)
    return cls(
        f"{argument} must {verb} {expected}, got {shown}{hint}",
        argument=argument,
        expected=expected,
        received=received,
    )
