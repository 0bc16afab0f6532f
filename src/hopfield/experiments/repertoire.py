"""Experiment ``repertoire-simulated``: DeepRC on simulated repertoires against the baselines (issue 14).

Each setting (witness rate, motifs) is simulated with :func:`hopfield.repertoire.simulate_repertoires`
(i.i.d. background, the paper's lengths ``N(14.5, 1.1^2)``), prepared once into ``work_dir/data/<setting>``
and cross-validated on the same stratified folds by the model (:class:`hopfield.nn.RepertoireClassifier`,
trained with :func:`hopfield.repertoire._train.fit`) and the baselines (known-motif oracle, k-mer logistic
regression, burden test). Besides ROC AUC it measures how well attention finds the implanted sequences:
the precision of each test positive's ``k`` most attended sequences (``k`` = its number of implants)
against the simulator's ``implanted`` column, beside the base rate (the witness rate) that a random pick
would reach.

Every (setting, fold) of the model and every setting's baselines is checkpointed as JSON into
``work_dir/checkpoints`` (the model's training state into a folder beside it), so an interrupted run resumes.
Fixed seed: ``ctx.seed`` (0 by default) for data, folds and training.
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hopfield import repertoire as rp
from hopfield._io import write_json
from hopfield._table import markdown_table
from hopfield.experiments import Context, register
from hopfield.plotting import subplots

__all__ = ["PAPER", "Setting", "compute", "plot", "settings", "summarize"]

#: DeepRC's ROC AUC in the paper for the settings it shares with ours (issue 14).
PAPER = {"one motif, 1%": 1.000, "one motif, 0.1%": 0.984, "several motifs, 0.1%": 0.938}
#: What the paper's datasets are: far larger than ours (see ``summarize``).
PAPER_SIZES = (
    "the paper's datasets hold hundreds to thousands of repertoires of 10^4 to 3 x 10^5 sequences each"
    " (by dataset category; its Table 1), trained on GPUs"
)
BASELINES = ("oracle", "kmer-logistic", "burden")


@dataclass(frozen=True)
class Setting:
    """One simulated dataset, how the model trains on it (``max_sequences``: the training subsample per
    repertoire; prediction uses every sequence) and the cross-validation."""

    name: str
    witness_rate: float
    motifs: int
    n_repertoires: int
    n_sequences: int
    max_sequences: int
    epochs: int
    lr: float = 1e-3
    top_fraction: float = 0.1
    weight_decay: float = 0.0
    folds: int = 5
    kmer_cs: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0)
    limit: bool = False  # reported as an explained limit, not a claim


#: Training of the full run (the CPU budget allows about 15 epochs of 16 steps): subsamples of 1,000 (2,000
#: at 0.1%: two witnesses) sequences, every one back-propagated (top_fraction=1), Adam at 0.01. DeepRC's 10^4
#: subsample with the top 10% (lr 3e-3) does not learn within this budget (AUC about 0.7 at 1% after 10
#: epochs; docs/repertoire.md).
FULL: dict[str, Any] = {"lr": 1e-2, "top_fraction": 1.0, "kmer_cs": (0.1, 1.0)}


def settings(quick: bool) -> list[Setting]:
    """The quick test setting (witness rate 5%, 60 x 400, 3 folds, a few large steps: every sequence
    back-propagated at learning rate 0.01) or the full run's four settings."""
    if quick:
        return [
            Setting("one motif, 5% (quick)", 0.05, 1, 60, 400, 400, 8, 1e-2, 1.0, folds=3, kmer_cs=(1.0,))
        ]
    return [
        Setting("one motif, 1%", 0.01, 1, 100, 10_000, 1_000, 15, **FULL),
        Setting("one motif, 0.1%", 0.001, 1, 100, 10_000, 2_000, 15, **FULL),
        Setting("several motifs, 0.1%", 0.001, 3, 100, 10_000, 2_000, 15, **FULL),
        Setting("one motif, 0.01%", 0.0001, 1, 100, 50_000, 10_000, 5, 1e-2, kmer_cs=(1.0,), limit=True),
    ]


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name).strip("-").replace("--", "-")


@contextmanager
def _work(ctx: Context) -> Iterator[Path]:
    """``ctx.work_dir`` (kept: checkpoints) or a temporary folder removed afterwards."""
    if ctx.work_dir is not None:
        Path(ctx.work_dir).mkdir(parents=True, exist_ok=True)
        yield Path(ctx.work_dir)
    else:
        with tempfile.TemporaryDirectory(prefix="hopfield-repertoire-") as tmp:
            yield Path(tmp)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text()) if path.is_file() else None


def dataset(folder: Path, s: Setting, seed: int) -> Any:
    """Simulate and prepare setting ``s`` into ``folder`` (reused when its parameters match)."""

    config, items = rp.simulate_repertoires(
        n_repertoires=s.n_repertoires,
        n_sequences=s.n_sequences,
        witness_rate=s.witness_rate,
        motifs=s.motifs,
        seed=seed,
    )
    want = {**config.to_dict(), "labels": config.labels.tolist()}
    if (folder / "manifest.json").is_file():
        old = rp.RepertoireDataset(folder)
        if old.attributes.get("simulation") == want:
            return old
    rp.write_prepared(items, folder, overwrite=True, attributes={"simulation": want})
    return rp.RepertoireDataset(folder)


def witness_statistics(data: Any, s: Setting, seed: int) -> dict[str, float]:
    """Implants per training subsample of the positives (measured on the draws of all ``s.epochs``
    epochs), and the fraction of subsamples without any, beside the hypergeometric law (Poisson e^-mean
    for large repertoires)."""

    sub = rp.RepertoireDataset(data.path, max_sequences=s.max_sequences, seed=seed)
    held = []
    for epoch in range(s.epochs):
        sub.set_epoch(epoch)
        for i in np.flatnonzero(data.labels == 1).tolist():
            bag = sub[i]
            assert bag.implanted is not None
            held.append(int(bag.implanted.sum()))
    n, k = s.n_sequences, min(s.max_sequences, s.n_sequences)
    m = round(s.witness_rate * n)
    p_none = 0.0  # C(n - m, k) / C(n, k): no implant among k of n sequences of which m are implants
    if n - m >= k:
        lg = math.lgamma
        p_none = math.exp(lg(n - m + 1) + lg(n - k + 1) - lg(n - m - k + 1) - lg(n + 1))
    return {
        "implants_per_repertoire": m,
        "implants_per_subsample": float(np.mean(held)),
        "subsamples_without_implant": float(np.mean(np.array(held) == 0)),
        "expected_without_implant": p_none,
    }


def _baselines(
    data: Any, s: Setting, folds: list[Any], seed: int, progress: Callable[..., Any]
) -> dict[str, Any]:

    motifs = [m["sequence"] for m in data.attributes["simulation"]["motifs"]]
    kmer = rp.KmerLogistic(Cs=s.kmer_cs, seed=seed)
    methods: list[rp.Baseline] = [rp.MotifOracle(motifs), kmer, rp.BurdenTest()]
    out = {}
    for method in methods:
        t0 = time.perf_counter()
        cv = rp.cross_validate([method], data, folds, progress=progress)[method.name]
        out[method.name] = {
            "fold_auc": cv.fold_auc.tolist(),
            "scores": cv.scores.tolist(),
            "seconds": time.perf_counter() - t0,
        }
    return out


def _precision(model: Any, data: Any, index: list[int], n_implants: int) -> dict[str, float]:
    """Mean precision of the ``n_implants`` most attended sequences of each positive repertoire in
    ``index`` against the implant column, and the base rate (fraction of implanted sequences)."""

    precision, base = [], []
    model.eval()
    with torch.no_grad():
        for i in index:
            batch = rp.collate_bags([data[i]])
            weights = model.attention(batch, flat=True)
            assert batch.implanted is not None
            truth = batch.implanted.reshape(-1).bool()
            top = torch.topk(weights, min(n_implants, len(weights))).indices
            precision.append(float(truth[top].float().mean()))
            base.append(float(truth.float().mean()))
    return {"precision": float(np.mean(precision)), "base_rate": float(np.mean(base))}


def _model_fold(
    data: Any,
    s: Setting,
    fold: int,
    train: Any,
    test: Any,
    seed: int,
    folder: Path,
    progress: Callable[..., Any],
) -> dict[str, Any]:
    """Train on ``train`` (a stratified fifth of it for early stopping), score ``test`` with every
    sequence, and measure attention's precision on the test positives."""

    inner_train, inner_val = rp.kfold_splits(data.labels[train], 5, seed=seed + fold)[0]
    tr, va = train[inner_train], train[inner_val]
    config = rp.TrainConfig(
        epochs=s.epochs,
        lr=s.lr,
        weight_decay=s.weight_decay,
        subsample=s.max_sequences,
        top_fraction=s.top_fraction,
        seed=seed + fold,
    )
    t0 = time.perf_counter()
    model, _history = rp.fit(
        data, tr, va, config, checkpoint_dir=folder / f"fold{fold}-state", progress=progress
    )
    seconds = time.perf_counter() - t0
    full = rp.RepertoireDataset(data.path, max_sequences=None, seed=seed)
    scores = np.asarray(rp.predict(model, full, test), dtype=np.float64).reshape(-1)
    pos = [int(i) for i in test if data.labels[i] == 1]
    att = _precision(model, full, pos, round(s.witness_rate * s.n_sequences))
    return {"test": test.tolist(), "scores": scores.tolist(), "seconds": seconds, **att}


def _run_setting(s: Setting, root: Path, seed: int, progress: Callable[..., Any]) -> dict[str, Any]:

    slug = _slug(s.name)
    t0 = time.perf_counter()
    data = dataset(root / "data" / slug, s, seed)
    gen_seconds = time.perf_counter() - t0
    folds = rp.kfold_splits(data.labels, s.folds, seed=seed)
    ckpt = root / "checkpoints" / slug
    base_file = ckpt / "baselines.json"
    base = _read_json(base_file)
    if base is None:
        base = _baselines(data, s, folds, seed, progress)
        write_json(base_file, base)
    model_folds = []
    for k, (train, test) in enumerate(progress(folds, desc=s.name, unit="fold")):
        path = ckpt / f"model-fold{k}.json"
        res = _read_json(path)
        if res is None:
            res = _model_fold(data, s, k, train, test, seed, ckpt, progress)
            write_json(path, res)
        res["auc"] = rp.roc_auc(data.labels[np.asarray(res["test"])], res["scores"])
        model_folds.append(res)
    methods = {"DeepRC (ours)": [f["auc"] for f in model_folds]}
    methods.update({name: base[name]["fold_auc"] for name in BASELINES})
    return {
        "setting": asdict(s),
        "n_positive": int(data.labels.sum()),
        "seconds_data": gen_seconds,
        "seconds_model": float(sum(f["seconds"] for f in model_folds)),
        "seconds_baselines": float(sum(base[name]["seconds"] for name in BASELINES)),
        "auc": {
            m: {"mean": float(np.mean(v)), "std": float(np.std(v, ddof=1)), "folds": v}
            for m, v in methods.items()
        },
        "attention": {
            "precision": float(np.mean([f["precision"] for f in model_folds])),
            "base_rate": float(np.mean([f["base_rate"] for f in model_folds])),
        },
        "witnesses": witness_statistics(data, s, seed),
        "paper_auc": PAPER.get(s.name),
    }


def compute(ctx: Context) -> dict[str, Any]:
    """Every setting of :func:`settings` (``ctx.quick``: the 5% test setting), with checkpoints."""
    t0 = time.perf_counter()
    with _work(ctx) as root:
        rows = [_run_setting(s, root, ctx.seed, ctx.progress) for s in settings(ctx.quick)]
    return {
        "n_folds": "/".join(sorted({str(s.folds) for s in settings(ctx.quick)})),
        "threads": torch.get_num_threads(),
        "seconds": time.perf_counter() - t0,
        "settings": rows,
        "paper_sizes": PAPER_SIZES,
    }


def plot(data: dict[str, Any]) -> dict[str, Any]:
    rows = data["settings"]
    methods = list(rows[0]["auc"])
    fig, (a, b) = subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 2]})
    x = np.arange(len(rows))
    width = 0.8 / (len(methods) + 1)
    for j, m in enumerate(methods):
        mean = [r["auc"][m]["mean"] for r in rows]
        std = [r["auc"][m]["std"] for r in rows]
        a.bar(x + j * width, mean, width, yerr=std, label=m, color=f"C{j}", capsize=2)
    paper = [r["paper_auc"] if r["paper_auc"] is not None else np.nan for r in rows]
    a.bar(x + len(methods) * width, paper, width, label="DeepRC (paper)", color="k", alpha=0.5)
    a.axhline(0.5, color="grey", lw=0.8, ls=":")
    a.set_xticks(x + width * len(methods) / 2, [r["setting"]["name"] for r in rows], fontsize=7)
    a.set_ylim(0.3, 1.05)
    a.set_ylabel(f"ROC AUC ({data['n_folds']}-fold CV, mean +- sd)")
    a.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=len(methods) + 1)
    a.set_title("Simulated repertoires: model vs baselines")
    ratio = [r["attention"]["precision"] / max(r["attention"]["base_rate"], 1e-12) for r in rows]
    b.bar(x, ratio, 0.6, color="C0")
    for xi, r in zip(x, ratio, strict=True):
        b.annotate(f"{r:.1f}x", (xi, max(r, 1.0)), ha="center", va="bottom", fontsize=7)
    b.axhline(1.0, color="grey", lw=0.8, ls=":")
    b.set_yscale("log")
    b.set_xticks(x, [r["setting"]["name"] for r in rows], fontsize=7, rotation=20)
    b.set_ylabel("top-k attended implants / base rate")
    b.set_title("Attention finds the implanted sequences")
    fig.set_layout_engine("constrained")
    return {"repertoire-simulated": fig}


def _sizes(rows: list[dict[str, Any]]) -> str:
    sizes = sorted({(r["setting"]["n_repertoires"], r["setting"]["n_sequences"]) for r in rows})
    return ", ".join(f"{a} repertoires x {b:,} sequences" for a, b in sizes)


def _folds_note(s: dict[str, Any]) -> str:
    n, k = s["n_repertoires"], s["folds"]
    test, train = n // k, n - n // k
    fit = train - train // 5
    return (
        f" So few repertoires make each training fold small ({train} repertoires, of which {fit} train the"
        f" model, {fit // 2} of them positive, and {train - fit} stop it early; {s['epochs']} epochs are"
        f" {s['epochs'] * -(-fit // 4)} steps of 4 repertoires) and a test fold of {test} repertoires"
        f" moves its AUC by {1 / ((test // 2) * (test - test // 2)):.2g} per swapped pair: a low witness"
        " rate is harder for us than for the paper."
    )


def _cell(v: dict[str, Any]) -> str:
    return f"{v['mean']:.3f} +- {v['std']:.3f}"


def summarize(data: dict[str, Any]) -> str:
    rows = data["settings"]
    methods = list(rows[0]["auc"])
    table = [
        [
            r["setting"]["name"],
            f"{r['setting']['n_repertoires']} x {r['setting']['n_sequences']:,}",
            *(_cell(r["auc"][m]) for m in methods),
            "-" if r["paper_auc"] is None else f"{r['paper_auc']:.3f}",
            f"{r['attention']['precision']:.3f} ({r['attention']['base_rate']:.2g})",
        ]
        for r in rows
    ]
    headers = [
        "setting",
        "repertoires x sequences",
        *methods,
        "DeepRC (paper)",
        "top-k precision (base rate)",
    ]
    lim = [r for r in rows if r["setting"]["limit"]]
    limit = ""
    for r in lim:
        w = r["witnesses"]
        limit += (
            f"\n\n**{r['setting']['name']} is an explained limit.** A positive repertoire of"
            f" {r['setting']['n_sequences']:,} sequences holds {w['implants_per_repertoire']} implants; the"
            f" training subsample of {r['setting']['max_sequences']:,} sequences holds"
            f" {w['implants_per_subsample']:.2f} on average, and {w['subsamples_without_implant']:.0%} of the"
            f" subsamples hold none (hypergeometric law: {w['expected_without_implant']:.0%}; Poisson e^-1 ="
            " 37%): such a bag carries no signal at all in that epoch, while background sequences hold the"
            " motif by chance at about 7e-5 per sequence, as often as the signal itself."
        )
    return (
        f"ROC AUC, {data['n_folds']}-fold cross-validation on the same folds for every method (mean +- sd"
        " over folds), i.i.d. background, 4-mer motifs, prevalence 0.5, seed fixed. Top-k precision: of"
        " each test positive's k most attended sequences (k = its implants), the fraction implanted; the"
        " base rate is what a random pick reaches.\n\n"
        + markdown_table(headers, table)
        + f"\n\nDataset sizes: ours are {_sizes(rows)}; {PAPER_SIZES}."
        + _folds_note(rows[0]["setting"])
        + " The oracle knows the motifs and bounds what is reachable; the burden test needs public"
        " sequences (identical in several repertoires) and scores about 0.5 on implants in random"
        " sequences by construction."
        + limit
        + f"\n\nCompute time (recorded in the checkpoints, {data['threads']} thread(s)): model"
        f" {sum(r['seconds_model'] for r in rows) / 60:.1f} min, baselines"
        f" {sum(r.get('seconds_baselines', 0.0) for r in rows) / 60:.1f} min; this run's wall time"
        f" {data['seconds'] / 60:.1f} min."
    )


register(
    "repertoire-simulated",
    "DeepRC-style attention pooling on simulated immune repertoires vs known-motif oracle, k-mer"
    " logistic regression and burden test (ROC AUC, attention precision)",
    "004 (DeepRC supplement); issue 14",
    compute=compute,
    plot=plot,
    summarize=summarize,
)
