"""Glauber dynamics against exact Markov chains over all 2^d states (003 Lemma 2.1.3, Theorem 2.1)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.stats
import torch
from threadpoolctl import threadpool_limits

from helpers import assert_close
from hopfield import ClassicalHopfield
from hopfield.functional import classical as F

pytestmark = pytest.mark.usefixtures("one_thread")


def all_states(d):
    return torch.tensor(list(itertools.product([-1.0, 1.0], repeat=d)), dtype=torch.float64)


def index_of(states):
    """Row index in :func:`all_states` (first neuron is the most significant bit, -1 -> 0)."""
    d = states.shape[-1]
    bits = ((states + 1) / 2).long()
    weights = 2 ** torch.arange(d - 1, -1, -1)
    return (bits * weights).sum(-1)


def lemma_2_1_3_matrix(w, h, beta):
    """Transition matrix of 003 Lemma 2.1.3 (a uniformly chosen neuron, heat-bath update), by loops:
    W[xi, F_i xi] = (1/N) exp(-beta xi_i phi_i) / (2 cosh(beta phi_i)), W[xi, xi] = the rest."""
    d = w.shape[0]
    s = all_states(d).numpy()
    n = len(s)
    w, h = w.numpy(), h.numpy()
    m = np.zeros((n, n))
    for a in range(n):
        phi = w @ s[a] + h
        for i in range(d):
            t = s[a].copy()
            t[i] = -t[i]
            b = int(index_of(torch.from_numpy(t)))
            m[a, b] += math.exp(-beta * s[a, i] * phi[i]) / (2 * math.cosh(beta * phi[i])) / d
        m[a, a] = 1 - m[a].sum()
        stay = sum(0.5 * (1 + s[a, i] * math.tanh(beta * phi[i])) for i in range(d)) / d
        assert m[a, a] == pytest.approx(stay, abs=1e-12)  # the lemma's diagonal term
    return m


def site_kernel(w, h, beta, i):
    """Heat-bath update of neuron i alone (what one step of a sweep does)."""
    d = w.shape[0]
    s = all_states(d).numpy()
    n = len(s)
    k = np.zeros((n, n))
    for a in range(n):
        phi = w[i].numpy() @ s[a] + float(h[i])
        p_plus = 0.5 * (1 + math.tanh(beta * phi))
        for v, p in ((1.0, p_plus), (-1.0, 1 - p_plus)):
            t = s[a].copy()
            t[i] = v
            k[a, int(index_of(torch.from_numpy(t)))] += p
    return k


def stationary(m):
    with threadpool_limits(1):  # a 1024 x 1024 eig on a loaded 2-core machine: BLAS threads cost 15x
        vals, vecs = np.linalg.eig(m.T)
    v = np.real(vecs[:, np.argmin(np.abs(vals - 1))])
    return v / v.sum()


def gibbs(net, d, beta):
    e = net.energy(all_states(d)).numpy()
    p = np.exp(-beta * (e - e.min()))
    return p / p.sum()


def random_couplings(d, g, symmetric=True, zero_diag=True):
    w = torch.randn(d, d, generator=g, dtype=torch.float64) * 0.7
    if symmetric:
        w = (w + w.T) / 2
    if zero_diag:
        w.fill_diagonal_(0)
    h = torch.randn(d, generator=g, dtype=torch.float64) * 0.3
    return w, h


@pytest.mark.parametrize("d", [3, 6, 10])
def test_stationary_distribution_is_gibbs_and_detailed_balance_holds(d):
    """003 Theorem 2.1: symmetric J with zero diagonal -> detailed balance with p ~ exp(-beta H)."""
    g = torch.Generator().manual_seed(d)
    w, h = random_couplings(d, g)
    beta = 0.8
    if d == 10:  # vectorized build for 1024 states
        m = _matrix_vectorized(w, h, beta)
    else:
        m = lemma_2_1_3_matrix(w, h, beta)
        assert np.allclose(m, _matrix_vectorized(w, h, beta), atol=1e-12)
    assert np.allclose(m.sum(1), 1)
    net = ClassicalHopfield(weights=w, bias=h)
    p = gibbs(net, d, beta)
    assert np.allclose(stationary(m), p, atol=1e-10)
    flow = p[:, None] * m
    assert np.abs(flow - flow.T).max() < 1e-12
    assert np.allclose(p @ m, p, atol=1e-12)


def _matrix_vectorized(w, h, beta):
    d = w.shape[0]
    s = all_states(d)
    phi = s @ w.T + h
    flip = torch.exp(-beta * s * phi) / (2 * torch.cosh(beta * phi)) / d  # (n, d)
    idx = index_of(s)
    n = len(s)
    m = torch.zeros(n, n, dtype=torch.float64)
    for i in range(d):
        t = s.clone()
        t[:, i] = -t[:, i]
        m[idx, index_of(t)] += flip[:, i]
    m[idx, idx] += 1 - m.sum(1)
    return m.numpy()


def test_asymmetric_couplings_break_detailed_balance():
    """The converse of Theorem 2.1: with J_ij != J_ji no distribution satisfies detailed balance; the
    stationary distribution is not the Gibbs measure of the symmetrized J."""
    d = 5
    g = torch.Generator().manual_seed(11)
    w, h = random_couplings(d, g, symmetric=False)
    beta = 1.0
    m = lemma_2_1_3_matrix(w, h, beta)
    pi = stationary(m)
    flow = pi[:, None] * m
    assert np.abs(flow - flow.T).max() > 1e-3
    # Kolmogorov's criterion fails on a square of flips i, j, i, j from every state.
    s = all_states(d)
    a = 0
    b = int(index_of(_flip(s[a], 0)))
    c = int(index_of(_flip(_flip(s[a], 0), 1)))
    e = int(index_of(_flip(s[a], 1)))
    forward = m[a, b] * m[b, c] * m[c, e] * m[e, a]
    backward = m[a, e] * m[e, c] * m[c, b] * m[b, a]
    assert abs(forward - backward) > 1e-6 * forward
    sym = ClassicalHopfield(weights=(w + w.T) / 2, bias=h)
    assert np.abs(pi - gibbs(sym, d, beta)).max() > 1e-3


def test_nonzero_diagonal_breaks_gibbs_stationarity():
    """Theorem 2.1 needs J_ii = 0: with a self-coupling phi_i depends on s_i and the Gibbs measure of
    L_{J,h} is no longer invariant."""
    d = 4
    g = torch.Generator().manual_seed(2)
    w, h = random_couplings(d, g, zero_diag=False)
    w.diagonal().abs_()
    m = lemma_2_1_3_matrix(w, h, 1.0)
    p = gibbs(ClassicalHopfield(weights=w, bias=h), d, 1.0)
    assert np.abs(p @ m - p).max() > 1e-3


def _flip(s, i):
    t = s.clone()
    t[i] = -t[i]
    return t


def chi_square_ok(counts, probs, alpha=1e-4):
    """Pearson's test; bins with expected count < 5 are pooled. Deterministic (seeded data)."""
    n = counts.sum()
    exp = probs * n
    small = exp < 5
    obs = np.append(counts[~small], counts[small].sum())
    ex = np.append(exp[~small], exp[small].sum())
    if ex[-1] == 0:
        obs, ex = obs[:-1], ex[:-1]
    stat = float(((obs - ex) ** 2 / ex).sum())
    return stat < scipy.stats.chi2.ppf(1 - alpha, len(ex) - 1), stat


def test_one_fixed_order_sweep_has_the_exact_transition_law():
    """One sweep in the order 0..d-1 is the product of the single-neuron heat-bath kernels."""
    d = 4
    g = torch.Generator().manual_seed(5)
    w, h = random_couplings(d, g)
    beta = 1.0 / 0.9
    kernel = np.eye(2**d)
    for i in range(d):
        kernel = kernel @ site_kernel(w, h, beta, i)
    net = ClassicalHopfield(weights=w, bias=h)
    start = torch.tensor([1.0, -1.0, 1.0, 1.0], dtype=torch.float64)
    chains = start.repeat(20000, 1)
    res = net.retrieve(chains, dynamics="glauber", temperature=0.9, max_steps=1, order="fixed", seed=0)
    counts = np.bincount(index_of(res.state).numpy(), minlength=2**d)
    ok, stat = chi_square_ok(counts, kernel[int(index_of(start))])
    assert ok, stat
    # a wrong acceptance rule (T halved) is rejected by the same test
    wrong = net.retrieve(chains, dynamics="glauber", temperature=0.45, max_steps=1, order="fixed", seed=0)
    counts = np.bincount(index_of(wrong.state).numpy(), minlength=2**d)
    assert not chi_square_ok(counts, kernel[int(index_of(start))])[0]


@pytest.mark.parametrize("order", ["random", "fixed"])
def test_long_chains_sample_the_gibbs_measure(order):
    """Histogram of many chains after many sweeps against exp(-beta H)/Z (003 Theorem 2.1)."""
    d = 5
    g = torch.Generator().manual_seed(7)
    w, h = random_couplings(d, g)
    t = 0.8
    net = ClassicalHopfield(weights=w, bias=h)
    chains = torch.ones(20000, d, dtype=torch.float64)
    res = net.retrieve(chains, dynamics="glauber", temperature=t, max_steps=30, seed=1, order=order)
    counts = np.bincount(index_of(res.state).numpy(), minlength=2**d)
    ok, stat = chi_square_ok(counts, gibbs(net, d, 1 / t))
    assert ok, stat


def test_hebb_chain_samples_gibbs_through_the_factored_form():
    d = 6
    g = torch.Generator().manual_seed(3)
    x = torch.randint(0, 2, (2, d), generator=g).double() * 2 - 1
    net = ClassicalHopfield(x, "hebb")
    assert net.couplings.factored
    chains = x[0].repeat(20000, 1)  # (at T = 0.5 these chains would not cross to -x in 40 sweeps)
    res = net.retrieve(chains, dynamics="glauber", temperature=1.0, max_steps=40, seed=2)
    counts = np.bincount(index_of(res.state).numpy(), minlength=2**d)
    ok, stat = chi_square_ok(counts, gibbs(net, d, 1.0))
    assert ok, stat


def test_heat_bath_probability_and_noise():
    """003 Lemma 2.1.3: sgn(phi + T z) = +1 with probability (1 + tanh(phi/T))/2 when z has the
    distribution function (1 + tanh x)/2. The seed writes g(x) = (1 - tanh x)/2, which decreases and is
    no distribution function, and asks z^2 = 1 on average: this z has variance pi^2/12, not 1."""
    g = torch.Generator().manual_seed(0)
    like = torch.zeros((), dtype=torch.float64)
    z = F.logistic_noise((400_000,), 1.0, g, like)  # T z with T = 1
    for phi in (-0.7, 0.0, 0.3, 1.2):
        frac = float((phi - z > 0).double().mean())  # sgn(phi - T z) = +1; z is symmetric
        assert frac == pytest.approx(0.5 * (1 + math.tanh(phi)), abs=3e-3)
    assert float(z.var()) == pytest.approx(math.pi**2 / 12, rel=0.02)
    cdf = float((z < 0.5).double().mean())
    assert cdf == pytest.approx(0.5 * (1 + math.tanh(0.5)), abs=3e-3)
    assert cdf != pytest.approx(0.5 * (1 - math.tanh(0.5)), abs=0.1)


def test_glauber_sweeps_running_mean_and_trace():
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 2, (1, 300), generator=g).float() * 2 - 1
    c = F.Couplings.hebb(x)
    tr = F.glauber_sweeps(x.repeat(4, 1), c, 0.6, 10, g, patterns=x, burn_in=3, record="states")
    assert tr.overlaps.shape == (10, 4, 1) and tr.states.shape == (10, 4, 300)
    assert_close(tr.mean_overlaps, tr.overlaps[3:].mean(0), torch.float32)
    assert_close(tr.overlaps, tr.states @ x.T / 300, torch.float32)
    assert_close(tr.energy[-1], F.energy(tr.state, c), torch.float32)
