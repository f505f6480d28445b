"""A VCD (value change dump, IEEE 1364) of a recording's hardware side for GTKWave,
written with pyvcd: the devices' interrupt lines, each core's interrupt inputs
(IRQ/FIQ, INTR/NMI pending), its mask bits (CPSR.I/F, PSTATE.I/F, RFLAGS.IF) and
how deep in exceptions it is. Timescale 1 ns of simulated time; no host date."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from irqemu.trace.record import Recorder

WIRE_EVENTS = ("irq_line", "cpu_input", "mask_change")


def _scope_name(e: Any) -> tuple[str, str]:
    """(scope, variable) of a wire event: lines under ``lines``, the rest per core."""
    if e.name == "irq_line":
        return "irqemu.lines", str(e.values[1]).replace(" ", "_")
    return f"irqemu.cpu{e.cpu}", str(e.values[1]).replace(".", "_")


def write_vcd(rec: Recorder, path: str) -> int:
    """Write ``rec``'s hardware events to ``path`` as VCD; the number of changes."""
    from vcd import VCDWriter

    events = [e for e in rec.sorted_events()
              if e.name in WIRE_EVENTS or e.name.startswith("exception_")]
    with open(path, "w") as f, VCDWriter(f, timescale="1 ns", date="simulated",
                                         version="irqemu record") as w:
        wires: dict[tuple[str, str], Any] = {}
        for e in events:
            if e.name in WIRE_EVENTS:
                key = _scope_name(e)
                if key not in wires:
                    wires[key] = w.register_var(key[0], key[1], "wire", size=1, init=0)
        depth_vars = {cpu: w.register_var(f"irqemu.cpu{cpu}", "exception_depth", "integer",
                                          size=8, init=0) for cpu in range(rec.nr_cpus)}
        depth = [0] * rec.nr_cpus
        for e in events:
            t = e.ts_ps // 1000
            if e.name in WIRE_EVENTS:
                w.change(wires[_scope_name(e)], t, int(e.values[0]))
            else:
                depth[e.cpu] += 1 if e.name == "exception_entry" else -1
                depth[e.cpu] = max(depth[e.cpu], 0)
                w.change(depth_vars[e.cpu], t, depth[e.cpu])
    return len(events)
