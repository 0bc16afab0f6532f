"""The one iteration kernel ``hopfield._iterate.run_until_fixed`` against a slow per-row reference."""

from __future__ import annotations

import hypothesis.strategies as st
import torch
from hypothesis import given

from hopfield._iterate import run_until_fixed


def _reference(step, state: torch.Tensor, max_steps: int, tol, cycles: bool):
    """One row at a time, with explicit history: the semantics the kernel promises."""
    out, steps, conv, cyc = [], [], [], []
    for row in state:
        hist = [row[None]]
        s, c, y = 0, False, False
        for _ in range(max_steps):
            new = step(hist[-1])
            s += 1
            fixed = bool(
                ((new - hist[-1]).abs().amax() <= tol) if tol is not None else (new == hist[-1]).all()
            )
            two = cycles and len(hist) >= 2 and bool((new == hist[-2]).all()) and not fixed
            hist.append(new)
            if fixed or two:
                c, y = fixed, two
                break
        out.append(hist[-1][0])
        steps.append(s)
        conv.append(c)
        cyc.append(y)
    return torch.stack(out), torch.tensor(steps), torch.tensor(conv), torch.tensor(cyc)


@given(st.integers(0, 2**31 - 1), st.integers(1, 8), st.integers(1, 12), st.booleans())
def test_binary_sync_dynamics_match_the_reference(seed: int, b: int, max_steps: int, cycles: bool) -> None:
    """sign(W s) dynamics with random symmetric W: fixed points, 2-cycles and step counts per row."""
    g = torch.Generator().manual_seed(seed)
    d = 6
    w = torch.randn(d, d, generator=g, dtype=torch.float64)
    w = w + w.T

    def step(s: torch.Tensor) -> torch.Tensor:
        f = s @ w
        return torch.where(f == 0, s, torch.sign(f))

    x = torch.randint(0, 2, (b, d), generator=g).to(torch.float64) * 2 - 1
    raw = run_until_fixed(step, x, max_steps, cycles=cycles)
    ref = _reference(step, x, max_steps, None, cycles)
    assert torch.equal(raw.state, ref[0])
    assert torch.equal(raw.steps, ref[1])
    assert torch.equal(raw.converged, ref[2])
    assert torch.equal(raw.cycle, ref[3])


@given(st.integers(0, 2**31 - 1), st.integers(1, 6), st.floats(1e-9, 1e-2))
def test_continuous_tolerance_rule_matches_the_reference(seed: int, b: int, tol: float) -> None:
    """A contraction x <- a x + c with row-dependent rates: rows stop at different steps."""
    g = torch.Generator().manual_seed(seed)
    a = torch.rand(b, 1, generator=g, dtype=torch.float64) * 0.9
    rows = torch.arange(b)

    def make_step(rates: torch.Tensor):
        def step(x: torch.Tensor) -> torch.Tensor:
            return rates[: x.shape[0]] * x + 1.0

        return step

    x = torch.randn(b, 3, generator=g, dtype=torch.float64)
    # the kernel passes only the active rows: give each row its own rate through `keep`
    live = {"idx": rows.clone()}

    def step(xa: torch.Tensor) -> torch.Tensor:
        return a[live["idx"]] * xa + 1.0

    def keep(mask: torch.Tensor) -> None:
        live["idx"] = live["idx"][mask]

    raw = run_until_fixed(step, x, 200, tol=tol, keep=keep)
    for r in range(b):
        ref = _reference(make_step(a[r : r + 1]), x[r : r + 1], 200, tol, False)
        assert torch.equal(raw.state[r], ref[0][0])
        assert int(raw.steps[r]) == int(ref[1][0])
        assert bool(raw.converged[r]) == bool(ref[2][0])


def test_run_all_takes_every_step_and_leaves_converged_to_the_caller() -> None:
    x = torch.ones(3, 2)
    raw = run_until_fixed(lambda s: s, x, 5, run_all=True)
    assert raw.steps.tolist() == [5, 5, 5]
    assert not raw.converged.any()


def test_input_is_not_modified() -> None:
    x = torch.randn(4, 3)
    before = x.clone()
    run_until_fixed(lambda s: 0.5 * s, x, 10, tol=1e-3)
    assert torch.equal(x, before)
