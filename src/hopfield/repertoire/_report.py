"""Reports of a cross-validation: the results table (TSV and text) and the ROC figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hopfield.repertoire._evaluation import CrossValidation, Fold

__all__ = ["fold_of", "results_rows", "roc_figure", "scores_tsv"]

HEADERS = ("method", "mean ROC AUC", "std", "folds")


def results_rows(results: Mapping[str, CrossValidation]) -> list[tuple[str, float, float, str]]:
    """One row per method: name, mean and standard deviation of the fold AUCs, the fold AUCs."""
    return [
        (cv.name, cv.mean_auc, cv.std_auc, " ".join(f"{a:.3f}" for a in cv.fold_auc.tolist()))
        for cv in results.values()
    ]


def fold_of(folds: Sequence[Fold], n: int) -> Any:
    """The test fold of every repertoire, int64 ``(n,)``."""
    out = np.full(n, -1, dtype=np.int64)
    for k, (_, test) in enumerate(folds):
        out[test] = k
    return out


def scores_tsv(
    ids: Sequence[str], labels: Any, folds: Sequence[Fold], results: Mapping[str, CrossValidation]
) -> str:
    """The out-of-fold scores: id, label, fold, one column per method."""
    fold = fold_of(folds, len(ids))
    names = list(results)
    lines = ["\t".join(["repertoire_id", "label", "fold", *names])]
    for i, rid in enumerate(ids):
        cells = [rid, str(int(labels[i])), str(int(fold[i]))]
        cells += [repr(float(results[m].scores[i])) for m in names]
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


def roc_figure(results: Mapping[str, CrossValidation], labels: Any, title: str = "") -> Any:
    """ROC curves of the out-of-fold scores of each method (AUC: mean over folds) on a
    ``matplotlib.figure.Figure`` (no pyplot)."""
    from sklearn.metrics import roc_curve

    from hopfield.plotting import subplots

    fig, ax = subplots(figsize=(5.0, 4.6))
    y = np.asarray(labels)
    for cv in results.values():
        ok = np.isfinite(cv.scores)
        fpr, tpr, _ = roc_curve(y[ok], cv.scores[ok])
        ax.plot(fpr, tpr, label=f"{cv.name} (AUC {cv.mean_auc:.3f} ± {cv.std_auc:.3f})")
    ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", linewidth=1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(title or "ROC, out-of-fold scores")
    ax.legend(loc="lower right", fontsize="small")
    return fig
