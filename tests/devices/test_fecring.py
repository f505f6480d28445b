"""The FEC's receive on the native ring view (``_core.fecring``) against its Python
reference: the same random frames into the same random ring states leave identical
guest RAM, registers, counters and interrupt levels."""

from __future__ import annotations

import struct

import pytest
from fakemem import RamMachine
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.devices.imx_fec import ImxFEC
from irqemu.hw import imx_fec as F

fecring = pytest.importorskip("irqemu._core.fecring")

EIR, EIMR, RDAR, ECR, MIBC, RCR, PALR, PAUR = 0x004, 0x008, 0x010, 0x024, 0x064, 0x084, 0x0E4, 0x0E8
ERDSR, EMRBR, FTRL, RACC, ATCR = 0x180, 0x188, 0x1B0, 0x1C4, 0x400
RAM = 0x10000000
RING, BUFS = RAM, RAM + 0x10000
MAC = bytes.fromhex("001f7b000001")


class ViewMachine(RamMachine):
    """A RamMachine that hands out its RAM as the board's Machine.ram_view does."""

    def ram_view(self, address: int, size: int) -> tuple[int, bytearray] | None:
        off = address - self.ram_base
        return None if off < 0 or off + size > len(self.ram) else (self.ram_base, self.ram)


def ring_state(n: int, enhanced: bool, empty: list[bool], irq: list[bool], ro: list[int],
               wrap_at: int, buf_size: int) -> bytes:
    """``n`` RX descriptors (WRAP on ``wrap_at``), EMPTY / cbd_esc INT / RO bits as drawn."""
    out = b""
    for i in range(n):
        sc = (F.BD_ENET_RX_EMPTY if empty[i] else 0) | ro[i]
        sc |= F.BD_ENET_RX_WRAP if i == wrap_at else 0
        raw = struct.pack("<HHI", 0, sc, BUFS + i * buf_size)
        if enhanced:
            raw += struct.pack("<IIII", F.BD_ENET_RX_INT if irq[i] else 0, 0, 0, 0) + bytes(8)
        out += raw
    return out


@st.composite
def cases(draw: st.DrawFn) -> dict:
    n = draw(st.integers(1, 6))
    return {
        "n": n,
        "enhanced": draw(st.booleans()),
        "empty": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        "irq": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        "ro": draw(st.lists(st.sampled_from([0, F.BD_ENET_RX_RO1, F.BD_ENET_RX_INTR,
                                             F.BD_ENET_RX_LAST | F.BD_ENET_RX_CL]),
                            min_size=n, max_size=n)),
        "wrap_at": draw(st.integers(0, n - 1)),
        "shift16": draw(st.booleans()),
        "crcfwd": draw(st.booleans()),
        "mib": draw(st.booleans()),
        "ftrl": draw(st.sampled_from([0x7FF, 100, 64])),
        "emrbr": draw(st.sampled_from([2048, 64, 128])),
        "atcr": draw(st.booleans()),
        # each step: a frame of that size (without FCS; a VLAN tag or not), or an RDAR write
        "steps": draw(st.lists(st.one_of(st.tuples(st.integers(60, 300), st.booleans()),
                                         st.just(None)), min_size=1, max_size=14)),
    }


def play(case: dict, native: bool) -> tuple:
    m = ViewMachine(RAM, 1 << 18)
    fec = ImxFEC(m)
    if not native:
        fec._ring = False  # the reference path
    w = lambda off, v: fec.mmio_write(0, off, 4, v)  # noqa: E731
    buf_size = 2048
    m.mem_write(RING, ring_state(case["n"], case["enhanced"], case["empty"], case["irq"],
                                 case["ro"], case["wrap_at"], buf_size))
    w(PALR, int.from_bytes(MAC[:4], "big"))
    w(PAUR, int.from_bytes(MAC[4:], "big") << 16)
    w(RCR, (1522 << 16) | 0x04 | (F.RCR_CRCFWD if case["crcfwd"] else 0))
    w(EMRBR, case["emrbr"])
    w(FTRL, case["ftrl"])
    w(RACC, F.RACC_SHIFT16 if case["shift16"] else 0)
    w(ERDSR, RING)
    if case["mib"]:
        w(MIBC, 0)
    if case["atcr"]:
        w(ATCR, F.ATCR_EN)
    w(ECR, (F.ECR_EN1588 if case["enhanced"] else 0) | F.ECR_SPEED | F.ECR_ETHEREN)
    w(EIMR, F.FEC_DEFAULT_IMASK)
    w(RDAR, 0)
    results = []
    for i, step in enumerate(case["steps"]):
        m.time = 1_000_000 * (i + 1)
        if step is None:
            w(RDAR, 0)
            continue
        size, vlan = step
        body = MAC + b"\x02\x00\x00\x00\x00\x09" + (b"\x81\x00" if vlan else b"\x88\xb5")
        results.append(fec.receive(body + bytes((i + j) & 0xFF for j in range(size - 14))))
    regs = {name: cell[0] for name, cell in fec.regs.values.items()}
    return (bytes(m.ram[: 0x10000 + case["n"] * buf_size]), regs, results, fec._rx_ptr,
            fec.rx_offered, fec.rx_frames, fec.rx_bytes, fec.rx_dropped,
            dict(fec.rx_drop_reasons), fec.irq.level, fec.irq_1588.level)


@settings(max_examples=40, derandomize=True, deadline=None)
@given(cases())
def test_native_receive_matches_reference(case: dict) -> None:
    assert play(case, native=True) == play(case, native=False)


def test_native_path_is_taken() -> None:
    """With a RAM view the frames go through the view, not the reference path."""
    case = {"n": 4, "enhanced": True, "empty": [True] * 4, "irq": [True] * 4, "ro": [0] * 4,
            "wrap_at": 3, "shift16": False, "crcfwd": False, "mib": True, "ftrl": 0x7FF,
            "emrbr": 2048, "atcr": False, "steps": [(60, False)] * 3}

    def no_reference(*args: object) -> bool:
        raise AssertionError("the reference path ran")

    orig = ImxFEC._receive_one_ref
    ImxFEC._receive_one_ref = no_reference  # type: ignore[method-assign,assignment]
    try:
        state = play(case, native=True)
    finally:
        ImxFEC._receive_one_ref = orig  # type: ignore[method-assign]
    assert state[2] == [True, True, True] and state[5] == 3


def test_descring_outside_the_region_writes_nothing() -> None:
    ram = bytearray(64)
    ring = fecring.DescRing(ram, 0x1000, empty=F.BD_ENET_RX_EMPTY, wrap=F.BD_ENET_RX_WRAP,
                            last=F.BD_ENET_RX_LAST, keep=0, esc_int=F.BD_ENET_RX_INT,
                            bdu=F.BD_ENET_BDU)
    # an EMPTY descriptor whose buffer lies outside the 64 bytes
    ram[0:8] = struct.pack("<HHI", 0, F.BD_ENET_RX_EMPTY, 0x2000)
    before = bytes(ram)
    assert ring.dma(0x1000, b"x" * 16, 0, 0x1000, False, 0, 0) == -2
    assert ring.dma(0x1040, b"x" * 16, 0, 0x1000, False, 0, 0) == -2  # descriptor outside
    assert bytes(ram) == before
    assert ring.take(0xFFC) == -2 and ring.sc(0x1040) == -2 and ring.frame(0x1000, 4) is None
    # the buffer inside: written, and a one-descriptor ring wraps onto itself (not EMPTY)
    ram[0:8] = struct.pack("<HHI", 0, F.BD_ENET_RX_EMPTY | F.BD_ENET_RX_WRAP, 0x1020)
    r = ring.dma(0x1000, b"y" * 16, 0, 0x1000, False, 0, 0)
    assert r == 0x1000 | 1 << 32  # interrupt (legacy), next descriptor not EMPTY
    assert bytes(ram[0x20:0x30]) == b"y" * 16
    assert struct.unpack("<HH", ram[0:4]) == (16, F.BD_ENET_RX_LAST)
    assert ring.dma(0x1000, b"z", 0, 0x1000, False, 0, 0) == -1  # not EMPTY: BUSY


# -- a traffic generator's event in one call (RxRun) against TrafficGenerator._fire ----
@st.composite
def storms(draw: st.DrawFn) -> dict:
    case = draw(cases())
    case["steps"] = []
    if draw(st.booleans()):  # a longer ring, all EMPTY: runs of frames that reach it
        n = case["n"] = draw(st.integers(4, 16))
        case["empty"] = [True] * n
        case["irq"] = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        case["ro"], case["wrap_at"] = [0] * n, n - 1
    case["mib"] = draw(st.sampled_from([False, False, True]))  # (MIB on: the Python receive)
    case["ftrl"] = draw(st.sampled_from([0x7FF, 0x7FF, 100]))
    case["emrbr"] = draw(st.sampled_from([2048, 2048, 128]))
    case["rate"] = draw(st.sampled_from([20_000, 300_000, 1_000_000, 1_488_095, 3_000_000]))
    case["size"] = draw(st.sampled_from([64, 64, 128, 1518]))
    case["stop_us"] = draw(st.one_of(st.none(), st.integers(1, 60)))
    case["to_station"] = draw(st.booleans())
    # (host step in ns, what happens then): give back the ring and write RDAR, a
    # register change, an unrelated event due a little later, or nothing
    case["driver"] = draw(st.lists(st.tuples(
        st.integers(1, 10_000),
        st.sampled_from(["refill", "refill", "rdar", "eimr", "ecr_off", "ecr_on", "prom",
                         "event", "event2", "none"])), min_size=4, max_size=24))
    return case


def storm(case: dict, native: bool) -> tuple:
    from irqemu.devices import traffic

    m = ViewMachine(RAM, 1 << 18)
    fec = ImxFEC(m)
    if not native:
        fec._ring = False  # the reference path, and so TrafficGenerator._fire's
    w = lambda off, v: fec.mmio_write(0, off, 4, v)  # noqa: E731
    play_setup = dict(case, steps=[])
    n, buf_size = case["n"], 2048
    ring = ring_state(n, case["enhanced"], case["empty"], case["irq"], case["ro"],
                      case["wrap_at"], buf_size)
    m.mem_write(RING, ring)
    w(PALR, int.from_bytes(MAC[:4], "big"))
    w(PAUR, int.from_bytes(MAC[4:], "big") << 16)
    w(RCR, (1522 << 16) | 0x04 | (F.RCR_CRCFWD if play_setup["crcfwd"] else 0))
    w(EMRBR, case["emrbr"])
    w(FTRL, case["ftrl"])
    w(RACC, F.RACC_SHIFT16 if case["shift16"] else 0)
    w(ERDSR, RING)
    if case["mib"]:
        w(MIBC, 0)
    if case["atcr"]:
        w(ATCR, F.ATCR_EN)
    ecr = (F.ECR_EN1588 if case["enhanced"] else 0) | F.ECR_SPEED | F.ECR_ETHEREN
    w(ECR, ecr)
    w(EIMR, F.FEC_DEFAULT_IMASK)
    w(RDAR, 0)
    stop = None if case["stop_us"] is None else case["stop_us"] * 1_000_000
    gen = traffic.TrafficGenerator(m, fec, traffic.ConstantRate(case["rate"]),
                                   frame_size=case["size"], start_ps=0, stop_ps=stop,
                                   dst=None if case["to_station"] else b"\x01\x00\x5e\0\0\1")
    gen.start()
    assert (gen._native is not None) == native
    fired: list[tuple[int, int, int]] = []
    seen = []  # what the driver would read at each step
    for step_ns, what in case["driver"]:
        m.time += step_ns * 1000
        while (ev := m.events.pop_due(m.time)) is not None:
            ev.fn()
        seen.append((fec.reg("ENET_RDAR"), fec.reg("ENET_EIR"), fec.irq.level, fec._rx_ptr,
                     fec.rx_offered, fec.rx_frames, fec.rx_dropped, gen.offered,
                     gen.last_arrival))
        if what == "refill":  # the driver gives every descriptor back
            m.mem_write(RING, ring_state(n, case["enhanced"], [True] * n, case["irq"],
                                         case["ro"], case["wrap_at"], buf_size))
            w(RDAR, 0)
        elif what == "rdar":
            w(RDAR, 0)
        elif what == "eimr":
            w(EIMR, 0 if fec.reg("ENET_EIMR") else F.FEC_DEFAULT_IMASK)
            w(EIR, 0xFFFFFFFF)
        elif what in ("ecr_off", "ecr_on"):
            w(ECR, ecr if what == "ecr_on" else ecr & ~F.ECR_ETHEREN)
        elif what == "prom":
            w(RCR, fec.reg("ENET_RCR") ^ F.RCR_PROM)
        elif what in ("event", "event2") and gen._next_time is not None:
            # due with the next arrival, or with the one after it (inside its run)
            times = gen.arrival_times(gen.offered + 2)
            t = gen._next_time if what == "event" or len(times) < gen.offered + 2 else times[-1]
            m.schedule(t, lambda t=t: fired.append((t, fec.rx_offered, gen.offered)), "other")
    regs = {name: cell[0] for name, cell in fec.regs.values.items()}
    return (bytes(m.ram[: 0x10000 + n * buf_size]), regs, fec._rx_ptr, fec.rx_offered,
            fec.rx_frames, fec.rx_bytes, fec.rx_dropped, dict(fec.rx_drop_reasons),
            fec.irq.level, fec.irq_1588.level, gen.offered, gen.accepted, gen.last_arrival,
            gen._next_time, fired, seen)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(storms())
def test_native_event_matches_reference(case: dict) -> None:
    assert storm(case, native=True) == storm(case, native=False)


@settings(max_examples=30, derandomize=True, deadline=None)
@given(st.integers(1, 5_000_000), st.integers(0, 10**9), st.integers(0, 3_000_000),
       st.one_of(st.none(), st.integers(0, 10**8)), st.lists(st.integers(0, 2 * 10**8),
                                                              min_size=1, max_size=20))
def test_native_arrivals_match_reference(fps: int, start: int, wire: int, stop: int | None,
                                         limits: list[int]) -> None:
    """ConstantArrivals (C) yields traffic's _ConstantArrivals' times and skips, also
    when frames wait for the line (a period shorter than the wire time)."""
    from fractions import Fraction

    from irqemu.devices.traffic import ConstantRate, _ConstantArrivals

    period = Fraction(10**12, fps)
    ref = _ConstantArrivals(ConstantRate(fps), start, wire, stop)
    nat = fecring.ConstantArrivals(period.numerator, period.denominator, start, wire, stop)
    for i, limit in enumerate(sorted(limits)):
        if i % 2:
            assert nat.next() == ref.next()
        else:
            assert nat.skip_until(start + limit) == ref.skip_until(start + limit)
