"""Classical binary Hopfield network: learning rules, dynamics, energy (001 §1.1, 003 §2.1)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.linalg
import torch
from hypothesis import given
from hypothesis import strategies as st

from helpers import assert_close
from hopfield import ClassicalHopfield
from hopfield.functional import classical as F
from hopfield.functional.classical_couplings import addmm, addmm_, matmul

pytestmark = pytest.mark.usefixtures("one_thread")


# ----------------------------------------------------------------------------------- references
def pm1(shape, g, dtype=torch.float64):
    return torch.randint(0, 2, shape, generator=g).to(dtype) * 2 - 1


def random_symmetric(d, g, diag="zero"):
    w = torch.randn(d, d, generator=g, dtype=torch.float64)
    w = (w + w.T) / 2
    if diag == "zero":
        w.fill_diagonal_(0)
    elif diag == "nonneg":
        w.diagonal().copy_(torch.rand(d, generator=g, dtype=torch.float64))
    return w


def ref_async(s, w, b, order, noise=None):
    """Textbook sequential dynamics: one chain, one neuron at a time, explicit loops (float64).

    Returns the final states and, per chain, the energy after every single-neuron step.
    """
    s = s.clone().double()
    w, b = w.double(), b.double()
    energies = []
    for c in range(s.shape[0]):
        e = []
        for t, i in enumerate(order):
            f = sum(float(w[i, j]) * float(s[c, j]) for j in range(s.shape[1])) + float(b[i])
            if noise is not None:
                f -= float(noise[c, t])
            if f > 0:
                s[c, i] = 1.0
            elif f < 0:
                s[c, i] = -1.0
            e.append(float(-0.5 * s[c] @ w @ s[c] - b @ s[c]))
        energies.append(e)
    return s, energies


def ref_storkey(x):
    """Storkey's rule with explicit loops: w_ij += (x_i x_j - x_i h_ji - h_ij x_j)/d, i != j."""
    x = x.double().numpy()
    p, d = x.shape
    w = np.zeros((d, d))
    for mu in range(p):
        new = w.copy()
        for i in range(d):
            for j in range(d):
                if i == j:
                    continue
                h_ij = sum(w[i, k] * x[mu, k] for k in range(d) if k not in (i, j))
                h_ji = sum(w[j, k] * x[mu, k] for k in range(d) if k not in (i, j))
                new[i, j] = w[i, j] + (x[mu, i] * x[mu, j] - x[mu, i] * h_ji - h_ij * x[mu, j]) / d
        w = new
    return torch.from_numpy(w)


def ref_pseudoinverse(x, zero_diagonal):
    """Personnaz's formula W_ij = sum_{mu,nu} x^mu_i (C^-1)_{mu nu} x^nu_j, C_{mu nu} = x^mu . x^nu."""
    x = x.double().numpy()
    p, d = x.shape
    c = np.zeros((p, p))
    for mu in range(p):
        for nu in range(p):
            c[mu, nu] = sum(x[mu, i] * x[nu, i] for i in range(d))
    ci = np.linalg.inv(c)
    w = np.zeros((d, d))
    for i in range(d):
        for j in range(d):
            if zero_diagonal and i == j:
                continue
            w[i, j] = sum(x[mu, i] * ci[mu, nu] * x[nu, j] for mu in range(p) for nu in range(p))
    return torch.from_numpy(w)


# ----------------------------------------------------------------------------------- learning rules
def test_hebb_matches_definition_2_1_4(rng):
    x = pm1((5, 17), rng)
    net = ClassicalHopfield(x, "hebb")
    p, d = x.shape
    ref = torch.zeros(d, d, dtype=torch.float64)
    for i in range(d):
        for j in range(d):
            if i != j:
                ref[i, j] = sum(float(x[m, i] * x[m, j]) for m in range(p)) / d
    assert_close(net.weights, ref)
    assert_close(F.hebb(x)[0], ref)


@given(seed=st.integers(0, 10_000), d=st.integers(3, 9), p=st.integers(1, 4))
def test_storkey_matches_explicit_loops(seed, d, p):
    g = torch.Generator().manual_seed(seed)
    x = pm1((p, d), g)
    net = ClassicalHopfield(x, "storkey")
    assert_close(net.weights, ref_storkey(x))


def test_storkey_is_incremental(rng):
    x = pm1((6, 12), rng)
    w_all, _ = F.storkey(x)
    w_half, _ = F.storkey(x[:3])
    w_more, _ = F.storkey(x[3:], init=w_half)
    assert_close(w_more, w_all)


@given(seed=st.integers(0, 10_000), d=st.integers(4, 10), zero_diagonal=st.booleans())
def test_pseudoinverse_matches_explicit_loops(seed, d, zero_diagonal):
    g = torch.Generator().manual_seed(seed)
    p = int(torch.randint(1, d, (1,), generator=g))
    x = pm1((p, d), g)
    if torch.linalg.matrix_rank(x) < p:  # the reference inverts the Gram matrix
        return
    net = ClassicalHopfield(x, "pseudoinverse", zero_diagonal=zero_diagonal)
    assert_close(net.weights, ref_pseudoinverse(x, zero_diagonal), scale=100)


@pytest.mark.parametrize("zero_diagonal", [True, False])
def test_pseudoinverse_stores_every_independent_set(zero_diagonal):
    g = torch.Generator().manual_seed(3)
    d = 100
    for p in (10, 50, 90, 99):
        x = pm1((p, d), g)
        assert int(torch.linalg.matrix_rank(x)) == p
        net = ClassicalHopfield(x, "pseudoinverse", zero_diagonal=zero_diagonal)
        assert bool(net.is_fixed_point(x).all()), p
        assert_close(net.weights, net.weights.T)


def test_rules_give_symmetric_zero_diagonal_weights(rng):
    x = pm1((6, 30), rng, torch.float32)
    for rule in ("hebb", "storkey", "pseudoinverse", "gradient"):
        w = ClassicalHopfield(x, rule).weights
        assert torch.equal(w, w.T), rule
        assert float(w.diagonal().abs().max()) == 0.0, rule


def correlated_patterns(g, p=8, d=64, flip=0.2):
    base = pm1((d,), g)
    x = base.repeat(p, 1)
    x[torch.rand(p, d, generator=g) < flip] *= -1
    return x


@pytest.mark.parametrize(
    "options",
    [{}, {"optimizer": "sgd", "lr": 0.05}, {"optimizer": torch.optim.RMSprop}, {"init": "glorot", "seed": 1}],
)
def test_gradient_rule_stores_correlated_patterns_where_hebb_fails(options):
    """001 Algorithm 1 makes a correlated set stable; the Hebb rule does not."""
    g = torch.Generator().manual_seed(0)
    x = correlated_patterns(g)
    assert not bool(ClassicalHopfield(x, "hebb").is_fixed_point(x).any())
    net = ClassicalHopfield(x, "gradient", **options)
    assert bool(net.is_fixed_point(x).all())
    w = net.weights
    assert torch.equal(w, w.T) and float(w.diagonal().abs().max()) == 0.0


def test_gradient_rule_margin_widens_fields():
    g = torch.Generator().manual_seed(0)
    x = correlated_patterns(g)
    net = ClassicalHopfield(x, "gradient", margin=0.5, steps=2000)
    assert float((net.local_field(x) * x).min()) > 0.5


def test_seed_surrogate_is_not_symmetric_under_sign_flip():
    """001 Remark 4 prints grad = (1 - tanh x)^2 / T: learning x and -x then differs. The tanh(x/T)
    surrogate is even, so with the (even) Hebb start the rule maps (x, W, b) to (-x, W, -b)."""
    g = torch.Generator().manual_seed(0)
    x = correlated_patterns(g)
    a = ClassicalHopfield(x, "gradient", steps=50)
    b = ClassicalHopfield(-x, "gradient", steps=50)
    assert_close(a.weights, b.weights)
    assert_close(a.bias, -b.bias)
    a = ClassicalHopfield(x, "gradient", steps=50, surrogate="seed")
    b = ClassicalHopfield(-x, "gradient", steps=50, surrogate="seed")
    assert float((a.weights - b.weights).abs().max()) > 1e-3
    s = torch.linspace(-3, 3, 7, dtype=torch.float64)
    seed_grad = F.SURROGATES["seed"](s, 1.0)
    assert not torch.allclose(seed_grad, seed_grad.flip(0))
    assert_close(F.SURROGATES["tanh"](s, 1.0), F.SURROGATES["tanh"](s, 1.0).flip(0))


def test_softsign_gradient_is_the_surrogate():
    a = torch.tensor([-2.0, -0.3, 0.4, 1.5], dtype=torch.float64, requires_grad=True)
    y = F.SoftSign.apply(a, 0.5, "tanh")
    y.sum().backward()
    assert torch.equal(y.detach(), torch.sign(a.detach()))
    assert_close(a.grad, (1 - torch.tanh(a.detach() / 0.5) ** 2) / 0.5)


# ----------------------------------------------------------------------------------- dynamics = reference
@given(seed=st.integers(0, 10_000), d=st.integers(1, 40), diag=st.sampled_from(["zero", "nonneg"]))
def test_async_sweep_equals_neuron_by_neuron_loop(seed, d, diag):
    """The block scheme gives exactly the sequential result, for strongly coupled random W too."""
    g = torch.Generator().manual_seed(seed)
    w = random_symmetric(d, g, diag)
    b = torch.randn(d, generator=g, dtype=torch.float64) * 0.5
    s = pm1((3, d), g)
    order = torch.randperm(d, generator=g)
    c = F.Couplings.dense(w, b)
    for noise in (None, F.logistic_noise((3, d), 0.8, g, s)):
        cur = s.clone()
        cache = c.cache(cur)
        F.async_sweep(cur, cache, c, order, noise, block=7)
        ref, _ = ref_async(s, w, b, order.tolist(), noise)
        assert torch.equal(cur, ref)
        assert_close(cache, c.cache(cur), scale=10)


def test_async_sweep_asymmetric_weights_equal_reference(rng):
    d = 23
    w = torch.randn(d, d, generator=rng, dtype=torch.float64)
    b = torch.zeros(d, dtype=torch.float64)
    s = pm1((4, d), rng)
    order = torch.randperm(d, generator=rng)
    cur = s.clone()
    c = F.Couplings.dense(w, b)
    F.async_sweep(cur, c.cache(cur), c, order, None, block=5)
    assert torch.equal(cur, ref_async(s, w, b, order.tolist())[0])


@pytest.mark.parametrize("factored", [True, False])
def test_hebb_forms_give_the_same_dynamics(factored, rng):
    x = pm1((4, 60), rng, torch.float32)
    c = F.Couplings.hebb(x, factored=factored)
    assert c.factored == factored
    s = pm1((16, 60), rng, torch.float32)
    order = torch.randperm(60, generator=rng)
    cur = s.clone()
    F.async_sweep(cur, c.cache(cur), c, order, None, block=16)
    ref, _ = ref_async(s, c.weights(), torch.zeros(60), order.tolist())
    assert torch.equal(cur.double(), ref)
    assert torch.equal(F.sync_step(s, c), F.sync_step(s, F.Couplings.dense(c.weights(), c.bias)))


def test_retrieve_async_fixed_order_equals_reference(rng):
    d = 30
    w = random_symmetric(d, rng)
    s = pm1((5, d), rng)
    net = ClassicalHopfield(weights=w)
    res = net.retrieve(s, dynamics="async", order="fixed", max_steps=1)
    assert torch.equal(res.state, ref_async(s, w, torch.zeros(d), list(range(d)))[0])


def test_factored_hebb_is_used_below_half_load(rng):
    assert ClassicalHopfield(pm1((4, 20), rng), "hebb").couplings.factored
    assert not ClassicalHopfield(pm1((10, 20), rng), "hebb").couplings.factored


# ----------------------------------------------------------------------------------- Lyapunov function
@given(seed=st.integers(0, 10_000), d=st.integers(2, 12), diag=st.sampled_from(["zero", "nonneg"]))
def test_energy_never_increases_under_async(seed, d, diag):
    """001 Lemma 2 / 003 Lemma 2.1.1: L(s_new) <= L(s) at every single-neuron step, J_ii >= 0."""
    g = torch.Generator().manual_seed(seed)
    w = random_symmetric(d, g, diag)
    b = torch.randn(d, generator=g, dtype=torch.float64)
    s = pm1((4, d), g)
    net = ClassicalHopfield(weights=w, bias=b)
    order = torch.randperm(d, generator=g).tolist() * 3
    _, energies = ref_async(s, w, b, order)
    e0 = net.energy(s)
    for c, e in enumerate(energies):
        steps = np.diff([float(e0[c]), *e])
        assert (steps <= 1e-12).all()
    # and sweep by sweep with the vectorized dynamics
    cur = s
    prev = net.energy(cur)
    for k in range(5):
        cur = net.retrieve(cur, dynamics="async", max_steps=1, seed=k).state
        e = net.energy(cur)
        assert bool((e <= prev + 1e-12).all())
        prev = e


def test_energy_can_increase_with_negative_diagonal():
    """Lemma 2.1.1 needs J_ii >= 0: a negative self-coupling makes a flip raise L."""
    w = torch.tensor([[-2.0, 0.5], [0.5, 0.0]], dtype=torch.float64)
    net = ClassicalHopfield(weights=w, bias=[0.0, 5.0], allow_asymmetric=True)
    s = torch.tensor([1.0, 1.0], dtype=torch.float64)
    new = net.retrieve(s, dynamics="async", order="fixed", max_steps=1).state
    assert new.tolist() == [-1.0, 1.0]
    assert float(net.energy(new)) > float(net.energy(s))


def test_flip_energy_change_formula(rng):
    """Flipping neuron i changes L by 2 s_i phi_i - 2 W_ii; after a flip that follows the field this
    is -2|phi_i| - 2 W_ii. 003 Lemma 2.1.1 prints -2|phi_i| - J_ii, 001 Lemma 2 prints -2 (x'-x) phi:
    both are off by a factor (shown here), and the sign conclusions survive."""
    d = 9
    w = random_symmetric(d, rng, "nonneg")
    b = torch.randn(d, generator=rng, dtype=torch.float64)
    net = ClassicalHopfield(weights=w, bias=b)
    s = pm1((d,), rng)
    phi = net.local_field(s)
    for i in range(d):
        t = s.clone()
        t[i] = -t[i]
        change = float(net.energy(t) - net.energy(s))
        assert change == pytest.approx(float(2 * s[i] * phi[i] - 2 * w[i, i]), abs=1e-12)
        if float(phi[i] * s[i]) < 0:  # the update flips it
            correct = -2 * abs(float(phi[i])) - 2 * float(w[i, i])
            seed_003 = -2 * abs(float(phi[i])) - float(w[i, i])
            seed_001 = -2 * float(t[i] - s[i]) * float(phi[i])  # 001 Lemma 2 (there W_ii = 0)
            assert change == pytest.approx(correct, abs=1e-12)
            if float(w[i, i]) > 1e-3:
                assert change != pytest.approx(seed_003, abs=1e-6)
            assert change != pytest.approx(seed_001, abs=1e-6)


def test_energy_and_field_formulas(rng):
    d = 11
    w = random_symmetric(d, rng)
    b = torch.randn(d, generator=rng, dtype=torch.float64)
    s = pm1((6, d), rng)
    net = ClassicalHopfield(weights=w, bias=b)
    assert_close(net.local_field(s), s @ w.T + b)
    assert_close(net.energy(s), -0.5 * ((s @ w) * s).sum(-1) - s @ b)


def test_hebb_hamiltonian_in_mattis_magnetizations(rng):
    """003 §2.2.2 writes H = -N/2 sum_mu m_mu^2 for the Hebb J. With the zero diagonal of Definition
    2.1.4 the identity is H = -N/2 sum_mu m_mu^2 + P/2: the seed drops the P/2."""
    x = pm1((5, 40), rng)
    net = ClassicalHopfield(x, "hebb")
    s = pm1((8, 40), rng)
    m = net.overlaps(s)
    assert_close(net.energy(s), -20 * (m**2).sum(-1) + 2.5)
    assert float((net.energy(s) - (-20 * (m**2).sum(-1))).abs().min()) > 1.0


def test_hadamard_patterns_are_global_minima():
    """003 Lemma 2.1.2: orthogonal patterns (Hadamard rows) are global minima of L with h = 0, the
    minimum being (P - d)/2 (exhaustive over all 2^16 states)."""
    d = 16
    h = torch.from_numpy(scipy.linalg.hadamard(d)).to(torch.float64)
    states = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=d)), dtype=torch.float64)
    for p in (1, 3, 8, 15):
        x = h[1 : p + 1]
        net = ClassicalHopfield(x, "hebb")
        e_all = net.energy(states)
        e_min = float(e_all.min())
        assert e_min == pytest.approx((p - d) / 2, abs=1e-9)
        assert_close(net.energy(x), torch.full((p,), e_min, dtype=torch.float64))
        assert bool(net.is_fixed_point(x).all())
    # P = d: J = (1/d)(X X^T - d I) = 0, every state is a global minimum (the lemma is then empty).
    assert float(ClassicalHopfield(h, "hebb").weights.abs().max()) == 0.0


# ----------------------------------------------------------------------------------- sync dynamics
def test_sync_detects_two_cycles_and_fixed_points():
    w = torch.tensor([[0.0, -1.0], [-1.0, 0.0]])
    net = ClassicalHopfield(weights=w)
    res = net.retrieve(torch.tensor([[1.0, 1.0], [1.0, -1.0]]), dynamics="sync")
    assert res.cycle.tolist() == [True, False]
    assert res.converged.tolist() == [False, True]
    assert res.steps.tolist() == [2, 1]
    assert res.state.tolist() == [[1.0, 1.0], [1.0, -1.0]]


@given(seed=st.integers(0, 10_000), d=st.integers(2, 30))
def test_sync_ends_in_fixed_point_or_two_cycle(seed, d):
    """001 Theorem 3 (Goles): parallel dynamics of a symmetric W end in a fixed point or a 2-cycle;
    the two-step Lyapunov function -s_t^T W s_{t-1} - h^T (s_t + s_{t-1}) never increases."""
    g = torch.Generator().manual_seed(seed)
    w = random_symmetric(d, g)
    b = torch.randn(d, generator=g, dtype=torch.float64) * 0.3
    s = pm1((8, d), g)
    net = ClassicalHopfield(weights=w, bias=b)
    res = net.retrieve(s, dynamics="sync", max_steps=500)
    assert bool((res.converged | res.cycle).all())
    assert not bool((res.converged & res.cycle).any())
    c = F.Couplings.dense(w, b)
    prev, cur = s, F.sync_step(s, c)
    lyap = -((cur @ w) * prev).sum(-1) - (cur + prev) @ b
    for _ in range(20):
        prev, cur = cur, F.sync_step(cur, c)
        new = -((cur @ w) * prev).sum(-1) - (cur + prev) @ b
        assert bool((new <= lyap + 1e-10).all())
        lyap = new


def test_sync_steps_match_manual_iteration(rng):
    x = pm1((3, 50), rng)
    net = ClassicalHopfield(x, "hebb")
    s = pm1((4, 50), rng)
    res = net.retrieve(s, dynamics="sync", max_steps=1)
    manual = torch.sign(s @ net.weights.T)
    manual = torch.where(manual == 0, s, manual)
    assert torch.equal(res.state, manual)
    assert res.steps.tolist() == [1, 1, 1, 1]


# ----------------------------------------------------------------------------------- zero field rule
@pytest.mark.parametrize("dynamics", ["sync", "async"])
def test_zero_field_keeps_the_state(dynamics):
    w = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    net = ClassicalHopfield(weights=w)
    for third in (1.0, -1.0):
        s = torch.tensor([1.0, 1.0, third])
        res = net.retrieve(s, dynamics=dynamics, seed=0)
        assert float(res.state[2]) == third
        assert bool(res.converged)
    zero = ClassicalHopfield(weights=torch.zeros(4, 4))
    s = torch.tensor([1.0, -1.0, -1.0, 1.0])
    assert torch.equal(zero.retrieve(s, dynamics=dynamics).state, s)


def test_hebb_zero_fields_are_exact():
    """With an even number of Hebb patterns fields are often exactly zero; they are computed as exact
    integers (times 1/d) in float32, in the factored and the dense form, and those neurons keep."""
    x = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, -1, -1, -1]], dtype=torch.float32)
    states = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=6)))
    for factored in (True, False):
        c = F.Couplings.hebb(x, factored=factored)
        phi = F.local_field(states, c)
        exact = (states @ x.T) @ x - 2 * states  # integers
        assert torch.equal(phi == 0, exact == 0)
        zero = phi == 0
        assert int(zero.sum()) > 100  # phi_i = (2/d) sum of the 2 other neurons of i's half
        new = F.sync_step(states, c)
        assert torch.equal(new[zero], states[zero])
        assert torch.equal(new[~zero], torch.sign(phi[~zero]))


# ----------------------------------------------------------------------------------- retrieval behaviour
def test_retrieval_of_noisy_patterns_all_dynamics():
    g = torch.Generator().manual_seed(1)
    d, p = 400, 10
    x = pm1((p, d), g, torch.float32)
    net = ClassicalHopfield(x, "hebb")
    q = x.clone()
    q[torch.rand(p, d, generator=g) < 0.1] *= -1
    for dyn, t in (("sync", 0.0), ("async", 0.0), ("glauber", 0.0), ("glauber", 0.1)):
        res = net.retrieve(q, dynamics=dyn, temperature=t, seed=3, max_steps=30)
        overlap = net.overlaps(res.state).diagonal()
        assert float(overlap.min()) > 0.97, dyn
        if t == 0.0:
            assert torch.equal(res.state, x), dyn
            assert bool(res.converged.all())


def test_seed_makes_async_and_glauber_reproducible(rng):
    x = pm1((5, 80), rng, torch.float32)
    net = ClassicalHopfield(x, "hebb")
    s = pm1((6, 80), rng, torch.float32)
    for dyn, t in (("async", 0.0), ("glauber", 0.7)):
        a = net.retrieve(s, dynamics=dyn, temperature=t, seed=5, max_steps=5)
        b = net.retrieve(s, dynamics=dyn, temperature=t, seed=5, max_steps=5)
        c = net.retrieve(s, dynamics=dyn, temperature=t, seed=6, max_steps=5)
        assert torch.equal(a.state, b.state)
        assert not torch.equal(a.state, c.state)


def test_glauber_zero_temperature_is_async(rng):
    x = pm1((5, 80), rng, torch.float32)
    net = ClassicalHopfield(x, "hebb")
    s = pm1((6, 80), rng, torch.float32)
    a = net.retrieve(s, dynamics="async", seed=9)
    b = net.retrieve(s, dynamics="glauber", temperature=0.0, seed=9)
    assert torch.equal(a.state, b.state)


def test_glauber_runs_every_sweep_and_reports_fixed_points(rng):
    x = pm1((2, 100), rng, torch.float32)
    net = ClassicalHopfield(x, "hebb")
    res = net.retrieve(x, dynamics="glauber", temperature=0.05, max_steps=7, seed=0)
    assert res.steps.tolist() == [7, 7]
    assert res.converged.tolist() == net.is_fixed_point(res.state).tolist()


def test_converged_async_states_are_fixed_points(rng):
    x = pm1((30, 100), rng, torch.float32)
    net = ClassicalHopfield(x, "hebb")
    s = pm1((20, 100), rng, torch.float32)
    res = net.retrieve(s, dynamics="async", seed=0, max_steps=200)
    assert bool(res.converged.all())
    assert bool(net.is_fixed_point(res.state).all())
    assert_close(res.energy, net.energy(res.state), torch.float32)


# ----------------------------------------------------------------------------------- array conventions
def test_numpy_in_numpy_out_and_single_state():
    x = np.array([[1, -1, 1, -1, 1, -1], [1, 1, 1, -1, -1, -1]])
    net = ClassicalHopfield(x, "pseudoinverse")
    res = net.retrieve(np.array([1, -1, 1, -1, 1, 1]), seed=0)
    assert isinstance(res.state, np.ndarray) and res.state.shape == (6,)
    assert res.converged.shape == () and bool(res.converged)
    assert isinstance(net.energy(x), np.ndarray) and net.energy(x).shape == (2,)
    assert net.overlaps(x).shape == (2, 2)
    assert net.local_field(x[0]).shape == (6,)


def test_float64_torch_states_keep_dtype(rng):
    x = pm1((3, 20), rng, torch.float32)
    net = ClassicalHopfield(x)
    s = pm1((2, 20), rng, torch.float64)
    res = net.retrieve(s)
    assert res.state.dtype == torch.float64 and res.energy.dtype == torch.float64
    ints = s.to(torch.int64)
    assert net.retrieve(ints).state.dtype == torch.int64  # states come back in the input dtype


def test_zero_one_patterns_and_states(rng):
    x = pm1((3, 40), rng)
    net01 = ClassicalHopfield((x + 1) / 2, zero_one=True)
    net = ClassicalHopfield(x)
    assert_close(net01.weights, net.weights)
    q = x.clone()
    q[:, :4] *= -1
    r01 = net01.retrieve((q + 1) / 2, seed=1)
    r = net.retrieve(q, seed=1)
    assert torch.equal(r01.state, (r.state + 1) / 2)
    assert_close(net01.energy((x + 1) / 2), net.energy(x))


def test_overlaps_are_mattis_magnetizations(rng):
    x = pm1((4, 25), rng)
    s = pm1((3, 25), rng)
    net = ClassicalHopfield(x)
    ref = [[float((x[m] * s[b]).sum()) / 25 for m in range(4)] for b in range(3)]
    assert_close(net.overlaps(s), torch.tensor(ref, dtype=torch.float64))
    other = pm1((2, 25), rng)
    assert_close(net.overlaps(s, other), s @ other.T / 25)


def test_weights_with_patterns_keeps_patterns_for_overlaps(rng):
    x = pm1((3, 10), rng)
    w = F.hebb(x)[0]
    net = ClassicalHopfield(x, weights=w)
    assert net.rule is None and net.n_patterns == 3
    assert_close(net.overlaps(x).diagonal(), torch.ones(3, dtype=torch.float64))


def test_glauber_method_traces(rng):
    x = pm1((2, 200), rng, torch.float32)
    net = ClassicalHopfield(x, "hebb")
    res = net.glauber(x, temperature=0.5, n_sweeps=12, burn_in=4, seed=0, record=True)
    assert res.overlaps.shape == (12, 2, 2) and res.energy.shape == (12, 2)
    assert_close(res.mean_overlaps, res.overlaps[4:].mean(0), torch.float32)
    single = net.glauber(x[0].numpy(), temperature=0.5, n_sweeps=3, seed=0, record=True)
    assert single.state.shape == (200,) and single.overlaps.shape == (3, 2)
    dense = ClassicalHopfield(x, weights=net.weights)  # dense path, same chain given the same seed
    res_d = dense.glauber(x, temperature=0.5, n_sweeps=12, burn_in=4, seed=0, record=True)
    assert torch.equal(res_d.state, res.state)


def test_curie_weiss_magnetization_at_low_temperature():
    """One stored pattern is the Curie-Weiss model: m = tanh(m/T) (003 eq. (2.8)); at T = 0.5, 0.957."""
    g = torch.Generator().manual_seed(0)
    x = pm1((1, 2000), g, torch.float32)
    net = ClassicalHopfield(x, "hebb")
    res = net.glauber(x.repeat(16, 1), temperature=0.5, n_sweeps=40, burn_in=10, seed=1)
    assert float(res.mean_overlaps.mean()) == pytest.approx(0.9575, abs=0.01)


def test_pseudoinverse_of_a_rank_deficient_set_is_the_projector(rng):
    x = pm1((5, 30), rng)
    x = torch.cat([x, x[:2], -x[3:4]])  # repeated and negated rows: rank 5
    net = ClassicalHopfield(x, "pseudoinverse", zero_diagonal=False)
    w = net.weights
    assert_close(w @ w, w, scale=10)
    assert_close(w @ x.T, x.T, scale=10)
    assert bool(ClassicalHopfield(x, "pseudoinverse").is_fixed_point(x).all())


@pytest.mark.parametrize("dynamics", ["sync", "async", "glauber"])
def test_inputs_are_never_modified(dynamics, rng):
    x = pm1((3, 50), rng, torch.float32)
    net = ClassicalHopfield(x, "hebb")
    t = 0.5 if dynamics == "glauber" else 0.0
    for s in (
        pm1((50,), rng, torch.float32),
        pm1((1, 50), rng, torch.float32),
        pm1((4, 50), rng, torch.float32),
    ):
        keep = s.clone()
        arr = s.numpy()  # shares memory with s
        net.retrieve(s, dynamics=dynamics, temperature=t, seed=0)
        net.retrieve(arr, dynamics=dynamics, temperature=t, seed=0)
        if dynamics == "glauber":
            net.glauber(s, temperature=0.5, n_sweeps=3, seed=0)
        assert torch.equal(s, keep)


@pytest.mark.parametrize("rule", ["hebb", "storkey", "pseudoinverse"])
@pytest.mark.parametrize("dynamics", ["sync", "async", "glauber"])
def test_reported_energy_is_the_energy_of_the_final_state(rule, dynamics, rng):
    for p in (5, 40):  # factored and dense Hebb
        x = pm1((p, 60), rng, torch.float32)
        net = ClassicalHopfield(x, rule)
        s = pm1((9, 60), rng, torch.float32)
        t = 0.3 if dynamics == "glauber" else 0.0
        res = net.retrieve(s, dynamics=dynamics, temperature=t, seed=0, max_steps=20)
        assert_close(res.energy, net.energy(res.state), torch.float32, scale=10)


# ----------------------------------------------------------------------------------- small products
@pytest.mark.parametrize(
    ("m", "k", "n"), [(1, 300, 30), (8, 2000, 1), (1, 64, 200), (64, 100, 64), (3, 5, 2)]
)
def test_small_products_are_the_matrix_products(m, k, n, rng):
    """Products that would fork BLAS threads are computed element-wise: the same values."""
    a = torch.randn(m, k, generator=rng, dtype=torch.float64)
    b = torch.randn(k, n, generator=rng, dtype=torch.float64)
    c = torch.randn(m, n, generator=rng, dtype=torch.float64)
    assert_close(matmul(a, b), a @ b)
    assert_close(addmm(c, a, b, beta=-3.0), -3.0 * c + a @ b)
    assert_close(addmm_(c.clone(), a, b), c + a @ b)


def test_single_states_and_batches_give_the_same_results():
    """A single state (element-wise products for d >= 128) against the same state in a batch (BLAS)."""
    g = torch.Generator().manual_seed(2)
    x = pm1((20, 300), g, torch.float32)
    s = pm1((40, 300), g, torch.float32)
    for net in (ClassicalHopfield(x), ClassicalHopfield(x, "storkey")):
        batch = net.retrieve(s, dynamics="sync")
        for i in (0, 17):
            one = net.retrieve(s[i], dynamics="sync")
            assert torch.equal(one.state, batch.state[i])
            assert_close(one.energy, batch.energy[i], torch.float32, scale=10)
            assert_close(net.local_field(s[i]), net.local_field(s)[i], torch.float32)


def test_half_precision_is_computed_in_float32():
    """A field of 2^-12 is lost in float16 (the weight -(1 - 2^-12) rounds to -1): computed in float32
    it flips the neuron, as for float32 input."""
    w = torch.tensor([[0.0, 1.0, -(1 - 2**-12)], [1.0, 0.0, 0.0], [-(1 - 2**-12), 0.0, 0.0]])
    net = ClassicalHopfield(weights=w)
    s = torch.tensor([-1.0, 1.0, 1.0])
    ref = net.retrieve(s, dynamics="sync", max_steps=1).state
    assert ref[0] == 1.0  # flipped by the field 2^-12
    for dtype in (torch.float16, torch.bfloat16):
        assert net.retrieve(s.to(dtype), dynamics="sync", max_steps=1).state.tolist() == ref.tolist()
        assert net.local_field(s.to(dtype))[0] > 0
