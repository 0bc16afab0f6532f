"""Baselines of DeepRC's comparison, on the same folds as the model (:func:`cross_validate`).

- :class:`MotifOracle` ("oracle"): knows the implanted motifs; a repertoire's score is the number of its
  sequences that hold one (an upper reference, not a method).
- :class:`KmerLogistic` ("kmer-logistic"): L1-regularized logistic regression on k-mer frequencies
  (3- and 4-mers by default), its C chosen by inner cross-validation on the training folds.
- :class:`BurdenTest` ("burden"): sequences whose presence is associated with the positive label by a
  one-sided Fisher exact test on the training repertoires (Emerson et al. 2017); a repertoire's score is
  the number of associated sequences it holds.

Each has ``fit(data, train, labels)`` and ``score(data, index)``; ``data`` is a
:class:`RepertoireDataset` or a list of :class:`Repertoire`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import torch
from numpy.typing import NDArray

from hopfield._registry import Registry
from hopfield._validate import check_bool, check_int, check_real
from hopfield.repertoire._alphabet import N_AMINO_ACIDS
from hopfield.repertoire._dataset import RepertoireDataset
from hopfield.repertoire._kmers import _check_motifs, kmer_windows, motif_matches, sequence_keys
from hopfield.repertoire._repertoire import Repertoire
from hopfield.repertoire._rng import resolve_seed

__all__ = ["BASELINES", "Baseline", "BurdenTest", "KmerLogistic", "MotifOracle", "RepertoireData"]

RepertoireData = RepertoireDataset | Sequence[Repertoire]
BASELINES: Registry[type[Any]] = Registry("baseline", "baseline")


class Baseline(Protocol):
    """What :func:`cross_validate` needs of a baseline."""

    name: str

    def fit(self, data: RepertoireData, train: NDArray[np.int64], labels: NDArray[np.int64]) -> Baseline: ...

    def score(self, data: RepertoireData, index: NDArray[np.int64]) -> NDArray[np.float64]: ...


def _get(data: RepertoireData, i: int) -> Repertoire:
    return data.repertoire(i) if isinstance(data, RepertoireDataset) else data[i]


class _Cached:
    """Per-repertoire results computed once per ``data`` object (folds reuse them)."""

    def __init__(self) -> None:
        self._data_id: int | None = None

    def _same(self, data: RepertoireData) -> bool:
        same = self._data_id == id(data)
        self._data_id = id(data)
        return same


@BASELINES.register("oracle")
class MotifOracle(_Cached):
    """Score = number of sequences holding a known motif (at most ``max_substitutions`` substitutions,
    or one deleted position with ``deletions``); ``normalize`` divides by the repertoire's size."""

    name = "oracle"

    def __init__(
        self,
        motifs: Sequence[str] | str,
        *,
        max_substitutions: int = 0,
        deletions: bool = False,
        normalize: bool = False,
    ) -> None:
        super().__init__()
        self.motifs = _check_motifs(motifs)
        self.max_substitutions = check_int(max_substitutions, "max_substitutions", 0, 3)
        self.deletions = check_bool(deletions, "deletions")
        self.normalize = check_bool(normalize, "normalize")
        self._scores: dict[int, float] = {}

    def fit(self, data: RepertoireData, train: NDArray[np.int64], labels: NDArray[np.int64]) -> MotifOracle:
        return self  # nothing to learn

    def score(self, data: RepertoireData, index: NDArray[np.int64]) -> NDArray[np.float64]:
        if not self._same(data):
            self._scores = {}
        for i in np.asarray(index).tolist():
            if i not in self._scores:
                rep = _get(data, i)
                hits = motif_matches(
                    rep.residues,
                    rep.offsets,
                    self.motifs,
                    max_substitutions=self.max_substitutions,
                    deletions=self.deletions,
                )
                self._scores[i] = float(hits.sum()) / (len(rep) if self.normalize else 1)
        return np.array([self._scores[i] for i in np.asarray(index).tolist()], dtype=np.float64)


def kmer_frequencies(data: RepertoireData, k: Sequence[int] = (3, 4)) -> Any:
    """Relative k-mer frequencies per repertoire: a sparse ``(n_repertoires, sum 20^k)`` CSR matrix
    (each k's block sums to 1 per repertoire)."""
    from scipy import sparse

    ks = [check_int(x, "k", 1, 6) for x in k]
    blocks = np.cumsum([0] + [N_AMINO_ACIDS**x for x in ks])
    rows, cols, vals = [], [], []
    for i in range(len(data)):
        rep = _get(data, i)
        for b, x in enumerate(ks):
            codes, _ = kmer_windows(rep.residues, rep.offsets, x)
            uniq, counts = np.unique(codes, return_counts=True)
            rows.append(np.full(len(uniq), i))
            cols.append(uniq + blocks[b])
            vals.append(counts / max(1, len(codes)))
    return sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(data), int(blocks[-1])),
    )


@BASELINES.register("kmer-logistic")
class KmerLogistic(_Cached):
    """L1 logistic regression on k-mer frequencies (scaled by their maximum over training repertoires),
    C from ``Cs`` by inner stratified cross-validation (ROC AUC) on the training repertoires."""

    name = "kmer-logistic"

    def __init__(
        self,
        k: Sequence[int] = (3, 4),
        *,
        Cs: Sequence[float] = (0.01, 0.1, 1.0, 10.0),
        inner_folds: int = 3,
        seed: int | torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.k = tuple(check_int(x, "k", 1, 6) for x in k)
        self.Cs = [check_real(c, "Cs", low=0.0, low_open=True) for c in Cs]
        self.inner_folds = check_int(inner_folds, "inner_folds", 2)
        self.seed = resolve_seed(seed)
        self._state = 0
        self._scale = np.ones(0)
        self.C = float(np.median(self.Cs))
        self._features: Any = None
        self.model: Any = None

    def _x(self, data: RepertoireData) -> Any:
        if not self._same(data) or self._features is None:
            self._features = kmer_frequencies(data, self.k)
        return self._features

    def _model(self, c: float) -> Any:
        import inspect

        from sklearn.linear_model import LogisticRegression

        # scikit-learn >= 1.8 spells the L1 penalty l1_ratio=1 and deprecates penalty=
        new = inspect.signature(LogisticRegression).parameters["penalty"].default == "deprecated"
        l1: dict[str, Any] = {"l1_ratio": 1.0} if new else {"penalty": "l1"}
        return LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=self._state, **l1)

    def fit(self, data: RepertoireData, train: NDArray[np.int64], labels: NDArray[np.int64]) -> KmerLogistic:
        from hopfield.repertoire._evaluation import kfold_splits, roc_auc

        x, y = self._x(data)[train], np.asarray(labels)[train]
        peak = np.asarray(abs(x).max(axis=0).todense()).reshape(-1)
        self._scale = 1.0 / np.where(
            peak > 0, peak, 1.0
        )  # each k-mer's maximum over training repertoires -> 1
        x = x.multiply(self._scale).tocsr()
        self._state = int(np.random.SeedSequence(self.seed).generate_state(1)[0])
        best, self.C = -np.inf, float(np.median(self.Cs))
        n_inner = min(self.inner_folds, int(np.bincount(y, minlength=2).min()))
        if len(self.Cs) > 1 and n_inner >= 2:  # choose C by inner cross-validation (mean ROC AUC)
            inner = kfold_splits(y, n_inner, seed=self.seed)
            for c in self.Cs:
                fits = [(te, self._model(c).fit(x[tr], y[tr])) for tr, te in inner]
                auc = float(np.mean([roc_auc(y[te], m.decision_function(x[te])) for te, m in fits]))
                if auc > best:
                    best, self.C = auc, c
        self.model = self._model(self.C).fit(x, y)
        return self

    def score(self, data: RepertoireData, index: NDArray[np.int64]) -> NDArray[np.float64]:
        if self.model is None:
            raise RuntimeError("KmerLogistic.score before fit")
        x = self._x(data)[index].multiply(self._scale).tocsr()
        return np.asarray(self.model.decision_function(x), dtype=np.float64)


@BASELINES.register("burden")
class BurdenTest(_Cached):
    """Emerson et al.'s burden test: a sequence is associated when the one-sided Fisher exact test of its
    presence in positive vs negative training repertoires gives ``p < alpha`` (and it occurs in at
    least ``min_repertoires`` of them); the score counts a repertoire's associated sequences."""

    name = "burden"

    def __init__(self, *, alpha: float = 1e-4, min_repertoires: int = 2) -> None:
        super().__init__()
        self.alpha = check_real(alpha, "alpha", low=0.0, high=1.0, low_open=True)
        self.min_repertoires = check_int(min_repertoires, "min_repertoires", 1)
        self._pairs: tuple[NDArray[np.int64], NDArray[np.int64], int] | None = None
        self.associated: NDArray[np.bool_] | None = None

    def _presence(self, data: RepertoireData) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
        """(repertoire, unique-sequence id) pairs, each sequence once per repertoire; and #sequences."""
        if self._same(data) and self._pairs is not None:
            return self._pairs
        reps = [_get(data, i) for i in range(len(data))]
        width = max(int(np.diff(r.offsets).max()) for r in reps)
        keys = [np.unique(sequence_keys(r.residues, r.offsets, width)) for r in reps]
        rep_of = np.repeat(np.arange(len(reps)), [len(k) for k in keys])
        uniq, seq_of = np.unique(np.concatenate(keys), return_inverse=True)
        self._pairs = (rep_of.astype(np.int64), seq_of.reshape(-1).astype(np.int64), len(uniq))
        return self._pairs

    def fit(self, data: RepertoireData, train: NDArray[np.int64], labels: NDArray[np.int64]) -> BurdenTest:
        from scipy.stats import hypergeom

        rep_of, seq_of, n_unique = self._presence(data)
        y = np.asarray(labels)
        in_train = np.zeros(len(y), dtype=bool)
        in_train[train] = True
        sel = in_train[rep_of]
        pos = sel & (y[rep_of] == 1)
        n_with = np.bincount(seq_of[sel], minlength=n_unique)  # training repertoires holding the sequence
        n_pos_with = np.bincount(seq_of[pos], minlength=n_unique)
        candidates = np.flatnonzero((n_pos_with >= 1) & (n_with >= self.min_repertoires))
        n_train, n_pos = int(in_train.sum()), int(y[train].sum())
        # P(X >= a), X ~ hypergeometric(n_train, n_pos, n_with): the one-sided Fisher exact test
        p = hypergeom.sf(n_pos_with[candidates] - 1, n_train, n_pos, n_with[candidates])
        self.associated = np.zeros(n_unique, dtype=bool)
        self.associated[candidates[p < self.alpha]] = True
        return self

    def score(self, data: RepertoireData, index: NDArray[np.int64]) -> NDArray[np.float64]:
        if self.associated is None:
            raise RuntimeError("BurdenTest.score before fit")
        rep_of, seq_of, _ = self._presence(data)
        counts = np.bincount(rep_of[self.associated[seq_of]], minlength=len(data))
        return counts[np.asarray(index)].astype(np.float64)
