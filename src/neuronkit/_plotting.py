"""The figure every picture starts from, and its saving: shared by :mod:`neuronkit.inspect.plots` and
:mod:`neuronkit.spiking.plots` (matplotlib's object API, no pyplot, so it runs headless)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import MissingDependencyError


def new_figure(width: float, height: float) -> Any:
    """A constrained-layout matplotlib Figure of at least 2 x 1.5 inches, or a message naming the extra to install."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependencyError('plotting needs matplotlib; install it with: pip install "neuronkit[plot]"') \
            from None
    return Figure(figsize=(max(width, 2.0), max(height, 1.5)), dpi=100, layout="constrained")


def finish_figure(fig: Any, path: str | Path | None) -> Any:
    """Write ``fig`` as a PNG to ``path`` (its folder made as needed) when a path is given; return the figure."""
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png")
    return fig
