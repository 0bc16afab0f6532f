"""The ``hopfield`` command: ``demo`` (the main job) and ``reproduce`` (the seeds' experiments).

Errors: bad input (the library's :class:`~hopfield.HopfieldInputError`) prints one line and exits with
status 2; anything else is a bug and surfaces with its traceback. ``--debug`` shows the traceback of input
errors too. Options are checked before any work starts (an unusable ``--out`` fails at once).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from hopfield._errors import HopfieldInputError

__all__ = ["build_parser", "main"]

#: Seeds the command line accepts (NumPy's and torch's generators both take them).
SEED_MAX = 2**32 - 1


def ranged_int(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type`` accepting integers in ``[low, high]`` with a message naming the range."""
    expected = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {expected}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {expected}, got {value}")
        return value

    return parse


def writable_folder(text: str) -> Path:
    """An argparse ``type`` for output folders: checked writable now, before any work.

    The check creates the missing folders, writes a probe file and removes both again, so a later bad
    option leaves nothing behind; the writer creates the folder when it writes.
    """
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"must be a folder (existing or new), got the file {text!r}")
    missing = []
    ancestor = path.absolute()
    while not ancestor.exists():
        missing.append(ancestor)
        ancestor = ancestor.parent
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".hopfield-probe-", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise argparse.ArgumentTypeError(
            f"must be a writable folder, got {text!r} ({exc.strerror or exc})"
        ) from None
    finally:
        for folder in missing:  # innermost first
            with contextlib.suppress(OSError):
                folder.rmdir()
    return path


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
    from hopfield.data import DEMO_DIGITS_PER_CLASS

    p = argparse.ArgumentParser(prog="hopfield", description=__doc__)
    p.add_argument("--debug", action="store_true", help="show the traceback of input errors too")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="store digit images, corrupt them, retrieve them with every network")
    d.add_argument(
        "--out",
        type=writable_folder,
        default="hopfield-demo",
        help="output folder (default ./hopfield-demo/)",
    )
    d.add_argument(
        "--per-class",
        type=ranged_int(1, DEMO_DIGITS_PER_CLASS),
        default=4,
        help=f"stored images per digit class, 1 to {DEMO_DIGITS_PER_CLASS} (default 4)",
    )
    d.add_argument("--seed", type=ranged_int(0, SEED_MAX), default=0, help="random seed (default 0)")
    d.add_argument("--family", action="append", help="only this network family (repeatable)")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    d.set_defaults(fn=_demo)

    r = sub.add_parser("reproduce", help="run a named experiment of the seeds")
    r.add_argument("name", nargs="*", help="experiment name(s); see --list")
    r.add_argument("--list", action="store_true", help="list the experiments")
    r.add_argument("--quick", action="store_true", help="a reduced run (seconds)")
    r.add_argument(
        "--out",
        type=writable_folder,
        default="hopfield-results",
        help="output folder (default ./hopfield-results/)",
    )
    r.add_argument("--seed", type=ranged_int(0, SEED_MAX), default=0, help="random seed (default 0)")
    r.add_argument(
        "--data-dir", default=None, help="folder with mnist/ and digit-patterns/ (default $HOPFIELD_DATA_DIR)"
    )
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(fn=_reproduce)

    from hopfield.repertoire._cli import add_parser as add_repertoire_parser

    add_repertoire_parser(sub)  # hopfield repertoire simulate|prepare|train|predict|explain

    from hopfield.memory._cli import add_parser as add_memory_parser

    add_memory_parser(sub)  # hopfield memory create|add|query|info
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hopfield`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.fn(args)
    except HopfieldInputError as exc:
        if args.debug:
            raise
        print(f"hopfield: error: {exc}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
