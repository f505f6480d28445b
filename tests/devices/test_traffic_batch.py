"""The traffic generator's runs: one event delivers every arrival the queue would fire in
the same pop, and a FEC with no free descriptor has the rest counted at once; what the
FEC and its driver see is what one event per frame gives them."""

from __future__ import annotations

import struct
from typing import Any

from fakemem import RamMachine
from hypothesis import given, settings
from hypothesis import strategies as st
from test_imx_fec import Driver

from irqemu.devices.imx_fec import ImxFEC
from irqemu.devices.traffic import (
    Bursts,
    ConstantRate,
    Flood,
    Pattern,
    Poisson,
    TrafficGenerator,
    _ConstantArrivals,
)

US = 1_000_000
G = 1_000_000_000
MIB = {"RMON_R_PACKETS": 0x284, "RMON_R_OCTETS": 0x2C4, "IEEE_R_MACERR": 0x2D8,
       "IEEE_R_FRAME_OK": 0x2CC}


class StepMachine(RamMachine):
    """Pops the queue as a core's catch_up does: everything due by a step's end, in
    order, each event seeing that end as ``now``."""

    def step(self, to: int) -> int:
        self.time = max(self.time, to)
        fired = 0
        ev = self.events.pop_due(self.time)
        while ev is not None:
            fired += 1
            ev.fn()
            ev = self.events.pop_due(self.time)
        return fired


def storm(pattern: Pattern, polls: list[tuple[int, int]], *, stepped: bool,
          rx_n: int = 8) -> dict[str, Any]:
    """``pattern`` into a FEC whose driver polls (at, budget) as events of their own;
    the queue popped per event at its own time, or in steps of 7 us."""
    m = StepMachine(0x10000000, 1 << 20)
    fec = ImxFEC(m)
    drv = Driver(m, fec, rx_n=rx_n)
    gen = TrafficGenerator(m, fec, pattern, stop_ps=200 * US, seed=3)
    gen.start()
    fires = [0]
    fire = gen._fire

    def counted() -> None:
        fires[0] += 1
        fire()

    gen._fire = counted  # type: ignore[method-assign]
    for at, budget in polls:
        m.schedule(at, lambda b=budget: drv.napi_poll(budget=b), "poll")
    if stepped:
        t = 0
        while t < 210 * US:
            t += 7 * US
            m.step(t)
    else:
        m.advance(210 * US)
    return {
        "seqs": [struct.unpack_from(">I", p, 14)[0] for p in drv.received],
        "counts": (gen.offered, gen.accepted, gen.last_arrival, fec.rx_offered,
                   fec.rx_frames, fec.rx_dropped, dict(fec.rx_drop_reasons)),
        "mib": {n: fec.mmio_read(0, off, 4) for n, off in MIB.items()},
        "fires": fires[0],
    }


patterns = st.one_of(
    st.builds(ConstantRate, st.integers(50_000, 3_000_000)),
    st.builds(Poisson, st.integers(50_000, 2_000_000).map(float)),
    st.builds(Bursts, st.integers(1, 20), st.integers(1, 40).map(lambda n: n * US)),
    st.just(Flood()),
)
poll_lists = st.lists(st.tuples(st.integers(0, 200 * US), st.integers(1, 16)), max_size=30)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(pattern=patterns, polls=poll_lists)
def test_stepped_pops_see_what_one_event_per_frame_gives(pattern: Pattern,
                                                         polls: list[tuple[int, int]]) -> None:
    one = storm(pattern, polls, stepped=False)
    run = storm(pattern, polls, stepped=True)
    assert {k: run[k] for k in ("seqs", "counts", "mib")} == \
        {k: one[k] for k in ("seqs", "counts", "mib")}


def test_a_line_rate_storm_takes_few_events_and_counts_every_drop() -> None:
    polls = [(t * US, 4) for t in range(10, 200, 10)]
    one = storm(Flood(), polls, stepped=False)
    run = storm(Flood(), polls, stepped=True)
    assert run["seqs"] == one["seqs"] and run["counts"] == one["counts"]
    assert run["mib"] == one["mib"]
    offered, accepted = one["counts"][0], one["counts"][1]
    assert offered == 297 and 0 < accepted < offered // 2  # 200 us at 672 ns
    assert one["fires"] > offered * 0.9  # popped at each event's own time: a frame each
    assert run["fires"] < offered // 3  # a run per 7 us pop (and per poll within it)
    assert one["mib"]["IEEE_R_MACERR"] == offered - accepted


@settings(max_examples=60, deadline=None, derandomize=True)
@given(fps=st.integers(1_000, 3_000_000), start=st.integers(0, 10**7),
       stop=st.one_of(st.none(), st.integers(0, 10**9)),
       limits=st.lists(st.integers(0, 10**9), min_size=1, max_size=8))
def test_constant_runs_skip_as_stepping_does(fps: int, start: int, stop: int | None,
                                             limits: list[int]) -> None:
    wire = 672_000
    fast = _ConstantArrivals(ConstantRate(fps), start, wire, stop)
    slow = _ConstantArrivals(ConstantRate(fps), start, wire, stop)
    for limit in sorted(limits):
        n, last = 0, None
        while True:  # one arrival at a time
            t = slow.next()
            if t is None or t > limit:
                break
            n, last = n + 1, t
        assert fast.skip_until(limit) == (n, last, t)
        if t is None:
            break


class Ring:
    """A sink with ``slots`` free buffers; each frame it takes frees its buffer with an
    event ``hold`` ps after the frame arrived (scheduled from inside ``receive``)."""

    mac_address = b"\x02\x00\x00\x00\x00\x02"

    def __init__(self, m: StepMachine, slots: int, hold: int) -> None:
        self.m, self.free, self.hold = m, slots, hold
        self.gen: TrafficGenerator | None = None
        self.taken: list[int] = []
        self.dropped = 0

    def drops(self, frame: bytes) -> bool:
        return self.free == 0

    def drop(self, frame: bytes, count: int) -> None:
        self.dropped += count

    def receive(self, frame: bytes) -> bool:
        if self.free == 0:
            self.dropped += 1
            return False
        assert self.gen is not None and self.gen.last_arrival is not None
        self.free -= 1
        self.taken.append(struct.unpack_from(">I", frame, 14)[0])
        self.m.schedule(self.gen.last_arrival + self.hold, self._release, "release")
        return True

    def _release(self) -> None:
        self.free += 1


@settings(max_examples=20, deadline=None, derandomize=True)
@given(slots=st.integers(1, 4), hold=st.integers(1, 3_000_000),
       fps=st.integers(200_000, 1_488_095))
def test_a_run_stops_at_an_event_its_own_receive_scheduled(slots: int, hold: int,
                                                          fps: int) -> None:
    out = []
    for stepped in (False, True):
        m = StepMachine()
        ring = Ring(m, slots, hold)
        gen = TrafficGenerator(m, ring, ConstantRate(fps), stop_ps=100 * US)
        ring.gen = gen
        gen.start()
        if stepped:
            for t in range(5 * US, 105 * US, 5 * US):
                m.step(t)
        else:
            m.advance(105 * US)
        out.append((ring.taken, ring.dropped, gen.offered, gen.accepted))
    assert out[0] == out[1]
    assert out[0][0] and out[0][1] + len(out[0][0]) == out[0][2]
