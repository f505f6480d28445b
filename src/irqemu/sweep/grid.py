"""A sweep's grid: axes (an option and the values it takes) and their points.

An axis's values are a comma list (``mainline,rt``; ``1e5,2e5``) or, for a numeric
option, a range ``LO:HI:N`` of N evenly spaced values from LO to HI inclusive
(integers for an integer option). The points are the axes' product, in the
target's order of axes, so the same grid gives the same table whatever the order
of the options on the command line.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

MAX_POINTS = 100_000  #: a grid larger than this is refused (a typo, not an experiment)


class GridError(ValueError):
    """A grid that cannot run: an unknown option, a bad value or range (one line)."""


@dataclass(frozen=True)
class Axis:
    """One option a target can sweep: its flag, the column (and keyword) it fills, and
    its kind: ``str`` (one of ``choices``), ``int`` or ``float``."""

    flag: str
    column: str
    kind: type
    choices: tuple[str, ...] = ()
    help: str = ""

    def parse(self, spec: str) -> list[Any]:
        """The values ``spec`` names, in order, or a one-line GridError."""
        if not spec:
            raise GridError(f"{self.flag}: no values given")
        if self.kind is str:
            values = spec.split(",")
            bad = [v for v in values if v not in self.choices]
            if bad:
                raise GridError(f"{self.flag} {bad[0]!r}: not one of {', '.join(self.choices)}")
            return _unique(self.flag, values)
        if spec.count(":") == 2:
            return _unique(self.flag, self._range(spec))
        if ":" in spec:
            raise GridError(f"{self.flag} {spec}: a range is LO:HI:N (N values from LO to HI)")
        return _unique(self.flag, [self._number(v) for v in spec.split(",")])

    def _number(self, text: str) -> Any:
        try:
            v = float(text) if self.kind is float else int(text, 0)
        except ValueError:
            what = "a number" if self.kind is float else "an integer"
            raise GridError(f"{self.flag} {text!r}: not {what}") from None
        if self.kind is float and not math.isfinite(v):
            raise GridError(f"{self.flag} {text}: not a finite number")
        return v

    def _range(self, spec: str) -> list[Any]:
        lo_s, hi_s, n_s = spec.split(":")
        lo, hi = self._number(lo_s), self._number(hi_s)
        try:
            n = int(n_s)
        except ValueError:
            raise GridError(f"{self.flag} {spec}: N in LO:HI:N must be an integer") from None
        if not 1 <= n <= MAX_POINTS or (n == 1 and lo != hi):
            raise GridError(f"{self.flag} {spec}: N must be from 2 to {MAX_POINTS:,} "
                            "(1 only when LO = HI)")
        if hi < lo:
            raise GridError(f"{self.flag} {spec}: HI is below LO")
        if n == 1:
            return [lo]
        if self.kind is int:
            return [lo + (hi - lo) * i // (n - 1) for i in range(n)]
        return [lo + (hi - lo) * i / (n - 1) for i in range(n)]


def _unique(flag: str, values: list[Any]) -> list[Any]:
    if len(set(values)) != len(values):
        dup = next(v for v in values if values.count(v) > 1)
        raise GridError(f"{flag}: {dup} is given twice (a range with integer steps "
                        "can repeat a value: fewer points)")
    return values


def points(axes: list[tuple[Axis, list[Any]]]) -> list[dict[str, Any]]:
    """Every combination of the axes' values: one dict (column -> value) per point."""
    total = math.prod(len(v) for _a, v in axes)
    if total > MAX_POINTS:
        raise GridError(f"the grid has {total:,} points: at most {MAX_POINTS:,}")
    cols = [a.column for a, _v in axes]
    return [dict(zip(cols, combo, strict=True))
            for combo in itertools.product(*(v for _a, v in axes))]


__all__ = ["MAX_POINTS", "Axis", "GridError", "points"]
