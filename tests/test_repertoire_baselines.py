"""Folds, ROC AUC, k-mers and the baselines (oracle, k-mer logistic regression, burden test)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from hopfield.repertoire import (
    BASELINES,
    BurdenTest,
    KmerLogistic,
    MotifOracle,
    Repertoire,
    RepertoireDataset,
    cross_validate,
    kfold_splits,
    kmer_windows,
    motif_matches,
    roc_auc,
    simulate_repertoires,
    write_prepared,
)
from hopfield.repertoire._kmers import kmer_code


@pytest.fixture(scope="module")
def sim5(tmp_path_factory):
    """The quick setting of the issue: witness rate 5%, one motif; 40 repertoires x 500 sequences."""
    _, items = simulate_repertoires(
        n_repertoires=40, n_sequences=500, witness_rate=0.05, motifs="LYAG", seed=21
    )
    return RepertoireDataset(write_prepared(items, tmp_path_factory.mktemp("b") / "p"))


def test_kfold_splits_are_stratified_seeded_partitions() -> None:
    y = np.array([0] * 30 + [1] * 20)
    folds = kfold_splits(y, 5, seed=1)
    tests = np.concatenate([te for _, te in folds])
    assert sorted(tests.tolist()) == list(range(50))  # each repertoire tested once
    for train, test in folds:
        assert set(train.tolist()).isdisjoint(test.tolist()) and len(train) + len(test) == 50
        assert y[test].sum() == 4 and len(test) == 10  # the class ratio in every fold
    again = kfold_splits(y, 5, seed=1)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again, strict=True))
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(folds, kfold_splits(y, 5, seed=2), strict=True))
    with pytest.raises(ValueError, match=r"n_splits must be an integer in \[2, 20\], got 21"):
        kfold_splits(y, 21, seed=0)


def test_roc_auc_counts_ordered_pairs() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=60)
    s = rng.normal(size=60).round(1)  # with ties
    pairs = [(a > b) + 0.5 * (a == b) for a, b in itertools.product(s[y == 1], s[y == 0])]
    assert roc_auc(y, s) == pytest.approx(np.mean(pairs), abs=1e-12)
    with pytest.raises(ValueError, match=r"labels must be both classes"):
        roc_auc(np.ones(4, int), np.arange(4.0))


def test_kmer_windows_and_motif_matches_equal_loops() -> None:
    rep = Repertoire.from_sequences(["CASSLYAGF", "LYA", "WLYAGLYAG", "CLYGF", "LXAG".replace("X", "W")])
    codes, seq = kmer_windows(rep.residues, rep.offsets, 3)
    want = [(kmer_code(s[p : p + 3]), i) for i, s in enumerate(rep.sequences()) for p in range(len(s) - 2)]
    assert list(zip(codes.tolist(), seq.tolist(), strict=True)) == want
    assert motif_matches(rep.residues, rep.offsets, ["LYAG"]).tolist() == [True, False, True, False, False]
    one_sub = motif_matches(rep.residues, rep.offsets, ["LYAG"], max_substitutions=1)
    assert one_sub.tolist() == [True, False, True, False, True]
    deletion = motif_matches(rep.residues, rep.offsets, ["LYAG"], deletions=True)
    assert deletion.tolist() == [True, True, True, True, False]


def test_oracle_reaches_auc_09_at_witness_rate_5_percent(sim5) -> None:
    folds = kfold_splits(sim5.labels, 5, seed=0)
    res = cross_validate([MotifOracle("LYAG")], sim5, folds)["oracle"]
    assert res.mean_auc >= 0.9 and len(res.fold_auc) == 5 and np.isfinite(res.scores).all()
    pos = sim5.labels == 1
    assert (res.scores[pos] >= 25).all() and (res.scores[~pos] <= 2).all()  # 25 implants vs chance hits


def test_kmer_logistic_finds_the_motif(sim5) -> None:
    folds = kfold_splits(sim5.labels, 4, seed=0)
    model = KmerLogistic(k=(4,), Cs=(0.1, 1.0), inner_folds=2, seed=0)
    res = cross_validate([model], sim5, folds)["kmer-logistic"]
    assert res.mean_auc >= 0.9
    top = int(np.argmax(model.model.coef_[0]))
    assert top == kmer_code("LYAG")  # the largest weight is the motif's 4-mer


def test_burden_test_on_shared_sequences() -> None:
    """Public sequences: 'CASSLYAGF' in most positives, 'CASSWWWF' everywhere; the test keeps the first."""
    rng = np.random.default_rng(4)
    reps, labels = [], []
    for i in range(40):
        label = i % 2
        private = ["".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), size=12)) for _ in range(30)]
        shared = ["CASSWWWF"] + (["CASSLYAGF"] if label and i % 10 != 1 else [])
        reps.append(Repertoire.from_sequences(private + shared))
        labels.append(label)
    y = np.array(labels)
    folds = kfold_splits(y, 4, seed=0)
    burden = BurdenTest(alpha=1e-3)
    res = cross_validate([burden], reps, folds, labels=y)["burden"]
    assert res.mean_auc >= 0.85
    train = folds[0][0]
    burden.fit(reps, train, y)
    assert burden.associated.sum() == 1
    n_pos_with = int(
        ((y[train] == 1) & np.isin(train, [i for i in range(40) if i % 2 and i % 10 != 1])).sum()
    )
    table = [[n_pos_with, int(y[train].sum()) - n_pos_with], [0, int((y[train] == 0).sum())]]
    assert stats.fisher_exact(table, alternative="greater").pvalue < 1e-3


def test_registry_lists_the_baselines() -> None:
    assert BASELINES.names() == ["burden", "kmer-logistic", "oracle"]
    assert BASELINES.get("oracle") is MotifOracle
    with pytest.raises(ValueError, match=r"baseline must be a known baseline \(one of 'burden'"):
        BASELINES.get("svm")
