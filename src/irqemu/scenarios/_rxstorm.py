"""What the two NAPI receive-storm scenarios share (napi-storm on the i.MX6 FEC,
e1000e-storm on the pc's 82574L): the talk's kprobes and stackcount, traffic
played in phases (a calm one, then the storm), and the figures and text made
from them. Each scenario keeps its own board, origin rule and checks."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import CodeType, FrameType
from typing import Any

from irqemu.kernel import Kernel
from irqemu.kernel.context import FRAME_RUN, KFUNC_CODES
from irqemu.trace.kprobes import Kprobe
from irqemu.trace.stackcount import StackCount

KSOFT = "__raise_softirq_irqoff_ksoft"
COMPLETE = "napi_complete_done"
PS_PER_MS = 10**9
START_PS = 200 * 10**6  #: the traffic starts 200 us into the run (the driver is open by then)
ORIGINS = ("irq_exit", "irq thread", "ksoftirqd", "other")


#: code flags of frames another caller can resume (generators, coroutines)
_RESUMABLE = 0x20 | 0x80 | 0x200


class PollStackCount(StackCount):
    """A stackcount that walks the stack once per calling frame: every call of the
    probed function from one live frame (a driver's poll loop, one packet after
    another) has the same frames above it, since none of them can return or be
    resumed elsewhere while that frame runs. Counts exactly what StackCount counts."""

    def __init__(self, kernel: Kernel, functions: list[str] | str) -> None:
        super().__init__(kernel, functions)
        self._caller: FrameType | None = None  #: the frame the last walk was made under
        self._stack: tuple[str, ...] = ()
        self._code: CodeType | None = None  #: the probed function's code, at that walk

    def _hit(self, kernel: Kernel, name: str, *args: Any) -> None:
        f = sys._getframe(2)  # this probe <- fentry <- the probed function
        caller = f.f_back
        if caller is self._caller and f.f_code is self._code:  # checked at its first hit
            self.counts[self._stack] += 1
            return
        if (caller is None or KFUNC_CODES.get(f.f_code) != name
                or caller.f_code.co_flags & _RESUMABLE
                or KFUNC_CODES.get(caller.f_code) is FRAME_RUN):
            super()._hit(kernel, name, *args)  # not a plain call: the whole walk each time
            return
        frames = kernel.stack()
        if not frames or frames[0] != name:
            frames = [name, *frames]
        self._caller, self._code, self._stack = caller, f.f_code, tuple(frames)
        self.counts[self._stack] += 1


#: the stackcount attach_probes makes: PollStackCount, or StackCount (the reference)
STACKCOUNT: type[StackCount] = PollStackCount


def attach_probes(k: Kernel, receive_fn: str) -> tuple[StackCount, Kprobe, Kprobe]:
    """The talk's instruments: stackcount on ``receive_fn``, kprobes on KSOFT and COMPLETE."""
    return (STACKCOUNT(k, receive_fn).attach(), Kprobe(k, KSOFT).register(),
            Kprobe(k, COMPLETE).register())


@contextmanager
def reference_rx_paths() -> Iterator[None]:
    """Runs made inside use the Python reference of every per-frame fast path: the
    FEC's receive and fec_enet_rx_queue's loop without the native ring view, a
    stackcount that walks the whole stack at each hit (tests, benchmarks)."""
    from irqemu.devices import imx_fec
    from irqemu.kernel.drivers import fec

    global STACKCOUNT
    held = imx_fec.RX_PATH, fec.RX_PATH, STACKCOUNT
    imx_fec.RX_PATH = fec.RX_PATH = "reference"
    STACKCOUNT = StackCount
    try:
        yield
    finally:
        imx_fec.RX_PATH, fec.RX_PATH, STACKCOUNT = held


def play_phases(m: Any, dev: Any, phases: Sequence[tuple[float, float]], *, frame_size: int,
                seed: int) -> tuple[list[Any], int, int]:
    """Traffic generators for ``phases`` of (frames per second, ms) back to back from
    START_PS: (the generators, when the last phase ends, when it starts)."""
    from irqemu.devices.traffic import ConstantRate, TrafficGenerator

    gens = []
    t = START_PS
    for i, (rate, ms) in enumerate(phases):
        end = t + int(ms * PS_PER_MS)
        if rate > 0:
            g = TrafficGenerator(m, dev, ConstantRate(int(rate)), frame_size=frame_size,
                                 start_ps=t, stop_ps=end, seed=seed + i, name=f"traffic{i}")
            g.start()
            gens.append(g)
        t = end
    storm_at = START_PS + int(sum(ms for _r, ms in phases[:-1]) * PS_PER_MS)
    return gens, t, storm_at


def kstat(k: Kernel, irq: int) -> int:
    """/proc/interrupts' count of ``irq``, all CPUs (0 if it has no descriptor yet)."""
    desc = k.irq_descs.get(irq)
    return sum(desc.kstat_irqs) if desc is not None else 0


def count_origins(counts: Counter[tuple[str, ...]],
              origin: Callable[[tuple[str, ...]], str]) -> dict[str, int]:
    """Receives per ORIGINS entry, each stack's origin named by ``origin``."""
    out = dict.fromkeys(ORIGINS, 0)
    for stack, n in counts.items():
        out[origin(stack)] += n
    return out


def bcc_format(receive_fn: str, counts: Counter[tuple[str, ...]], top: int | None = None) -> str:
    """bcc stackcount's layout: stacks by ascending count (the last ``top`` only, if given)."""
    lines = [f'Tracing 1 functions for "{receive_fn}"... Hit Ctrl-C to end.', "^C"]
    ranked = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]))
    for stack, n in ranked if top is None else ranked[-top:]:
        lines.extend(f"  {f}" for f in stack)
        lines += [f"    {n}", ""]
    lines.append("Detaching...")
    return "\n".join(lines)


def kprobe_facts(snap: dict[str, int], ksoft: Kprobe, complete: Kprobe) -> dict[str, Any]:
    """The ``kprobes`` entry of ``--json``: each probe's hits before the storm and during it."""
    return {
        KSOFT: {"calm": snap.get("ksoft", 0), "storm": ksoft.hits - snap.get("ksoft", 0)},
        COMPLETE: {"calm": snap.get("complete", 0),
                   "storm": complete.hits - snap.get("complete", 0)},
    }


def calm_problems(facts: dict[str, Any]) -> list[str]:
    """Without a storm every frame should have its interrupt (NAPI completes each poll)."""
    calm = facts["calm"]
    if calm["receives"] and calm["interrupts"] < 0.9 * calm["receives"]:
        return [f"calm phase: {calm['interrupts']} interrupts for {calm['receives']} "
                "frames (expected one per frame)"]
    return []


__all__ = ["COMPLETE", "KSOFT", "ORIGINS", "PS_PER_MS", "START_PS", "PollStackCount",
           "attach_probes", "reference_rx_paths",
           "bcc_format", "calm_problems", "count_origins", "kprobe_facts", "kstat", "play_phases"]
