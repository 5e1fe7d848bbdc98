"""Sizes as people read them: one formatter for the data loaders' limits and the networks' parameter memory."""

from __future__ import annotations


def bytes_text(n: int) -> str:
    """A size in bytes, KB, MB, GB or TB (powers of 1000).

    >>> bytes_text(268), bytes_text(1_234_567), bytes_text(3 * 10**12)
    ('268 bytes', '1.2 MB', '3.0 TB')
    """
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000:
            return f"{n} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"
