"""Deprecated argument names: kept for one release, they warn (``FutureWarning``) and still work."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from hopfield._errors import HopfieldInputError

__all__ = ["deprecated_alias", "keyword_only", "renamed_arguments", "warn_deprecated"]

F = TypeVar("F", bound=Callable[..., Any])


def warn_deprecated(old: str, new: str, where: str, stacklevel: int = 3, what: str = "argument") -> None:
    """Warn that ``old`` is a deprecated name of ``new`` (an argument, a name, ...) in ``where``."""
    warnings.warn(
        f"{where}: the {what} {old!r} is deprecated and will be removed in the next release; use {new!r}",
        FutureWarning,
        stacklevel=stacklevel,
    )


def renamed_arguments(**renames: str) -> Callable[[F], F]:
    """Accept ``old=value`` for each ``old=new`` pair, warning once per call and passing ``new=value``.

    Giving both the old and the new name raises :class:`~hopfield.HopfieldInputError`.
    """

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise HopfieldInputError(
                            f"{fn.__qualname__}: give {new!r} only, not also its deprecated name {old!r}",
                            argument=old,
                            expected=f"only {new!r}",
                            received=old,
                        )
                    warn_deprecated(old, new, fn.__qualname__)
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap


def deprecated_alias(new: str) -> Callable[[F], F]:
    """Make a method the deprecated old name of the method ``new``: it warns (``FutureWarning``) once per
    call and returns ``getattr(self, new)(*args, **kwargs)``; the decorated body is not run."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(self: Any, *args: Any, **kwargs: Any) -> Any:
            warnings.warn(
                f"{type(self).__name__}.{fn.__name__} is deprecated and will be removed in the next release; "
                f"use {type(self).__name__}.{new}",
                FutureWarning,
                stacklevel=2,
            )
            return getattr(self, new)(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap


def keyword_only(n_positional: int, *names: str) -> Callable[[F], F]:
    """Accept the keyword-only arguments ``names`` also positionally, after the first ``n_positional``
    arguments, as the function's former signature did: for one release, warning (``FutureWarning``)."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            extra = args[n_positional:]
            if extra:
                if len(extra) > len(names):
                    raise TypeError(
                        f"{fn.__qualname__}() takes at most {n_positional + len(names)} positional arguments"
                    )
                for name, value in zip(names, extra, strict=False):
                    if name in kwargs:
                        raise TypeError(f"{fn.__qualname__}() got multiple values for argument {name!r}")
                    kwargs[name] = value
                given = ", ".join(names[: len(extra)])
                warnings.warn(
                    f"{fn.__qualname__}: passing {given} positionally is deprecated and will be removed in "
                    f"the next release; pass {given} by keyword",
                    FutureWarning,
                    stacklevel=2,
                )
            return fn(*args[:n_positional], **kwargs)

        return inner  # type: ignore[return-value]

    return wrap
