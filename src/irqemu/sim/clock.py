"""A clock converts between a core's cycle count and simulated picoseconds.

Time is an integer number of picoseconds from machine start: no rounding
drift, no floating point, nothing from the host. A cycle count maps to the
time at which that cycle ends, rounded down; a time maps to the first cycle
count that reaches it, rounded up.
"""

from __future__ import annotations

from dataclasses import dataclass

PS_PER_S = 10**12


@dataclass(frozen=True)
class Clock:
    """A fixed-frequency clock, ``hz`` cycles per simulated second."""

    hz: int

    def __post_init__(self) -> None:
        if self.hz <= 0:
            raise ValueError(f"clock frequency must be positive, got {self.hz}")

    def to_ps(self, cycles: int) -> int:
        """Simulated time at which ``cycles`` cycles have elapsed."""
        return cycles * PS_PER_S // self.hz

    def to_cycles(self, ps: int) -> int:
        """The least cycle count whose time is at or after ``ps``."""
        return -((-ps * self.hz) // PS_PER_S)

    @property
    def period_ps(self) -> float:
        return PS_PER_S / self.hz
