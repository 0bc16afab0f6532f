# ruff: noqa: E501  (one case per line: the table reads better unwrapped)
"""Bad input to the continuous-time family raises a named error and leaves the network unchanged.

``CASES`` is one table of ``(label, callable, exception_type, match_regex)``; every regex starts with
the offending argument's name, which the error's ``argument`` attribute must equal. The networks the
callables use are module-level and checked unchanged after every case. The table includes the defects
of issue 10 for this family (hangs that now end in ``HopfieldBudgetError``, an unchecked callable
interaction, options taken as True).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from hopfield import (
    ContinuousDenseMemory,
    ContinuousTimeHopfield,
    HopfieldBudgetError,
    HopfieldInputError,
    HopfieldTypeError,
)
from hopfield.functional import batched_rk as R

F64 = torch.float64
W = torch.tensor([[0.0, 0.5], [0.5, 0.0]], dtype=F64)
X = torch.tensor([[0.3, -0.1]], dtype=F64)
NET = ContinuousTimeHopfield(W)
ROT = ContinuousTimeHopfield(torch.tensor([[2.0, -3.0], [3.0, 2.0]], dtype=F64))  # not symmetric
MEM = ContinuousDenseMemory(torch.eye(2, dtype=F64), beta=2.0)
PATTERNS = torch.tensor([[1.0, -1.0], [-1.0, 1.0]], dtype=F64)
NETWORKS = (NET, ROT, MEM)


def _raises_late(z: torch.Tensor) -> torch.Tensor:
    """An interaction that passes the probe (|z| <= 1) and fails on a larger state."""
    if float(z.detach().abs().max()) > 5:
        raise ZeroDivisionError("division by zero")
    return torch.logsumexp(z, dim=-1)


def _nan_late(z: torch.Tensor) -> torch.Tensor:
    return torch.logsumexp(z, dim=-1) * torch.where(z.abs().amax(-1) > 5, math.nan, 1.0)


S = {"state": X}
CTH, CDM = ContinuousTimeHopfield, ContinuousDenseMemory

CASES = [
    # ---------------------------------------------------------------- constructors
    ("weights rank 1", lambda: CTH(torch.ones(2, dtype=F64)), HopfieldInputError, r"^weights must have shape"),
    ("weights rank 3", lambda: CTH(torch.ones(2, 2, 2)), HopfieldInputError, r"^weights must have shape"),
    ("weights not square", lambda: CTH(torch.ones(2, 3)), HopfieldInputError, r"^weights must be a square"),
    ("weights empty", lambda: CTH(torch.ones(0, 0)), HopfieldInputError, r"^weights must be non-empty"),
    ("weights NaN", lambda: CTH(torch.tensor([[0, math.nan], [1, 0]])), HopfieldInputError, r"^weights must contain only finite"),
    ("weights Inf", lambda: CTH(torch.tensor([[0, math.inf], [1, 0]])), HopfieldInputError, r"^weights must contain only finite"),
    ("weights complex", lambda: CTH(torch.ones(2, 2, dtype=torch.complex64)), HopfieldTypeError, r"^weights must be a real"),
    ("weights strings", lambda: CTH(np.array([["a", "b"], ["c", "d"]])), HopfieldTypeError, r"^weights must be a numeric array"),
    ("weights not an array", lambda: CTH("W"), HopfieldTypeError, r"^weights must be a torch.Tensor or a NumPy array"),
    ("bias wrong dim", lambda: CTH(W, torch.zeros(3, dtype=F64)), HopfieldInputError, r"^bias must have last dimension 2"),
    ("bias rank 2", lambda: CTH(W, torch.zeros(1, 2, dtype=F64)), HopfieldInputError, r"^bias must have shape \(2,\)"),
    ("bias NaN", lambda: CTH(W, torch.tensor([0.0, math.nan])), HopfieldInputError, r"^bias must contain only finite"),
    ("tau 0", lambda: CTH(W, tau=0.0), HopfieldInputError, r"^tau must be a positive finite number, got 0.0"),
    ("tau -1", lambda: CTH(W, tau=-1.0), HopfieldInputError, r"^tau must be a positive"),
    ("tau NaN", lambda: CTH(W, tau=math.nan), HopfieldInputError, r"^tau must be a positive"),
    ("tau Inf", lambda: CTH(W, tau=math.inf), HopfieldInputError, r"^tau must be a positive"),
    ("tau string", lambda: CTH(W, tau="1"), HopfieldTypeError, r"^tau must be a positive"),
    ("activation unknown", lambda: CTH(W, activation="relu"), HopfieldInputError, r"^activation must be a known activation \(one of 'sigmoid', 'sign', 'tanh'\)"),
    ("activation not callable", lambda: CTH(W, activation=3), HopfieldTypeError, r"^activation must be a name"),
    ("activation decreasing", lambda: CTH(W, activation=lambda a: -torch.tanh(a)), HopfieldInputError, r"^activation must be increasing"),
    ("activation not monotone", lambda: CTH(W, activation=lambda a: torch.sin(a) * 0.5), HopfieldInputError, r"^activation must be increasing, got a decrease"),
    ("activation out of range", lambda: CTH(W, activation=lambda a: 2 * torch.tanh(a)), HopfieldInputError, r"^activation must map into \[-1, 1\]"),
    ("activation raises", lambda: CTH(W, activation=lambda a: a / 0 if False else 1 / 0), HopfieldInputError, r"^activation must be .*raised ZeroDivisionError"),
    ("activation wrong shape", lambda: CTH(W, activation=lambda a: a.sum()), HopfieldTypeError, r"^activation must be a callable returning a floating tensor of shape \(4001,\)"),
    ("activation NaN", lambda: CTH(W, activation=lambda a: torch.tanh(a) * math.nan), HopfieldInputError, r"^activation must be .*NaN"),
    ("memory weights rank 1", lambda: CDM(torch.ones(2, dtype=F64)), HopfieldInputError, r"^weights must have shape \(n_memories, d\)"),
    ("memory weights empty", lambda: CDM(torch.ones(0, 2)), HopfieldInputError, r"^weights must be non-empty"),
    ("memory weights NaN", lambda: CDM(torch.tensor([[math.nan, 0.0]])), HopfieldInputError, r"^weights must contain only finite"),
    ("memory bias wrong dim", lambda: CDM(torch.eye(2), bias=torch.zeros(3)), HopfieldInputError, r"^bias must have last dimension 2"),
    ("memory v wrong dim", lambda: CDM(torch.ones(3, 2), v=torch.zeros(3)), HopfieldInputError, r"^v must have last dimension 2"),
    ("memory v Inf", lambda: CDM(torch.eye(2), v=torch.tensor([math.inf, 0.0])), HopfieldInputError, r"^v must contain only finite"),
    ("memory beta 0", lambda: CDM(torch.eye(2), beta=0.0), HopfieldInputError, r"^beta must be a positive finite"),
    ("memory beta -1", lambda: CDM(torch.eye(2), beta=-1.0), HopfieldInputError, r"^beta must be a positive finite"),
    ("memory beta Inf", lambda: CDM(torch.eye(2), beta=math.inf), HopfieldInputError, r"^beta must be a positive finite"),
    ("memory beta NaN", lambda: CDM(torch.eye(2), beta=math.nan), HopfieldInputError, r"^beta must be a positive finite"),
    ("memory beta bool", lambda: CDM(torch.eye(2), beta=True), HopfieldTypeError, r"^beta must be a positive finite"),
    ("memory tau 0", lambda: CDM(torch.eye(2), tau=0.0), HopfieldInputError, r"^tau must be a positive"),
    ("interaction unknown", lambda: CDM(torch.eye(2), interaction="relu"), HopfieldInputError, r"^interaction must be a known interaction function \(one of 'lse', 'sigmoid'\)"),
    ("interaction not callable", lambda: CDM(torch.eye(2), interaction=1.0), HopfieldTypeError, r"^interaction must be a name"),
    # issue 10: a callable interaction was never checked
    ("interaction wrong shape", lambda: CDM(torch.eye(2), interaction=lambda z: z.sum()), HopfieldTypeError, r"^interaction must be a callable returning a floating tensor of shape \(2,\)"),
    ("interaction keeps the axis", lambda: CDM(torch.eye(2), interaction=lambda z: z), HopfieldTypeError, r"^interaction must be a callable returning a floating tensor of shape \(2,\), got tensor of shape \(2, 2\)"),
    ("interaction raises", lambda: CDM(torch.eye(2), interaction=lambda z: 1 / 0), HopfieldInputError, r"^interaction must be .*raised ZeroDivisionError"),
    ("interaction not a tensor", lambda: CDM(torch.eye(2), interaction=lambda z: 1.0), HopfieldTypeError, r"^interaction must be a callable returning a floating tensor"),
    ("interaction NaN", lambda: CDM(torch.eye(2), interaction=lambda z: z.sum(-1) * math.nan), HopfieldInputError, r"^interaction must be .*value is NaN or Inf"),
    ("interaction not differentiable", lambda: CDM(torch.eye(2), interaction=lambda z: torch.from_numpy(z.detach().numpy().sum(-1))), HopfieldInputError, r"^interaction must be .*raised RuntimeError"),
    ("interaction raises later", lambda: CDM(torch.eye(2), interaction=_raises_late).retrieve(torch.tensor([9.0, 0.0])), HopfieldInputError, r"^interaction must be .*raised ZeroDivisionError"),
    ("interaction NaN later", lambda: CDM(torch.eye(2), interaction=_nan_late).velocity(torch.tensor([9.0, 0.0])), HopfieldInputError, r"^interaction must be .*gradient is NaN or Inf"),
    # ---------------------------------------------------------------- states
    *[
        (f"{name}: {label}", fn, exc, rx)
        for name, method in (
            ("retrieve", NET.retrieve),
            ("simulate", lambda s: NET.simulate(s, [0.0, 1.0])),
            ("velocity", NET.velocity),
            ("jacobian", NET.jacobian),
            ("stability", NET.stability),
            ("lyapunov", NET.lyapunov),
            ("energy", NET.energy),
            ("energy_rate", NET.energy_rate),
            ("reconstruct", NET.reconstruct),
            ("memory retrieve", MEM.retrieve),
            ("memory energy", MEM.energy),
            ("memory probabilities", MEM.probabilities),
            ("memory covariance", MEM.covariance),
        )
        for label, fn, exc, rx in (
            ("rank 3", lambda m=method: m(torch.zeros(1, 1, 2, dtype=F64)), HopfieldInputError, r"^state must have shape \(2,\) or \(batch, 2\)"),
            ("wrong dim", lambda m=method: m(torch.zeros(3, dtype=F64)), HopfieldInputError, r"^state must have last dimension 2 to match weights"),
            ("NaN", lambda m=method: m(torch.tensor([0.0, math.nan])), HopfieldInputError, r"^state must contain only finite"),
            ("Inf", lambda m=method: m(np.array([math.inf, 0.0])), HopfieldInputError, r"^state must contain only finite"),
            ("empty", lambda m=method: m(torch.zeros(0, 2)), HopfieldInputError, r"^state must be non-empty"),
            ("integers", lambda m=method: m(torch.tensor([1, 0])), HopfieldTypeError, r"^state must have a floating dtype"),
            ("bool", lambda m=method: m(np.array([True, False])), HopfieldTypeError, r"^state must have a floating dtype"),
            ("a string", lambda m=method: m("x"), HopfieldTypeError, r"^state must be a torch.Tensor or a NumPy array"),
        )
    ],
    ("energy outside the range of tanh", lambda: NET.energy(torch.tensor([1.5, 0.0], dtype=F64)), HopfieldInputError, r"^state must have entries in \[-1, 1\], the range of tanh"),
    ("energy with non-symmetric W", lambda: ROT.energy(torch.zeros(2, dtype=F64)), HopfieldInputError, r"^weights must be symmetric for the energy"),
    ("lyapunov with non-symmetric W", lambda: ROT.lyapunov(torch.zeros(2, dtype=F64)), HopfieldInputError, r"^weights must be symmetric for the Lyapunov"),
    # ---------------------------------------------------------------- retrieve options
    ("max_steps 0", lambda: NET.retrieve(X, max_steps=0), HopfieldInputError, r"^max_steps must be an integer >= 1, got 0"),
    ("max_steps float", lambda: NET.retrieve(X, max_steps=1.5), HopfieldTypeError, r"^max_steps must be an integer"),
    ("tol 0", lambda: NET.retrieve(X, tol=0.0), HopfieldInputError, r"^tol must be a positive finite number"),
    ("tol NaN", lambda: NET.retrieve(X, tol=math.nan), HopfieldInputError, r"^tol must be a positive finite number"),
    ("t_max -1", lambda: NET.retrieve(X, t_max=-1.0), HopfieldInputError, r"^t_max must be a positive"),
    ("dt 0", lambda: NET.retrieve(X, dt=0.0), HopfieldInputError, r"^dt must be a positive"),
    ("method unknown", lambda: NET.retrieve(X, method="RK45"), HopfieldInputError, r"^method must be a known ODE solver \(one of .*'dopri5-batched'"),
    ("rtol 0", lambda: NET.retrieve(X, rtol=0.0), HopfieldInputError, r"^rtol must be a positive"),
    ("rtol below the dtype's resolution", lambda: NET.retrieve(X, rtol=1e-300), HopfieldInputError, r"^rtol must be at least 2.2\d*e-15 \(10 machine epsilons of torch.float64\)"),
    ("rtol below float32's resolution", lambda: NET.simulate(X.float(), [0.0, 1.0], rtol=1e-7), HopfieldInputError, r"^rtol must be at least 1.19\d*e-06"),
    ("atol -1", lambda: NET.retrieve(X, atol=-1.0), HopfieldInputError, r"^atol must be a positive"),
    ("step_size for an adaptive method", lambda: NET.retrieve(X, method="dopri5", step_size=0.1), HopfieldInputError, r"^step_size must be None for the adaptive method 'dopri5' \(it applies to .*'rk4'"),
    ("step_size 0", lambda: NET.retrieve(X, method="rk4", step_size=0.0), HopfieldInputError, r"^step_size must be a positive"),
    ("max_evals 0", lambda: NET.retrieve(X, max_evals=0), HopfieldInputError, r"^max_evals must be an integer >= 1"),
    ("max_evals string", lambda: NET.simulate(X, [0.0, 1.0], max_evals="10"), HopfieldTypeError, r"^max_evals must be an integer"),
    ("seed 2**70", lambda: NET.retrieve(X, seed=2**70), HopfieldInputError, r"^seed must be an integer in \[0, 18446744073709551615\]"),
    ("seed -1", lambda: NET.retrieve(X, seed=-1), HopfieldInputError, r"^seed must be an integer in \[0,"),
    ("seed string", lambda: NET.retrieve(X, seed="3"), HopfieldTypeError, r"^seed must be an integer in \[0,"),
    ("stability tol -1", lambda: NET.stability(X, tol=-1.0), HopfieldInputError, r"^tol must be a positive"),
    # ---------------------------------------------------------------- simulate options
    ("t not increasing", lambda: NET.simulate(X, [0.0, 1.0, 0.5]), HopfieldInputError, r"^t must be strictly increasing, got \[0.0, 1.0, 0.5\]"),
    ("t repeated", lambda: NET.simulate(X, [0.0, 0.0]), HopfieldInputError, r"^t must be strictly increasing"),
    ("t one point", lambda: NET.simulate(X, [0.0]), HopfieldInputError, r"^t must hold at least 2 values, got 1"),
    ("t rank 2", lambda: NET.simulate(X, [[0.0, 1.0]]), HopfieldInputError, r"^t must have shape \(T,\)"),
    ("t NaN", lambda: NET.simulate(X, [0.0, math.nan]), HopfieldInputError, r"^t must contain only finite"),
    ("t empty", lambda: NET.simulate(X, np.zeros(0)), HopfieldInputError, r"^t must be non-empty"),
    ("t strings", lambda: NET.simulate(X, ["a", "b"]), HopfieldTypeError, r"^t must be a numeric array"),
    # issue 10: adjoint="yes" was taken as True
    ("adjoint 'yes'", lambda: NET.simulate(X, [0.0, 1.0], method="dopri5", adjoint="yes"), HopfieldTypeError, r"^adjoint must be True or False, got 'yes'"),
    ("adjoint 1", lambda: NET.simulate(X, [0.0, 1.0], method="dopri5", adjoint=1), HopfieldTypeError, r"^adjoint must be True or False, got 1"),
    ("adjoint with dopri5-batched", lambda: NET.simulate(X, [0.0, 1.0], adjoint=True), HopfieldInputError, r"^adjoint must be False with method 'dopri5-batched' \(the adjoint method needs one of .*'dopri5'"),
    # ---------------------------------------------------------------- issue 10: hangs end in the budget
    ("relax tol 1e-300 (issue 10)", lambda: NET.retrieve(np.array([[0.3, -0.1]]), tol=1e-300), HopfieldBudgetError, r"^max_evals"),
    ("simulate to 1e30 (issue 10)", lambda: NET.simulate(X, [0.0, 1e30]), HopfieldBudgetError, r"^max_evals"),
    ("simulate with tau 1e-6 (issue 10)", lambda: CTH(W, tau=1e-6).simulate(X, [0.0, 1.0]), HopfieldBudgetError, r"^max_evals"),
    ("simulate with torchdiffeq, tau 1e-6", lambda: CTH(W, tau=1e-6).simulate(X, [0.0, 1.0], method="dopri5", max_evals=2000), HopfieldBudgetError, r"^max_evals"),
    ("a fixed grid over the budget", lambda: NET.simulate(X, [0.0, 1e30], method="rk4", step_size=1e-3), HopfieldBudgetError, r"^max_evals"),
    ("relax to t_max 1e30 with a fixed grid", lambda: NET.retrieve(X, tol=1e-300, t_max=1e30, method="euler", step_size=1e-6), HopfieldBudgetError, r"^max_evals"),
    ("batched solver max_steps", lambda: R.dopri5(lambda t, y: -y, X, [0.0, 1e3], 1e-12, 1e-14, max_steps=5), HopfieldBudgetError, r"^max_steps"),
    # ---------------------------------------------------------------- the batched solver, directly
    ("dopri5 y0 rank 1", lambda: R.dopri5(lambda t, y: -y, torch.ones(3), [0.0, 1.0]), HopfieldInputError, r"^y0 must have shape \(batch, ...\)"),
    ("dopri5 y0 no state", lambda: R.dopri5(lambda t, y: -y, torch.ones(2, 0), [0.0, 1.0]), HopfieldInputError, r"^y0 must have a non-empty state"),
    ("dopri5 y0 integers", lambda: R.dopri5(lambda t, y: -y, torch.ones(2, 2, dtype=torch.long), [0.0, 1.0]), HopfieldTypeError, r"^y0 must have a floating dtype"),
    ("dopri5 y0 NaN", lambda: R.dopri5(lambda t, y: -y, torch.full((1, 2), math.nan), [0.0, 1.0]), HopfieldInputError, r"^y0 must contain only finite"),
    ("dopri5 t decreasing", lambda: R.dopri5(lambda t, y: -y, X, [1.0, 0.0]), HopfieldInputError, r"^t must be strictly increasing"),
    ("dopri5 rtol -1", lambda: R.dopri5(lambda t, y: -y, X, [0.0, 1.0], rtol=-1.0), HopfieldInputError, r"^rtol must be a positive"),
    ("dopri5 first_step 0", lambda: R.dopri5(lambda t, y: -y, X, [0.0, 1.0], first_step=0.0), HopfieldInputError, r"^first_step must be a positive"),
    ("dopri5 f NaN", lambda: R.dopri5(lambda t, y: y * math.nan, X, [0.0, 1.0]), HopfieldInputError, r"^f must be a right-hand side that is finite at y0"),
    # ---------------------------------------------------------------- fit and from_patterns
    # issue 10: zero_diagonal="no" was taken as True
    ("fit zero_diagonal 'no'", lambda: NET.fit(PATTERNS, zero_diagonal="no"), HopfieldTypeError, r"^zero_diagonal must be True or False, got 'no'"),
    ("fit adjoint 'yes'", lambda: NET.fit(PATTERNS, method="algorithm3", solver="dopri5", adjoint="yes"), HopfieldTypeError, r"^adjoint must be True or False"),
    ("fit adjoint with dopri5-batched", lambda: NET.fit(PATTERNS, solver="dopri5-batched", adjoint=True), HopfieldInputError, r"^adjoint must be False with solver 'dopri5-batched'"),
    ("fit solver unknown", lambda: NET.fit(PATTERNS, solver="RK45"), HopfieldInputError, r"^solver must be a known ODE solver"),
    ("fit step_size for dopri5", lambda: NET.fit(PATTERNS, solver="dopri5", step_size=0.1), HopfieldInputError, r"^step_size must be None for the adaptive solver 'dopri5'"),
    ("fit epochs 0", lambda: NET.fit(PATTERNS, epochs=0), HopfieldInputError, r"^epochs must be an integer >= 1"),
    ("fit lr 0", lambda: NET.fit(PATTERNS, lr=0.0), HopfieldInputError, r"^lr must be a positive"),
    ("fit dt -1", lambda: NET.fit(PATTERNS, dt=-1.0), HopfieldInputError, r"^dt must be a positive"),
    ("fit optimizer unknown", lambda: NET.fit(PATTERNS, optimizer="lbfgs"), HopfieldInputError, r"^optimizer must be a known optimizer \(one of 'adam', 'sgd'\)"),
    ("fit method unknown", lambda: NET.fit(PATTERNS, method="algorithm1"), HopfieldInputError, r"^method must be a known learning rule \(one of 'algorithm2', 'algorithm3'\)"),
    ("fit batch_size 0", lambda: NET.fit(PATTERNS, batch_size=0), HopfieldInputError, r"^batch_size must be an integer >= 1"),
    ("fit progress not callable", lambda: NET.fit(PATTERNS, progress=3), HopfieldTypeError, r"^progress must be a callable or None"),
    ("fit seed -1", lambda: NET.fit(PATTERNS, seed=-1), HopfieldInputError, r"^seed must be an integer in \[0,"),
    ("fit patterns wrong dim", lambda: NET.fit(torch.ones(2, 3, dtype=F64)), HopfieldInputError, r"^patterns must have last dimension 2"),
    ("fit patterns NaN", lambda: NET.fit(torch.full((2, 2), math.nan, dtype=F64)), HopfieldInputError, r"^patterns must contain only finite"),
    ("fit patterns integers", lambda: NET.fit(torch.ones(2, 2, dtype=torch.long)), HopfieldTypeError, r"^patterns must have a floating dtype"),
    ("fit patterns empty", lambda: NET.fit(torch.ones(0, 2, dtype=F64)), HopfieldInputError, r"^patterns must be non-empty"),
    ("from_patterns init unknown", lambda: CTH.from_patterns(PATTERNS, init="orthogonal"), HopfieldInputError, r"^init must be one of 'glorot', 'hebb', 'zeros'"),
    ("from_patterns seed 2**70", lambda: CTH.from_patterns(PATTERNS, seed=2**70), HopfieldInputError, r"^seed must be an integer"),
]  # fmt: skip


def snapshot(net) -> dict[str, object]:
    """The observable state of a network: stored tensors (copied), scalars, activation, losses."""
    state = {name: getattr(net, name).detach().clone() for name in net._stored}
    for name in ("tau", "beta", "activation", "interaction", "losses"):
        if hasattr(net, name):
            value = getattr(net, name)
            state[name] = value.clone() if isinstance(value, torch.Tensor) else value
    return state


def same(a: dict[str, object], b: dict[str, object]) -> bool:
    if a.keys() != b.keys():
        return False
    for k, v in a.items():
        w = b[k]
        if isinstance(v, torch.Tensor):
            if not (isinstance(w, torch.Tensor) and v.dtype == w.dtype and torch.equal(v, w)):
                return False
        elif v is not w and v != w:
            return False
    return True


@pytest.mark.parametrize(("label", "call", "error", "match"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(label, call, error, match) -> None:
    before = [snapshot(n) for n in NETWORKS]
    with pytest.raises(error, match=match) as info:
        call()
    assert isinstance(info.value, HopfieldInputError)
    argument = match.removeprefix("^").split(" ")[0]
    assert info.value.argument == argument
    assert info.value.expected and info.value.received is not None
    assert all(same(b, snapshot(n)) for b, n in zip(before, NETWORKS, strict=True))


def test_table_covers_every_kind_of_bad_input() -> None:
    labels = " ".join(c[0] for c in CASES)
    for word in (
        "rank",
        "wrong dim",
        "NaN",
        "Inf",
        "empty",
        "beta 0",
        "unknown",
        "integers",
        "'yes'",
        "'no'",
        "seed",
    ):
        assert word in labels, word


def test_good_seeds_and_numpy_integers_are_accepted() -> None:
    for seed in (None, 0, 3, np.int64(3), 2**64 - 1, torch.Generator().manual_seed(1)):
        assert NET.retrieve(X, seed=seed).all_converged
    assert NET.retrieve(X, max_steps=np.int64(3)).steps.item() <= 3


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError, match="positional"):
        NET.retrieve(X, 100)  # type: ignore[misc]
    with pytest.raises(TypeError, match="positional"):
        NET.simulate(X, [0.0, 1.0], "rk4")  # type: ignore[misc]
    with pytest.raises(TypeError, match="positional"):
        NET.fit(PATTERNS, 10)  # type: ignore[misc]


def test_a_failing_fit_leaves_the_network_unchanged() -> None:
    """The budget ends Algorithm 3's solve inside training: weights, bias and losses stay as they were."""
    net = ContinuousTimeHopfield(W, tau=1e-6)
    before = snapshot(net)
    with pytest.raises(HopfieldBudgetError, match=r"^max_evals"):
        net.fit(PATTERNS, method="algorithm3", solver="rk4", step_size=1e-6, dt=1.0, epochs=2)
    assert same(before, snapshot(net))


def test_blow_up_and_step_budget_raise_named_errors():
    """y' = y^2 from y = 1 blows up at t = 1: the step size collapses and a RuntimeError says so; the
    step budget ends in a HopfieldBudgetError naming it; a right-hand side that is NaN at y0 (whose
    step size would be NaN, and never "too small") is refused at once."""
    y0 = torch.ones(2, 1, dtype=F64)
    with pytest.raises(RuntimeError, match="step size fell below 10 ulp"):
        R.dopri5(lambda t, y: y * y, y0, [0.0, 2.0])
    with pytest.raises(HopfieldBudgetError, match=r"^max_steps = 5 steps were spent") as info:
        R.dopri5(lambda t, y: -y, y0, torch.tensor([0.0, 100.0], dtype=F64), 1e-12, 1e-14, max_steps=5)
    assert info.value.argument == "max_steps"
    with pytest.raises(HopfieldInputError, match="f must be a right-hand side that is finite at y0") as info:
        R.dopri5(lambda t, y: y * math.nan, y0, torch.tensor([0.0, 1.0], dtype=F64))
    assert info.value.argument == "f"
    # a right-hand side that turns NaN later: the NaN step size is caught as too small
    with pytest.raises(RuntimeError, match="step size fell below 10 ulp"):
        R.dopri5(
            lambda t, y: torch.where(t[:, None] > 0.5, math.nan, -y), y0, torch.tensor([0.0, 1.0], dtype=F64)
        )
