"""Named experiments that reproduce the seeds' results: ``hopfield reproduce NAME``.

Each experiment lives in a module of this package and registers itself with :func:`register` as three
functions: ``compute(ctx) -> data`` (a JSON-able dict: the numbers), ``plot(data) -> {stem: Figure}``
(``matplotlib.figure.Figure`` objects made with :mod:`hopfield.plotting`, no global backend change) and
``summarize(data) -> str`` (markdown that sets our numbers beside the seed's). :func:`run` calls them and
writes ``results.json``, ``summary.md`` and the PNG figures into ``out/NAME/`` atomically. Long
experiments checkpoint into ``ctx.work_dir`` and resume from it. Modules are imported on first use, so
importing :mod:`hopfield` stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hopfield._io import save_figure, write_json, write_text
from hopfield._registry import Registry

__all__ = ["Context", "Experiment", "Report", "register", "registry", "run"]

#: Modules of this package that define experiments (each registers on import).
MODULES = [
    "modern",
    "continuous",
    "continuous_training",
    "theory",
    "theory_capacity",
    "statmech",
    "classical",
    "classical_temperature",
    "dense",
    "dense_capacity",
    "layers",
    "memory",
    "repertoire",
    "seed003_classify",
    "seed003_denoise",
    "seed003_vhnn",
]


@dataclass
class Context:
    """What an experiment run gets: ``quick`` (a reduced run for CI and smoke tests), ``seed``,
    ``data_dir`` (for MNIST / digit patterns, or None for ``$HOPFIELD_DATA_DIR``), ``progress``
    (wraps an iterable to show progress, e.g. tqdm; identity when quiet) and ``work_dir`` (the run's
    output folder, where long runs keep checkpoints to resume from; None: no checkpoints)."""

    quick: bool = False
    seed: int = 0
    data_dir: str | None = None
    progress: Callable[..., Any] = field(default=lambda it, **kw: it)
    work_dir: Path | None = None


@dataclass
class Report:
    """What :func:`run` returns: the JSON-able ``results`` (the ``data`` of ``compute``), the markdown
    ``summary`` that sets our numbers beside the seed's, and the ``matplotlib.figure.Figure`` objects
    by file stem."""

    results: dict[str, Any]
    summary: str
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Experiment:
    """A registered experiment: ``name``, one-line ``description``, ``seed_ref`` and its three pieces,
    ``compute(ctx) -> data``, ``plot(data) -> {stem: Figure}`` and ``summarize(data) -> markdown``."""

    name: str
    description: str
    seed_ref: str
    compute: Callable[[Context], dict[str, Any]]
    plot: Callable[[dict[str, Any]], dict[str, Any]]
    summarize: Callable[[dict[str, Any]], str]

    def report(self, ctx: Context) -> Report:
        """Compute, summarize and plot: the :class:`Report` of one run."""
        data = self.compute(ctx)
        return Report(data, self.summarize(data), self.plot(data))


_REGISTRY: Registry[Experiment] = Registry("experiment", "name")
_loaded = False


def register(
    name: str,
    description: str,
    seed_ref: str,
    *,
    compute: Callable[[Context], dict[str, Any]],
    plot: Callable[[dict[str, Any]], dict[str, Any]],
    summarize: Callable[[dict[str, Any]], str],
) -> None:
    """Register an experiment as ``compute`` (numbers), ``plot`` (figures) and ``summarize`` (markdown).

    Each piece can be called on its own: ``data = compute(ctx)`` in a notebook, then ``plot(data)``.
    """
    _REGISTRY.register(name)(Experiment(name, description, seed_ref, compute, plot, summarize))


def registry() -> Registry[Experiment]:
    """The experiment registry, with every module in :data:`MODULES` imported."""
    global _loaded
    if not _loaded:
        for m in MODULES:
            importlib.import_module(f"hopfield.experiments.{m}")
        _loaded = True
    return _REGISTRY


def run(name: str, out: str | Path, ctx: Context | None = None) -> tuple[Report, Path]:
    """Run experiment ``name`` and write its report into ``out/name/``; returns the report and folder."""
    exp = registry().get(name)
    folder = Path(out) / name
    ctx = ctx or Context()
    if ctx.work_dir is None:
        ctx = replace(ctx, work_dir=folder)
    report = exp.report(ctx)
    results = {"experiment": name, "seed_ref": exp.seed_ref, "quick": ctx.quick, "seed": ctx.seed}
    results.update(report.results)
    write_json(folder / "results.json", results)
    write_text(folder / "summary.md", f"# {name}\n\n{exp.description} ({exp.seed_ref})\n\n{report.summary}\n")
    for stem, fig in report.figures.items():
        save_figure(folder / f"{stem}.png", fig)
    return report, folder
