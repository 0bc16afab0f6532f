"""``hopfield repertoire VERB``: the command-line verbs of the repertoire package.

:func:`add_parser` adds the ``repertoire`` command with one sub-command per verb (``simulate``,
``prepare``; the model's ``train``, ``predict``, ``explain`` are in ``_cli_model.py``); each verb is a pair
``_add_<verb>(verbs)`` / ``_<verb>(args) -> exit code``. Library imports happen inside
the handlers, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["add_parser"]


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.1f} MiB"


def _fail_missing(exc: ImportError) -> int:
    print(f"hopfield: error: {exc}", file=sys.stderr)
    return 2


# ------------------------------------------------------------------------------------------ simulate
def _simulate(args: argparse.Namespace) -> int:
    from hopfield._table import format_table
    from hopfield.repertoire import MissingDependencyError, simulate

    motifs: Any = args.motif if args.motif else args.motifs
    start = time.perf_counter()
    try:
        sim = simulate(
            args.out,
            n_repertoires=args.repertoires,
            n_sequences=args.sequences,
            witness_rate=args.witness_rate,
            motifs=motifs,
            substitution=args.substitution,
            deletion=args.deletion,
            prevalence=args.prevalence,
            background=args.background,
            length_mean=args.length_mean,
            length_std=args.length_std,
            margin=args.margin,
            seed=args.seed,
            overwrite=args.overwrite,
            progress=not args.quiet,
        )
    except MissingDependencyError as exc:
        return _fail_missing(exc)
    seconds = time.perf_counter() - start
    c = sim.config
    rows = [
        ("repertoires", f"{c.n_repertoires} ({int(c.labels.sum())} positive)"),
        ("sequences per repertoire", c.n_sequences),
        ("witness rate", f"{c.witness_rate:g} ({c.n_implants} implants per positive repertoire)"),
        ("motifs", ", ".join(f"{m.sequence} (sub {m.substitution:g}, del {m.deletion:g})" for m in c.motifs)),
        ("background", c.background),
        ("seed", c.seed),
        ("time", f"{seconds:.1f} s"),
        ("written", f"{sim.path} ({_mb(_dir_size(sim.path))})"),
    ]
    print(format_table(("simulation", "value"), rows))
    print(f"\nnext: hopfield repertoire prepare {sim.metadata} --out PREPARED")
    return 0


def _add_simulate(verbs: Any) -> None:
    p = verbs.add_parser(
        "simulate",
        help="write a simulated AIRR dataset with implanted motifs (known ground truth)",
        description="Background sequences (i.i.d. amino acids with lengths ~ N(14.5, 1.1^2), or OLGA's "
        "human TRB model) with 4-mer motifs implanted into a fraction (the witness rate) of the sequences of "
        "positive repertoires. Writes metadata.tsv, repertoires/*.tsv (AIRR) and simulation.json.",
    )
    p.add_argument("out", help="output folder (new, or an earlier simulation with --overwrite)")
    p.add_argument("--repertoires", type=int, default=200, help="number of repertoires (default 200)")
    p.add_argument("--sequences", type=int, default=10_000, help="sequences per repertoire (default 10000)")
    p.add_argument("--witness-rate", type=float, default=0.01, help="implanted fraction (default 0.01)")
    p.add_argument("--motif", action="append", help="a motif such as LYAG (repeatable; default: random)")
    p.add_argument(
        "--motifs", type=int, default=1, help="number of random motifs without --motif (default 1)"
    )
    p.add_argument("--substitution", type=float, default=0.0, help="per-position substitution probability")
    p.add_argument("--deletion", type=float, default=0.0, help="per-position deletion probability")
    p.add_argument("--prevalence", type=float, default=0.5, help="fraction of positive repertoires (0.5)")
    p.add_argument("--background", choices=("iid", "olga"), default="iid", help="background sequences")
    p.add_argument("--length-mean", type=float, default=14.5, help="iid: mean sequence length (14.5)")
    p.add_argument("--length-std", type=float, default=1.1, help="iid: standard deviation of lengths (1.1)")
    p.add_argument("--margin", type=int, default=None, help="residues kept free at both ends (iid 0, olga 3)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: random, and printed)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier simulation at OUT")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(fn=_simulate)


# ------------------------------------------------------------------------------------------- prepare
def _prepare(args: argparse.Namespace) -> int:
    from hopfield._table import format_table
    from hopfield.repertoire import MissingDependencyError, prepare, read_manifest

    attributes: dict[str, Any] = {}
    truth = Path(args.metadata).parent / "simulation.json"
    if truth.is_file():  # a simulated dataset: keep its ground truth (motifs) with the prepared data
        attributes["simulation"] = json.loads(truth.read_text(encoding="utf-8"))
    start = time.perf_counter()
    try:
        out = prepare(
            args.metadata,
            args.out,
            label_column=args.label_column,
            id_column=args.id_column,
            positive=args.positive,
            repertoires_dir=args.repertoires_dir,
            format=args.format,
            sequence_column=args.sequence_column,
            count_column=args.count_column,
            on_invalid="drop" if args.drop_invalid else "raise",
            overwrite=args.overwrite,
            attributes=attributes,
            progress=not args.quiet,
        )
    except MissingDependencyError as exc:
        return _fail_missing(exc)
    seconds = time.perf_counter() - start
    m = read_manifest(out)
    optional = [k for k in ("counts", "v_call", "j_call", "implanted") if k in m["arrays"]]
    rows = [
        (
            "repertoires",
            f"{m['n_repertoires']} ({m['n_positive']} positive: {m['label_column']} = "
            f"{m['label_values'][1]})",
        ),
        ("sequences", m["n_sequences"]),
        ("residues", m["n_residues"]),
        ("invalid rows dropped", m["n_dropped"]),
        ("optional columns", ", ".join(optional) or "none"),
        ("time", f"{seconds:.1f} s"),
        ("written", f"{out} ({_mb(_dir_size(out))})"),
    ]
    print(format_table(("prepared dataset", "value"), rows))
    return 0


def _add_prepare(verbs: Any) -> None:
    p = verbs.add_parser(
        "prepare",
        help="convert a dataset (metadata + AIRR/TSV files) into the compact memory-mapped form",
        description="Reads the metadata table (a file or id column and a label column) and every repertoire "
        "file, and writes uint8 amino-acid codes, int64 offsets, labels and a manifest with checksums "
        "into OUT, one repertoire at a time (bounded memory), atomically.",
    )
    p.add_argument("metadata", help="metadata CSV/TSV: one row per repertoire")
    p.add_argument("--out", required=True, help="output folder for the prepared dataset")
    p.add_argument("--label-column", default="label", help="column of binary labels (default 'label')")
    p.add_argument("--positive", default=None, help="label value of the positive class (default: recognized)")
    p.add_argument("--id-column", default=None, help="column naming each repertoire's file (default: found)")
    p.add_argument(
        "--repertoires-dir", default=None, help="folder of the repertoire files (default: metadata's)"
    )
    p.add_argument("--format", choices=("airr", "plain"), default="airr", help="repertoire file format")
    p.add_argument("--sequence-column", default=None, help="sequence column (AIRR: junction_aa, cdr3_aa)")
    p.add_argument("--count-column", default=None, help="plain files: a column of copy counts")
    p.add_argument(
        "--drop-invalid", action="store_true", help="drop (and count) rows that are not amino acids"
    )
    p.add_argument("--overwrite", action="store_true", help="replace a prepared dataset at --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(fn=_prepare)


# ---------------------------------------------------------------------------------------- the command
def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``repertoire`` and its verbs to the ``hopfield`` sub-parsers ``commands``; returns its parser."""
    r: argparse.ArgumentParser = commands.add_parser(
        "repertoire",
        help="immune repertoires (DeepRC): simulate, prepare, train, predict, explain",
        description="Immune-repertoire classification: simulate datasets with known ground truth, prepare "
        "datasets, cross-validate the DeepRC model with baselines, score and explain new repertoires "
        "(docs/repertoire.md).",
    )
    verbs = r.add_subparsers(dest="verb", required=True, metavar="VERB")
    _add_simulate(verbs)
    _add_prepare(verbs)
    from hopfield.repertoire._cli_model import add_verbs

    add_verbs(verbs)  # train, predict, explain
    return r
