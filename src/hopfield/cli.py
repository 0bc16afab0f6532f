"""The ``hopfield`` command: ``demo`` (the main job), ``reproduce`` (the seeds' experiments) and ``memory``
(a persistent memory store)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    from hopfield.demo import run_demo

    run_demo(
        args.out, n_per_class=args.per_class, seed=args.seed, families=args.family, progress=not args.quiet
    )
    return 0


def _reproduce(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from hopfield import experiments
    from hopfield._table import format_table

    reg = experiments.registry()
    if args.list or not args.name:
        rows = [(n, reg.get(n).seed_ref, reg.get(n).description) for n in reg.names()]
        print(format_table(("name", "seed", "description"), rows))
        return 0
    for name in args.name:
        reg.get(name)  # fail early, listing the valid names
    for name in args.name:
        ctx = experiments.Context(
            quick=args.quick,
            seed=args.seed,
            data_dir=args.data_dir,
            progress=(lambda it, **kw: it) if args.quiet else (lambda it, **kw: tqdm(it, **kw)),
        )
        report, folder = experiments.run(name, args.out, ctx)
        print(report.summary)
        print(f"\nwrote {folder}/results.json, summary.md and {len(report.figures)} PNG figure(s)\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    p = argparse.ArgumentParser(prog="hopfield", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="store digit images, corrupt them, retrieve them with every network")
    d.add_argument("--out", default="hopfield-demo", help="output folder (default ./hopfield-demo/)")
    d.add_argument("--per-class", type=int, default=4, help="stored images per digit class (default 4)")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--family", action="append", help="only this network family (repeatable)")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    d.set_defaults(fn=_demo)

    r = sub.add_parser("reproduce", help="run a named experiment of the seeds")
    r.add_argument("name", nargs="*", help="experiment name(s); see --list")
    r.add_argument("--list", action="store_true", help="list the experiments")
    r.add_argument("--quick", action="store_true", help="a reduced run (seconds)")
    r.add_argument("--out", default="hopfield-results", help="output folder (default ./hopfield-results/)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument(
        "--data-dir", default=None, help="folder with mnist/ and digit-patterns/ (default $HOPFIELD_DATA_DIR)"
    )
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(fn=_reproduce)

    from hopfield.memory._cli import add_parser as add_memory_parser

    add_memory_parser(sub)  # hopfield memory create|add|query|info
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hopfield`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except (ValueError, TypeError) as exc:
        print(f"hopfield: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
