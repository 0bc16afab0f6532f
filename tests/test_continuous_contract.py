"""The input rule for the continuous-time family: result type, dtype, device and shape, every dtype.

float16/bfloat16/float32/float64 tensors and NumPy float32/float64 arrays, one state ``(d,)`` and a batch
``(B, d)``, through every public method of both classes and the batched solver. Floating results come
back in the input's dtype (half precision computed in float32 and cast back: the same numbers as the
float32 computation, rounded), on its device, NumPy for NumPy; never float32 for float64. Warnings are
errors in this suite, so each call is also warning-free. Also: the issue-10 NaN at huge beta.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hopfield import ContinuousDenseMemory, ContinuousTimeHopfield, Retrieval
from hopfield.functional import batched_rk as R

F64 = torch.float64
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
DTYPES = ["float16", "bfloat16", "float32", "float64", "numpy-float32", "numpy-float64"]
G = torch.Generator().manual_seed(0)
W_SYM = torch.tensor([[0.0, 1.5, -0.5], [1.5, 0.0, 0.8], [-0.5, 0.8, 0.0]], dtype=F64)
MEMORIES = torch.randn(4, 3, generator=G, dtype=F64)
STATES = torch.tensor([[0.3, -0.2, 0.1], [-0.5, 0.4, 0.2]], dtype=F64)


def networks(device: str) -> dict[str, ContinuousTimeHopfield | ContinuousDenseMemory]:
    return {
        "tanh": ContinuousTimeHopfield(W_SYM.to(device), torch.full((3,), 0.1, dtype=F64, device=device)),
        "sigmoid (float32 weights)": ContinuousTimeHopfield(W_SYM.float().to(device), activation="sigmoid"),
        "callable activation": ContinuousTimeHopfield(W_SYM.to(device), activation=torch.tanh),
        "lse memory": ContinuousDenseMemory(MEMORIES.to(device), beta=2.0),
        "sigmoid memory": ContinuousDenseMemory(MEMORIES.float().to(device), interaction="sigmoid", beta=3.0),
        "callable memory": ContinuousDenseMemory(
            MEMORIES.to(device), interaction=lambda z: torch.logsumexp(z, -1)
        ),
    }


def make(kind: str, device: str, batched: bool):
    x = STATES if batched else STATES[0]
    if kind.startswith("numpy-"):
        return x.numpy().astype(kind.removeprefix("numpy-"))
    return x.to(device=device, dtype=getattr(torch, kind))


def check(result, x, shape: tuple[int, ...], floating: bool = True) -> None:
    if isinstance(x, np.ndarray):
        assert isinstance(result, np.ndarray), type(result)
        if floating:
            assert result.dtype == x.dtype, (result.dtype, x.dtype)
    else:
        assert isinstance(result, torch.Tensor), type(result)
        assert result.device == x.device
        if floating:
            assert result.dtype == x.dtype, (result.dtype, x.dtype)
    assert tuple(result.shape) == shape, (tuple(result.shape), shape)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kind", DTYPES)
@pytest.mark.parametrize("batched", [False, True])
def test_every_method_follows_the_input_rule(kind, batched, device) -> None:
    b = (2,) if batched else ()
    for name, net in networks(device).items():
        x = make(kind, device, batched)
        check(net.velocity(x), x, (*b, 3))
        check(net.jacobian(x), x, (*b, 3, 3))
        st_ = net.stability(x)
        check(st_.max_real, x, b)
        check(st_.speed, x, b)
        check(st_.stable, x, b, floating=False)
        assert isinstance(st_.verdict, list if batched else str)
        traj = net.simulate(x, [0.0, 0.5, 1.0])
        check(traj, x, (3, *b, 3))
        res = net.retrieve(x)
        assert isinstance(res, Retrieval), name
        check(res.state, x, (*b, 3))
        check(res.energy, x, b)
        check(res.extras["time"], x, b)
        check(res.steps, x, b, floating=False)
        check(res.converged, x, b, floating=False)
        check(res.cycle, x, b, floating=False)
        assert res.steps.dtype in (np.int64, torch.int64) and res.converged.dtype in (np.bool_, torch.bool)
        assert bool(
            np.all(np.asarray(res.converged if isinstance(x, np.ndarray) else res.converged.cpu()))
        ), name
        if isinstance(net, ContinuousTimeHopfield):
            y = net.reconstruct(x)
            check(y, x, (*b, 3))
            check(net.energy(y), x, b)
            check(net.lyapunov(x), x, b)
            check(net.energy_rate(x), x, b)
        else:
            check(net.energy(x), x, b)
            check(net.probabilities(x), x, (*b, 4))
            check(net.covariance(x), x, (*b, 3, 3))


@pytest.mark.parametrize("half", [torch.float16, torch.bfloat16])
def test_half_precision_is_computed_in_float32_and_rounded(half) -> None:
    """Half-precision states give exactly the float32 results of the same (rounded) states, rounded."""
    for net in networks("cpu").values():
        x = STATES.to(half)
        x32 = x.float()
        assert torch.equal(net.velocity(x), net.velocity(x32).to(half))
        assert torch.equal(net.retrieve(x).state, net.retrieve(x32).state.to(half))
        assert torch.equal(net.simulate(x, [0.0, 1.0]), net.simulate(x32, [0.0, 1.0]).to(half))


def test_float64_states_on_a_float32_network_are_computed_in_float64() -> None:
    """The weights are cast to the states' dtype (through a bounded cache), never the states down."""
    net = ContinuousTimeHopfield(W_SYM.float())
    x = STATES
    ref = ContinuousTimeHopfield(W_SYM.float().double())
    assert torch.equal(net.velocity(x), ref.velocity(x))
    assert torch.equal(net.retrieve(x).state, ref.retrieve(x).state)
    assert net.weights.dtype == torch.float32 and len(net._cache) == 1
    net.velocity(x.float())
    net.velocity(x.half())
    assert len(net._cache) == 1  # float32 and half states use the stored float32 weights
    net.velocity(x.to(torch.bfloat16))
    assert len(net._cache) <= 2


def test_integer_weights_become_float64_and_to_moves_the_network() -> None:
    net = ContinuousTimeHopfield(np.array([[0, 1], [1, 0]]))
    assert net.weights.dtype == F64 and net.dtype == F64 and net.device.type == "cpu"
    mem = ContinuousDenseMemory(np.eye(2, dtype=int), bias=np.zeros(2, dtype=int))
    assert mem.weights.dtype == mem.bias.dtype == mem.v.dtype == F64
    assert net.to(dtype=torch.float32) is net and net.weights.dtype == net.bias.dtype == torch.float32


@pytest.mark.parametrize("kind", DTYPES)
def test_the_batched_solver_follows_the_input_rule(kind) -> None:
    y0 = make(kind, "cpu", True)
    sol = R.dopri5(lambda t, y: -y, y0, [0.0, 1.0])
    check(sol.ys, y0, (2, 2, 3))
    exact = np.exp(-1.0) * STATES.numpy()
    tol = 1e-2 if kind in ("float16", "bfloat16") else 1e-5
    got = sol.ys[-1] if isinstance(sol.ys, np.ndarray) else sol.ys[-1].float().numpy()
    np.testing.assert_allclose(got, exact, atol=tol)


# ------------------------------------------------------------------ issue 10: NaN at huge beta
@settings(max_examples=30)
@given(
    log_beta=st.floats(-6, 300),
    scale=st.floats(1e-3, 1e3),
    interaction=st.sampled_from(["lse", "sigmoid"]),
    dtype=st.sampled_from([torch.float16, torch.bfloat16, torch.float32, F64]),
)
def test_no_nan_or_inf_for_any_beta(log_beta, scale, interaction, dtype) -> None:
    """Energy, velocity, Jacobian, probabilities are finite for beta in [1e-6, 1e300] on finite input
    (``ContinuousDenseMemory(..., interaction="sigmoid")`` at beta = 1e300 gave a NaN energy). Half
    precision: states up to 50 and beta from 1e-3, where the energies (about ``|x|^2 / 2`` and
    ``ln(n) / beta``) fit its range; larger ones are computed finite in float32 and overflow when cast
    back (docs/continuous.md)."""
    if dtype in (torch.float16, torch.bfloat16):
        scale, log_beta = min(scale, 50.0), max(log_beta, -3.0)
    mem = ContinuousDenseMemory(MEMORIES, interaction=interaction, beta=10.0**log_beta)
    x = (STATES * scale).to(dtype)
    for value in (mem.energy(x), mem.velocity(x), mem.jacobian(x), mem.probabilities(x)):
        assert bool(torch.isfinite(value.double()).all())


@pytest.mark.parametrize("interaction", ["lse", "sigmoid"])
def test_issue_10_huge_beta_relaxes_to_the_nearest_memory(interaction) -> None:
    """``ContinuousDenseMemory(np.eye(2), beta=1e300).relax(float32 state)`` hung (NaN vector field):
    now it relaxes to the memory of largest overlap, the beta -> oo limit, with a finite energy."""
    mem = ContinuousDenseMemory(np.eye(2), beta=1e300, interaction=interaction)
    res = mem.retrieve(np.array([[0.3, -0.1]], dtype=np.float32))
    assert res.state.dtype == np.float32 and bool(res.converged.all())
    np.testing.assert_allclose(res.state[0], [1.0, 0.0], atol=1e-3)
    assert np.isfinite(res.energy).all()
    e = mem.energy(np.array([0.3, -0.1], dtype=np.float32))
    assert e.dtype == np.float32 and math.isfinite(float(e))


def test_deprecated_names_warn_and_still_work():
    """``relax`` and the arguments ``x0``/``x``/``y`` are kept one release: FutureWarning, same results."""
    net = ContinuousTimeHopfield(W_SYM, torch.full((3,), 0.1, dtype=F64))
    x = STATES
    ref = net.retrieve(x, tol=1e-9)
    with pytest.warns(FutureWarning, match=r"ContinuousTimeHopfield\.relax is deprecated.*retrieve"):
        old = net.relax(x, tol=1e-9)
    assert torch.equal(old.state, ref.state) and torch.equal(old.steps, ref.steps)
    with pytest.warns(FutureWarning, match="'x0' is deprecated"):
        assert torch.equal(net.retrieve(x0=x, tol=1e-9).state, ref.state)
    with pytest.warns(FutureWarning, match="'x0' is deprecated"):
        assert torch.equal(net.simulate(x0=x, t=[0.0, 1.0]), net.simulate(x, [0.0, 1.0]))
    for method, old_name in (
        (net.velocity, "x"),
        (net.jacobian, "x"),
        (net.lyapunov, "x"),
        (net.energy_rate, "x"),
        (net.reconstruct, "x"),
        (net.energy, "y"),
    ):
        arg = net.reconstruct(x) if old_name == "y" else x
        with pytest.warns(FutureWarning, match=f"'{old_name}' is deprecated"):
            assert torch.equal(method(**{old_name: arg}), method(arg))
    with pytest.raises(ValueError, match="give 'state' only"):
        net.velocity(x=x, state=x)
