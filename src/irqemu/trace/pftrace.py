"""A Perfetto trace (``.perfetto-trace``) of a recording, built with the ``perfetto``
package's ``TraceProtoBuilder`` and its protos, encoded as Perfetto's own Linux
traces are: one ``FtraceEventBundle`` per CPU with irq_handler_entry/exit,
softirq_raise/entry/exit, sched_switch, sched_wakeup and ipi_entry/exit (so the UI
draws CPU tracks, thread states and hard-IRQ and softirq slices), a process tree
naming every task, and the rest as track events: napi_poll as instants on a per-CPU
track, each core's exceptions as slices, and mask bits, CPU inputs and device lines
as counter tracks (0/1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from irqemu.trace.record import Rec, Recorder

SEQ_ID = 1  #: the one writer sequence of the track events
FTRACE_EVENTS = {"irq_handler_entry", "irq_handler_exit", "softirq_raise", "softirq_entry",
                 "softirq_exit", "sched_switch", "sched_wakeup", "ipi_entry", "ipi_exit"}


def _ftrace_event(bundle: Any, e: Rec) -> None:
    ev = bundle.event.add()
    ev.timestamp = e.ts_ps // 1000
    ev.pid = e.pid
    v = e.values
    if e.name == "irq_handler_entry":
        ev.irq_handler_entry.irq, ev.irq_handler_entry.name = v[0], v[1]
    elif e.name == "irq_handler_exit":
        ev.irq_handler_exit.irq, ev.irq_handler_exit.ret = v[0], v[1]
    elif e.name.startswith("softirq_"):
        getattr(ev, e.name).vec = v[0]
    elif e.name == "sched_switch":
        s = ev.sched_switch
        (s.prev_comm, s.prev_pid, s.prev_prio, s.prev_state, s.next_comm, s.next_pid,
         s.next_prio) = v
    elif e.name == "sched_wakeup":
        w = ev.sched_wakeup
        w.comm, w.pid, w.prio, w.success, w.target_cpu = v
    else:  # ipi_entry / ipi_exit
        getattr(ev, e.name).reason = v[0]


class _Tracks:
    """Track descriptors made on first use, with stable uuids (their creation order)."""

    def __init__(self, builder: Any) -> None:
        self.builder = builder
        self.uuids: dict[str, int] = {}

    def get(self, name: str, counter: bool = False) -> int:
        uuid = self.uuids.get(name)
        if uuid is None:
            uuid = self.uuids[name] = len(self.uuids) + 1
            p = self.builder.add_packet()
            p.track_descriptor.uuid = uuid
            p.track_descriptor.name = name
            if counter:
                p.track_descriptor.counter.SetInParent()
        return uuid


def _track_event(builder: Any, tracks: _Tracks, e: Rec) -> None:
    from perfetto.protos.perfetto.trace.perfetto_trace_pb2 import TrackEvent

    v = e.values
    p = builder.add_packet()
    p.timestamp = e.ts_ps // 1000
    p.trusted_packet_sequence_id = SEQ_ID
    te = p.track_event
    if e.name == "napi_poll":
        te.type = TrackEvent.TYPE_INSTANT
        te.track_uuid = tracks.get(f"napi_poll cpu{e.cpu}")
        te.name = f"napi_poll {v[1]} work {v[2]} budget {v[3]}"
    elif e.name == "exception_entry":
        te.type = TrackEvent.TYPE_SLICE_BEGIN
        te.track_uuid = tracks.get(f"cpu{e.cpu} exceptions")
        te.name = f"{v[2]} exception (pc {v[0]:#x})"
    elif e.name == "exception_return":
        te.type = TrackEvent.TYPE_SLICE_END
        te.track_uuid = tracks.get(f"cpu{e.cpu} exceptions")
    else:  # mask_change, cpu_input, irq_line: (level, name)
        te.type = TrackEvent.TYPE_COUNTER
        where = "" if e.name == "irq_line" else f"cpu{e.cpu} "
        te.track_uuid = tracks.get(f"{where}{v[1]}", counter=True)
        te.counter_value = v[0]


def perfetto_bytes(rec: Recorder) -> bytes:
    """The serialized ``Trace`` for ``rec``'s events."""
    from perfetto.protos.perfetto.trace.perfetto_trace_pb2 import TracePacket
    from perfetto.trace_builder.proto_builder import TraceProtoBuilder

    builder = TraceProtoBuilder()
    first = builder.add_packet()
    first.trusted_packet_sequence_id = SEQ_ID
    first.sequence_flags = TracePacket.SEQ_INCREMENTAL_STATE_CLEARED
    first.system_info.utsname.sysname = "Linux"
    first.system_info.utsname.release = rec.release
    first.system_info.utsname.machine = "irqemu"
    tree = builder.add_packet()
    tree.timestamp = 0
    for pid, comm in sorted(rec.comms.items()):
        if pid:
            proc = tree.process_tree.processes.add()
            proc.pid, proc.ppid = pid, 2 if pid != 2 else 0
            proc.cmdline.append(comm)
            th = tree.process_tree.threads.add()
            th.tid, th.tgid, th.name = pid, pid, comm
    events = rec.sorted_events()
    for cpu in range(rec.nr_cpus):
        mine = [e for e in events if e.cpu == cpu and e.name in FTRACE_EVENTS]
        if mine:
            p = builder.add_packet()
            p.ftrace_events.cpu = cpu
            for e in mine:
                _ftrace_event(p.ftrace_events, e)
    tracks = _Tracks(builder)
    for e in events:
        if e.name not in FTRACE_EVENTS:
            _track_event(builder, tracks, e)
    return bytes(builder.serialize())


def write_perfetto(rec: Recorder, path: str) -> int:
    """Write ``rec`` to ``path`` as a Perfetto trace; the number of events."""
    data = perfetto_bytes(rec)
    with open(path, "wb") as f:
        f.write(data)
    return len(rec.events)
