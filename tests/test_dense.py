"""Dense associative memories (004 §B4.2 eqs. (530)-(533), 003 §3.1): the update against brute force.

References here are slow and explicit: Python loops over states, neurons and patterns, with exact
integer arithmetic for polynomials and 60-digit decimals for ``exp``.
"""

from __future__ import annotations

import inspect
import math
from decimal import Decimal, getcontext

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import hopfield
from helpers import assert_close
from hopfield import DenseAssociativeMemory, data
from hopfield.functional import dense as F

getcontext().prec = 60

#: (interaction, degree, beta) covered by the brute-force tests. exp(beta) is transcendental for these
#: beta, so an exact tie of the exp update happens only when the two sides are the same multiset.
SETTINGS = [
    ("poly", 1, 1.0),
    ("poly", 2, 1.0),
    ("poly", 3, 1.0),
    ("poly", 4, 1.0),
    ("rectified_poly", 3, 1.0),
    ("rectified_poly", 5, 1.0),
    ("exp", 1, 0.5),
    ("exp", 1, 1.0),
    ("exp", 1, 2.0),
]


def cubic_plus(a):
    """A user interaction (works on tensors and on Python ints): ``F(a) = a^3 + 2 a^2``."""
    return a**3 + 2 * a**2


def _pm1(shape, g, dtype=torch.float64):
    return torch.randint(0, 2, shape, generator=g).to(dtype) * 2 - 1


class ExpF:
    """``F(a) = exp(beta a)`` for the brute force: differences are summed exactly as integer
    coefficients of ``exp(beta k)`` (k integer), then evaluated with 60-digit decimals, so an exact tie
    gives exactly 0 (exp(beta) is transcendental for the beta used)."""

    def __init__(self, beta):
        self.beta = Decimal(beta)


def _python_f(interaction, degree, beta):
    """``F`` on Python ints, exact: ints for polynomials, :class:`ExpF` for exp."""
    if callable(interaction):
        return interaction
    if interaction == "poly":
        return lambda a: a**degree
    if interaction == "rectified_poly":
        return lambda a: max(a, 0) ** degree
    return ExpF(beta)


def brute_delta(xi, x, f, j):
    """``E(xi_j = -1) - E(xi_j = +1) = sum_i F(x_i^T xi(+1)) - F(x_i^T xi(-1))`` by explicit loops."""
    xi, x = [int(v) for v in xi], [[int(v) for v in row] for row in x]
    plus, minus = list(xi), list(xi)
    plus[j], minus[j] = 1, -1
    over_plus = [sum(a * b for a, b in zip(row, plus, strict=True)) for row in x]
    over_minus = [sum(a * b for a, b in zip(row, minus, strict=True)) for row in x]
    if isinstance(f, ExpF):
        coef: dict[int, int] = {}
        for k in over_plus:
            coef[k] = coef.get(k, 0) + 1
        for k in over_minus:
            coef[k] = coef.get(k, 0) - 1
        return sum((c * (f.beta * k).exp() for k, c in coef.items() if c), Decimal(0))
    return sum(f(k) for k in over_plus) - sum(f(k) for k in over_minus)


def brute_sync(xi, x, f):
    out = xi.clone()
    for b in range(xi.shape[0]):
        for j in range(xi.shape[1]):
            delta = brute_delta(xi[b], x, f, j)
            if delta != 0:
                out[b, j] = 1.0 if delta > 0 else -1.0
    return out


def brute_async(xi, x, f, sweeps):
    """Fixed-order async sweeps; every flip must lower the brute-force energy (checked)."""
    out = xi.clone()
    for b in range(xi.shape[0]):
        for _ in range(sweeps):
            for j in range(xi.shape[1]):
                delta = brute_delta(out[b], x, f, j)
                if delta != 0:
                    out[b, j] = 1.0 if delta > 0 else -1.0
    return out


case = st.tuples(
    st.integers(1, 7),  # N
    st.integers(2, 9),  # d
    st.integers(1, 4),  # B
    st.integers(0, 2**31 - 1),  # seed
)


@given(case, st.sampled_from([*SETTINGS, (cubic_plus, 1, 1.0)]))
def test_sync_update_is_sign_of_brute_force_energy_difference(c, setting):
    """Eq. (531): T_j = sgn[E(xi_j=-1) - E(xi_j=+1)], a zero difference keeps xi_j (every j at once)."""
    n, d, b, seed = c
    g = torch.Generator().manual_seed(seed)
    x, xi = _pm1((n, d), g), _pm1((b, d), g)
    interaction, degree, beta = setting
    net = DenseAssociativeMemory(x, interaction, degree=degree, beta=beta, chunk_size=3)
    expected = brute_sync(xi, x, _python_f(interaction, degree, beta))
    assert torch.equal(net.update(xi), expected)


@pytest.mark.parametrize("setting", SETTINGS)
def test_async_sweeps_equal_brute_force(setting):
    """The incremental async loop (overlaps updated flip by flip) equals explicit sweeps, 3 sweeps."""
    interaction, degree, beta = setting
    g = torch.Generator().manual_seed(1)
    x, xi = _pm1((6, 8), g), _pm1((6, 8), g)
    net = DenseAssociativeMemory(x, interaction, degree=degree, beta=beta)
    f = _python_f(interaction, degree, beta)
    for sweeps in (1, 2, 3):
        got = net.retrieve(xi, order="fixed", max_steps=sweeps).state
        assert torch.equal(got, brute_async(xi, x, f, sweeps))


@pytest.mark.parametrize("setting", [*SETTINGS, ("exp", 1, 8.0), (cubic_plus, 1, 1.0)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_energy_never_increases_under_async(setting, dtype):
    """Every flip of eq. (531) lowers energy (530): it never increases; the end is a fixed point."""
    interaction, degree, beta = setting
    g = torch.Generator().manual_seed(2)
    x, xi = _pm1((40, 24), g, dtype), _pm1((32, 24), g, dtype)
    net = DenseAssociativeMemory(x, interaction, degree=degree, beta=beta)
    log_domain = interaction == "exp"
    values = [net.log_energy(xi) if log_domain else net.energy(xi)]
    gen = torch.Generator().manual_seed(5)
    state = xi
    for _ in range(8):
        res = net.retrieve(state, order="random", max_steps=1, seed=gen)
        state = res.state
        values.append(net.log_energy(state) if log_domain else net.energy(state))
    v = torch.stack(values).double()
    slack = 1e-5 if dtype == torch.float32 else 1e-12
    steps = (v[:-1] - v[1:]) if log_domain else (v[1:] - v[:-1])  # log(-E) must not decrease
    scale = v.abs().amax(dim=0) * slack + slack
    assert bool((steps <= scale).all())
    final = net.retrieve(xi, max_steps=100, seed=3)
    assert bool(final.converged.all())
    assert torch.equal(net.update(final.state), final.state)


def test_async_energy_strictly_decreases_per_flip_exactly():
    """Float64 poly: integer energies, so each sweep with a flip lowers E by at least 1 (no slack)."""
    g = torch.Generator().manual_seed(3)
    x, xi = _pm1((30, 20), g), _pm1((16, 20), g)
    net = DenseAssociativeMemory(x, "poly", degree=3)
    state, e = xi, net.energy(xi)
    for _ in range(6):
        new = net.retrieve(state, order="fixed", max_steps=1).state
        e_new = net.energy(new)
        changed = (new != state).any(dim=-1)
        assert bool((e_new[changed] <= e[changed] - 1).all())
        assert torch.equal(e_new[~changed], e[~changed])
        state, e = new, e_new


# ------------------------------------------------------------------------------------ n = 2 is classical
def hebb_async_reference(xi, x, sweeps):
    """Classical network, Hebb J = (1/d)(1 - delta) sum x x^T, fixed order, zero field keeps the state.

    Exact: the field's sign is that of the integer sum_l (X^T X)_jl xi_l, l != j.
    """
    xi_i = [[int(v) for v in row] for row in xi]
    x_i = [[int(v) for v in row] for row in x]
    d = len(x_i[0])
    j_int = [[0 if a == b else sum(r[a] * r[b] for r in x_i) for b in range(d)] for a in range(d)]
    for s in xi_i:
        for _ in range(sweeps):
            for j in range(d):
                field = sum(j_int[j][m] * s[m] for m in range(d))
                if field:
                    s[j] = 1 if field > 0 else -1
    return torch.tensor(xi_i, dtype=xi.dtype)


@pytest.mark.parametrize("d,p", [(12, 4), (16, 3), (100, 14)])
def test_poly2_equals_explicit_hebb_async(d, p):
    """n = 2: same async trajectory as the classical Hebbian network, ties included (even P gives ties)."""
    g = torch.Generator().manual_seed(d)
    x, xi = _pm1((p, d), g), _pm1((8, d), g)
    net = DenseAssociativeMemory(x, "poly", degree=2)
    for sweeps in (1, 2, 3):
        got = net.retrieve(xi, order="fixed", max_steps=sweeps).state
        assert torch.equal(got, hebb_async_reference(xi, x, sweeps))


def _classical_retrieve(net, state, sweeps, **options):
    """``ClassicalHopfield.retrieve`` with ``sweeps`` as ``max_steps`` (or ``max_sweeps`` before that
    family moves to the one retrieval API of issue 10)."""
    name = "max_steps" if "max_steps" in inspect.signature(net.retrieve).parameters else "max_sweeps"
    return net.retrieve(state, **{name: sweeps}, **options)


@pytest.mark.parametrize("d,p", [(32, 4), (64, 10), (100, 4), (100, 10)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("order", ["fixed", "random"])
def test_poly2_equals_classical_hopfield(d, p, dtype, order):
    """n = 2 against ``hopfield.ClassicalHopfield(rule="hebb")``: same states sweep by sweep (and same
    random orders for the same seed), same sync fixed points and 2-cycles. d = 100 with an even number of
    patterns has many zero fields, where 1/d is inexact: ties must still keep the state in both."""
    g = torch.Generator().manual_seed(p)
    x, xi = _pm1((p, d), g, dtype), _pm1((24, d), g, dtype)
    dense, classical = DenseAssociativeMemory(x, "poly", degree=2), hopfield.ClassicalHopfield(x, rule="hebb")
    for sweeps in (1, 2, 50):
        a = dense.retrieve(xi, dynamics="async", order=order, max_steps=sweeps, seed=7)
        b = _classical_retrieve(classical, xi, sweeps, dynamics="async", order=order, seed=7)
        assert torch.equal(a.state, b.state)
        assert torch.equal(a.converged, b.converged)
    a = dense.retrieve(xi, dynamics="sync", max_steps=50)
    b = _classical_retrieve(classical, xi, 50, dynamics="sync")
    assert torch.equal(a.state, b.state)
    assert torch.equal(a.cycle, b.cycle)
    # energy (530) with n = 2 is 2d times the classical Lyapunov function minus N d
    assert_close(a.energy, 2 * d * b.energy - p * d, dtype, scale=p * d * d)


# ----------------------------------------------------------------------- eq. (532): softmax form, beta = 1
def _g_and_slope(x, xi, j, t):
    """``g(t) = sum_i exp(x_i^T xi(xi_j = t)) = -E`` and ``g'(t) = exp(lse) [X softmax(X^T xi(t))]_j``."""
    s = xi.clone()
    s[j] = t
    scores = x @ s
    return torch.exp(scores).sum(), (torch.softmax(scores, 0) @ x[:, j]) * torch.exp(scores).sum()


def _mean_value_point(x, xi, j):
    """The v in (-1, 1) of the mean value theorem, ``g(1) - g(-1) = 2 g'(v)`` (g is convex: bisection)."""
    target = (_g_and_slope(x, xi, j, 1.0)[0] - _g_and_slope(x, xi, j, -1.0)[0]) / 2
    lo, hi = -1.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _g_and_slope(x, xi, j, mid)[1] < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _softmax_form(x, xi, j, v):
    """``[X softmax(X^T xi(xi_j = v))]_j`` of eq. (532)."""
    s = xi.clone()
    s[j] = v
    return float(torch.softmax(x @ s, 0) @ x[:, j])


@given(case)
def test_exp_update_agrees_with_softmax_form_of_eq_532(c):
    """beta = 1: the sign of [X softmax(X^T xi(xi_j = v))]_j at the mean-value v (and at v = 0) is the sign
    of the energy difference E(xi_j=-1) - E(xi_j=+1), which is the update. The seed's first line of
    (532), sgn[E(xi_j=1) - E(xi_j=-1)], has the opposite sign (a seed error, compensated later in (532))."""
    n, d, b, seed = c
    g = torch.Generator().manual_seed(seed)
    x, xi = _pm1((n, d), g), _pm1((b, d), g)
    net = DenseAssociativeMemory(x, "exp", beta=1.0)
    new = net.update(xi)
    f = _python_f("exp", 1, 1.0)
    for r in range(b):
        for j in range(d):
            delta = brute_delta(xi[r], x, f, j)  # E(xi_j = -1) - E(xi_j = +1), exact
            if delta == 0:
                assert new[r, j] == xi[r, j]
                continue
            sign = 1.0 if delta > 0 else -1.0
            assert new[r, j] == sign
            v = _mean_value_point(x, xi[r], j)
            assert -1 < v < 1
            assert math.copysign(1.0, _softmax_form(x, xi[r], j, v)) == sign
            assert math.copysign(1.0, _softmax_form(x, xi[r], j, 0.0)) == sign  # v = 0 is exact too
            e_plus = -_g_and_slope(x, xi[r], j, 1.0)[0]
            e_minus = -_g_and_slope(x, xi[r], j, -1.0)[0]
            assert math.copysign(1.0, float(e_plus - e_minus)) == -sign  # 004 (532), first line


@pytest.mark.parametrize("beta", [0.3, 1.0, 3.0])
def test_exp_update_is_softmax_threshold_tanh_beta(beta):
    """Exact rewriting used by the code: keep xi_j iff xi_j [X softmax(beta X^T xi)]_j >= tanh(beta)."""
    g = torch.Generator().manual_seed(4)
    x, xi = _pm1((50, 16), g), _pm1((64, 16), g)
    net = DenseAssociativeMemory(x, "exp", beta=beta)
    m = xi * (torch.softmax(beta * xi @ x.T, dim=-1) @ x)
    expected = torch.where(m >= math.tanh(beta), xi, -xi)
    assert torch.equal(net.update(xi), expected)


# ------------------------------------------------------------------------------------------ ties, cycles
def test_exact_ties_keep_the_state():
    """Two patterns that differ only in bit j balance exactly: neuron j keeps its value (every F)."""
    x = torch.tensor([[1.0, 1, -1, 1, -1], [-1.0, 1, -1, 1, -1]])
    for setting in SETTINGS:
        net = DenseAssociativeMemory(x, setting[0], degree=setting[1], beta=setting[2])
        for v in (1.0, -1.0):
            xi = torch.tensor([v, 1, -1, 1, -1])
            assert net.update(xi)[0] == v
            assert net.retrieve(xi, order="fixed").state[0] == v


def test_sync_two_cycle_is_detected():
    """Classical example: one pattern (1, 1), state (1, -1) oscillates with (-1, 1) under sync."""
    net = DenseAssociativeMemory(np.array([[1, 1]]), "poly", degree=2)
    res = net.retrieve(np.array([[1.0, -1.0], [1.0, 1.0]]), dynamics="sync")
    assert res.cycle.tolist() == [True, False]
    assert res.converged.tolist() == [False, True]
    assert res.steps.tolist() == [2, 1]


# --------------------------------------------------------------------------------------------- numerics
def _check_no_overflow(d: int, n: int) -> None:
    """float32, beta = 1 and 10: log-energy finite, one update and one sweep retrieve exactly."""
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 2, (n, d), generator=g, dtype=torch.float32).mul_(2).sub_(1)
    target = x[:2]
    queries = data.flip(target, 0.2, seed=1)
    for beta in (1.0, 10.0):
        net = DenseAssociativeMemory(x, "exp", beta=beta)
        log_e = net.log_energy(queries)
        assert bool(torch.isfinite(log_e).all())
        top = beta * (queries * target).sum(dim=-1)
        assert bool((log_e >= top).all()) and bool((log_e <= top + math.log(n)).all())
        assert torch.equal(net.update(queries), target)
        res = net.retrieve(queries, order="fixed", max_steps=1)
        assert torch.equal(res.state, target)
        # at the pattern the sum is exp(beta d) (1 + tiny): log-energy beta d
        assert_close(res.extras["log_energy"], torch.full((2,), beta * d), torch.float32, scale=beta * d)
        # eq. (530) itself is -exp(beta d): beyond float32's range, so -inf, never NaN
        assert bool((res.energy == float("-inf")).all())


def test_no_overflow_d1000():
    """d = 1000 (overlaps up to 1000, exp(1000) overflows float64), N = 2 10^4; CI size."""
    _check_no_overflow(1000, 20_000)


@pytest.mark.slow
def test_no_overflow_d1000_n100000():
    """The issue's size: d = 1000, N = 10^5 (400 MB of patterns)."""
    _check_no_overflow(1000, 100_000)


def test_log_energy_matches_direct_sum_and_energy():
    g = torch.Generator().manual_seed(6)
    x, xi = _pm1((20, 10), g), _pm1((5, 10), g)
    for beta in (0.5, 2.0):
        net = DenseAssociativeMemory(x, "exp", beta=beta, chunk_size=7)
        direct = torch.log(torch.exp(beta * xi @ x.T).sum(dim=-1))
        assert_close(net.log_energy(xi), direct)
        assert_close(net.energy(xi), -torch.exp(direct), scale=float(torch.exp(direct).max()))
    net = DenseAssociativeMemory(x, "rectified_poly", degree=3)
    assert_close(net.energy(xi), -(xi @ x.T).clamp(min=0).pow(3).sum(dim=-1))


@pytest.mark.parametrize("setting", [("poly", 3, 1.0), ("exp", 1, 1.0), ("exp", 1, 20.0)])
def test_chunked_margins_equal_one_block(setting):
    """The merge of per-chunk coefficients (online rescaling of exp) equals the one-block computation."""
    g = torch.Generator().manual_seed(7)
    x, xi = _pm1((97, 20), g), _pm1((9, 20), g)
    it = F.make_interaction(*setting)
    m1, t1 = F.margins(xi, [x], it)
    m2, t2 = F.margins(xi, x.split(10), it)
    scale = float(m1.abs().max())
    assert_close(m2, m1, scale=scale)
    assert_close(t2, t1 * (t2 / t1).mean(), scale=scale)  # same tolerance up to the chunk count factor


def test_stored_patterns_are_fixed_points_at_low_load():
    g = torch.Generator().manual_seed(11)
    for setting, p in [(("poly", 4, 1.0), 60), (("exp", 1, 1.0), 200)]:  # far below their capacity
        x = _pm1((p, 32), g)
        net = DenseAssociativeMemory(x, setting[0], degree=setting[1], beta=setting[2])
        res = net.retrieve(x, max_steps=3)
        assert torch.equal(res.state, x)
        assert res.steps.tolist() == [1] * p
