"""Figures without global state: ``matplotlib.figure.Figure`` objects, never ``pyplot``.

matplotlib is imported only when a figure is made. Nothing here selects a backend, so running an
experiment from a notebook leaves the notebook's backend alone; figures are written with
:func:`hopfield._io.save_figure` (PNG, atomically).
"""

from __future__ import annotations

from typing import Any

__all__ = ["figure", "subplots"]


def figure(figsize: tuple[float, float] = (6.4, 4.8)) -> Any:
    """A new ``matplotlib.figure.Figure`` (no pyplot, no backend change)."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize)


def subplots(
    nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (6.4, 4.8), **kwargs: Any
) -> tuple[Any, Any]:
    """``(fig, axes)`` like ``pyplot.subplots``, on a plain ``Figure`` (``squeeze`` as in pyplot)."""
    fig = figure(figsize)
    axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes
