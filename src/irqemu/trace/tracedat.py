"""trace-cmd's ``trace.dat`` (file format version 6, trace-cmd.dat.v6(5)), written from
a :class:`~irqemu.trace.record.Recorder` so that ``trace-cmd report`` and KernelShark
read it as a kernel's trace.

The file holds what ``trace-cmd record`` copies from a target: the ring buffer's
``header_page`` and ``header_event`` descriptions, each event's ``format`` file
(:mod:`irqemu.trace.events`), the printk formats that ``const char *`` fields point
to (ipi's reason), ``saved_cmdlines`` (pid -> comm) and, per CPU, the ring buffer's
pages: a 16-byte page header (timestamp, commit) and events with a 4-byte compressed
header (type_len:5, time_delta:27) in nanoseconds; deltas too wide for 27 bits get a
TIME_EXTEND record first. Little endian, 64-bit longs, 4096-byte pages.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from irqemu.trace.events import KINDS, SPECS, EventSpec

if TYPE_CHECKING:
    from irqemu.trace.record import Rec, Recorder

PAGE_SIZE = 4096
PAGE_HEADER = 16  #: u64 timestamp, local_t commit
PAGE_DATA = PAGE_SIZE - PAGE_HEADER
TYPE_TIME_EXTEND = 30
MAX_DELTA = (1 << 27) - 1
MAX_SMALL = 28 * 4  #: largest payload a type_len 1..28 header describes
FIRST_ID = 300  #: event IDs as a kernel numbers them (any unique values do)
STR_MAX = 60  #: longest string field written (keeps every event a small record)
#: where the printk formats of const char * fields "live" in the modelled kernel
PRINTK_BASE = 0xFFFFFFFF81F00000

HEADER_PAGE = (
    "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
    "\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
    "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
    f"\tfield: char data;\toffset:16;\tsize:{PAGE_DATA};\tsigned:1;\n")
HEADER_EVENT = (
    "# compressed entry header\n"
    "\ttype_len    :    5 bits\n"
    "\ttime_delta  :   27 bits\n"
    "\tarray       :   32 bits\n\n"
    "\tpadding     : type == 29\n"
    "\ttime_extend : type == 30\n"
    "\ttime_stamp : type == 31\n"
    "\tdata max type_len  == 28\n")
COMMON = (("unsigned short common_type", 0, 2, 0), ("unsigned char common_flags", 2, 1, 0),
          ("unsigned char common_preempt_count", 3, 1, 0), ("int common_pid", 4, 4, 1))


def _layout(spec: EventSpec) -> list[tuple[str, str, int, int, int]]:
    """(kind, name, offset, size, signed) of each field after the common header."""
    out, off = [], 8
    for kind, name in spec.fields:
        _, size, signed = KINDS[kind]
        align = min(size, 8)
        off = (off + align - 1) // align * align if kind != "comm" else off
        out.append((kind, name, off, size, signed))
        off += size
    return out


def format_file(spec: EventSpec, event_id: int, softirqs: Sequence[str]) -> str:
    """The event's ``format`` file as the kernel's tracefs shows it."""
    lines = [f"name: {spec.name}", f"ID: {event_id}", "format:"]
    for decl, off, size, signed in COMMON:
        lines.append(f"\tfield:{decl};\toffset:{off};\tsize:{size};\tsigned:{signed};")
    lines.append("")
    for kind, name, off, size, signed in _layout(spec):
        decl = KINDS[kind][0] % name
        lines.append(f"\tfield:{decl};\toffset:{off};\tsize:{size};\tsigned:{signed};")
    table = ", ".join(f'{{ {i}, "{n}" }}' for i, n in enumerate(softirqs))
    lines += ["", "print fmt: " + spec.print_fmt.replace("@SOFTIRQS@", table), ""]
    return "\n".join(lines)


class Encoder:
    """Packs one event's payload (common header, fields, __data_loc strings)."""

    def __init__(self, spec: EventSpec, event_id: int, printk: dict[str, int]) -> None:
        self.spec, self.event_id, self.printk = spec, event_id, printk
        self.layout = _layout(spec)
        self.fixed = self.layout[-1][2] + self.layout[-1][3] if self.layout else 8

    def payload(self, rec: Rec) -> bytes:
        buf = bytearray(self.fixed)
        struct.pack_into("<HBBi", buf, 0, self.event_id, rec.flags & 0xFF,
                         rec.preempt & 0xFF, rec.pid)
        tail = bytearray()
        for (kind, _name, off, size, _s), v in zip(self.layout, rec.values, strict=True):
            if kind == "str":
                data = str(v).encode("utf-8", "replace")[:STR_MAX] + b"\0"
                struct.pack_into("<I", buf, off, (len(data) << 16) | (self.fixed + len(tail)))
                tail += data
            elif kind == "comm":
                buf[off:off + 16] = str(v).encode("utf-8", "replace")[:15].ljust(16, b"\0")
            elif kind == "cptr":
                struct.pack_into("<Q", buf, off, self.printk[str(v)])
            else:
                fmt = {4: "<i", 8: "<q"}[size] if _s else {4: "<I", 8: "<Q"}[size]
                struct.pack_into(fmt, buf, off, int(v))
        out = bytes(buf + tail)
        return out + b"\0" * (-len(out) % 4)


def _ring_pages(events: Iterable[tuple[int, bytes]]) -> bytes:
    """Ring-buffer pages for one CPU's (ns, payload) events, in time order."""
    pages: list[bytes] = []
    page = bytearray()
    page_ts = last = 0
    for ts, payload in events:
        delta = ts - last
        rec = bytearray()
        if page and delta > MAX_DELTA:
            rec += struct.pack("<II", TYPE_TIME_EXTEND | (delta & MAX_DELTA) << 5,
                               delta >> 27)
            delta = 0
        assert 0 < len(payload) <= MAX_SMALL
        rec += struct.pack("<I", (len(payload) // 4) | delta << 5) + payload
        if not page or len(page) + len(rec) > PAGE_DATA:
            if page:
                pages.append(_page(page_ts, page))
            page, page_ts = bytearray(), ts
            rec = bytearray(struct.pack("<I", len(payload) // 4) + payload)
        page += rec
        last = ts
    if page:
        pages.append(_page(page_ts, page))
    return b"".join(pages)


def _page(ts: int, data: bytearray) -> bytes:
    return struct.pack("<QQ", ts, len(data)) + bytes(data) + b"\0" * (PAGE_DATA - len(data))


def _sized(data: bytes, width: str = "<Q") -> bytes:
    return struct.pack(width, len(data)) + data


def write_tracedat(rec: Recorder, path: str) -> int:
    """Write ``rec``'s events to ``path`` as trace.dat v6; the number of events."""
    data = tracedat_bytes(rec)
    with open(path, "wb") as f:
        f.write(data)
    return len(rec.events)


def tracedat_bytes(rec: Recorder) -> bytes:
    """The whole trace.dat file for ``rec``'s events."""
    ids = {s.name: FIRST_ID + i for i, s in enumerate(SPECS)}
    reasons = sorted({str(e.values[0]) for e in rec.events if e.name.startswith("ipi_")})
    printk = {r: PRINTK_BASE + 0x100 * i for i, r in enumerate(reasons)}
    out = bytearray(b"\x17\x08\x44tracing6\0" + bytes([0, 8]) + struct.pack("<I", PAGE_SIZE))
    out += b"header_page\0" + _sized(HEADER_PAGE.encode())
    out += b"header_event\0" + _sized(HEADER_EVENT.encode())
    out += struct.pack("<I", 0)  # no ftrace (function tracer) formats
    systems: dict[str, list[EventSpec]] = {}
    for s in SPECS:
        systems.setdefault(s.system, []).append(s)
    out += struct.pack("<I", len(systems))
    for system, specs in systems.items():
        out += system.encode() + b"\0" + struct.pack("<I", len(specs))
        for s in specs:
            out += _sized(format_file(s, ids[s.name], rec.softirq_names).encode())
    out += _sized(b"", "<I")  # kallsyms: none
    out += _sized("".join(f'0x{a:x} : "{r}"\n' for r, a in printk.items()).encode(), "<I")
    out += _sized("".join(f"{p} {c}\n" for p, c in sorted(rec.comms.items()) if p).encode())
    ncpu = rec.nr_cpus
    out += struct.pack("<I", ncpu) + b"flyrecord\0"
    encoders = {s.name: Encoder(s, ids[s.name], printk) for s in SPECS}
    per_cpu: list[list[tuple[int, bytes]]] = [[] for _ in range(ncpu)]
    for e in rec.sorted_events():
        per_cpu[e.cpu].append((e.ts_ps // 1000, encoders[e.name].payload(e)))
    buffers = [_ring_pages(evs) for evs in per_cpu]
    offset = len(out) + 16 * ncpu
    offset += -offset % PAGE_SIZE
    for b in buffers:
        out += struct.pack("<QQ", offset, len(b))
        offset += len(b)
    out += b"\0" * (-len(out) % PAGE_SIZE)
    for b in buffers:
        out += b
    return bytes(out)
