"""Deterministic Ethernet traffic for the FEC model: rates, bursts, Poisson, floods.

A ``TrafficGenerator`` plays one arrival pattern into a target's
``receive(frame)`` (``ImxFEC.receive``) through the machine's event queue.
One event stands for the next arrival; when it fires it also delivers the
arrivals after it that the queue would fire in the same pop, with nothing
between them (those due by the machine's ``now``, before its next other
event), in order, so receivers see exactly what one event per frame shows
them. A target that says it ``drops(frame)`` (the FEC with no free
descriptor) has the rest of such a run counted with one ``drop(frame, n)``.
Times are integer picoseconds of simulated time; the Poisson pattern draws
from its own ``random.Random(seed)``, never the global generator or the host
clock, so a seed gives the same schedule every run.

The wire is modelled: a frame of ``frame_size`` bytes (with FCS, 64..1518)
occupies (frame_size + 20) * 8 bits of line time (preamble, SFD and
inter-frame gap), so a 64-byte frame takes 672 ns at 1 Gbit/s and the line
carries at most 1,488,095 such frames/s (148,810 at 100 Mbit/s). Each pattern
gives *nominal* start times; a frame whose nominal start falls while the line
is busy waits for it (it queues at the sender), and its ``receive`` is called
when its last bit arrives. Rates above line rate are so clamped to line rate,
and ``Flood`` is line rate exactly.

Frames are valid Ethernet II frames without FCS (the MAC appends it):
destination, source, EtherType 0x88B5 (IEEE local experimental), then a
big-endian 32-bit sequence number (the frame's index, from 0), the 16-bit
stream id and a fixed byte pattern.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol, cast

from irqemu.devices.imx_fec import ETH_FCS_LEN, PS_PER_S, WIRE_OVERHEAD, wire_time_ps
from irqemu.sim.events import Event

ETH_P_EXPERIMENTAL = 0x88B5
MIN_FRAME, MAX_FRAME = 64, 1518
SEQ_OFFSET = 14  #: the sequence number follows the Ethernet header
BROADCAST = b"\xff" * 6
_SEQ = struct.Struct(">I")


def line_rate_fps(frame_size: int, bps: int) -> Fraction:
    """Frames per second a line of ``bps`` carries back to back (exact)."""
    return Fraction(bps, (frame_size + WIRE_OVERHEAD) * 8)


def frame_seq(frame: bytes) -> int:
    """The sequence number a generated frame carries."""
    return int(struct.unpack_from(">I", frame, SEQ_OFFSET)[0])


class FrameSink(Protocol):
    def receive(self, frame: bytes) -> bool: ...


class DroppingSink(FrameSink, Protocol):
    """A sink that can tell when it only counts arrivals (no free descriptor, say)."""

    def drops(self, frame: bytes) -> bool:
        """Would ``frame``, and any frame with its header and length, arriving now
        only be counted as dropped (nothing written, nothing raised)?"""
        ...

    def drop(self, frame: bytes, count: int) -> None:
        """``count`` such frames arrive now: count them as ``receive`` would."""
        ...


class Machine(Protocol):
    def now(self, cpu: int | None = None) -> int: ...

    def schedule(self, when: int, fn: Callable[[], None], name: str = "") -> Event: ...


# -- patterns: nominal start offsets (ps from the generator's start) ----------------
@dataclass(frozen=True)
class ConstantRate:
    """``fps`` frames per second, evenly spaced (frame k nominally at ceil(k / fps))."""

    fps: int | float | Fraction

    def starts(self, rng: random.Random) -> Iterator[int]:
        if self.fps <= 0:
            raise ValueError("rate must be positive")
        period = Fraction(PS_PER_S) / Fraction(self.fps)
        k = 0
        while True:
            yield -(-k * period.numerator // period.denominator)
            k += 1


@dataclass(frozen=True)
class Bursts:
    """``frames`` frames back to back at the start of every ``period_ps``."""

    frames: int
    period_ps: int

    def starts(self, rng: random.Random) -> Iterator[int]:
        if self.frames <= 0 or self.period_ps <= 0:
            raise ValueError("bursts need frames > 0 and period_ps > 0")
        b = 0
        while True:
            for _ in range(self.frames):
                yield b * self.period_ps
            b += 1


@dataclass(frozen=True)
class Poisson:
    """Poisson arrivals of mean rate ``fps``: exponential gaps from the seeded RNG."""

    fps: float

    def starts(self, rng: random.Random) -> Iterator[int]:
        if self.fps <= 0:
            raise ValueError("rate must be positive")
        t = 0
        while True:
            t += round(rng.expovariate(self.fps) * PS_PER_S)
            yield t


@dataclass(frozen=True)
class Flood:
    """A denial-of-service flood: frames back to back at line rate."""

    def starts(self, rng: random.Random) -> Iterator[int]:
        while True:
            yield 0


Pattern = ConstantRate | Bursts | Poisson | Flood


class TrafficGenerator:
    """Plays ``pattern`` into ``target.receive`` from ``start_ps`` until ``stop_ps``.

    ``start_ps`` None is the machine's time when the generator is made; the
    first frame's last bit arrives one wire time after its nominal start.

    ``offered`` counts frames handed to the target, ``accepted`` those for
    which it returned True. ``dst`` None addresses each frame to the target's
    ``mac_address`` (the FEC's PALR/PAUR at that moment), else broadcast.
    Frames whose last bit would arrive after ``stop_ps`` (or beyond
    ``max_frames``) are not sent. ``arrival_times(n)`` previews the schedule.
    """

    def __init__(
        self,
        machine: Machine,
        target: FrameSink,
        pattern: Pattern,
        *,
        frame_size: int = MIN_FRAME,
        link_bps: int = 1_000_000_000,
        start_ps: int | None = None,
        stop_ps: int | None = None,
        max_frames: int | None = None,
        seed: int = 0,
        dst: bytes | None = None,
        src: bytes = b"\x02\x00\x00\x00\x00\x01",
        stream: int = 0,
        name: str = "traffic",
    ) -> None:
        if not MIN_FRAME <= frame_size <= MAX_FRAME:
            raise ValueError(f"frame size {frame_size}: {MIN_FRAME}..{MAX_FRAME} bytes")
        if link_bps <= 0:
            raise ValueError("link speed must be positive")
        if len(src) != 6 or (dst is not None and len(dst) != 6):
            raise ValueError("MAC addresses are 6 bytes")
        self.machine = machine
        self.target = target
        self.pattern = pattern
        self.frame_size = frame_size
        self.link_bps = link_bps
        self.wire_ps = wire_time_ps(frame_size, link_bps)
        self.start_ps = machine.now() if start_ps is None else start_ps
        self.stop_ps = stop_ps
        self.max_frames = max_frames
        self.seed = seed
        self.dst = dst
        self.name = name
        self.offered = 0
        self.accepted = 0
        self.last_arrival: int | None = None
        self._event: Event | None = None
        self._times: _Arrivals | None = None
        self._next_time: int | None = None
        self._peek: Callable[[], int | None] | None = None  #: the queue's peek_time
        self._drops: Callable[[bytes], bool] | None = None  #: the target's drops, if any
        self._drop: Callable[[bytes, int], None] = lambda frame, count: None  #: and its drop
        self._native: Any = None  #: the target's one-call event (``native_run``), if any
        n = frame_size - ETH_FCS_LEN
        body = bytearray(i & 0xFF for i in range(n))
        body[0:6] = dst or BROADCAST
        body[6:12] = src
        body[12:14] = struct.pack(">H", ETH_P_EXPERIMENTAL)
        body[SEQ_OFFSET + 4 : SEQ_OFFSET + 6] = struct.pack(">H", stream & 0xFFFF)
        self._template = body
        self._dst_written: bytes | None = None  #: the destination in the template

    # -- schedule -------------------------------------------------------------------
    def _arrivals(self) -> _Arrivals:
        """End-of-frame times: nominal start + wire time, never before the line is free."""
        if type(self.pattern) is ConstantRate and self.max_frames is None:
            if self._native is not None:
                return self._native_arrivals(self.pattern)
            return _ConstantArrivals(self.pattern, self.start_ps, self.wire_ps, self.stop_ps)
        return _Arrivals(self._pattern_arrivals())

    def _pattern_arrivals(self) -> Iterator[int]:
        rng = random.Random(self.seed)
        wire = self.wire_ps
        free = self.start_ps
        for k, offset in enumerate(self.pattern.starts(rng)):
            if self.max_frames is not None and k >= self.max_frames:
                return
            end = max(self.start_ps + offset, free) + wire
            if self.stop_ps is not None and end > self.stop_ps:
                return
            free = end
            yield end

    def arrival_times(self, count: int) -> list[int]:
        """The first ``count`` arrival times this generator produces (a fresh replay)."""
        times = self._arrivals()
        out: list[int] = []
        while len(out) < count:
            t = times.next()
            if t is None:
                break
            out.append(t)
        return out

    def frame(self, seq: int) -> bytes:
        """Frame number ``seq``, as it is sent."""
        body = self._template
        if self.dst is None:
            mac = getattr(self.target, "mac_address", BROADCAST)
            if mac is not self._dst_written:  # (the same bytes object: already there)
                body[0:6] = self._dst_written = mac
        _SEQ.pack_into(body, SEQ_OFFSET, seq & 0xFFFFFFFF)
        return bytes(body)

    # -- running ----------------------------------------------------------------------
    def start(self) -> None:
        """Schedule the first arrival (call once; ``stop`` cancels what is left)."""
        if self._times is not None:
            raise RuntimeError(f"{self.name} already started")
        self._native = self._native_run()
        self._times = self._arrivals()
        events = getattr(self.machine, "events", None)
        self._peek = None if events is None else events.peek_time
        self._drops = getattr(self.target, "drops", None)
        if self._drops is not None:
            self._drop = cast(DroppingSink, self.target).drop
        self._schedule(self._times.next())

    def _native_run(self) -> Any:
        """The target's event in one native call (the FEC's ``native_run``: a
        ``_core.fecring.RxRun``) for a constant rate whose period fits 64 bits, or
        None: ``_fire`` below is the reference, and runs otherwise."""
        make = getattr(self.target, "native_run", None)
        if make is None or type(self.pattern) is not ConstantRate or self.max_frames is not None:
            return None
        if self.pattern.fps <= 0:
            return None  # (the Python arrivals raise)
        period = Fraction(PS_PER_S) / Fraction(self.pattern.fps)
        if max(period.numerator, period.denominator) >= 1 << 62:
            return None
        return make(bytes(self._template), self.dst is None)

    def _native_arrivals(self, pattern: ConstantRate) -> Any:
        from irqemu._core.fecring import ConstantArrivals

        period = Fraction(PS_PER_S) / Fraction(pattern.fps)
        return ConstantArrivals(period.numerator, period.denominator, self.start_ps,
                                self.wire_ps, self.stop_ps)

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        self._times = _Arrivals(iter(()))

    @property
    def running(self) -> bool:
        return self._event is not None

    def _schedule(self, t: int | None) -> None:
        self._next_time = t
        self._event = None if t is None else self.machine.schedule(t, self._fire, self.name)

    def _fire(self) -> None:
        """The arrival due now, then each one after it that the queue would fire in the
        same pop with no other event between: due by the machine's now and before its
        next event (one at the same time was scheduled first, so it fires first).
        With a native run (``_native``) the whole event is one call."""
        native = self._native
        if native is not None:
            t = native.fire(self, self._times)
            if t is False:
                return  # the receiver stopped the generator
            self._next_time = t
            self._event = None if t is None else self.machine.schedule(t, self._fire, self.name)
            return
        times = self._times
        assert times is not None
        t = self._next_time
        assert t is not None
        target = self.target
        drops = self._drops
        limit = self.machine.now()
        peek = self._peek
        nxt = None if peek is None else peek()
        if nxt is not None and nxt <= limit:
            limit = nxt - 1
        frame_of = self.frame
        frame = frame_of(self.offered)
        dropping = drops is not None and drops(frame)
        while True:
            self.last_arrival = t
            if dropping:  # the rest of the run: counted at once
                n, last, t = times.skip_until(limit)
                self._drop(frame, 1 + n)
                self.offered += 1 + n
                if last is not None:
                    self.last_arrival = last
                break
            self.offered += 1
            if target.receive(frame):
                self.accepted += 1
            if self._times is not times:
                return  # the receiver stopped the generator
            t = times.next()
            if t is None or t > limit:
                break
            nxt = None if peek is None else peek()  # the receive may have scheduled one
            if nxt is not None and nxt <= limit:
                limit = nxt - 1
                if t > limit:
                    break
            # the next frame, unless the target now drops frames like this one (the
            # same header and length): then the one just sent stands for them
            dropping = drops is not None and drops(frame)
            if not dropping:
                frame = frame_of(self.offered)
        self._next_time = t  # _schedule(t), written out
        self._event = None if t is None else self.machine.schedule(t, self._fire, self.name)


class _Arrivals:
    """A generator's end-of-frame times, one at a time, or a run of them skipped."""

    def __init__(self, times: Iterator[int]) -> None:
        self._times = times

    def next(self) -> int | None:
        return next(self._times, None)

    def skip_until(self, limit: int) -> tuple[int, int | None, int | None]:
        """Consume every arrival at or before ``limit``: (how many, the last of them,
        the first one after ``limit`` or None when the pattern has ended)."""
        n, last = 0, None
        while True:
            t = self.next()
            if t is None or t > limit:
                return n, last, t
            n, last = n + 1, t


class _ConstantArrivals(_Arrivals):
    """:class:`ConstantRate`'s arrivals (the storms' pattern): frame k starts at
    ceil(k * period), or when the line is free. While the period is at least a
    wire time the line is always free by then, and a run is skipped in O(1)."""

    def __init__(self, pattern: ConstantRate, start: int, wire: int, stop: int | None) -> None:
        if pattern.fps <= 0:
            raise ValueError("rate must be positive")
        period = Fraction(PS_PER_S) / Fraction(pattern.fps)
        self._num, self._den = period.numerator, period.denominator
        self._start, self._wire, self._stop = start, wire, stop
        self._free = start
        self._k = 0
        self._done = False
        self._spaced = self._num // self._den >= wire  #: no frame ever waits for the line

    def next(self) -> int | None:
        if self._done:
            return None
        k = self._k
        start = self._start - (-k * self._num // self._den)
        end = (start if start > self._free else self._free) + self._wire
        if self._stop is not None and end > self._stop:
            self._done = True
            return None
        self._free = end
        self._k = k + 1
        return end

    def skip_until(self, limit: int) -> tuple[int, int | None, int | None]:
        if not self._spaced or self._done:
            return super().skip_until(limit)
        # end(k) = start + ceil(k * num / den) + wire <= limit  <=>  k * num <= x * den
        x = (limit if self._stop is None else min(limit, self._stop)) - self._start - self._wire
        last_k = x * self._den // self._num if x >= 0 else -1
        n, last = 0, None
        if last_k >= self._k:
            n = last_k - self._k + 1
            last = self._start - (-last_k * self._num // self._den) + self._wire
            self._k, self._free = last_k + 1, last
        return n, last, self.next()
