"""Fuzzing the order and timing of interrupts, with hypothesis.

- :mod:`irqemu.fuzz.strategies`: hypothesis strategies for interrupt arrival
  schedules (which line, when, on which CPU, with what payload), for your
  own firmware and driver models.
- :mod:`irqemu.fuzz.lost_update`: the shipped example, a task and an IRQ
  handler racing on a shared counter (``irqemu fuzz lost-update``).
- :mod:`irqemu.fuzz.run`: ``irqemu fuzz run FIRMWARE`` -- your own firmware, the
  interrupt sources you name (:mod:`~irqemu.fuzz.schedule`), a ``--check`` on its
  symbols (:mod:`~irqemu.fuzz.check`) or its exit code; replay files.
- :mod:`irqemu.fuzz.genirq`: ``irqemu fuzz genirq DRIVER`` -- a modelled driver's
  handlers (:mod:`~irqemu.fuzz.genirq_spec`) on the modelled kernel
  (:mod:`~irqemu.fuzz.genirq_world`), its invariant, replay files; bundled drivers
  in :mod:`irqemu.fuzz.examples`.
- :mod:`irqemu.fuzz.cli`: the ``irqemu fuzz`` command (``run``: :mod:`~irqemu.fuzz.run_cli`,
  ``genirq``: :mod:`~irqemu.fuzz.genirq_cli`).

Only :mod:`~irqemu.fuzz.strategies` and searching need hypothesis; replaying
a saved schedule does not.
"""

from __future__ import annotations
