"""A clock converts between a core's cycle count and simulated picoseconds.

Time is an integer number of picoseconds from machine start: no rounding
drift, no floating point, nothing from the host. A cycle count maps to the
time at which that cycle ends, rounded down; a time maps to the first cycle
count that reaches it, rounded up.
"""

from __future__ import annotations

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

PS_PER_S = 10**12


class Clock:
    """A fixed-frequency clock, ``hz`` cycles per simulated second (immutable).

    Written out as ``@dataclass(frozen=True)`` would make it: the dataclasses module
    (inspect, ast, dis) is a noticeable part of a boot's start-up."""

    __match_args__ = ("hz",)
    hz: int

    def __init__(self, hz: int) -> None:
        object.__setattr__(self, "hz", hz)
        if self.hz <= 0:
            raise ValueError(f"clock frequency must be positive, got {self.hz}")

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}(hz={self.hz!r})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Clock)
        return (self.hz,) == (other.hz,)

    def __hash__(self) -> int:
        return hash((self.hz,))

    def __setattr__(self, name: str, value: Any) -> None:
        if type(self) is Clock or name in Clock.__match_args__:
            from dataclasses import FrozenInstanceError

            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if type(self) is Clock or name in Clock.__match_args__:
            from dataclasses import FrozenInstanceError

            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super().__delattr__(name)

    def to_ps(self, cycles: int) -> int:
        """Simulated time at which ``cycles`` cycles have elapsed."""
        return cycles * PS_PER_S // self.hz

    def to_cycles(self, ps: int) -> int:
        """The least cycle count whose time is at or after ``ps``."""
        return -((-ps * self.hz) // PS_PER_S)

    @property
    def period_ps(self) -> float:
        return PS_PER_S / self.hz
