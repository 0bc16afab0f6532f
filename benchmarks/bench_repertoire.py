"""Benchmark: training the repertoire classifier (issue 14, item 6): throughput and peak RAM.

Run (not in CI; the full run writes about 1.4 GB of prepared data and takes minutes per size):

    python benchmarks/bench_repertoire.py            # 150 and 600 repertoires x 10^5 sequences
    python benchmarks/bench_repertoire.py --small    # smoke run: 20 and 40 repertoires x 5,000 sequences

Options: ``--repertoires 150 600``, ``--sequences 100000``, ``--subsample 10000`` (sequences per repertoire
and epoch, DeepRC's default), ``--epochs 1``, ``--batch-size 4``, ``--threads N`` (torch threads in the
training process; default: torch's), ``--cache DIR`` (default ``$HOPFIELD_BENCH_CACHE`` or
``~/.cache/hopfield/bench-repertoire``).

What it does. For each size, a dataset (i.i.d. background, one motif at witness rate 1%, seed 0) is
simulated with ``simulate_repertoires`` and written with ``write_prepared`` into the cache folder (once;
reused while its parameters match). Then a fresh Python process per size trains
``hopfield.nn.RepertoireClassifier`` with ``hopfield.repertoire.fit`` (``TrainConfig`` defaults:
the 10% most attended, at least 1,000, back-propagated; Adam) on every repertoire but 4 (the validation
set, predicted from all their sequences after every epoch) and reports:

- training throughput: subsampled sequences per second of training (the validation passes, timed
  separately, are subtracted);
- peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``: everything resident, the memory-mapped data
  pages the epoch touched included, which are page cache the kernel can drop), and the peak anonymous
  memory (``RssAnon`` of ``/proc/self/status``, sampled every 20 ms: the process's own allocations), and
  the RSS after the imports.

The claim checked: peak RAM stays under 2 GB and does not grow with the number of repertoires (the
memory-mapped layout reads one batch of repertoires at a time).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "src"))
from _common import section, status_kib

N_VAL = 4
LIMIT_MIB = 2048


class _AnonPeak:
    """Samples ``RssAnon`` in a background thread; ``peak`` in KiB."""

    def __init__(self, every: float = 0.02) -> None:
        self.peak = status_kib("RssAnon", 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.peak = max(self.peak, status_kib("RssAnon", 0))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, status_kib("RssAnon", 0))
        return self.peak


def dataset(cache: Path, n_repertoires: int, n_sequences: int) -> Path:
    """The prepared dataset of this size in ``cache`` (simulated and written once)."""
    from hopfield.repertoire import RepertoireDataset, simulate_repertoires, write_prepared

    folder = cache / f"sim-{n_repertoires}x{n_sequences}"
    config, items = simulate_repertoires(
        n_repertoires=n_repertoires, n_sequences=n_sequences, witness_rate=0.01, motifs=1, seed=0
    )
    want = config.to_dict()
    if (folder / "manifest.json").is_file():
        if RepertoireDataset(folder).attributes.get("simulation") == want:
            return folder
    t0 = time.perf_counter()
    write_prepared(items, folder, overwrite=True, attributes={"simulation": want})
    print(f"# wrote {folder} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return folder


def child(path: str, subsample: int, epochs: int, batch_size: int, threads: int | None) -> None:
    """One training run in this (fresh) process; prints JSON."""
    import numpy as np
    import torch

    if threads:
        torch.set_num_threads(threads)
    import sklearn.metrics  # noqa: F401  (imported by the validation: not part of the timing)

    from hopfield.repertoire import RepertoireDataset, TrainConfig, fit, predict

    torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # the first optimizer imports torch._dynamo
    after_imports = status_kib("VmRSS", 0)
    sampler = _AnonPeak()
    data = RepertoireDataset(path)
    pos, neg = np.flatnonzero(data.labels == 1), np.flatnonzero(data.labels == 0)
    val = np.sort(np.r_[pos[: N_VAL // 2], neg[: N_VAL // 2]])
    train = np.setdiff1d(np.arange(len(data)), val)
    config = TrainConfig(epochs=epochs, batch_size=batch_size, subsample=subsample, patience=epochs, seed=0)
    t0 = time.perf_counter()
    model, history = fit(data, train, val, config)
    seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    predict(model, data, val)
    val_seconds = time.perf_counter() - t1
    seen = sum(h["sequences"] for h in history)
    train_seconds = max(seconds - len(history) * val_seconds, 1e-9)
    print(
        json.dumps(
            {
                "repertoires": len(data),
                "train_repertoires": len(train),
                "sequences": int(data.n_sequences.max()),
                "epochs": len(history),
                "train_sequences": seen,
                "seconds": seconds,
                "train_seconds": train_seconds,
                "sequences_per_second": seen / train_seconds,
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "peak_anon_mib": sampler.stop() / 1024,
                "rss_after_imports_mib": after_imports / 1024,
                "threads": torch.get_num_threads(),
                "kept": max(math.ceil(config.top_fraction * subsample), min(config.min_kept, subsample)),
            }
        )
    )


def _disk_mib(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.iterdir()) / 2**20


def run(args: argparse.Namespace) -> str:
    cache = Path(args.cache).expanduser()
    rows, results = [], []
    for n in args.repertoires:
        folder = dataset(cache, n, args.sequences)
        cmd = [sys.executable, __file__, "--child", str(folder), "--subsample", str(args.subsample)]
        cmd += ["--epochs", str(args.epochs), "--batch-size", str(args.batch_size)]
        cmd += ["--threads", str(args.threads)] if args.threads else []
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"training process failed:\n{out.stderr}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(r)
        rows.append(
            f"| {n} | {args.sequences:,} | {_disk_mib(folder):.0f} | {r['train_repertoires']} x"
            f" {args.subsample:,} | {r['train_seconds']:.1f} | {r['sequences_per_second']:,.0f} |"
            f" {r['peak_rss_mib']:.0f} | {r['peak_anon_mib']:.0f} | {r['rss_after_imports_mib']:.0f} |"
        )
    head = (
        "| repertoires | sequences each | prepared data (MiB) | trained per epoch | training s |"
        " sequences / s | peak RSS (MiB) | peak anonymous (MiB) | RSS after imports (MiB) |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    first, last = results[0], results[-1]
    growth = last["peak_rss_mib"] - first["peak_rss_mib"]
    growth_anon = last["peak_anon_mib"] - first["peak_anon_mib"]
    worst = max(r["peak_rss_mib"] for r in results)
    notes = (
        f"Training: {args.epochs} epoch(s), batch {args.batch_size}, subsample {args.subsample:,} sequences"
        f" per repertoire, of which the {results[0]['kept']:,} most attended are back-propagated,"
        f" float32, {results[0]['threads']} thread(s); a fresh"
        f" process per size. Peak RSS under {LIMIT_MIB} MiB: {'yes' if worst < LIMIT_MIB else 'NO'}"
        f" (largest {worst:.0f} MiB). From {first['repertoires']} to {last['repertoires']} repertoires the"
        f" peak RSS changed by {growth:+.0f} MiB and the peak anonymous memory by {growth_anon:+.0f} MiB."
        " Peak RSS counts the memory-mapped data pages an epoch touched (page cache, dropped by the"
        " kernel under pressure); the anonymous memory is what the process allocated."
    )
    return section(
        "Repertoire classifier training: throughput and peak RAM (issue 14)",
        head + "\n" + "\n".join(rows),
        notes,
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repertoires", type=int, nargs="+", default=None)
    p.add_argument("--sequences", type=int, default=None)
    p.add_argument("--subsample", type=int, default=None)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--threads", type=int, default=None)
    default_cache = os.environ.get("HOPFIELD_BENCH_CACHE", "~/.cache/hopfield/bench-repertoire")
    p.add_argument("--cache", default=default_cache)
    p.add_argument(
        "--small", "--quick", action="store_true", help="smoke run: 20 and 40 repertoires x 5,000 sequences"
    )
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    small = {"repertoires": [20, 40], "sequences": 5_000, "subsample": 1_000}
    full = {"repertoires": [150, 600], "sequences": 100_000, "subsample": 10_000}
    for key, value in (small if args.small else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.child:
        child(args.child, args.subsample, args.epochs, args.batch_size, args.threads)
        return
    print(run(args))


if __name__ == "__main__":
    main()
