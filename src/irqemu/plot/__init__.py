"""Figures of irqemu's runs (``--plot FILE.png|.svg``), drawn with matplotlib's Agg
renderer from a command's ``--json`` facts, one figure per question.

The path is checked before any run (:func:`plot_file`, an argparse type); matplotlib
is imported only when a figure is drawn. Files are deterministic: the same facts give
the same bytes (no dates, a fixed SVG hash salt; :mod:`irqemu.plot.figure`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

#: the file endings --plot takes, each matplotlib's format of that name
FORMATS = ("png", "svg")


def plot_format(path: str | Path) -> str:
    """The format of ``path`` from its ending, or a one-line ValueError."""
    ext = Path(path).suffix.lower().lstrip(".")
    if ext not in FORMATS:
        raise ValueError(f"--plot {path}: cannot draw a .{ext or '(no ending)'} file; "
                         f"end the name in {' or '.join('.' + f for f in FORMATS)}")
    return ext


def plot_file(text: str) -> Path:
    """An argparse type for ``--plot``: a .png or .svg file whose directory is writable,
    checked before any work."""
    from irqemu.cliargs import writable_file

    try:
        plot_format(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix(f"--plot {text}: ")) from None
    return writable_file(text)


__all__ = ["FORMATS", "plot_file", "plot_format"]
