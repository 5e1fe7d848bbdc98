"""The small HTML pieces of the inspection report: escaped text, tables, embedded pictures, sections."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from .._html import esc  # the package's one escaper (quotes too, so a value may sit in an attribute)

__all__ = ["esc", "img", "section", "table"]


def table(header: list[str], rows: list[list[Any]], cls: str = "") -> str:
    """An HTML table: one header row and a row per list of cells (each escaped)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def img(path: Path, caption: str) -> str:
    """A figure with the PNG at ``path`` embedded as a base64 data URI (the page stands alone) and its caption."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{esc(path.stem)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def section(anchor: str, heading: str, parts: list[str], level: int = 2) -> list[str]:
    """``parts`` inside ``<section id="anchor">`` under a heading (a link target: ``report.html#anchor``)."""
    return [f'<section id="{esc(anchor)}"><h{level}>{esc(heading)}</h{level}>', *parts, "</section>"]
