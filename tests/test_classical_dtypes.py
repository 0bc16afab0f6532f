"""The input rule for the classical family: result type, dtype, device and shape for every input dtype.

States come back in the input's dtype (bool, integer, float; NumPy for NumPy); floating results
(energies, fields, overlaps) in the input's floating dtype, or the network's for bool/integer input;
float16/bfloat16 are computed in float32 and give the same states as float32.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hopfield import ClassicalHopfield, Retrieval
from hopfield.boltzmann import boltzmann_energy, boltzmann_update

pytestmark = pytest.mark.usefixtures("one_thread")

D = 12
_g = torch.Generator().manual_seed(0)
PATTERNS = torch.randint(0, 2, (3, D), generator=_g).float() * 2 - 1
QUERIES = PATTERNS.clone()
QUERIES[:, :2] *= -1

FORMS = {
    "torch float16": lambda s: s.to(torch.float16),
    "torch bfloat16": lambda s: s.to(torch.bfloat16),
    "torch float32": lambda s: s.to(torch.float32),
    "torch float64": lambda s: s.to(torch.float64),
    "numpy float16": lambda s: s.numpy().astype(np.float16),
    "numpy float32": lambda s: s.numpy().astype(np.float32),
    "numpy float64": lambda s: s.numpy().astype(np.float64),
    "torch int64": lambda s: s.to(torch.int64),
    "torch int8": lambda s: s.to(torch.int8),
    "numpy int32": lambda s: s.numpy().astype(np.int32),
    "torch bool": lambda s: s > 0,
    "numpy bool": lambda s: s.numpy() > 0,
    "list": lambda s: s.int().tolist(),
}


def kind_of(x):
    """(is NumPy, the state dtype, the dtype of floating results) for an input of the network."""
    if isinstance(x, list):
        return True, np.dtype(np.int64), np.dtype(np.float32)
    if isinstance(x, np.ndarray):
        floating = np.issubdtype(x.dtype, np.floating)
        return True, x.dtype, x.dtype if floating else np.dtype(np.float32)
    return False, x.dtype, x.dtype if x.is_floating_point() else torch.float32


def check(value, numpy, dtype, shape) -> None:
    if numpy:
        assert isinstance(value, np.ndarray), type(value)
    else:
        assert isinstance(value, torch.Tensor) and value.device.type == "cpu"
    assert value.dtype == dtype, (value.dtype, dtype)
    assert tuple(value.shape) == shape, (value.shape, shape)


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("single", [False, True])
def test_results_follow_the_input_rule(form, single) -> None:
    net = ClassicalHopfield(PATTERNS)
    q = FORMS[form](QUERIES[0] if single else QUERIES)
    numpy, sdt, fdt = kind_of(q)
    bdt = np.dtype(np.bool_) if numpy else torch.bool
    ldt = np.dtype(np.int64) if numpy else torch.int64
    b = () if single else (3,)
    for dynamics in ("sync", "async", "glauber"):
        t = 0.2 if dynamics == "glauber" else 0.0
        res = net.retrieve(q, dynamics=dynamics, temperature=t, seed=0)
        assert isinstance(res, Retrieval)
        check(res.state, numpy, sdt, (*b, D))
        check(res.energy, numpy, fdt, b)
        check(res.steps, numpy, ldt, b)
        check(res.converged, numpy, bdt, b)
        check(res.cycle, numpy, bdt, b)
    check(net.energy(q), numpy, fdt, b)
    check(net.local_field(q), numpy, fdt, (*b, D))
    check(net.is_fixed_point(q), numpy, bdt, b)
    check(net.overlaps(q), numpy, fdt, (*b, 3))
    gl = net.glauber(q, temperature=0.5, n_sweeps=3, seed=0, record=True)
    check(gl.state, numpy, sdt, (*b, D))
    check(gl.mean_overlaps, numpy, fdt, (*b, 3))
    check(gl.overlaps, numpy, fdt, (3, *b, 3))
    check(gl.energy, numpy, fdt, (3, *b))


@pytest.mark.parametrize("form", list(FORMS))
def test_every_dtype_retrieves_the_same_states(form) -> None:
    """Half precision is computed in float32: the same trajectories for the same seed."""
    net = ClassicalHopfield(PATTERNS)
    ref = net.retrieve(QUERIES, seed=1).state
    res = net.retrieve(FORMS[form](QUERIES), seed=1)
    got = np.asarray(res.state.float() if isinstance(res.state, torch.Tensor) else res.state)
    got = torch.from_numpy(got.astype(np.float32))
    assert torch.equal(got * 2 - 1 if "bool" in form else got, ref)
    assert torch.equal(torch.as_tensor(res.steps), net.retrieve(QUERIES, seed=1).steps)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_patterns_of_every_floating_dtype(dtype) -> None:
    """Stored tensors are kept in the compute dtype (float32 for half precision): exact Hebb fields."""
    net = ClassicalHopfield(PATTERNS.to(dtype))
    assert net.dtype == (torch.float64 if dtype == torch.float64 else torch.float32)
    for rule in ("storkey", "pseudoinverse"):
        assert ClassicalHopfield(PATTERNS.to(dtype), rule).weights.dtype == net.dtype
    assert torch.equal(
        net.retrieve(QUERIES, seed=0).state, ClassicalHopfield(PATTERNS).retrieve(QUERIES, seed=0).state
    )


def test_bool_and_integer_patterns_and_zero_one() -> None:
    ref = ClassicalHopfield(PATTERNS)
    for x in (PATTERNS > 0, PATTERNS.to(torch.int32), (PATTERNS > 0).numpy()):
        net = ClassicalHopfield(x)
        assert net.dtype == torch.float32
        assert torch.equal(net.weights, ref.weights)
    net01 = ClassicalHopfield((PATTERNS + 1) / 2, zero_one=True)
    res = net01.retrieve(((QUERIES + 1) / 2).numpy(), seed=0)
    assert set(np.unique(res.state)) <= {0.0, 1.0} and res.state.dtype == np.float32
    res_bool = net01.retrieve((QUERIES > 0).numpy(), seed=0)  # bools are True/False in either convention
    assert res_bool.state.dtype == np.bool_ and np.array_equal(res_bool.state, res.state > 0)


def test_to_moves_the_stored_tensors_and_the_cache_is_bounded() -> None:
    net = ClassicalHopfield(PATTERNS)
    assert net.to(dtype=torch.float64) is net
    assert (
        net.dtype == torch.float64 and net.weights.dtype == torch.float64 and net.bias.dtype == torch.float64
    )
    assert net.patterns.dtype == torch.float64 and net.couplings.factors.dtype == torch.float64
    for dtype in (torch.float16, torch.float32, torch.bfloat16, torch.float64):
        net.retrieve(QUERIES.to(dtype), seed=0)
    assert len(net._cache) <= 2


@pytest.mark.parametrize(
    "form", ["torch float16", "torch float64", "numpy float32", "torch bool", "numpy int32"]
)
def test_boltzmann_machine_follows_the_input_rule(form) -> None:
    w = torch.randn(3, D, generator=torch.Generator().manual_seed(0))
    b, v = torch.zeros(3), torch.zeros(D)
    x = FORMS[form](QUERIES)
    numpy, sdt, fdt = kind_of(x)
    z, xn = boltzmann_update(x, w, b, v, n_steps=2)
    check(z, numpy, sdt, (3, 3))
    check(xn, numpy, sdt, (3, D))
    check(boltzmann_energy(z, xn, w, b, v), numpy, fdt, (3,))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_states_stay_on_their_device() -> None:
    net = ClassicalHopfield(PATTERNS)
    for dynamics in ("sync", "async", "glauber"):
        res = net.retrieve(
            QUERIES.cuda(), dynamics=dynamics, temperature=0.3 * (dynamics == "glauber"), seed=0
        )
        assert res.state.device.type == "cuda" and res.energy.device.type == "cuda"
