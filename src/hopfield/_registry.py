"""A small name -> object registry for variants chosen by name.

Learning rules, dynamics, interaction functions, activations, solvers and experiments all live in
registries; an unknown name raises ``ValueError`` listing every valid name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from hopfield._errors import HopfieldInputError

T = TypeVar("T")

__all__ = ["Registry"]


class Registry(Generic[T]):
    """Map names to variants.

    Parameters
    ----------
    kind:
        What the entries are, used in error messages (e.g. ``"learning rule"``).
    argument:
        The argument name users pass the name through (e.g. ``"rule"``).
    """

    def __init__(self, kind: str, argument: str) -> None:
        self.kind = kind
        self.argument = argument
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator that adds an entry under ``name``; a duplicate name raises ``ValueError``."""

        def add(obj: T) -> T:
            if name in self._entries:
                raise HopfieldInputError(
                    f"{self.kind} {name!r} is already registered", argument="name", received=name
                )
            self._entries[name] = obj
            return obj

        return add

    def get(self, name: object) -> T:
        """Return the entry called ``name``, or raise ``ValueError`` listing the valid names."""
        if not isinstance(name, str) or name not in self._entries:
            valid = ", ".join(repr(n) for n in self.names())
            expected = f"a known {self.kind} (one of {valid})"
            raise HopfieldInputError(
                f"{self.argument} must be {expected}, got {name!r}",
                argument=self.argument,
                expected=expected,
                received=name,
            )
        return self._entries[name]

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)
