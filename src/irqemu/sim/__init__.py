"""Simulated time: integer picoseconds, per-core clocks, a deterministic event queue."""

from irqemu.sim.clock import PS_PER_S, Clock
from irqemu.sim.events import Event, EventQueue

__all__ = ["PS_PER_S", "Clock", "Event", "EventQueue"]
