"""The dense-memory experiments (quick mode) and demo family: files written, key numbers sane."""

from __future__ import annotations

import json
import math

import pytest
import torch

from hopfield import data, experiments
from hopfield.demo import score
from hopfield.demo.dense import SETTINGS, dense_family
from hopfield.experiments import dense as E


def _run(name, tmp_path):
    report, folder = experiments.run(name, tmp_path, experiments.Context(quick=True, seed=0))
    results = json.loads((folder / "results.json").read_text())
    assert (folder / "summary.md").read_text().startswith(f"# {name}")
    for stem in report.figures:
        assert (folder / f"{stem}.png").stat().st_size > 1000
    return results, (folder / "summary.md").read_text()


def test_rate_function_is_the_coin_relative_entropy():
    """I(a) of Theorem B10 = KL(Bernoulli((1+a)/2) || Bernoulli(1/2)); I(0) = 0, I(1) = ln 2."""
    assert E.rate_function(0.0) == 0.0
    assert math.isclose(E.rate_function(1.0), math.log(2))
    for a in (0.1, 0.5, 0.75, 0.99):
        p = (1 + a) / 2
        kl = p * math.log(2 * p) + (1 - p) * math.log(2 * (1 - p))
        assert math.isclose(E.rate_function(a), kl, rel_tol=1e-12)
        assert E.rate_function(-a) == E.rate_function(a)


def test_poly_capacity_quick(tmp_path):
    results, summary = _run("dense-poly-capacity", tmp_path)
    fits = results["fits"]
    for n, (lo, hi) in {"2": (0.75, 1.25), "3": (1.75, 2.3), "4": (2.7, 3.3)}.items():
        assert lo < fits[n]["exponent"] < hi, (n, fits[n]["exponent"])
    assert results["classical_mismatches"] == 0
    for row in results["table"]:
        assert 0.7 < row["ratio"] < 1.4, row  # the signal-to-noise law, within finite-size effects
    assert "fitted exponent" in summary


def test_exp_capacity_quick(tmp_path):
    results, summary = _run("dense-exp-capacity", tmp_path)
    assert math.isclose(results["bound"], E.rate_function(0.75) / 2)
    for d, curve in results["curves"].items():
        assert curve["success"][0] > 0.95  # alpha = 0.05: (almost) every query recovered
        assert curve["success"][-1] < 0.1  # beyond alpha = I(1 - 2 rho): none
        assert curve["N"] == [round(math.exp(a * int(d))) + 1 for a in curve["alpha"]]
    big = results["curves"]["24"]
    below = [s for a, s in zip(big["alpha"], big["success"], strict=True) if a <= results["bound"]]
    assert min(below) > 0.9
    assert "Theorem B10" in summary


def test_versus_classical_quick(tmp_path):
    results, summary = _run("dense-vs-classical", tmp_path)
    cap = results["capacity"]
    assert cap["classical Hebb"] == cap["dense poly n=2"]  # the same network
    assert results["success"]["classical Hebb"] == results["success"]["dense poly n=2"]
    assert cap["dense poly n=2"] < cap["dense poly n=3"] < cap["dense poly n=4"] < cap["dense exp beta=1"]
    assert 0.05 < cap["classical Hebb"] / results["d"] < 0.4
    assert "x classical" in summary


def test_one_step_success_matches_the_class():
    """The chunk-generated memory of the Theorem B10 experiment equals the class on the same patterns."""
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    s, n = E.one_step_success(12, 0.3, 0.25, 10, g1)
    targets = E._random_patterns(10, 12, g2)
    queries = data.flip(targets, 0.25, seed=g2)
    rest = E._random_patterns(n - 10, 12, g2)
    from hopfield import DenseAssociativeMemory

    net = DenseAssociativeMemory(torch.cat([targets, rest]), "exp")
    assert s == int((net.update(queries) == targets).all(dim=-1).sum()) / 10


def test_demo_family():
    patterns, _ = data.load_demo_digits(2, seed=0)
    outcomes = dense_family(patterns, patterns, 0)
    assert [o.setting for o in outcomes] == [s[0] for s in SETTINGS]
    for o in outcomes:
        assert torch.equal(o.stored, data.binarize(patterns))
        assert set(o.retrieved.unique().tolist()) <= {-1.0, 1.0}
    acc = {o.setting: score(o)[0] for o in outcomes}
    assert acc["exp beta=1"] == 1.0  # uncorrupted queries: every stored pattern is a fixed point
    noisy = data.flip(data.binarize(patterns), 0.1, seed=1)
    acc_noisy = {o.setting: score(o)[0] for o in dense_family(patterns, noisy, 0)}
    assert acc_noisy["exp beta=1"] > acc_noisy["poly n=3"]


@pytest.mark.parametrize("n,d", [(2, 100), (3, 32), (4, 16)])
def test_poly_capacity_theory_formula(n, d):
    z2 = 2.3263478740408408**2
    assert math.isclose(
        E.poly_capacity_theory(n, d, 0.01), 1 + d ** (n - 1) / (E.double_factorial(2 * n - 3) * z2)
    )
