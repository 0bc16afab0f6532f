"""RepertoireClassifier (DeepRC): invariances, chunking, attention, the top-fraction step, counts,
HopfieldPooling's logit bias, checkpoints of another configuration."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from hopfield._tolerances import tolerances
from hopfield.nn import HopfieldPooling, RepertoireClassifier
from hopfield.nn._repertoire import subset_batch, top_fraction_index
from hopfield.repertoire import (
    AMINO_ACIDS,
    CheckpointConfigError,
    Repertoire,
    RepertoireBag,
    RepertoireFileError,
    collate_bags,
    load_model,
    save_model,
    sequence_features,
)

TOL = tolerances(torch.float32)


def random_sequences(rng: np.random.Generator, n: int, lo: int = 2, hi: int = 22) -> list[str]:
    return ["".join(rng.choice(list(AMINO_ACIDS), int(rng.integers(lo, hi)))) for _ in range(n)]


def make_bag(seqs: list[str], index: int = 0, counts: list[int] | None = None) -> RepertoireBag:
    rep = Repertoire.from_sequences(seqs)
    return RepertoireBag(
        residues=torch.from_numpy(rep.residues),
        offsets=torch.from_numpy(rep.offsets),
        label=torch.tensor(float(index % 2)),
        index=index,
        sequence_index=torch.arange(len(seqs)),
        counts=None if counts is None else torch.tensor(counts, dtype=torch.int64),
    )


@pytest.fixture
def bags() -> list[list[str]]:
    rng = np.random.default_rng(3)
    return [random_sequences(rng, n) for n in (37, 1, 60)]


def model(seed: int = 0, **kw) -> RepertoireClassifier:
    m = RepertoireClassifier(**kw)
    m.reset_parameters(torch.Generator().manual_seed(seed))
    with torch.no_grad():  # a query far from 0, so that attention is far from uniform
        m.pooling.pooling_weights.normal_(0.0, 3.0, generator=torch.Generator().manual_seed(seed + 1))
    return m


def test_shapes_and_defaults(bags) -> None:
    m = model()
    batch = collate_bags([make_bag(s, i) for i, s in enumerate(bags)])
    assert m(batch).shape == (3,)
    assert m.beta == pytest.approx(1 / math.sqrt(32))
    assert m.conv.kernel_size == (9,) and m.conv.out_channels == 32
    assert isinstance(m.pooling, HopfieldPooling) and m.pooling.pooling_weights.shape == (1, 32)
    assert m.pooling.hopfield.out_proj is None  # values are the raw embeddings
    assert m.config() == {
        "kernel_size": 9,
        "n_filters": 32,
        "key_hidden": 32,
        "beta": None,
        "chunk_size": 4096,
        "use_counts": False,
    }


def test_invariant_to_the_order_of_sequences(bags) -> None:
    m = model()
    rng = np.random.default_rng(0)
    perms = [rng.permutation(len(s)) for s in bags]
    a = collate_bags([make_bag(s, i) for i, s in enumerate(bags)])
    b = collate_bags(
        [make_bag([s[j] for j in p], i) for i, (s, p) in enumerate(zip(bags, perms, strict=True))]
    )
    torch.testing.assert_close(m(a), m(b), rtol=TOL.rtol, atol=TOL.atol)
    for wa, wb, p in zip(m.attention(a), m.attention(b), perms, strict=True):
        torch.testing.assert_close(wa[torch.from_numpy(p)], wb, rtol=TOL.rtol, atol=TOL.atol)
    assert not torch.allclose(m.attention(a)[2], torch.full((60,), 1 / 60), atol=1e-3)  # not uniform


def test_chunked_embedding_equals_unchunked_and_ignores_padding(bags) -> None:
    whole, chunked = model(chunk_size=10_000), model(chunk_size=7)
    batch = collate_bags([make_bag(s, i) for i, s in enumerate(bags)])
    e = whole.embed(batch.residues, batch.sequence_offsets)
    torch.testing.assert_close(chunked.embed(batch.residues, batch.sequence_offsets), e, rtol=0, atol=1e-6)
    torch.testing.assert_close(chunked(batch), whole(batch), rtol=TOL.rtol, atol=TOL.atol)
    # a sequence alone (padded to its own length) embeds as in the batch (padded to the longest)
    alone = make_bag([bags[0][3]])
    torch.testing.assert_close(whole.embed(alone.residues, alone.offsets)[0], e[3], rtol=0, atol=1e-6)
    with torch.no_grad():  # and the embedding is the max over the valid windows only
        x = sequence_features(alone.residues, alone.offsets)
        ref = torch.nn.functional.selu(whole.conv(x[..., : max(9, len(bags[0][3]))]).amax(-1))[0]
        torch.testing.assert_close(e[3], ref, rtol=0, atol=1e-6)


def test_attention_sums_to_one_per_repertoire(bags) -> None:
    m = model()
    batch = collate_bags([make_bag(s, i) for i, s in enumerate(bags)])
    weights = [w.detach() for w in m.attention(batch)]
    assert [len(w) for w in weights] == [37, 1, 60]
    for w in weights:
        assert float(w.sum()) == pytest.approx(1.0, abs=TOL.atol) and bool((w > 0).all())
    flat = m.attention(batch, flat=True)
    torch.testing.assert_close(flat, torch.cat(weights))


def test_float64_works(bags) -> None:
    m = model().double()
    batch = collate_bags([make_bag(s, i) for i, s in enumerate(bags)])
    assert m(batch).dtype == torch.float64
    assert float(m.attention(batch)[0].detach().sum()) == pytest.approx(1.0, abs=1e-12)


def test_duplicate_counts_weigh_as_copies() -> None:
    """use_counts adds log(count) to the attention logits: count c == the sequence c times."""
    rng = np.random.default_rng(5)
    seqs = random_sequences(rng, 12, 8, 16)
    counts = [1, 3, 1, 1, 2, 1, 1, 1, 4, 1, 1, 1]
    m = model(use_counts=True)
    counted = collate_bags([make_bag(seqs, 0, counts)])
    copies = [s for s, c in zip(seqs, counts, strict=True) for _ in range(c)]
    expanded = collate_bags([make_bag(copies, 0, [1] * len(copies))])
    torch.testing.assert_close(m(counted), m(expanded), rtol=TOL.rtol, atol=TOL.atol)
    w, wx = m.attention(counted)[0], m.attention(expanded)[0]
    owner = torch.repeat_interleave(torch.arange(12), torch.tensor(counts))
    torch.testing.assert_close(w, torch.zeros(12).index_add(0, owner, wx), rtol=TOL.rtol, atol=TOL.atol)
    plain = model(use_counts=False)
    assert not torch.allclose(plain(counted), m(counted))  # off by default: counts ignored
    with pytest.raises(ValueError, match="duplicate counts"):
        m(collate_bags([make_bag(seqs)]))


def test_top_fraction_step_backpropagates_only_through_kept_sequences(bags) -> None:
    m = model()
    batch = collate_bags([make_bag(s, i) for i, s in enumerate(bags)])
    w = m.attention(batch, flat=True).detach()
    keep = top_fraction_index(w, batch, 0.1)
    assert keep.tolist() == sorted(keep.tolist())
    per_bag = torch.bincount(batch.bag_ids()[keep], minlength=3).tolist()
    assert per_bag == [4, 1, 6]  # ceil(0.1 n), at least 1
    for b in range(3):  # the kept ones are the bag's most attended
        lo, hi = int(batch.bag_offsets[b]), int(batch.bag_offsets[b + 1])
        kept = keep[(keep >= lo) & (keep < hi)]
        rest = torch.tensor([i for i in range(lo, hi) if i not in kept.tolist()], dtype=torch.long)
        if len(rest):
            assert float(w[kept].min()) >= float(w[rest].max())

    def grads(fn):
        m.zero_grad()
        fn().sum().backward()
        return {k: p.grad.clone() for k, p in m.named_parameters()}

    sub = subset_batch(batch, keep)
    assert (
        sub.bag_sizes.tolist() == per_bag
        and sub.sequence_index.tolist() == batch.sequence_index[keep].tolist()
    )
    g_top = grads(lambda: m(batch, top_fraction=0.1))
    g_sub = grads(lambda: m(sub))
    g_all = grads(lambda: m(batch))
    for k in g_top:
        torch.testing.assert_close(g_top[k], g_sub[k], rtol=TOL.rtol, atol=TOL.atol)
    assert not torch.allclose(g_top["conv.weight"], g_all["conv.weight"])
    # the kept sequences are the only ones embedded with gradient
    seen = []
    hook = m.conv.register_forward_hook(lambda mod, inp, out: seen.append((out.shape[0], out.requires_grad)))
    m(batch, top_fraction=0.1).sum().backward()
    hook.remove()
    assert sum(n for n, g in seen if g) == sum(per_bag) and sum(n for n, g in seen if not g) == 98


def test_pooling_bias_adds_to_the_association_logits() -> None:
    g = torch.Generator().manual_seed(0)
    pool = HopfieldPooling(
        input_size=6,
        stored_pattern_as_static=True,
        state_pattern_as_static=True,
        pattern_projection_as_static=True,
        normalize_stored_pattern=False,
        normalize_state_pattern=False,
        normalize_pattern_projection=False,
        disable_out_projection=True,
        scaling=0.7,
    )
    k, v, bias = torch.randn(9, 6, generator=g), torch.randn(9, 6, generator=g), torch.randn(9, generator=g)
    offsets = torch.tensor([0, 4, 9])
    out, w = pool((k, v), offsets=offsets, return_association=True, stored_pattern_bias=bias)
    logits = 0.7 * (k @ pool.pooling_weights[0]) + bias
    for b, (lo, hi) in enumerate(((0, 4), (4, 9))):
        ref = torch.softmax(logits[lo:hi], 0)
        torch.testing.assert_close(w[lo:hi, 0, 0], ref, rtol=TOL.rtol, atol=TOL.atol)
        torch.testing.assert_close(out[b], ref @ v[lo:hi], rtol=TOL.rtol, atol=TOL.atol)
    with pytest.raises(ValueError, match="stored_pattern_bias"):
        pool((k, v), offsets=offsets, stored_pattern_bias=bias[:5])
    with pytest.raises(ValueError, match="ragged"):
        pool((k.unsqueeze(0), v.unsqueeze(0)), stored_pattern_bias=bias)


def test_checkpoint_roundtrip_and_another_configuration(tmp_path, bags) -> None:
    m = model()
    batch = collate_bags([make_bag(s, i) for i, s in enumerate(bags)])
    path = save_model(tmp_path / "m.pt", m)
    loaded, payload = load_model(path)
    torch.testing.assert_close(loaded(batch), m(batch), rtol=0, atol=0)
    assert payload["model_config"] == m.config()
    load_model(path, RepertoireClassifier(chunk_size=5))  # chunk_size is not the architecture
    with pytest.raises(CheckpointConfigError, match=r"differs in kernel_size, n_filters"):
        load_model(path, RepertoireClassifier(kernel_size=5, n_filters=16))
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(RepertoireFileError, match="is not a checkpoint"):
        load_model(tmp_path / "junk.pt")
    with pytest.raises(RepertoireFileError, match="no such checkpoint"):
        load_model(tmp_path / "absent.pt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.pt", "m.pt"]  # no temporary left


def test_bad_input(bags) -> None:
    m = model()
    with pytest.raises(TypeError):
        m("not a batch")
    with pytest.raises(ValueError, match="top_fraction"):
        m(collate_bags([make_bag(bags[0])]), top_fraction=1.5)
    with pytest.raises(ValueError, match="kernel_size"):
        RepertoireClassifier(kernel_size=0)
