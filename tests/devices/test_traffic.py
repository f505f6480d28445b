"""Traffic generator: line-rate arithmetic, patterns, determinism, driving the FEC."""

from __future__ import annotations

import struct

import pytest
from devfakes import FakeMachine
from fakemem import RamMachine
from hypothesis import given, settings
from hypothesis import strategies as st
from test_imx_fec import MAC, RX_RING, Driver

from irqemu.devices.imx_fec import ImxFEC, wire_time_ps
from irqemu.devices.traffic import (
    Bursts,
    ConstantRate,
    Flood,
    Poisson,
    TrafficGenerator,
    frame_seq,
    line_rate_fps,
)
from irqemu.hw import imx_fec as F

G, M100 = 1_000_000_000, 100_000_000
PS = 10**12


class Recorder:
    mac_address = bytes.fromhex("02aabbccddee")

    def __init__(self, machine: FakeMachine, accept: bool = True) -> None:
        self.machine = machine
        self.frames: list[tuple[int, bytes]] = []
        self.accept = accept

    def receive(self, frame: bytes) -> bool:
        self.frames.append((self.machine.now(), frame))
        return self.accept


def test_line_rates_match_timing_md() -> None:
    assert wire_time_ps(64, G) == 672_000 and wire_time_ps(64, M100) == 6_720_000
    assert round(line_rate_fps(64, G)) == 1_488_095
    assert round(line_rate_fps(64, M100)) == 148_810
    assert round(line_rate_fps(1518, G)) == 81_274
    assert round(line_rate_fps(1518, M100)) == 8_127


def test_flood_is_line_rate_exactly() -> None:
    m = FakeMachine()
    gen = TrafficGenerator(m, Recorder(m), Flood(), frame_size=64, link_bps=G, stop_ps=PS)
    times = gen.arrival_times(5)
    assert times == [672_000 * (k + 1) for k in range(5)]
    # One simulated second at 100 Mbit/s: 148,809 whole frames (148,809.5 fit).
    gen100 = TrafficGenerator(m, Recorder(m), Flood(), link_bps=M100, stop_ps=PS)
    assert len(gen100.arrival_times(10**6)) == 148_809 == PS // 6_720_000
    # One millisecond at 1 Gbit/s: 1488 frames, 672 ns apart.
    ms = TrafficGenerator(m, Recorder(m), Flood(), link_bps=G, stop_ps=10**9).arrival_times(10**6)
    assert len(ms) == 1488 == 10**9 // 672_000
    assert {b - a for a, b in zip(ms, ms[1:], strict=False)} == {672_000}


def test_flood_runs_through_the_event_queue() -> None:
    m = FakeMachine()
    rec = Recorder(m)
    gen = TrafficGenerator(m, rec, Flood(), frame_size=1518, link_bps=G, start_ps=5_000,
                           stop_ps=5_000 + 10 * 12_304_000)
    gen.start()
    m.advance(PS)
    assert gen.offered == gen.accepted == 10 and not gen.running
    assert [t for t, _ in rec.frames] == [5_000 + 12_304_000 * (k + 1) for k in range(10)]
    f = rec.frames[3][1]
    assert len(f) == 1514 and frame_seq(f) == 3
    assert f[:6] == Recorder.mac_address and f[12:14] == b"\x88\xb5"
    assert gen.last_arrival == rec.frames[-1][0]


def test_constant_rate_below_and_above_line_rate() -> None:
    m = FakeMachine()
    slow = TrafficGenerator(m, Recorder(m), ConstantRate(1000), link_bps=G)
    assert slow.arrival_times(3) == [672_000, 10**9 + 672_000, 2 * 10**9 + 672_000]
    odd = TrafficGenerator(m, Recorder(m), ConstantRate(3), link_bps=G)
    assert odd.arrival_times(4) == [672_000 + -(-k * PS // 3) for k in range(4)]
    fast = TrafficGenerator(m, Recorder(m), ConstantRate(10**8), link_bps=G)
    flood = TrafficGenerator(m, Recorder(m), Flood(), link_bps=G)
    assert fast.arrival_times(100) == flood.arrival_times(100)  # clamped to line rate


def test_bursts() -> None:
    m = FakeMachine()
    gen = TrafficGenerator(m, Recorder(m), Bursts(3, 10_000_000), link_bps=G, start_ps=1000)
    w = 672_000
    assert gen.arrival_times(6) == [1000 + w, 1000 + 2 * w, 1000 + 3 * w,
                                    10_001_000 + w, 10_001_000 + 2 * w, 10_001_000 + 3 * w]
    # A burst longer than its period runs into the next one back to back.
    long = TrafficGenerator(m, Recorder(m), Bursts(4, 2 * w), link_bps=G)
    assert long.arrival_times(8) == [w * (k + 1) for k in range(8)]


def test_poisson_is_deterministic_per_seed_and_never_beats_the_wire() -> None:
    m = FakeMachine()

    def times(seed: int) -> list[int]:
        return TrafficGenerator(m, Recorder(m), Poisson(1_000_000), link_bps=G,
                                seed=seed).arrival_times(20_000)

    a, b, c = times(7), times(7), times(8)
    assert a == b and a != c
    gaps = [y - x for x, y in zip(a, a[1:], strict=False)]
    assert min(gaps) >= 672_000
    rate = len(a) / (a[-1] / PS)
    assert 0.95e6 < rate < 1.05e6  # close to the mean; queueing keeps it below line rate


def test_max_frames_stop_and_validation() -> None:
    m = FakeMachine()
    rec = Recorder(m, accept=False)
    gen = TrafficGenerator(m, rec, Flood(), max_frames=5, dst=b"\xff" * 6)
    gen.start()
    m.advance(PS)
    assert gen.offered == 5 and gen.accepted == 0 and rec.frames[0][1][:6] == b"\xff" * 6
    gen2 = TrafficGenerator(m, rec, ConstantRate(1000))
    gen2.start()
    m.advance(m.time + 3 * 10**9)
    gen2.stop()
    m.advance(m.time + PS)
    assert gen2.offered == 3 and not gen2.running
    with pytest.raises(RuntimeError):
        gen.start()
    with pytest.raises(ValueError):
        TrafficGenerator(m, rec, Flood(), frame_size=63)
    with pytest.raises(ValueError):
        TrafficGenerator(m, rec, Flood(), frame_size=1519)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32), size=st.integers(64, 1518),
       fps=st.integers(1, 3_000_000), kind=st.sampled_from(["const", "poisson"]))
def test_spacing_never_below_wire_time(seed: int, size: int, fps: int, kind: str) -> None:
    m = FakeMachine()
    pattern = ConstantRate(fps) if kind == "const" else Poisson(fps)
    gen = TrafficGenerator(m, Recorder(m), pattern, frame_size=size, link_bps=G, seed=seed)
    t = gen.arrival_times(200)
    assert t[0] >= wire_time_ps(size, G)
    assert all(y - x >= wire_time_ps(size, G) for x, y in zip(t, t[1:], strict=False))


def test_flood_into_fec_ring_overflows_and_counts_drops() -> None:
    m = RamMachine(0x10000000, 1 << 20)
    fec = ImxFEC(m)
    drv = Driver(m, fec, rx_n=16)
    gen = TrafficGenerator(m, fec, Flood(), link_bps=G, stop_ps=100 * 672_000, seed=1)
    gen.start()
    # A driver that polls 8 frames every 10 us cannot keep up with 1.49 Mpps.
    t = 0
    while t < 100 * 672_000:
        t += 10_000_000
        m.advance(t)
        drv.napi_poll(budget=8)
    drv.napi_poll(budget=1000)
    assert gen.offered == 100 == fec.rx_offered
    assert fec.rx_frames + fec.rx_dropped == 100 and fec.rx_dropped > 0
    seqs = [struct.unpack_from(">I", p, 14)[0] for p in drv.received]
    assert seqs == sorted(seqs) and len(seqs) == fec.rx_frames
    assert all(p[:6] == MAC for p in drv.received)
    assert fec.mmio_read(0, 0x2D8, 4) == fec.rx_dropped  # IEEE_R_MACERR
    assert drv.rdesc(RX_RING, 0)[1] & F.BD_ENET_RX_EMPTY
