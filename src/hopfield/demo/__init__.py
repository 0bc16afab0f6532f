"""``hopfield demo``: store built-in digit images, corrupt them, retrieve them with every network family.

The images are scikit-learn's bundled 8x8 digits (no download). Each family in :data:`FAMILIES` is
scored the same way: a retrieval is correct when the retrieved state is closer (Euclidean) to the right
stored pattern than to any other, and its error is the RMS difference to that pattern.
"""

from __future__ import annotations

import importlib
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from hopfield import data
from hopfield._io import save_figure, write_json, write_text
from hopfield._table import format_table, markdown_table
from hopfield.demo._families import FAMILIES, DemoOutcome, family

__all__ = ["CORRUPTIONS", "FAMILIES", "DemoOutcome", "DemoRow", "family", "run_demo"]

#: Modules of this package that register demo families (each registers on import).
MODULES = ["modern", "continuous", "dense", "classical"]

#: Corruption label -> function(patterns, seed) -> corrupted queries.
CORRUPTIONS: dict[str, Callable[[Tensor, int], Tensor]] = {
    "mask 25%": lambda x, s: data.mask(x, 0.25, seed=s),
    "mask 50%": lambda x, s: data.mask(x, 0.50, seed=s),
    "mask 75%": lambda x, s: data.mask(x, 0.75, seed=s),
    "noise 0.5": lambda x, s: data.gaussian_noise(x, 0.5, seed=s),
    "noise 1.0": lambda x, s: data.gaussian_noise(x, 1.0, seed=s),
}

HEADERS = ("network", "setting", "corruption", "accuracy", "rms error")


@dataclass(frozen=True)
class DemoRow:
    """One line of the demo table."""

    network: str
    setting: str
    corruption: str
    accuracy: float
    error: float


def load_families() -> None:
    """Import every module in :data:`MODULES` so that its families register."""
    for m in MODULES:
        importlib.import_module(f"hopfield.demo.{m}")


def score(outcome: DemoOutcome) -> tuple[float, float, Tensor]:
    """Accuracy, RMS error and per-query correctness of one outcome (query i targets stored row i)."""
    stored = outcome.stored.to(torch.float64)
    got = outcome.retrieved.to(torch.float64)
    nearest = torch.cdist(got, stored).argmin(dim=-1)
    correct = nearest == torch.arange(len(stored))
    err = (got - stored).pow(2).mean(dim=-1).sqrt()
    return float(correct.double().mean()), float(err.mean()), correct


def _slug(label: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in label).strip("-")


def _grid(images: list[tuple[str, Tensor]], n_examples: int, side: int) -> Any:
    from hopfield.plotting import subplots

    fig, axes = subplots(
        n_examples, len(images), figsize=(1.5 * len(images), 1.3 * n_examples + 0.6), squeeze=False
    )
    for col, (title, batch) in enumerate(images):
        for row in range(n_examples):
            ax = axes[row, col]
            ax.imshow(batch[row].reshape(side, side).numpy(), cmap="gray_r", vmin=-1, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                wrapped = "\n".join(textwrap.fill(part, 18) for part in title.split("\n"))
                ax.set_title(wrapped, fontsize=7)
    return fig


def run_demo(
    out: str | Path = "hopfield-demo",
    *,
    n_per_class: int = 4,
    seed: int = 0,
    families: list[str] | None = None,
    progress: bool = True,
    n_examples: int = 6,
) -> list[DemoRow]:
    """Run the demo, print its table, write ``results.json``, ``results.md`` and PNG grids to ``out``."""
    from tqdm.auto import tqdm

    load_families()
    names = families or FAMILIES.names()
    fns = {n: FAMILIES.get(n) for n in names}
    patterns, _ = data.load_demo_digits(n_per_class, seed=seed)
    side = round(patterns.shape[1] ** 0.5)
    rows: list[DemoRow] = []
    jobs = [(c, n) for c in CORRUPTIONS for n in names]
    shown = torch.arange(0, len(patterns), max(1, len(patterns) // n_examples))[:n_examples]
    panels: dict[str, list[tuple[str, Tensor]]] = {}
    for corruption, name in tqdm(jobs, desc="demo", disable=not progress):
        queries = CORRUPTIONS[corruption](patterns, seed)
        panel = panels.setdefault(corruption, [("original", patterns[shown]), (corruption, queries[shown])])
        best: tuple[float, str, Tensor] | None = None
        for outcome in fns[name](patterns, queries, seed):
            acc, err, _ = score(outcome)
            rows.append(DemoRow(name, outcome.setting, corruption, acc, err))
            if best is None or acc > best[0]:
                best = (acc, f"{name}\n{outcome.setting}", outcome.retrieved[shown])
        if best is not None:
            panel.append((best[1], best[2].to(torch.float64)))
    table_rows = [(r.network, r.setting, r.corruption, r.accuracy, r.error) for r in rows]
    print(f"{len(patterns)} stored 8x8 digit images (scikit-learn), one corrupted query each\n")
    print(format_table(HEADERS, table_rows))
    out = Path(out)
    write_json(
        out / "results.json", {"n_patterns": len(patterns), "seed": seed, "rows": [r.__dict__ for r in rows]}
    )
    write_text(out / "results.md", markdown_table(HEADERS, table_rows) + "\n")
    for corruption, panel in panels.items():
        save_figure(out / f"demo-{_slug(corruption)}.png", _grid(panel, len(shown), side))
    print(f"\nwrote {out}/results.json, results.md and {len(panels)} PNG grids")
    return rows
