"""The table behind the contract test and the bad-input sweep (issue 10): every public network class and
functional entry point that takes a state, how to build it, how to call it and what comes back.

One row per entry point: ``Entry(name, kind, make, call, shapes)``.

- ``kind``: ``"float"`` (float16/bfloat16/float32/float64, torch or NumPy) or ``"binary"`` (also int
  and bool; entries ±1), or ``"tensor"`` (a functional entry point: torch floating tensors only).
- ``make(device)``: the object (network) on ``device``, built from float64 data; ``None`` for a function.
- ``call(obj, state)``: the call under test.
- ``shapes(B, d)``: the expected shape of each result, as a dict ``{path: shape}`` where ``path`` names
  a field (``"state"``, ``"energy"``, ...; ``""`` for a plain tensor result) and a shape uses ``B`` for
  the batch axis (dropped for a ``(d,)`` input).
- ``dtype_of``: which results follow the input's dtype (``"state"``: states in the input dtype, also
  int/bool; ``"float"``: floating results in the input's floating dtype).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

import hopfield as H
from hopfield import theory
from hopfield.functional import classical as FC
from hopfield.functional import continuous as FCT
from hopfield.functional import continuous_dense as FCD
from hopfield.functional import dense as FD
from hopfield.functional import modern as FM
from hopfield.functional.continuous_activations import ACTIVATIONS
from hopfield.functional.lse import lse, softmax, softmax_average

D = 8  # neurons / dimension
N = 5  # stored patterns


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def float_patterns() -> torch.Tensor:
    return torch.randn(N, D, generator=_gen(), dtype=torch.float64)


def binary_patterns() -> torch.Tensor:
    return torch.randint(0, 2, (N, D), generator=_gen(1)).to(torch.float64) * 2 - 1


def symmetric_weights() -> torch.Tensor:
    w = torch.randn(D, D, generator=_gen(2), dtype=torch.float64) / D**0.5
    w = (w + w.T) / 2
    return w.fill_diagonal_(0.0)


@dataclass(frozen=True)
class Entry:
    """One public entry point of the contract table (see the module docstring)."""

    name: str
    kind: str
    make: Callable[[str], Any] | None
    call: Callable[[Any, Any], Any]
    shapes: dict[str, tuple[str | int, ...]]
    follows: dict[str, str] = field(default_factory=dict)  # path -> "state" | "float" | "bool" | "int"
    scale: float = 1.0  # states are multiplied by this (ODE states inside the activation's range)


R = ("B", D)  # a batch of states
S = ("B",)  # one value per state


def _retrieval(extra: dict[str, tuple[str | int, ...]] | None = None) -> dict[str, tuple[str | int, ...]]:
    return {"state": R, "energy": S, "steps": S, "converged": S, "cycle": S, **(extra or {})}


RETRIEVAL_DTYPES = {"state": "state", "energy": "float", "steps": "int", "converged": "bool", "cycle": "bool"}


def _modern(device: str) -> H.ModernHopfield:
    return H.ModernHopfield(float_patterns().to(device), beta=2.0)


def _classical(device: str) -> H.ClassicalHopfield:
    return H.ClassicalHopfield(binary_patterns().to(device), rule="hebb")


def _dense(interaction: str) -> Callable[[str], H.DenseAssociativeMemory]:
    return lambda device: H.DenseAssociativeMemory(binary_patterns().to(device), interaction, degree=3)


def _ctn(device: str) -> H.ContinuousTimeHopfield:
    return H.ContinuousTimeHopfield(symmetric_weights().to(device))


def _cdm(device: str) -> H.ContinuousDenseMemory:
    return H.ContinuousDenseMemory(float_patterns().to(device), beta=1.5)


def _memory(device: str) -> H.Memory:
    m = H.Memory(D, beta=2.0, dtype=torch.float64, device=device)
    m.add(float_patterns().to(device))
    return m


ENTRIES: list[Entry] = [
    # ---------------------------------------------------------------- modern
    Entry(
        "ModernHopfield.retrieve",
        "float",
        _modern,
        lambda n, s: n.retrieve(s, topk=2),
        _retrieval({"topk_weights": ("B", 2), "topk_indices": ("B", 2)}),
        {**RETRIEVAL_DTYPES, "topk_weights": "float", "topk_indices": "int"},
    ),
    Entry("ModernHopfield.energy", "float", _modern, lambda n, s: n.energy(s), {"": S}, {"": "float"}),
    Entry("ModernHopfield.update", "float", _modern, lambda n, s: n.update(s), {"": R}, {"": "state"}),
    # ---------------------------------------------------------------- classical
    Entry(
        "ClassicalHopfield.retrieve(async)",
        "binary",
        _classical,
        lambda n, s: n.retrieve(s, seed=0),
        _retrieval(),
        RETRIEVAL_DTYPES,
    ),
    Entry(
        "ClassicalHopfield.retrieve(sync)",
        "binary",
        _classical,
        lambda n, s: n.retrieve(s, dynamics="sync"),
        _retrieval(),
        RETRIEVAL_DTYPES,
    ),
    Entry(
        "ClassicalHopfield.retrieve(glauber)",
        "binary",
        _classical,
        lambda n, s: n.retrieve(s, dynamics="glauber", temperature=0.5, max_steps=3, seed=1),
        _retrieval(),
        RETRIEVAL_DTYPES,
    ),
    Entry("ClassicalHopfield.energy", "binary", _classical, lambda n, s: n.energy(s), {"": S}, {"": "float"}),
    Entry(
        "ClassicalHopfield.local_field",
        "binary",
        _classical,
        lambda n, s: n.local_field(s),
        {"": R},
        {"": "float"},
    ),
    Entry(
        "ClassicalHopfield.overlaps",
        "binary",
        _classical,
        lambda n, s: n.overlaps(s),
        {"": ("B", N)},
        {"": "float"},
    ),
    Entry(
        "ClassicalHopfield.is_fixed_point",
        "binary",
        _classical,
        lambda n, s: n.is_fixed_point(s),
        {"": S},
        {"": "bool"},
    ),
    Entry(
        "ClassicalHopfield.glauber",
        "binary",
        _classical,
        lambda n, s: n.glauber(s, temperature=0.5, n_sweeps=2, seed=0),
        {"state": R, "mean_overlaps": ("B", N)},
        {"state": "state", "mean_overlaps": "float"},
    ),
    # ---------------------------------------------------------------- dense
    Entry(
        "DenseAssociativeMemory(poly).retrieve",
        "binary",
        _dense("poly"),
        lambda n, s: n.retrieve(s, seed=0),
        _retrieval(),
        RETRIEVAL_DTYPES,
    ),
    Entry(
        "DenseAssociativeMemory(exp).retrieve(sync)",
        "binary",
        _dense("exp"),
        lambda n, s: n.retrieve(s, dynamics="sync"),
        _retrieval(),
        RETRIEVAL_DTYPES,
    ),
    Entry(
        "DenseAssociativeMemory(poly).energy",
        "binary",
        _dense("poly"),
        lambda n, s: n.energy(s),
        {"": S},
        {"": "float"},
    ),
    Entry(
        "DenseAssociativeMemory(exp).log_energy",
        "binary",
        _dense("exp"),
        lambda n, s: n.log_energy(s),
        {"": S},
        {"": "float"},
    ),
    Entry(
        "DenseAssociativeMemory(exp).update",
        "binary",
        _dense("exp"),
        lambda n, s: n.update(s),
        {"": R},
        {"": "state"},
    ),
    # ---------------------------------------------------------------- continuous-time
    Entry(
        "ContinuousTimeHopfield.retrieve",
        "float",
        _ctn,
        lambda n, s: n.retrieve(s),
        _retrieval(),
        RETRIEVAL_DTYPES,
        scale=0.1,
    ),
    Entry(
        "ContinuousTimeHopfield.simulate",
        "float",
        _ctn,
        lambda n, s: n.simulate(s, [0.0, 0.5, 1.0]),
        {"": (3, "B", D)},
        {"": "float"},
        scale=0.1,
    ),
    Entry(
        "ContinuousTimeHopfield.energy",
        "float",
        _ctn,
        lambda n, s: n.energy(s),
        {"": S},
        {"": "float"},
        scale=0.1,
    ),
    Entry(
        "ContinuousTimeHopfield.lyapunov",
        "float",
        _ctn,
        lambda n, s: n.lyapunov(s),
        {"": S},
        {"": "float"},
        scale=0.1,
    ),
    Entry(
        "ContinuousTimeHopfield.velocity",
        "float",
        _ctn,
        lambda n, s: n.velocity(s),
        {"": R},
        {"": "float"},
        scale=0.1,
    ),
    Entry(
        "ContinuousTimeHopfield.jacobian",
        "float",
        _ctn,
        lambda n, s: n.jacobian(s),
        {"": ("B", D, D)},
        {"": "float"},
        scale=0.1,
    ),
    Entry(
        "ContinuousDenseMemory.retrieve",
        "float",
        _cdm,
        lambda n, s: n.retrieve(s),
        _retrieval(),
        RETRIEVAL_DTYPES,
    ),
    Entry("ContinuousDenseMemory.energy", "float", _cdm, lambda n, s: n.energy(s), {"": S}, {"": "float"}),
    Entry(
        "ContinuousDenseMemory.probabilities",
        "float",
        _cdm,
        lambda n, s: n.probabilities(s),
        {"": ("B", N)},
        {"": "float"},
    ),
    # ---------------------------------------------------------------- memory store
    Entry(
        "Memory.retrieve",
        "float",
        _memory,
        lambda n, s: n.retrieve(s, topk=2),
        {"state": R, "steps": S, "converged": S, "topk_weights": ("B", 2), "topk_indices": ("B", 2)},
        {
            "state": "state",
            "steps": "int",
            "converged": "bool",
            "topk_weights": "float",
            "topk_indices": "int",
        },
    ),
    Entry("Memory.energy", "float", _memory, lambda n, s: n.energy(s), {"": S}, {"": "float"}),
    # ---------------------------------------------------------------- theory and statmech
    Entry(
        "theory.jacobian_norm",
        "float",
        None,
        lambda _, s: theory.jacobian_norm(s, float_patterns(), 0.5),
        {"": S},
        {"": "float"},
    ),
]

#: Functional entry points: torch tensors in, the same dtype and device out (no validation, no NumPy).
FUNCTIONAL: list[Entry] = [
    Entry(
        "functional.modern.update",
        "tensor",
        None,
        lambda _, s: FM.update(s, float_patterns().to(s), 2.0),
        {"": R},
        {"": "float"},
    ),
    Entry(
        "functional.modern.energy",
        "tensor",
        None,
        lambda _, s: FM.energy(s, float_patterns().to(s), 2.0),
        {"": S},
        {"": "float"},
    ),
    Entry(
        "functional.modern.retrieve",
        "tensor",
        None,
        lambda _, s: FM.retrieve(s, float_patterns().to(s), 2.0, 10, 1e-2),
        {"state": R, "steps": S, "converged": S},
        {"state": "float", "steps": "int", "converged": "bool"},
    ),
    Entry("functional.lse.lse", "tensor", None, lambda _, s: lse(3.0, s), {"": S}, {"": "float"}),
    Entry("functional.lse.softmax", "tensor", None, lambda _, s: softmax(3.0, s), {"": R}, {"": "float"}),
    Entry(
        "functional.lse.softmax_average",
        "tensor",
        None,
        lambda _, s: softmax_average(s, float_patterns().to(s), float_patterns().to(s), 2.0, 2),
        {"": R},
        {"": "float"},
    ),
    # ------------------------------------------ the other families' functional cores (issue 10, item 6)
    Entry(
        "functional.classical.energy",
        "tensor",
        None,
        lambda _, s: FC.energy(_pm(s), _hebb(s)),
        {"": S},
        {"": "float"},
    ),
    Entry(
        "functional.classical.local_field",
        "tensor",
        None,
        lambda _, s: FC.local_field(_pm(s), _hebb(s)),
        {"": R},
        {"": "float"},
    ),
    Entry(
        "functional.dense.energy",
        "tensor",
        None,
        lambda _, s: FD.energy(_pm(s), binary_patterns().to(s), FD.make_interaction("poly", 3, 1.0)),
        {"": S},
        {"": "float"},
    ),
    Entry(
        "functional.dense.log_energy",
        "tensor",
        None,
        lambda _, s: FD.log_energy(_pm(s), binary_patterns().to(s), FD.make_interaction("exp", 3, 1.0)),
        {"": S},
        {"": "float"},
    ),
    Entry(
        "functional.dense.sync_update",
        "tensor",
        None,
        lambda _, s: FD.sync_update(
            _pm(s), FD.pattern_chunks(binary_patterns().to(s), len(s)), FD.make_interaction("exp", 3, 1.0)
        ),
        {"": R},
        {"": "float"},
    ),
    Entry(
        "functional.continuous.velocity",
        "tensor",
        None,
        lambda _, s: FCT.velocity(s, symmetric_weights().to(s), s.new_zeros(D), 1.0, ACTIVATIONS.get("tanh")),
        {"": R},
        {"": "float"},
    ),
    Entry(
        "functional.continuous.energy",
        "tensor",
        None,
        lambda _, s: FCT.energy(
            torch.tanh(s), symmetric_weights().to(s), s.new_zeros(D), ACTIVATIONS.get("tanh")
        ),
        {"": S},
        {"": "float"},
    ),
    Entry(
        "functional.continuous_dense.velocity",
        "tensor",
        None,
        lambda _, s: FCD.velocity(s, *_cdm_args(s), 1.0, FCD.INTERACTIONS.get("lse"), 1.5),
        {"": R},
        {"": "float"},
    ),
    Entry(
        "functional.continuous_dense.energy",
        "tensor",
        None,
        lambda _, s: FCD.energy(s, *_cdm_args(s), FCD.INTERACTIONS.get("lse"), 1.5),
        {"": S},
        {"": "float"},
    ),
]


def _pm(s: torch.Tensor) -> torch.Tensor:
    """±1 states of ``s``'s dtype and device (the binary families' functional cores take ±1 floats)."""
    return torch.where(s >= 0, 1.0, -1.0).to(s)


def _hebb(s: torch.Tensor) -> FC.Couplings:
    return FC.Couplings.hebb(binary_patterns().to(s))


def _cdm_args(s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(weights, bias, v)`` of a continuous dense memory in ``s``'s dtype and device."""
    return float_patterns().to(s), s.new_zeros(N), s.new_zeros(D)
