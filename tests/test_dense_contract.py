"""The dense memory on the contract of ``docs/conventions.md``: dtypes, devices, shapes, extreme beta,
``log_energy``'s domain, checked callables and the bounded cast cache."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from hopfield import DenseAssociativeMemory, HopfieldInputError, Retrieval
from hopfield._tolerances import tolerances

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
SETTINGS = [("poly", 3, 1.0), ("rectified_poly", 3, 1.0), ("exp", 1, 0.5)]

g = torch.Generator().manual_seed(0)
PATTERNS = torch.randint(0, 2, (12, 16), generator=g).double() * 2 - 1
QUERIES = PATTERNS[:5] * torch.where(torch.rand(5, 16, generator=g) < 0.15, -1.0, 1.0)


def _as(kind: str, x: torch.Tensor, device: str):
    """``x`` (±1, float64) in the input form ``kind``: a torch dtype name or ``np.<dtype>``."""
    if kind.startswith("np."):
        arr = x.numpy()
        return arr > 0 if kind == "np.bool" else arr.astype(kind[3:])
    dtype = getattr(torch, kind)
    return (x > 0 if dtype == torch.bool else x.to(dtype)).to(device)


def _f64(v) -> torch.Tensor:
    """A result as a float64 CPU tensor (bool states mapped back to ±1)."""
    t = torch.from_numpy(np.asarray(v)) if isinstance(v, np.ndarray) else v.cpu()
    return t.double() * 2 - 1 if t.dtype == torch.bool else t.double()


KINDS = ["float16", "bfloat16", "float32", "float64", "int64", "int8", "bool"]
NP_KINDS = ["np.float32", "np.float64", "np.float16", "np.int64", "np.bool"]


def _check(result, kind: str, device: str, shape: tuple[int, ...], state: bool) -> None:
    """Type, dtype, device and shape of one result for input ``kind``."""
    if kind.startswith("np."):
        assert isinstance(result, np.ndarray), type(result)
        want = {"np.bool": np.bool_}.get(kind, np.dtype(kind[3:]))
        floating = np.issubdtype(np.dtype(want), np.floating)
        if state or floating:
            assert result.dtype == want, (result.dtype, kind)
        else:  # energies of integer/bool input: the computing dtype
            assert result.dtype == np.float32
    else:
        assert isinstance(result, torch.Tensor)
        assert result.device.type == device
        dtype = getattr(torch, kind)
        if state or dtype.is_floating_point:
            assert result.dtype == dtype, (result.dtype, kind)
        else:
            assert result.dtype == torch.float32
    assert tuple(result.shape) == shape


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kind", KINDS + NP_KINDS)
@pytest.mark.parametrize("setting", SETTINGS, ids=[s[0] for s in SETTINGS])
def test_every_dtype_follows_the_input_rule(kind, device, setting) -> None:
    """States come back in the input's dtype and device; energies too when it is floating (else in the
    computing dtype, float32 here); NumPy in gives NumPy out; a (d,) state drops the batch axis. The
    values equal float64's (states exactly; energies to the dtype's tolerance)."""
    name, degree, beta = setting
    net = DenseAssociativeMemory(PATTERNS.float(), name, degree=degree, beta=beta)
    ref = DenseAssociativeMemory(PATTERNS, name, degree=degree, beta=beta)
    q = _as(kind, QUERIES, device)
    want = ref.retrieve(QUERIES, seed=4)
    for batch in (q, q[0]):
        shape = (5,) if batch is q else ()
        res = net.retrieve(batch, seed=4)
        assert isinstance(res, Retrieval)
        _check(res.state, kind, device, (*shape, 16), True)
        _check(res.energy, kind, device, shape, False)
        for field in (res.steps, res.converged, res.cycle):
            assert tuple(field.shape) == shape
        _check(net.update(batch), kind, device, (*shape, 16), True)
        _check(net.energy(batch), kind, device, shape, False)
    res = net.retrieve(q, seed=4)
    assert torch.equal(_f64(res.state), want.state)
    assert torch.equal(_f64(res.steps), want.steps.double())
    tol = tolerances(getattr(torch, kind.removeprefix("np."), torch.float32))
    scale = float(want.energy.abs().max())
    torch.testing.assert_close(_f64(res.energy), want.energy, rtol=tol.rtol, atol=tol.atol * scale)


def test_half_precision_energy_beyond_float16_is_minus_inf() -> None:
    """Computed in float32 and cast back: |E| beyond float16's 65504 is -inf (documented), never NaN; the
    states are those of float32, and log_energy holds the value."""
    net = DenseAssociativeMemory(PATTERNS, "rectified_poly", degree=4)  # F(16) = 65536
    x = PATTERNS[:3].half()
    assert bool((net.energy(x) == float("-inf")).all())
    assert torch.equal(net.retrieve(x, seed=0).state, x)
    torch.testing.assert_close(
        net.log_energy(x).float(), torch.log(-net.energy(x.float())), rtol=1e-3, atol=0
    )


@pytest.mark.parametrize("kind", ["float16", "bfloat16", "float32", "float64"])
def test_log_energy_dtype_and_value(kind) -> None:
    dtype = getattr(torch, kind)
    net = DenseAssociativeMemory(PATTERNS, "exp", beta=0.5)
    got = net.log_energy(QUERIES.to(dtype))
    assert got.dtype == dtype and got.shape == (5,)
    want = torch.logsumexp(0.5 * QUERIES @ PATTERNS.T, dim=-1)
    torch.testing.assert_close(got.double(), want, rtol=tolerances(dtype).rtol, atol=0.0)
    assert net.retrieve(QUERIES.to(dtype), seed=1).extras["log_energy"].dtype == dtype


def test_half_precision_patterns_and_moves() -> None:
    """float16 patterns work (computed in float32); ``.to`` moves them; the cast cache stays bounded."""
    net = DenseAssociativeMemory(PATTERNS.half(), "poly", degree=3)
    assert net.dtype == torch.float16
    ints = QUERIES.long()
    e = net.energy(ints)
    assert e.dtype == torch.float32  # integer input: energies in the computing dtype
    for dtype in (torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.float64):
        net.energy(QUERIES.to(dtype))
        assert len(net._cache) <= 2
    net.to(dtype=torch.float64)
    assert net.dtype == torch.float64 and len(net._cache) == 0
    assert net.energy(ints).dtype == torch.float64
    torch.testing.assert_close(net.energy(ints), e.double())


@pytest.mark.parametrize("beta", [1e-6, 1e-3, 1.0, 1e3, 1e6, 1e300])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_no_nan_for_any_beta(beta, dtype) -> None:
    """No NaN for beta from 1e-6 to 1e300 (energies may be -inf: |E| beyond the dtype; log_energy is
    finite up to beta = 1e6). At huge beta one update moves a query to its nearest pattern when that is
    unique (before: beta 1e300 gave NaN weights in float32 and nothing moved)."""
    x = PATTERNS.to(dtype)
    q = x[:4].clone()
    q[:, 0] = -q[:, 0]  # one flipped bit: the own pattern is the unique nearest
    nearest = (q @ x.T).argmax(dim=-1)
    assert torch.equal(nearest, torch.arange(4))
    net = DenseAssociativeMemory(x, "exp", beta=beta)
    for chunk in (None, 5):
        net.chunk_size = chunk
        new = net.update(q)
        assert set(new.unique().tolist()) <= {-1.0, 1.0}
        if beta >= 1e3:
            assert torch.equal(new, x[:4])
        res = net.retrieve(q, seed=0, max_steps=20)
        assert bool(res.converged.all())
        assert not bool(torch.isnan(res.energy).any())
        if beta <= 1e6:
            log_e = net.log_energy(q)
            assert bool(torch.isfinite(log_e).all())
            assert bool(torch.isfinite(res.extras["log_energy"]).all())


@pytest.mark.parametrize("degree", [1, 2, 3, 5])
def test_log_energy_defined_where_minus_e_is_positive(degree) -> None:
    """``log_energy = ln(-E)`` wherever ``-E > 0``, and a named error (never NaN or -inf) elsewhere."""
    g = torch.Generator().manual_seed(degree)
    x = torch.randint(0, 2, (6, 9), generator=g).double() * 2 - 1
    xi = torch.randint(0, 2, (64, 9), generator=g).double() * 2 - 1
    for name in ("poly", "rectified_poly"):
        net = DenseAssociativeMemory(x, name, degree=degree)
        neg = -net.energy(xi)
        ok = neg > 0
        assert bool(ok.any())
        torch.testing.assert_close(net.log_energy(xi[ok]), torch.log(neg[ok]))
        if not bool(ok.all()):
            with pytest.raises(HopfieldInputError, match=r"state must give -E = sum_i F") as info:
                net.log_energy(xi)
            assert info.value.argument == "state"
            assert math.isclose(float(info.value.received.split()[2]), float(neg[~ok][0]), abs_tol=0.5)


def test_the_issue_example() -> None:
    """Issue 10: poly n = 3 gave NaN (log of E's wrong sign), rectified_poly -inf; exp stays finite."""
    x = np.array([[1, 1, 1, -1, -1, -1], [1, -1, 1, -1, 1, -1]])
    far = np.array([-1, -1, -1, 1, 1, 1.0])
    for name, received in (("poly", "-E = -224 for state 0"), ("rectified_poly", "-E = 0 for state 0")):
        with pytest.raises(HopfieldInputError, match="energy") as info:
            DenseAssociativeMemory(x, name, degree=3).log_energy(far)
        assert info.value.received == received
    assert np.isfinite(DenseAssociativeMemory(x, "exp").log_energy(far))
    assert DenseAssociativeMemory(x, "poly", degree=3).energy(far) == 224.0


def test_callable_output_is_cast_to_the_input_dtype() -> None:
    """A callable returning another floating dtype is cast to the overlaps' dtype (no dtype mismatch)."""
    net = DenseAssociativeMemory(PATTERNS.float(), lambda a: (a**3).double())
    ref = DenseAssociativeMemory(PATTERNS.float(), "poly", degree=3)
    q = QUERIES.float()
    assert torch.equal(net.update(q), ref.update(q))
    assert torch.equal(net.retrieve(q, seed=2).state, ref.retrieve(q, seed=2).state)
    assert net.energy(q).dtype == torch.float32


def test_seed_none_is_random_and_fixed_order_ignores_it() -> None:
    net = DenseAssociativeMemory(PATTERNS, "poly", degree=2)
    q = torch.randint(0, 2, (64, 16), generator=torch.Generator().manual_seed(1)).double() * 2 - 1
    torch.manual_seed(123)
    a = net.retrieve(q).state
    torch.manual_seed(123)
    assert torch.equal(net.retrieve(q).state, a)  # seed=None draws from torch's global generator
    fixed = net.retrieve(q, order="fixed", seed=1).state
    assert torch.equal(net.retrieve(q, order="fixed", seed=2).state, fixed)
    state = torch.random.get_rng_state()
    net.retrieve(q, dynamics="sync")  # deterministic: no draw from the global generator
    assert torch.equal(torch.random.get_rng_state(), state)


def _pm1(shape, g, dtype=torch.float64):
    return torch.randint(0, 2, shape, generator=g).to(dtype) * 2 - 1


def test_numpy_in_numpy_out_and_shapes():
    rng = np.random.default_rng(0)
    x = rng.choice([-1, 1], size=(6, 12))
    net = DenseAssociativeMemory(x, "exp")
    one = net.retrieve(x[0].astype(np.float64))
    assert isinstance(one.state, np.ndarray) and one.state.shape == (12,)
    assert one.steps.shape == () and one.converged.dtype == np.bool_
    batch = net.retrieve(x[:3])
    assert batch.state.shape == (3, 12) and batch.energy.shape == (3,)
    assert batch.extras["log_energy"].shape == (3,)
    assert np.array_equal(batch.state, x[:3])
    assert isinstance(net.energy(x[:2]), np.ndarray)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_torch_dtype_is_kept(dtype):
    g = torch.Generator().manual_seed(9)
    x = _pm1((8, 10), g, torch.float64)
    xi = _pm1((3, 10), g, dtype)
    res = DenseAssociativeMemory(x, "poly", degree=3).retrieve(xi)
    assert res.state.dtype == dtype and res.energy.dtype == dtype
    assert isinstance(res.state, torch.Tensor)


def test_seed_makes_random_order_reproducible():
    g = torch.Generator().manual_seed(10)
    x, xi = _pm1((30, 24), g), _pm1((40, 24), g)
    net = DenseAssociativeMemory(x, "poly", degree=2)
    a, b = net.retrieve(xi, seed=3), net.retrieve(xi, seed=3)
    assert torch.equal(a.state, b.state) and torch.equal(a.steps, b.steps)
    others = [net.retrieve(xi, seed=s).state for s in range(4, 9)]
    assert any(not torch.equal(o, a.state) for o in others)  # the order matters at this load


def test_callable_interaction_equals_registered_poly():
    g = torch.Generator().manual_seed(8)
    x, xi = _pm1((25, 16), g), _pm1((10, 16), g)
    a = DenseAssociativeMemory(x, "poly", degree=3).retrieve(xi, seed=1)
    b = DenseAssociativeMemory(x, lambda s: s**3).retrieve(xi, seed=1)
    assert torch.equal(a.state, b.state)
    assert torch.equal(a.energy, b.energy)
