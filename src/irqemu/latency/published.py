"""Published interrupt-latency and cyclictest figures, as typed data, with their setup.

Each :class:`Published` row is one measurement someone published: the figures (min,
avg, max in the unit they were printed in), the core, board, clock, kernel, load, the
tool and its command line exactly as published, and the source by title, section or
figure and URL (checked by :func:`irqemu.timing.costmodel.citation`). The command line
is the one place the options live: :func:`cyclictest_options` parses it the way
rt-tests' getopt does, so the reproduction (:mod:`irqemu.latency.validate`) cannot
drift from the published setup. ``unmodelled`` says what the setup has that the
model cannot reproduce.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

#: cyclictest's options that take an argument, that take an optional one (attached, or
#: the next word when it is a number: cyclictest.c reads argv[optind] itself), and flags
_ARG = {"p": "prio", "i": "interval_us", "l": "loops", "h": "histogram_us", "D": "duration"}
_OPTIONAL = {"t": "threads", "a": "affinity"}
_FLAGS = {"m": "mlockall", "n": "nanosleep", "q": "quiet", "s": "system", "S": "smp",
          "N": "nsecs"}
_LONG = {"--priority": "p", "--interval": "i", "--loops": "l", "--histogram": "h",
         "--threads": "t", "--affinity": "a", "--mlockall": "m", "--nanosleep": "n",
         "--quiet": "q", "--smp": "S", "--duration": "D"}


@dataclass(frozen=True)
class Published:
    """One published latency measurement and the setup it was taken with."""

    name: str
    #: ``cyclictest`` (wakeup latency), ``irq-latency`` (a Linux IRQ handler's latency
    #: from its timer's expiry) or ``irq-entry`` (bare metal, trigger to ISR)
    tool: str
    #: the command line as published (cyclictest), or the method in words (irq-entry)
    command: str
    core: str
    board: str
    #: the core clock the source states, or None when it does not state it
    clock_hz: int | None
    #: ``mainline``, ``rt`` or ``bare-metal``; and the version the source names
    kernel: str
    kernel_version: str
    load: str
    #: samples taken (loops per thread, or iterations; derived from the duration at the
    #: interval where the source gives a duration)
    samples: int
    unit: str
    #: None where the source does not give it
    min: int | None
    avg: int
    max: int
    #: what the source shows or says of the distribution
    shape: str
    #: title, section/figure/table and URL
    source: str
    #: what the setup has that the model does not reproduce
    unmodelled: tuple[str, ...]
    #: the irqemu board the reproduction runs on: ``arm`` (imx6q), ``x86`` (pc),
    #: ``arm64`` (virt-a53)
    arch: str
    #: what cyclictest prints for the threads' priority when it differs from the parse
    printed_prio: int | None = None
    #: the setup of a row that has no command line, as the source states it
    options: dict[str, Any] = field(default_factory=dict)

    def citation_entry(self) -> dict[str, Any]:
        """The row's citation in the shape :func:`~irqemu.timing.costmodel.citation` checks."""
        return {"source": self.source}


def _tokens(command: str) -> list[str]:
    words = shlex.split(command)
    if words[:1] == ["sudo"]:
        words = words[1:]
    if not words or not words[0].endswith("cyclictest"):
        raise ValueError(f"not a cyclictest command line: {command!r}")
    return words[1:]


def cyclictest_options(command: str) -> dict[str, Any]:
    """The options of a cyclictest command line, parsed as rt-tests' getopt does: short
    options cluster (``-smp`` is -s, -m and -p, whose argument is the next word),
    -t/-a take an attached argument or a following number. Unknown options raise."""
    words = _tokens(command)
    out: dict[str, Any] = {"operands": []}
    i = 0
    while i < len(words):
        w = words[i]
        i += 1
        if w.startswith("--"):
            name, _eq, val = w.partition("=")
            if name not in _LONG:
                raise ValueError(f"cyclictest option {name} is not modelled here")
            w = "-" + _LONG[name] + val
        if not w.startswith("-") or w == "-":
            out["operands"].append(w)
            continue
        j = 1
        while j < len(w):
            c = w[j]
            rest = w[j + 1:]
            if c in _ARG:
                if rest:
                    val = rest
                elif i < len(words):
                    val, i = words[i], i + 1
                else:
                    raise ValueError(f"cyclictest -{c} needs an argument")
                out[_ARG[c]] = val
                break
            if c in _OPTIONAL:
                if rest:
                    out[_OPTIONAL[c]] = rest
                    break
                if i < len(words) and words[i].isdigit():
                    out[_OPTIONAL[c]], i = words[i], i + 1
                else:
                    out[_OPTIONAL[c]] = ""
                j += 1
                continue
            if c in _FLAGS:
                out[_FLAGS[c]] = True
                j += 1
                continue
            raise ValueError(f"cyclictest option -{c} is not modelled here")
    return out


def _atoi(text: str) -> int:
    """C's atoi: the leading decimal digits (with a sign), 0 when there are none."""
    s = text.strip()
    sign = -1 if s[:1] == "-" else 1
    s = s[1:] if s[:1] in "+-" else s
    digits = ""
    for ch in s:
        if not ch.isdigit():
            break
        digits += ch
    return sign * int(digits) if digits else 0


def reproduction(row: Published, cpus: int = 4) -> dict[str, Any]:
    """The modelled cyclictest's options for ``row``, from its command line: priority,
    interval, threads (-S/-t without a number: one per CPU), histogram. The priority is
    cyclictest's: 0 defaults to threads + 1 ("defaulting realtime priority to N")."""
    o = cyclictest_options(row.command)
    threads = cpus if o.get("smp") or o.get("threads") == "" else _atoi(o.get("threads", "1"))
    prio = _atoi(o.get("prio", "0"))
    if prio <= 0:
        prio = threads + 1
    hist = o.get("histogram_us")
    return {"prio": prio, "interval_us": _atoi(o.get("interval_us", "1000")),
            "threads": max(1, threads), "histogram_us": _atoi(hist) if hist else None,
            "published_loops": _atoi(o["loops"]) if "loops" in o else None,
            "affinity": o.get("affinity")}


#: Every row found, with the figures as the source prints them.
PUBLISHED: tuple[Published, ...] = (
    Published(
        name="a9-baremetal-irq",
        tool="irq-entry",
        command="bare metal: a random number of random data and instruction accesses, "
                "then an interrupt is triggered; time from the trigger to the ISR, "
                "2,000,000 iterations, no cache or TLB lockdown",
        core="Cortex-A9", board="Xilinx Zynq-7000 (the board of the article series)",
        clock_hz=None,
        kernel="bare-metal", kernel_version="none (minimal bare-metal environment)",
        load="the random memory accesses before each trigger (caches and TLB disturbed)",
        samples=2_000_000, unit="cycles", min=154, avg=876, max=1778,
        shape="wide and bell shaped; the worst case far to the right, about once in 2 "
              "million iterations",
        source="JBLopen, 'Improving Interrupt Latency on the ARM Cortex-A9', Figure 1 "
               "(interrupt latency distribution, no lockdown: Min 154 Max 1778 Average "
               "876), https://www.jblopen.com/improving-interrupt-latency-on-the-cortex-a9/",
        unmodelled=("without --cache-model: the cache and TLB misses the random accesses "
                    "cause on the vector, the handler and its stack",
                    "how many random accesses precede a trigger (not published: the "
                    "reproduction draws 0-255 of each kind)",
                    "the ISR dispatch of JBLopen's environment before its ISR's first "
                    "instruction (the reproduction's handler reads the timer after its "
                    "register save)",
                    "the Zynq's clock, GIC and timer instead of the i.MX6Q's"),
        arch="arm", options={"max_accesses": 256, "seed": 1},
    ),
    Published(
        name="a9-socfpga-rt-cyclictest",
        tool="cyclictest",
        command="sudo ./cyclictest -smp -p 80 -n -i 10000 -l 10000",
        core="Cortex-A9 (dual)", board="Altera Cyclone V HPS (mksocfpga image)",
        clock_hz=None, kernel="rt", kernel_version="4.4.4 rt-preempt",
        load="idle (loadavg 0.83)", samples=10_000, unit="us", min=18, avg=28, max=211,
        shape="min/avg/max only (no histogram published)",
        source="machinekit/machinekit issue #792, 'improving latency results: not every "
               "tweak is known', comment of 2016-03-19 (mksocfpga test image, 4.4.4 "
               "rt-preempt kernel), https://github.com/machinekit/machinekit/issues/792",
        unmodelled=("a cold path after 10 ms asleep: cache and TLB misses from the timer "
                    "vector through the scheduler to user space", "DRAM latency",
                    "cpuidle exit from WFI", "user space (glibc clock_nanosleep, the "
                    "syscall entry) beyond one estimated entry",
                    "the Cyclone V's clock (not stated) and GIC; the model runs the "
                    "i.MX6Q at 792 MHz", "Linux 4.4.4-rt vs the model's 4.6-rt"),
        arch="arm", printed_prio=2,
    ),
    Published(
        name="x86-rt-cyclictest-isolated",
        tool="cyclictest",
        command="cyclictest -p 98 -a 1 -t 1 -n -h 200 -q -i 200",
        core="Intel x86_64, 8 cores (model not stated)", board="Shuttle PC",
        clock_hz=None, kernel="rt", kernel_version="PREEMPT_RT (version not stated)",
        load="idle, isolated CPUs", samples=298_500_000, unit="us", min=1, avg=1, max=14,
        shape="min/avg/max of a 16 h 35 min run, about 298.5 million wakeups at 200 us "
              "(histogram not published)",
        source="OSIE project blog, 'TSN results on the A20-OLinuXino-LIME2', wake-up "
               "latency table (x86_64 Shuttle row, 16h35), "
               "https://www.osie-project.eu/P-OSIE.Blog.TSN.Results.Lime2",
        unmodelled=("thread pinned to CPU 1 (-a 1): the model's thread i runs on CPU i",
                    "cache misses, SMIs and C-state exits over 16 hours",
                    "the CPU's model and clock (not stated; the model is a 4 GHz Skylake)"),
        arch="x86",
    ),
    Published(
        name="imx6q-irq-idle-boards-1-2",
        tool="irq-latency",
        command="a Linux IRQ handler of the CPU's private watchdog (timer mode, auto "
                "reload, 1 kHz) on CPU3 (isolcpus) reads the counter: latency from the "
                "timer's expiry to the handler, about 250,000 interrupts",
        core="Cortex-A9 (quad)", board="i.MX6Q, the poster's boards 1 and 2",
        clock_hz=998_000_000, kernel="mainline",
        kernel_version="Linux of 2014, version and preemption model not stated",
        load="idle", samples=250_000, unit="ns", min=None, avg=1239, max=8731,
        shape="average and maximum only; boards 3 and 4 of the same design: same "
              "average, max 28,151 ns",
        source="NXP Community thread 329106, 'FIQ and IRQ latency differences between "
               "different i.MX6 CPUs' (Aug 2014), question, 'Board1 + 2: IRQ when idle', "
               "https://community.nxp.com/thread/329106",
        unmodelled=("the published path is a plain handler; the model's timer callback "
                    "runs under hrtimer_interrupt (about 210 modelled cycles more)",
                    "cache and TLB misses of the handler after 1 ms of other work",
                    "other interrupts and masked sections of a real kernel on that CPU"),
        arch="arm", options={"period_us": 1000, "cpu": 3, "cpus": 4, "load": "idle"},
    ),
    Published(
        name="imx6q-irq-idle-boards-3-4",
        tool="irq-latency",
        command="as imx6q-irq-idle-boards-1-2, on the poster's boards 3 and 4",
        core="Cortex-A9 (quad)", board="i.MX6Q, the poster's boards 3 and 4",
        clock_hz=998_000_000, kernel="mainline",
        kernel_version="Linux of 2014, version and preemption model not stated",
        load="idle", samples=250_000, unit="ns", min=None, avg=1249, max=28151,
        shape="average and maximum only: the same average as boards 1 and 2 with a "
              "3x longer worst case",
        source="NXP Community thread 329106, 'FIQ and IRQ latency differences between "
               "different i.MX6 CPUs' (Aug 2014), question, 'Board 3 + 4: IRQ when idle', "
               "https://community.nxp.com/thread/329106",
        unmodelled=("as imx6q-irq-idle-boards-1-2", "whatever differs between the two "
                    "pairs of boards (the thread asks; DRAM timing or the L2 setup would "
                    "change the tail and not the average)"),
        arch="arm", options={"period_us": 1000, "cpu": 3, "cpus": 4, "load": "idle"},
    ),
    Published(
        name="am62x-a53-rt-cyclictest-stress",
        tool="cyclictest",
        command="cyclictest -m -Sp98 -D6h -h400 -i200 -q",
        core="Cortex-A53 (quad) at 1.4 GHz", board="TI AM62x SK",
        clock_hz=1_400_000_000, kernel="rt",
        kernel_version="Processor SDK RT-linux 10.01 (kernel version not stated there)",
        load="stress-ng --cpu-method=all -c 4 (CPU-bound, SCHED_OTHER, all 4 CPUs)",
        samples=108_000_000, unit="us", min=4, avg=6, max=69,
        shape="per core min 5,5,4,4 / avg 7,5,6,6 / max 69,51,62,50 (6 h, about 108 "
              "million wakeups per core at 200 us); min and max here are the extremes over the "
              "cores, avg the mean of the per-core averages",
        source="TI Processor SDK Linux AM62x, 'RT-linux 10.01 Performance Guide', section "
               "'System Benchmarks: Stress-ng and Cyclic Test', https://github.com/"
               "TexasInstruments/processor-sdk-doc/blob/2d77bd9d4618a2faf928bf15e8fe1e1c0"
               "fb2d15c/source/devices/AM62X/linux/RT_Linux_Performance_Guide.rst",
        unmodelled=("stress-ng's CPU methods (SCHED_OTHER compute on every CPU): the "
                    "reproduction runs --load hog (a SCHED_FIFO 50 busy loop per CPU in "
                    "500-cycle slices), the nearest load the tools have",
                    "the AM62x's GICv3 and 200 MHz system counter: the model's virt board "
                    "has a GICv2 and QEMU's 62.5 MHz counter",
                    "cache misses, other interrupts and kernel threads over 6 hours",
                    "Linux 6.x-rt vs the model's 4.6-rt"),
        arch="arm64", options={"load": "hog"},
    ),
)


def by_name(name: str) -> Published:
    """The row called ``name``; a ValueError listing the names otherwise."""
    for row in PUBLISHED:
        if row.name == name:
            return row
    raise ValueError(f"no published row {name!r} (known: "
                     f"{', '.join(r.name for r in PUBLISHED)})")


__all__ = ["PUBLISHED", "Published", "by_name", "cyclictest_options", "reproduction"]
