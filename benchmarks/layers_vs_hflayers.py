"""The three layer examples side by side: ``hopfield.nn`` and hflayers on the same data, seeds and budget.

Runs the registered experiments' compute functions (``hopfield.experiments.layers``) once with our
layer classes and once with hflayers' (imported from ``../shared/anchors`` when present; the library
itself never imports it), and prints one table of test accuracy and seconds. Baseline models
(attention-MIL, LSTM) do not depend on the layer package and run once, with ours.

Run: ``python benchmarks/layers_vs_hflayers.py [--quick] [--seed 0] [--json out.json]`` (with
``HOPFIELD_DATA_DIR`` pointing at the folder holding ``mnist/``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import machine
from hopfield._table import markdown_table
from hopfield.experiments import Context
from hopfield.experiments import layers as E

ANCHORS = Path(__file__).resolve().parents[1].parent / "shared" / "anchors"
EXAMPLES = {
    "layers-mil-bits": E.compute_bits,
    "layers-mil-mnist": E.compute_mnist,
    "layers-latch": E.compute_latch,
}


def hflayers_classes(anchors: Path = ANCHORS) -> E.Layers | None:
    """hflayers' Hopfield, HopfieldPooling and HopfieldLayer, or None when the anchors are absent."""
    if not (anchors / "hflayers").is_dir():
        return None
    sys.path.insert(0, str(anchors))
    import hflayers

    return E.Layers("hflayers", hflayers.Hopfield, hflayers.HopfieldPooling, hflayers.HopfieldLayer)


def run(quick: bool, seed: int, data_dir: str | None) -> dict[str, Any]:
    """Every example with our classes and, when available, with hflayers'; returns the results."""
    ctx = Context(quick=quick, seed=seed, data_dir=data_dir)
    theirs = hflayers_classes()
    out: dict[str, Any] = {"machine": machine(), "quick": quick, "seed": seed, "examples": {}}
    for name, compute in EXAMPLES.items():
        entry = {"hopfield.nn": compute(ctx, E.OURS)}
        if theirs is not None:
            entry["hflayers"] = compute(ctx, theirs, baselines=False)
        out["examples"][name] = entry
    return out


def table(results: dict[str, Any]) -> str:
    """One markdown row per example and model: accuracy and seconds for both packages."""
    rows = []
    for name, entry in results["examples"].items():
        for model, r in entry["hopfield.nn"]["models"].items():
            other = entry.get("hflayers", {}).get("models", {}).get(model)
            theirs = [f"{other['accuracy']:.3f}", f"{other['seconds']:.2f}"] if other else ["-", "-"]
            rows.append([name, model, f"{r['accuracy']:.3f}", f"{r['seconds']:.2f}", *theirs])
    headers = [
        "example",
        "model",
        "accuracy (ours)",
        "seconds (ours)",
        "accuracy (hflayers)",
        "seconds (hflayers)",
    ]
    return markdown_table(headers, rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="the reduced runs of the tests")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="also write the results here")
    args = p.parse_args()
    results = run(args.quick, args.seed, os.environ.get("HOPFIELD_DATA_DIR"))
    print(f"- machine: {results['machine']}\n")
    print(table(results))
    if hflayers_classes() is None:
        print("\n(hflayers not found under ../shared/anchors: its columns are empty)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
