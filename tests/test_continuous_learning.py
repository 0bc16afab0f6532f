"""Learning (seed 001 Corollary 10, Algorithms 2 and 3, Remark 11), experiments and the demo family."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from helpers import assert_close
from hopfield import ContinuousTimeHopfield, data
from hopfield.experiments import Context, run
from hopfield.functional import continuous as C

F64 = torch.float64


def patterns(n: int = 6, d: int = 24, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return data.binarize(torch.randn(n, d, generator=g, dtype=F64))


def test_project_is_symmetric_with_zero_diagonal():
    w = torch.randn(5, 5, dtype=F64)
    p = C.project(w)
    assert torch.equal(p, p.T) and torch.all(p.diagonal() == 0)
    assert_close(p + torch.diag(((w + w.T) / 2).diagonal()), (w + w.T) / 2)
    assert torch.equal(C.project(p), p)
    kept = C.project(w, zero_diagonal=False)
    assert_close(kept.diagonal(), w.diagonal())


@pytest.mark.parametrize("method", ["algorithm2", "algorithm3"])
def test_trained_patterns_become_stable_fixed_points(method):
    """Corollary 10: after training, each pattern relaxes to a stable fixed point with its signs."""
    x = patterns()
    net = ContinuousTimeHopfield.from_patterns(x, seed=0, epochs=300, lr=0.01, method=method, dt=0.5)
    assert torch.equal(net.weights, net.weights.T) and torch.all(net.weights.diagonal() == 0)
    assert float(net.losses[-1]) < 0.05 * float(net.losses[0])
    res = net.retrieve(x)
    assert res.all_converged
    assert torch.equal(data.binarize(res.state), x)
    st = net.stability(res.state)
    assert bool(st.stable.all())
    # §1.2.4: at the fixed point the auto-encoder reproduces its input
    assert_close(net.reconstruct(res.state), res.state, scale=1e3)


def test_remark_11_algorithm_3_is_algorithm_2_to_first_order_in_dt():
    """x(dt) - x = (dt/tau)(f(Wx+b) - x) + O(dt^2): loss3 / loss2 -> (dt/tau)^2 and the gradients align."""
    x = patterns(5, 10, 1) * 0.8
    g = torch.Generator().manual_seed(1)
    act = C.ACTIVATIONS.get("tanh")
    tau = 1.5
    ratios = []
    for dt in (1e-1, 1e-2, 1e-3):
        w = C.glorot(10, g).requires_grad_(True)
        b = torch.zeros(10, dtype=F64, requires_grad=True)
        l2 = C.reconstruction_loss(x, w, b, tau, act)
        l3 = C.flow_loss(x, w, b, tau, act, dt=dt)
        (g2,) = torch.autograd.grad(l2, w)
        (g3,) = torch.autograd.grad(l3, w)
        ratios.append(float(l3.detach() / l2.detach()) / (dt / tau) ** 2)
        cos = float((g2 * g3).sum() / (g2.norm() * g3.norm()))
        if dt <= 1e-2:
            assert cos > 0.99
    assert abs(ratios[-1] - 1) < 2e-3
    assert abs(ratios[-1] - 1) < abs(ratios[0] - 1)


def test_corollary_10_zero_diagonal_blocks_the_identity_shortcut():
    """Without the zero-diagonal constraint the self-couplings grow and every input is 'reconstructed'
    better, stored or not: the trivial auto-encoder the corollary's condition rules out."""
    x = patterns()
    rnd = patterns(200, 24, 5)
    nets = {
        zd: ContinuousTimeHopfield.from_patterns(x, seed=0, epochs=300, lr=0.01, zero_diagonal=zd)
        for zd in (True, False)
    }
    assert float(nets[False].weights.diagonal().mean()) > 0.1
    loss = {
        zd: float(C.reconstruction_loss(rnd, n.weights, n.bias, 1.0, n.activation)) for zd, n in nets.items()
    }
    assert loss[False] < 0.9 * loss[True]


def test_adjoint_training_matches_backprop():
    x = patterns(4, 8, 2)
    kw = {"seed": 0, "epochs": 3, "lr": 0.01, "method": "algorithm3", "dt": 0.3, "solver": "dopri5"}
    a = ContinuousTimeHopfield.from_patterns(x, adjoint=False, **kw)
    b = ContinuousTimeHopfield.from_patterns(x, adjoint=True, **kw)
    assert_close(a.weights, b.weights, scale=1e4)
    assert_close(a.losses, b.losses, scale=1e4)


def test_fit_is_seeded_and_accepts_numpy_and_minibatches():
    x = patterns(8, 12, 3).numpy()
    kw = {"epochs": 20, "batch_size": 3, "optimizer": "sgd", "lr": 0.05}
    a = ContinuousTimeHopfield.from_patterns(x, seed=7, **kw)
    b = ContinuousTimeHopfield.from_patterns(x, seed=7, **kw)
    assert torch.equal(a.weights, b.weights) and a.losses.shape == (20,)
    hebb = ContinuousTimeHopfield.from_patterns(x, init="hebb", epochs=1)
    zeros = ContinuousTimeHopfield.from_patterns(x, init="zeros", epochs=1)
    assert hebb.dim == zeros.dim == 12
    net = ContinuousTimeHopfield(np.zeros((12, 12)))
    assert net.fit(x, epochs=2) is net and net.losses.shape == (2,)


def test_fit_bad_arguments():
    x = patterns(3, 4)
    net = ContinuousTimeHopfield(torch.zeros(4, 4, dtype=F64))
    for kw, name in (
        ({"epochs": 0}, "epochs"),
        ({"lr": 0.0}, "lr"),
        ({"dt": -1.0}, "dt"),
        ({"batch_size": 0}, "batch_size"),
        ({"optimizer": "lbfgs"}, "optimizer must .*'adam', 'sgd'"),
        ({"method": "algorithm1"}, "method must .*'algorithm2', 'algorithm3'"),
        ({"solver": "RK45"}, "solver must .*ODE solver.*'dopri5-batched'"),
        (
            {"solver": "dopri5-batched", "method": "algorithm3", "adjoint": True},
            "adjoint must be False with solver",
        ),
    ):
        with pytest.raises(ValueError, match=name):
            net.fit(x, **kw)
    with pytest.raises(ValueError, match="patterns must have last dimension 4"):
        net.fit(patterns(3, 5))
    with pytest.raises(ValueError, match="patterns must contain only finite"):
        net.fit(torch.full((2, 4), float("nan"), dtype=F64))
    with pytest.raises(ValueError, match="init must be one of"):
        ContinuousTimeHopfield.from_patterns(x, init="orthogonal")


# ------------------------------------------------------------------ experiments and demo
def _no_data_dir(monkeypatch):
    monkeypatch.delenv("HOPFIELD_DATA_DIR", raising=False)


def test_experiment_trajectories(tmp_path):
    _, folder = run("continuous-trajectories", tmp_path, Context(quick=True))
    assert (folder / "trajectories.png").exists() and (folder / "summary.md").exists()
    res = json.loads((folder / "results.json").read_text())
    for case in res["cases"].values():
        assert case["max_increase"] <= 1e-8
    assert res["cases"]["zero diagonal"]["rate_rel_error"] < 1e-10
    assert res["nonsymmetric_limit_cycle"]["min_radius_on_tail"] > 0.3


def test_experiment_basins(tmp_path):
    report, folder = run("continuous-basins", tmp_path, Context(quick=True))
    assert (folder / "basins.png").exists()
    r = report.results
    assert r["hopfield_converged"] == 1.0 and r["dense_converged"] == 1.0
    assert r["hopfield_agrees_with_nearest_pattern"] > 0.85
    assert r["dense_agrees_with_nearest_stored_pattern"] > 0.85
    assert r["dense_fractions"]["-p1"] == 0.0  # the lse memory does not store negatives


def test_experiment_training_with_demo_digits(tmp_path, monkeypatch):
    _no_data_dir(monkeypatch)
    report, folder = run("continuous-training", tmp_path, Context(quick=True))
    assert (folder / "training.png").exists()
    r = report.results["results"]
    assert "scikit-learn" in report.results["patterns"]
    assert r["algorithm2"]["stable"] >= 28 and r["algorithm3"]["stable"] >= 27
    assert r["algorithm2"]["reconstruction"]["mask 25%"] >= 0.9
    assert r["hebb (baseline)"]["fixed_points"] <= 2


@pytest.mark.slow
def test_experiment_training_with_digit_patterns(tmp_path, data_dir):
    report, _ = run("continuous-training", tmp_path, Context(quick=True, data_dir=data_dir))
    r = report.results["results"]
    assert report.results["dim"] == 256
    assert r["algorithm2"]["stable"] >= 28


def test_demo_family():
    from hopfield.demo import CORRUPTIONS, FAMILIES, load_families, score

    load_families()
    fn = FAMILIES.get("continuous")
    p, _ = data.load_demo_digits(2, seed=0)
    outcomes = fn(p, CORRUPTIONS["mask 25%"](p, 0), 0)
    assert len(outcomes) == 1
    out = outcomes[0]
    assert torch.equal(out.stored, data.binarize(p)) and out.retrieved.shape == p.shape
    acc, err, _ = score(out)
    assert acc >= 0.6 and err < 0.6
