"""Latency samples of one CPU (or thread): count, min, avg, max and a histogram.

Samples are picoseconds of simulated time. What rtla and cyclictest print is
derived the way they derive it: nanoseconds (or microseconds, ``ns // 1000``,
truncated), the average as the integer sum / count, bucket = value // bucket
size, values past the last bucket counted as overflows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PS_PER_NS = 1000


@dataclass
class Latencies:
    """One series of latency samples (picoseconds) on a core of ``cpu_hz``."""

    cpu_hz: int
    samples: list[int] = field(default_factory=list)

    def add(self, ps: int) -> None:
        self.samples.append(ps)

    @property
    def count(self) -> int:
        return len(self.samples)

    def values(self, unit: str) -> list[int]:
        """The samples in ``ns`` or ``us`` (truncated, as rtla divides) or ``cycles``."""
        if unit == "ns":
            return [s // PS_PER_NS for s in self.samples]
        if unit == "us":
            return [s // PS_PER_NS // 1000 for s in self.samples]
        if unit == "cycles":
            return [s * self.cpu_hz // 10**12 for s in self.samples]
        raise ValueError(f"unit {unit!r}: one of ns, us, cycles")

    def summary(self, unit: str) -> dict[str, int] | None:
        """count, min, avg (sum // count), max in ``unit``; None with no sample."""
        v = self.values(unit)
        if not v:
            return None
        return {"count": len(v), "min": min(v), "avg": sum(v) // len(v), "max": max(v),
                "last": v[-1]}

    def histogram(self, unit: str, bucket: int, entries: int) -> tuple[list[int], int]:
        """(counts of ``entries`` buckets of ``bucket`` units, overflows)."""
        counts = [0] * entries
        over = 0
        for x in self.values(unit):
            i = x // bucket
            if i < entries:
                counts[i] += 1
            else:
                over += 1
        return counts, over

    def facts(self, bucket_ns: int, entries: int) -> dict[str, Any]:
        """The ``--json`` entry: min/avg/max in ns, in modelled cycles, and the histogram
        in ``bucket_ns`` buckets (non-empty buckets as [first ns, count])."""
        ns = self.summary("ns")
        cyc = self.summary("cycles")
        counts, over = self.histogram("ns", bucket_ns, entries)
        out: dict[str, Any] = {"count": self.count}
        for key in ("min", "avg", "max"):
            out[f"{key}_ns"] = None if ns is None else ns[key]
            out[f"{key}_cycles"] = None if cyc is None else cyc[key]
        out["hist"] = [[i * bucket_ns, n] for i, n in enumerate(counts) if n]
        out["hist_over"] = over
        return out


__all__ = ["PS_PER_NS", "Latencies"]
