"""The figure every picture starts from, and its saving: shared by :mod:`neuronkit.inspect.plots` and
:mod:`neuronkit.spiking.plots` (matplotlib's object API, no pyplot, so it runs headless)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from .errors import MissingDependencyError, ParameterTypeError
from .io import atomic_write_bytes
from .validation import must_be


def new_figure(width: float, height: float) -> Any:
    """A constrained-layout matplotlib Figure of at least 2 x 1.5 inches, or a message naming the extra to install."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependencyError('plotting needs matplotlib; install it with: pip install "neuronkit[plot]"') \
            from None
    return Figure(figsize=(max(width, 2.0), max(height, 1.5)), dpi=100, layout="constrained")


def figure_and_axes(ax: Any, width: float, height: float, owner: str) -> tuple[Any, Any]:
    """(figure, axes) to draw one panel on: a new ``width`` x ``height`` figure when ``ax`` is None, else the
    caller's matplotlib Axes and its figure (anything else is refused, naming ``owner``'s ``ax`` parameter)."""
    if ax is None:
        fig = new_figure(width, height)
        return fig, fig.subplots()
    if not hasattr(ax, "figure") or not hasattr(ax, "scatter"):
        raise ParameterTypeError(must_be("ax", "a matplotlib Axes or None", ax, owner))
    return ax.figure, ax


def finish_figure(fig: Any, path: str | Path | None) -> Any:
    """Write ``fig`` as a PNG to ``path`` (its folder made as needed; atomically: a reader never sees half a
    picture) when a path is given; return the figure."""
    if path is not None:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        atomic_write_bytes(Path(path), buffer.getvalue())
    return fig
