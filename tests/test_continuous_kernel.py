"""The ODE relaxation on the shared kernel (``run_until_fixed``) gives exactly the former loop's answers.

``tests/oracles/continuous_loops.py`` is the pre-issue-10 relaxation (main at 7fff565), frozen. On random
networks, starts, tolerances, grids and solvers, the kernel-based ``continuous_ode.relax`` returns the
same states, speed checks, convergence flags and times, bit for bit.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hopfield import ContinuousDenseMemory, ContinuousTimeHopfield
from hopfield.functional import continuous as C
from hopfield.functional import continuous_ode as ode
from oracles.continuous_loops import relax as former_relax

F64 = torch.float64


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def network(kind: str, d: int, seed: int, tau: float, dtype: torch.dtype):
    g = _gen(seed)
    if kind in ("tanh", "sigmoid"):
        a = torch.randn(d, d, generator=g, dtype=F64)
        w = C.project(2.0 * (a + a.T) / math.sqrt(2 * d))
        b = 0.3 * torch.randn(d, generator=g, dtype=F64)
        return ContinuousTimeHopfield(w.to(dtype), b.to(dtype), tau=tau, activation=kind)
    w = torch.randn(d + 2, d, generator=g, dtype=F64) / math.sqrt(d)
    return ContinuousDenseMemory(w.to(dtype), tau=tau, interaction=kind.removeprefix("dense-"), beta=3.0)


SOLVERS = [
    {"method": "dopri5-batched"},
    {"method": "dopri5"},
    {"method": "rk4", "step_size": 0.05},
]


def assert_same(new, old) -> None:
    assert torch.equal(new.state, old.state)
    assert torch.equal(new.steps, old.steps)
    assert torch.equal(new.converged, old.converged)
    assert torch.equal(new.extras["time"], old.time)
    assert not bool(new.cycle.any())


@settings(max_examples=25)
@given(
    kind=st.sampled_from(["tanh", "sigmoid", "dense-lse", "dense-sigmoid"]),
    d=st.integers(1, 6),
    b=st.integers(1, 5),
    seed=st.integers(0, 10_000),
    tau=st.floats(0.3, 3.0),
    tol_exp=st.integers(-9, -3),
    dt=st.floats(0.02, 0.5),
    t_max=st.floats(0.05, 30.0),
    solver=st.sampled_from(SOLVERS),
    dtype=st.sampled_from([torch.float32, F64]),
)
def test_kernel_relaxation_equals_the_former_loop(kind, d, b, seed, tau, tol_exp, dt, t_max, solver, dtype):
    net = network(kind, d, seed, tau, dtype)
    x0 = (torch.rand(b, d, generator=_gen(seed + 1), dtype=F64) * 2 - 1).to(dtype)
    if b > 1:
        x0[0] = net.retrieve(x0[:1], tol=1e-5).state[0]  # one start already (nearly) at rest
    field = net._field(net._params(x0))
    tol = 10.0**tol_exp
    kw = {"rtol": 1e-6, "atol": 1e-8, **solver}
    old = former_relax(field, x0, tol, t_max, dt, **kw)
    new = ode.relax(field, x0, tol, t_max, dt, max_evals=None, **kw)
    assert_same(new, old)


@settings(max_examples=10)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 60), tol_exp=st.integers(-10, -4))
def test_max_steps_is_t_max_on_the_grid(seed, k, tol_exp):
    """``max_steps = k`` checks equals the former loop run to ``t_max = k dt``."""
    net = network("tanh", 5, seed, 0.7, F64)
    x0 = torch.rand(4, 5, generator=_gen(seed), dtype=F64) * 2 - 1
    field = net._field(net._params(x0))
    tol, dt = 10.0**tol_exp, 0.1
    old = former_relax(field, x0, tol, k * dt, dt)
    new = ode.relax(field, x0, tol, 1e9, dt, max_steps=k)
    assert_same(new, old)


@pytest.mark.parametrize("kind", ["tanh", "dense-lse"])
def test_the_class_calls_the_kernel_with_the_former_defaults(kind):
    """``retrieve`` with default options equals the former loop with the former class defaults
    (``t_max = 200 tau``, ``dt = tau / 10``, solver tolerances ``min(default, tol tau / 10)``)."""
    tau = 0.8
    net = network(kind, 6, 3, tau, F64)
    x0 = torch.rand(5, 6, generator=_gen(4), dtype=F64) * 2 - 1
    res = net.retrieve(x0)
    tol = 1e-8
    floor = 0.1 * tol * tau
    old = former_relax(
        net._field(net._params(x0)), x0, tol, 200 * tau, tau / 10, rtol=min(1e-7, floor), atol=floor
    )
    assert torch.equal(res.state, old.state) and torch.equal(res.steps, old.steps)
    assert torch.equal(res.converged, old.converged) and torch.equal(res.extras["time"], old.time)
