"""Folds and scores shared by the baselines and the model: stratified k-fold splits, ROC AUC, and
:func:`cross_validate`, which fits each baseline on the training folds and scores the held-out fold."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from hopfield._errors import input_error
from hopfield._validate import check_int
from hopfield.repertoire._baselines import Baseline, RepertoireData
from hopfield.repertoire._dataset import RepertoireDataset
from hopfield.repertoire._rng import resolve_seed

__all__ = ["CrossValidation", "Fold", "cross_validate", "kfold_splits", "roc_auc"]

#: A fold: (training indices, test indices), int64, ascending.
Fold = tuple[NDArray[np.int64], NDArray[np.int64]]


def _labels(labels: Any) -> NDArray[np.int64]:
    y = np.asarray(labels)
    if y.ndim != 1 or y.size == 0 or not np.isin(y, (0, 1)).all():
        raise input_error(
            "labels", "a non-empty 1-D array of 0/1", f"shape {y.shape}, values {np.unique(y)[:5]}"
        )
    return y.astype(np.int64)


def kfold_splits(labels: Any, n_splits: int = 5, *, seed: int | torch.Generator | None = None) -> list[Fold]:
    """Stratified k-fold splits of repertoires: every repertoire is tested once, each fold keeps the
    class ratio (``sklearn.model_selection.StratifiedKFold`` with shuffling, seeded)."""
    from sklearn.model_selection import StratifiedKFold

    y = _labels(labels)
    n_min = int(np.bincount(y, minlength=2).min())
    k = check_int(n_splits, "n_splits", 2, max(2, n_min))
    state = int(np.random.SeedSequence(resolve_seed(seed)).generate_state(1)[0])
    folds = StratifiedKFold(k, shuffle=True, random_state=state).split(np.zeros(len(y)), y)
    return [(np.sort(tr).astype(np.int64), np.sort(te).astype(np.int64)) for tr, te in folds]


def roc_auc(labels: Any, scores: Any) -> float:
    """Area under the ROC curve (``sklearn.metrics.roc_auc_score``); ties count one half."""
    from sklearn.metrics import roc_auc_score

    y = _labels(labels)
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != y.shape or not np.isfinite(s).all():
        raise input_error("scores", f"finite values of shape {y.shape}", f"shape {s.shape}")
    if len(np.unique(y)) < 2:
        raise input_error("labels", "both classes (0 and 1)", f"only class {int(y[0])}")
    return float(roc_auc_score(y, s))


@dataclass(frozen=True)
class CrossValidation:
    """One method's cross-validation: ROC AUC per fold, the out-of-fold scores of every repertoire."""

    name: str
    fold_auc: NDArray[np.float64]
    scores: NDArray[np.float64]

    @property
    def mean_auc(self) -> float:
        return float(self.fold_auc.mean())

    @property
    def std_auc(self) -> float:
        return float(self.fold_auc.std(ddof=1)) if len(self.fold_auc) > 1 else 0.0


def cross_validate(
    baselines: Sequence[Baseline],
    data: RepertoireData,
    folds: Sequence[Fold],
    *,
    labels: Any = None,
    progress: Callable[..., Any] | None = None,
) -> dict[str, CrossValidation]:
    """Fit each baseline on each fold's training repertoires and score its test repertoires.

    ``labels`` default to ``data.labels`` for a :class:`RepertoireDataset`. Returns one
    :class:`CrossValidation` per baseline name (a fold whose test set holds one class gets NaN).
    """
    y = _labels(data.labels if labels is None and isinstance(data, RepertoireDataset) else labels)
    if len(y) != len(data):
        raise input_error("labels", f"one label per repertoire ({len(data)})", f"{len(y)} labels")
    wrap = progress or (lambda it, **kw: it)
    out = {}
    for b in baselines:
        scores = np.full(len(y), np.nan)
        aucs = []
        for train, test in wrap(folds, desc=b.name, unit="fold"):
            scores[test] = b.fit(data, train, y).score(data, test)
            aucs.append(roc_auc(y[test], scores[test]) if len(np.unique(y[test])) == 2 else np.nan)
        out[b.name] = CrossValidation(b.name, np.array(aucs), scores)
    return out
