"""Argument checks and the one input rule shared by every public entry point.

Every check raises :class:`~hopfield.HopfieldInputError` (a ``ValueError``) or
:class:`~hopfield.HopfieldTypeError` (also a ``TypeError``) whose message names the argument, says what
was expected and shows what was received, e.g. ``beta must be a positive finite number, got -1.0``.

:func:`as_input` is the input rule of ``docs/conventions.md``: every array a public entry point takes
goes through it (directly or through :func:`as_patterns` / :func:`as_states`). The checks live in three
modules: ``_scalars`` (numbers, flags, names, seeds), ``_tensors`` (tensors already made) and ``_inputs``
(user arrays to tensors); import them from here.
"""

from hopfield._validate._inputs import (
    as_indices,
    as_input,
    as_integers,
    as_patterns,
    as_states,
    to_tensor,
)
from hopfield._validate._scalars import (
    BETA_MIN,
    SEED_MAX,
    check_beta,
    check_binary_tol,
    check_bool,
    check_choice,
    check_int,
    check_nonnegative,
    check_optional_int,
    check_positive,
    check_probability,
    check_real,
    check_seed,
    describe,
    refuse_unknown,
)
from hopfield._validate._tensors import (
    call_user,
    check_binary,
    check_callable_output,
    check_dim,
    check_dtype,
    check_entries,
    check_finite,
    check_increasing,
    check_rank,
    check_tensor,
)

__all__ = [
    "BETA_MIN",
    "SEED_MAX",
    "as_indices",
    "as_input",
    "as_integers",
    "as_patterns",
    "as_states",
    "call_user",
    "check_beta",
    "check_binary",
    "check_binary_tol",
    "check_bool",
    "check_callable_output",
    "check_choice",
    "check_dim",
    "check_dtype",
    "check_entries",
    "check_finite",
    "check_increasing",
    "check_int",
    "check_nonnegative",
    "check_optional_int",
    "check_positive",
    "check_probability",
    "check_rank",
    "check_real",
    "check_seed",
    "check_tensor",
    "describe",
    "refuse_unknown",
    "to_tensor",
]
