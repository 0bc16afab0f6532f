"""``hopfield repertoire train|predict|explain``: the model's verbs (the data verbs are in ``_cli.py``).

Each verb is a pair ``_add_<verb>(verbs)`` / ``_<verb>(args) -> exit code``; :func:`add_verbs` adds them.
Every file is written atomically; library imports happen inside the handlers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["add_verbs"]


def _progress(quiet: bool) -> Any:
    if quiet:
        return lambda it, **kw: it
    from tqdm.auto import tqdm

    return lambda it, **kw: tqdm(it, leave=False, **kw)


def _fail(exc: Exception) -> int:
    print(f"hopfield: error: {exc}", file=sys.stderr)
    return 2


# -------------------------------------------------------------------------------------------- train
def _baselines(names: list[str], ds: Any, seed: int) -> list[Any]:
    from hopfield.repertoire import BASELINES, BurdenTest, KmerLogistic, MotifOracle

    out: list[Any] = []
    for name in names:
        if name == "oracle":
            motifs = ds.attributes.get("simulation", {}).get("motifs")
            if not motifs:
                print(
                    "note: no known motifs (not a simulated dataset): the oracle is left out", file=sys.stderr
                )
                continue
            out.append(
                MotifOracle(
                    [m["sequence"] for m in motifs],
                    max_substitutions=1 if any(m["substitution"] > 0 for m in motifs) else 0,
                    deletions=any(m["deletion"] > 0 for m in motifs),
                )
            )
        elif name == "kmer-logistic":
            out.append(KmerLogistic(seed=seed))
        elif name == "burden":
            out.append(BurdenTest())
        else:
            BASELINES.get(name)  # a named error listing the valid names
    return out


def _train(args: argparse.Namespace) -> int:
    from hopfield._io import save_figure, write_json, write_text
    from hopfield._table import format_table
    from hopfield.repertoire import DeepRC, RepertoireDataset, TrainConfig, cross_validate, kfold_splits
    from hopfield.repertoire._report import HEADERS, results_rows, roc_figure, scores_tsv

    ds = RepertoireDataset(args.prepared)
    config = TrainConfig(
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        subsample=args.subsample or None,
        top_fraction=args.top_fraction,
        patience=args.patience,
        seed=args.seed,
        device=args.device,
        amp=args.amp,
        model={"use_counts": args.use_counts, "chunk_size": args.chunk_size},
    )
    out = Path(args.out)
    folds = kfold_splits(ds.labels, args.folds, seed=args.seed)
    progress = _progress(args.quiet)
    model = DeepRC(config, checkpoint_dir=out / "checkpoints", progress=progress)
    methods = [model, *_baselines(args.baselines, ds, args.seed)]
    start = time.perf_counter()
    results = cross_validate(methods, ds, folds, progress=progress)
    seconds = time.perf_counter() - start
    rows = results_rows(results)
    table = format_table(HEADERS, rows)
    print(table)
    write_text(out / "results.txt", table + "\n")
    write_text(out / "results.tsv", "\n".join("\t".join(map(str, r)) for r in [HEADERS, *rows]) + "\n")
    write_text(out / "scores.tsv", scores_tsv(ds.ids, ds.labels, folds, results))
    write_json(
        out / "results.json",
        {
            "prepared": str(ds.path),
            "folds": args.folds,
            "seed": args.seed,
            "config": {k: getattr(config, k) for k in config.__dataclass_fields__},
            "auc": {name: cv.fold_auc.tolist() for name, cv in results.items()},
            "history": model.history,
            "seconds": seconds,
        },
    )
    save_figure(
        out / "roc.png", roc_figure(results, ds.labels, f"{Path(args.prepared).name}: {args.folds}-fold CV")
    )
    print(f"\nwritten: {out}/results.tsv, scores.tsv, roc.png, checkpoints/fold*/best.pt ({seconds:.1f} s)")
    print(f"next: hopfield repertoire predict {out}/checkpoints/fold0/best.pt FILES...")
    return 0


def _add_train(verbs: Any) -> None:
    p = verbs.add_parser(
        "train",
        help="k-fold cross-validation of the DeepRC model and the baselines on a prepared dataset",
        description="Trains the model (subsampled repertoires, the top attention fraction back-propagated, "
        "early stopping on a held-out part of each training fold) and the baselines on the same folds; "
        "prints and writes the ROC AUC table, the out-of-fold scores and a ROC figure. Checkpoints go to "
        "OUT/checkpoints/fold*/; running the same command again resumes.",
    )
    p.add_argument("prepared", help="a prepared dataset folder (hopfield repertoire prepare)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    p.add_argument("--epochs", type=int, default=30, help="maximum epochs per fold (default 30)")
    p.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate (default 3e-3)")
    p.add_argument("--batch-size", type=int, default=4, help="repertoires per step (default 4)")
    p.add_argument("--subsample", type=int, default=10_000, help="sequences per repertoire (0: all)")
    p.add_argument("--top-fraction", type=float, default=0.1, help="fraction back-propagated (0.1)")
    p.add_argument("--patience", type=int, default=5, help="early stopping patience in epochs (5)")
    p.add_argument("--chunk-size", type=int, default=4096, help="sequences embedded at a time (4096)")
    p.add_argument("--use-counts", action="store_true", help="log duplicate counts in the attention")
    p.add_argument(
        "--baselines",
        type=lambda s: [x for x in s.split(",") if x],
        default=["oracle", "kmer-logistic", "burden"],
        help="comma-separated: oracle,kmer-logistic,burden (default all; '' for none)",
    )
    p.add_argument("--seed", type=int, default=0, help="folds, initialization, subsamples (default 0)")
    p.add_argument("--device", default="cpu", help="torch device (default cpu)")
    p.add_argument("--amp", action="store_true", help="float16 autocast on CUDA")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(fn=_train)


# --------------------------------------------------------------------------------- predict, explain
def _read(args: argparse.Namespace) -> list[Any]:
    from hopfield.repertoire import read_repertoire

    return [
        read_repertoire(
            f,
            format=args.format,
            sequence_column=args.sequence_column,
            on_invalid="drop" if args.drop_invalid else "raise",
        )
        for f in args.files
    ]


def _predict(args: argparse.Namespace) -> int:
    import numpy as np

    from hopfield._io import write_text
    from hopfield.repertoire import MissingDependencyError, load_model, predict_repertoires

    model, _ = load_model(args.checkpoint)
    model.to(args.device)
    try:
        reps = _read(args)
    except MissingDependencyError as exc:
        return _fail(exc)
    logits = predict_repertoires(model, reps)
    prob = 1.0 / (1.0 + np.exp(-logits))
    lines = ["file\tn_sequences\tlogit\tprobability"]
    lines += [
        f"{f}\t{len(r)}\t{float(s)!r}\t{float(p)!r}"
        for f, r, s, p in zip(args.files, reps, logits, prob, strict=True)
    ]
    text = "\n".join(lines) + "\n"
    if args.out:
        write_text(args.out, text)
        print(f"written: {args.out} ({len(reps)} repertoires)")
    else:
        sys.stdout.write(text)
    return 0


def _explain(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from hopfield._io import write_text
    from hopfield.repertoire import MissingDependencyError, collate_bags, load_model
    from hopfield.repertoire._predict import repertoire_bag

    model, _ = load_model(args.checkpoint)
    model.to(args.device).eval()
    try:
        reps = _read(args)
    except MissingDependencyError as exc:
        return _fail(exc)
    out = Path(args.out)
    names: list[str] = []
    summary = ["file\toutput\tn_sequences\tlogit\ttop_sequence\ttop_attention"]
    for f, rep in zip(args.files, reps, strict=True):
        with torch.no_grad():
            batch = collate_bags([repertoire_bag(rep)]).to(args.device)
            logit = float(model(batch)[0])
            w = model.attention(batch, flat=True).double().cpu().numpy()
        order = np.argsort(-w, kind="stable")
        seqs = rep.sequences()
        cols = ["rank", "sequence_index", "sequence", "attention"]
        extra = {"duplicate_count": rep.counts, "v_call": rep.v_call, "j_call": rep.j_call}
        extra["implanted"] = rep.implanted
        present = {k: v for k, v in extra.items() if v is not None}
        lines = ["\t".join(cols + list(present))]
        for r, i in enumerate(order.tolist()):
            cells = [str(r + 1), str(i), seqs[i], repr(float(w[i]))]
            cells += [str(v[i]) for v in present.values()]
            lines.append("\t".join(cells))
        stem = Path(f).name.split(".")[0]
        name = stem if stem not in names else f"{stem}-{len(names)}"
        names.append(name)
        write_text(out / f"{name}.attention.tsv", "\n".join(lines) + "\n")
        summary.append(
            f"{f}\t{name}.attention.tsv\t{len(rep)}\t{logit!r}\t{seqs[order[0]]}\t{float(w[order[0]])!r}"
        )
    write_text(out / "summary.tsv", "\n".join(summary) + "\n")
    print(f"written: {out}/summary.tsv and {len(reps)} *.attention.tsv (sequences ranked by attention)")
    return 0


def _add_files(p: argparse.ArgumentParser) -> None:
    p.add_argument("checkpoint", help="a model checkpoint (train's OUT/checkpoints/fold*/best.pt)")
    p.add_argument("files", nargs="+", help="repertoire files (AIRR TSV, or plain with --format plain)")
    p.add_argument("--format", choices=("airr", "plain"), default="airr", help="repertoire file format")
    p.add_argument("--sequence-column", default=None, help="sequence column (AIRR: junction_aa, cdr3_aa)")
    p.add_argument("--drop-invalid", action="store_true", help="drop rows that are not amino acids")
    p.add_argument("--device", default="cpu", help="torch device (default cpu)")


def _add_predict(verbs: Any) -> None:
    p = verbs.add_parser(
        "predict",
        help="score new repertoire files with a trained model (TSV: logit and probability)",
        description="Reads each file, embeds every sequence and writes one row per file: the logit and "
        "the probability of the positive class.",
    )
    _add_files(p)
    p.add_argument("--out", default=None, help="TSV file to write (default: standard output)")
    p.set_defaults(fn=_predict)


def _add_explain(verbs: Any) -> None:
    p = verbs.add_parser(
        "explain",
        help="write each repertoire's sequences ranked by the model's attention (TSV)",
        description="For each file: OUT/<name>.attention.tsv with every sequence, its attention weight "
        "(summing to 1 over the repertoire) and rank; OUT/summary.tsv with the logits.",
    )
    _add_files(p)
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(fn=_explain)


def add_verbs(verbs: Any) -> None:
    """Add ``train``, ``predict`` and ``explain`` to the ``repertoire`` sub-parsers ``verbs``."""
    _add_train(verbs)
    _add_predict(verbs)
    _add_explain(verbs)
