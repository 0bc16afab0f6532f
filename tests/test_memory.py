"""hopfield.Memory: streaming retrieval equals the formula (004 eqs. (436), (445)-(446)); persistence."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from helpers import assert_close
from hopfield import Memory
from hopfield.memory import _stream
from hopfield.memory._segments import merge_plan

D = 8


def reference(q, patterns, values, times, beta, gamma, t=None):
    """The in-memory formula in float64: softmax(beta X^T xi - gamma (t - t_i)) V, and lse (445)."""
    q, x, v = q.double(), patterns.double(), values.double()
    times = torch.as_tensor(times)
    t = int(times.max()) if t is None else t
    logits = beta * q @ x.T - gamma * (t - times).double()  # ages formed in int64
    return torch.softmax(logits, -1) @ v, torch.logsumexp(logits, -1) / beta


def filled(n=600, gamma=0.0, beta=2.0, pieces=7, seed=0, **kw):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, D, generator=g) / 2
    mem = Memory(D, beta, gamma, **kw)
    for a in range(0, n, math.ceil(n / pieces)):
        mem.add(x[a : a + math.ceil(n / pieces)])
    return mem, x


@pytest.mark.parametrize("gamma", [0.0, 0.03])
@pytest.mark.parametrize("path", ["fused", "chunked", "fallback"])
def test_streaming_equals_formula(gamma, path, monkeypatch) -> None:
    mem, x = filled(gamma=gamma)
    q = torch.randn(5, D)
    if path == "chunked":
        mem.chunk_size = 37
    if path == "fallback":  # the private op missing: our merge serves every segment
        monkeypatch.setattr(_stream, "flash_op", lambda: None)
    expected, _ = reference(q, x, x, torch.arange(len(x)), 2.0, gamma)
    assert_close(mem.retrieve(q).state, expected, torch.float32, scale=float(expected.abs().max()))
    q64 = q.double()
    assert_close(mem.retrieve(q64).state, expected, torch.float64)


def test_fused_op_is_used_and_a_failing_op_falls_back(monkeypatch) -> None:
    mem, x = filled()
    q = torch.randn(3, D, dtype=torch.float64)
    calls = []
    real = _stream.flash_op()
    assert real is not None, "torch 2.13 has the CPU flash op"

    def spy(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(_stream, "flash_op", lambda: spy)
    fused = mem.retrieve(q).state
    assert len(calls) == len(mem._segments) > 1

    def broken(*a, **kw):
        raise RuntimeError("not implemented for this input")

    monkeypatch.setattr(_stream, "flash_op", lambda: broken)
    assert_close(mem.retrieve(q).state, fused, torch.float64)
    expected, _ = reference(q, x, x, torch.arange(len(x)), 2.0, 0.0)
    assert_close(fused, expected, torch.float64)


def test_forgetting_logits_and_energy_against_formula() -> None:
    """Eq. (446): logits beta x^T xi - gamma (t - i), the newest row of age 0; energy (445)."""
    gamma, beta = 0.2, 1.5
    mem, x = filled(n=40, gamma=gamma, beta=beta, pieces=3)
    q = torch.randn(4, D, dtype=torch.float64)
    times = torch.arange(40)
    res = mem.retrieve(q, return_weights=True)  # one step: the query's own weights
    logits = beta * q @ x.double().T - gamma * (39 - times).double()
    assert_close(res.weights, torch.softmax(logits, -1), torch.float64)
    assert_close(res.state, torch.softmax(logits, -1) @ x.double(), torch.float64)
    _, lse = reference(q, x, x, times, beta, gamma, t=45)
    m = float(x.double().norm(dim=1).max())
    energy = -lse + 0.5 * (q * q).sum(-1) + math.log(40) / beta + 0.5 * m * m
    assert_close(mem.energy(q, time=45), energy, torch.float64, scale=10)
    # gamma = 0: the infinite memory (432); forgetting only ever lowers the weight of old rows
    plain = Memory(D, beta)
    plain.add(x)
    ratio = res.weights / plain.retrieve(q, return_weights=True).weights
    assert bool((ratio[:, :-1] < ratio[:, 1:]).all())


def test_time_indices_are_exact_near_1e9_and_2e62() -> None:
    """t - t_i is formed in int64 before any conversion (float32 cannot hold 1e9 - 3)."""
    x = torch.randn(4, D, dtype=torch.float64)
    q = torch.randn(2, D, dtype=torch.float64)
    for base in (10**9, 2**62):
        mem = Memory(D, 1.0, 0.7, dtype=torch.float64)
        mem.add(x, times=[base - 7, base - 3, base - 1, base])
        ages = torch.tensor([7, 3, 1, 0], dtype=torch.float64)
        expected = torch.softmax(q @ x.T - 0.7 * ages, -1) @ x
        assert mem.time == base
        assert_close(mem.retrieve(q).state, expected, torch.float64)


def test_search_and_topk_match_exhaustive_ranking() -> None:
    mem, x = filled(n=500, chunk_size=64)
    q = torch.randn(6, D)
    w, idx = mem.search(q, k=5)
    order = (q @ x.T).argsort(dim=-1, descending=True)[:, :5]
    assert torch.equal(idx, order)
    assert_close(w, torch.softmax(2.0 * q @ x.T, -1).gather(-1, idx), torch.float32)
    sharp, _ = filled(n=500, beta=20.0, chunk_size=64)
    q = torch.cat([x[:3] + 0.05 * torch.randn(3, D), torch.randn(3, D) / 4])
    res = sharp.retrieve(q, topk=3, max_steps=6, tol=1e-4)  # the weights of each row's last update
    assert len(set(res.steps.tolist())) > 1  # rows stopped at different steps
    for b in range(6):
        n = int(res.steps[b])
        last = q[b] if n == 1 else sharp.retrieve(q[b], max_steps=n - 1, tol=1e-4).state
        top = torch.softmax(20.0 * last @ x.T, -1).topk(3)
        assert torch.equal(res.topk_indices[b], top.indices)
        assert_close(res.topk_weights[b], top.values, torch.float32)


def test_iterated_retrieval_equals_modern_network() -> None:
    from hopfield import ModernHopfield

    mem, x = filled(n=200)
    q = torch.randn(4, D, dtype=torch.float64)
    ours = mem.retrieve(q, max_steps=30, tol=1e-12)
    theirs = ModernHopfield(x.double(), beta=2.0).retrieve(q, max_steps=30, tol=1e-12)
    assert_close(ours.state, theirs.state, torch.float64)
    assert torch.equal(ours.steps, theirs.steps)


def test_values_and_heteroassociation() -> None:
    g = torch.Generator().manual_seed(1)
    x, v = torch.randn(50, D, generator=g), torch.randn(50, 3, generator=g)
    mem = Memory(D, 1.0, 0.1, value_dim=3)
    mem.add(x[:20], v[:20])
    mem.add(x[20:], v[20:])
    q = torch.randn(2, D)
    expected, _ = reference(q, x, v, torch.arange(50), 1.0, 0.1)
    res = mem.retrieve(q, topk=2)
    assert res.state.shape == (2, 3)
    assert_close(res.state, expected, torch.float32)
    # values beside patterns in an auto-associative memory: rows without values retrieve themselves
    mixed = Memory(D, 1.0)
    mixed.add(x[:10])
    mixed.add(x[10:20], -x[10:20])
    vals = torch.cat([x[:10], -x[10:20]])
    assert_close(
        mixed.retrieve(q).state, reference(q, x[:20], vals, torch.arange(20), 1.0, 0.0)[0], torch.float32
    )
    assert_close(mixed.read()[1], vals, torch.float32)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_dtypes_and_numpy(dtype) -> None:
    mem = Memory(D, 1.0, dtype=dtype)
    x = torch.randn(30, D).to(dtype)
    mem.add(x)
    q = torch.randn(3, D).to(dtype)
    out = mem.retrieve(q).state
    assert out.dtype == dtype and out.shape == (3, D)
    expected, _ = reference(q.float(), x.float(), x.float(), torch.arange(30), 1.0, 0.0)
    atol = 4 * torch.finfo(dtype).eps * float(expected.abs().max())
    torch.testing.assert_close(out.double(), expected, rtol=0, atol=atol)
    single = mem.retrieve(q[0].float().numpy())
    assert isinstance(single.state, np.ndarray) and single.state.shape == (D,)


def test_merge_plan_keeps_few_segments() -> None:
    rows = [1] * 1000
    groups = merge_plan(rows, 0, cap=10**6)
    assert sum(len(g) for g in groups) == 1000 and len(groups) <= 2 * math.log2(1000)
    assert merge_plan([5, 5, 5], 0, cap=9) == [[0], [1], [2]]  # never past the cap
    mem = Memory(D, 1.0)
    for _i in range(300):
        mem.add(torch.randn(1, D))
    assert len(mem._segments) <= 2 * math.log2(300)
    assert torch.equal(mem.read()[2], torch.arange(300))


def test_save_open_round_trip_and_append(tmp_path) -> None:
    mem, _x = filled(gamma=0.05)
    mem.save(tmp_path / "s")
    q = torch.randn(3, D)
    with Memory.open(tmp_path / "s") as disk:
        assert (disk.dim, disk.beta, disk.forgetting, disk.count, disk.dtype) == (
            D,
            2.0,
            0.05,
            600,
            torch.float32,
        )
        assert_close(disk.retrieve(q).state, mem.retrieve(q).state, torch.float32)
        more = torch.randn(9, D)
        disk.add(more)
        mem.add(more)
    again = Memory.open(tmp_path / "s", readonly=True)
    assert again.count == 609 and again.time == 608
    assert_close(again.retrieve(q).state, mem.retrieve(q).state, torch.float32)
    assert torch.equal(again.read(600)[0], more)
    files = sorted(p.name for p in (tmp_path / "s" / "segments").iterdir())
    assert files == sorted(s.info.file.split("/")[1] for s in again._segments)  # replaced files removed


def test_segments_are_memory_mapped_and_readable_by_safetensors(tmp_path) -> None:
    from safetensors.torch import load_file

    mem, x = filled(n=100, pieces=1)
    mem.save(tmp_path / "s")
    disk = Memory.open(tmp_path / "s")
    seg = disk._segments[0]
    assert isinstance(seg.patterns.numpy().base, np.memmap) or seg.patterns.numpy().base is not None
    loaded = load_file(tmp_path / "s" / seg.info.file)
    assert torch.equal(loaded["patterns"], x) and torch.equal(loaded["times"], torch.arange(100))


def _large_case(n: int, gamma: float, monkeypatch, segment_bytes: int | None = None) -> None:
    """Float32 streaming retrieval within 1e-6 of the float64 formula, relative to the largest
    |value| (patterns of norm <= 10, unit queries, beta = 1: logits within [-10, 10])."""
    from hopfield.memory import _segments

    if segment_bytes is not None:
        monkeypatch.setattr(_segments, "SEGMENT_BYTES", segment_bytes)
    g = torch.Generator().manual_seed(3)
    d = 64
    x = torch.randn(n, d, generator=g)
    x *= 10 * torch.rand(n, 1, generator=g) / torch.linalg.vector_norm(x, dim=1, keepdim=True)
    q = torch.randn(16, d, generator=g)
    q /= torch.linalg.vector_norm(q, dim=1, keepdim=True)
    mem = Memory(d, 1.0, gamma)
    mem.add(x)
    expected, _ = reference(q, x, x, torch.arange(n), 1.0, gamma)
    scale = float(expected.abs().max())
    for chunk in (None, 8192):  # the fused kernel per segment, and our chunked merge
        mem.chunk_size = chunk
        err = float((mem.retrieve(q).state.double() - expected).abs().max())
        assert err <= 1e-6 * scale, (chunk, len(mem._segments), err / scale)


@pytest.mark.parametrize("gamma", [0.0, 1e-4])
def test_streaming_precision_float32(gamma, monkeypatch) -> None:
    _large_case(60_000, gamma, monkeypatch, segment_bytes=1 << 20)  # 3,971 rows a segment: 16 of them


@pytest.mark.slow
@pytest.mark.parametrize("gamma", [0.0, 1e-5])
def test_streaming_precision_float32_1e6(gamma, monkeypatch) -> None:
    _large_case(1_000_000, gamma, monkeypatch)


def test_search_indices_equal_faiss() -> None:
    faiss = pytest.importorskip("faiss")
    mem, x = filled(n=5000, pieces=3)
    q = torch.randn(20, D)
    index = faiss.IndexFlatIP(D)
    index.add(x.numpy())
    _, theirs = index.search(q.numpy(), 10)
    np.testing.assert_array_equal(mem.search(q.numpy(), k=10)[1], theirs)
