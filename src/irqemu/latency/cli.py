"""``irqemu timerlat`` and ``irqemu cyclictest``: their own argument parsers (cyclictest's
``-h`` is its histogram, as in rt-tests), their text and ``--json`` output."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from irqemu.cliargs import EXIT_USAGE, OneLineParser, cache_option, float_in, int_in
from irqemu.latency.loads import LOADS

BOARDS = {"imx6q": "arm", "pc": "x86"}


def _common(p: argparse.ArgumentParser) -> None:
    """The options both tools share: kernel, load, board, engine, JSON."""
    p.add_argument("--kernel", choices=("mainline", "threadirqs", "rt"), default="mainline",
                   help="the kernel flavour (default mainline)")
    p.add_argument("--version", choices=("4.6", "6.x"), default="4.6",
                   help="the modelled kernel version (default 4.6)")
    p.add_argument("--load", choices=LOADS, default="idle",
                   help="what runs beside: idle, storm (FEC on imx6q, e1000e on pc), mask "
                        "(masked sections), smi, hog (SCHED_FIFO 50 busy loop)")
    p.add_argument("--rate", type=float_in(0, 2_000_000, unit="frames/s"), metavar="FPS",
                   help="frames per second of --load storm (default 1,000,000 on imx6q, "
                        "300,000 on pc)")
    p.add_argument("--arch", choices=("arm", "x86"), help="arm: the i.MX6Q (default); "
                   "x86: the pc")
    p.add_argument("--board", choices=tuple(BOARDS), help="imx6q or pc (as --arch)")
    p.add_argument("--engine", choices=("native", "reference"), default="native",
                   help="native (Cython) or pure-Python reference engine")
    p.add_argument("--seed", type=int_in(0, 2**32 - 1), default=0,
                   help="the traffic generator's seed (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    cache_option(p)
    from irqemu.plot import plot_file

    p.add_argument("--plot", type=plot_file, metavar="FILE.png|.svg",
                   help="also draw the latency histogram per CPU (thread) to FILE")


def _arch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    if args.board is not None:
        arch = BOARDS[args.board]
        if args.arch is not None and args.arch != arch:
            parser.error(f"--board {args.board} is --arch {arch}, not --arch {args.arch}")
        return arch
    return str(args.arch or "arm")


def _check_rate(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    if args.rate is not None and args.load != "storm":
        parser.error(f"--rate applies to --load storm, not --load {args.load}")


def timerlat_parser() -> OneLineParser:
    p = OneLineParser(prog="irqemu timerlat", description=(
        "rtla timerlat on the emulated cores: a per-CPU hrtimer wakes a per-CPU SCHED_FIFO "
        "95 thread; IRQ latency (timer expiry to its handler) and thread latency (expiry "
        "to the thread running), in simulated time."))
    p.add_argument("mode", nargs="?", choices=("top", "hist"), default="top",
                   help="top: the per-CPU summary (default); hist: the histogram")
    p.add_argument("-p", "--period", type=int_in(50, 1_000_000), default=1000, metavar="US",
                   help="timerlat period in us (default 1000)")
    p.add_argument("-d", "--duration", type=float_in(0, 10_000, unit="ms"), default=20.0,
                   metavar="MS", help="simulated milliseconds measured (default 20)")
    p.add_argument("--cpus", type=int_in(1, 4), default=4, metavar="N",
                   help="measure CPUs 0..N-1 (the others stay in reset; default 4)")
    p.add_argument("-n", "--nano", action="store_true", help="display data in nanoseconds")
    p.add_argument("-b", "--bucket-size", type=int_in(1, 999_999), default=1, metavar="N",
                   help="hist: bucket size in the display unit (default 1)")
    p.add_argument("-E", "--entries", type=int_in(10, 9_999_999), default=256, metavar="N",
                   help="hist: number of buckets (default 256)")
    p.add_argument("--with-zeros", action="store_true", help="hist: print empty buckets too")
    _common(p)
    return p


def cyclictest_parser() -> OneLineParser:
    p = OneLineParser(prog="irqemu cyclictest", add_help=False, description=(
        "rt-tests cyclictest on the emulated cores: -t threads, SCHED_FIFO -p, waking every "
        "-i us by clock_nanosleep, -l times; wakeup latency in simulated time."))
    p.add_argument("--help", action="help", help="show this help and exit")
    p.add_argument("-p", "--priority", type=int_in(1, 99), default=80, metavar="PRIO",
                   help="SCHED_FIFO priority of the threads (default 80)")
    p.add_argument("-i", "--interval", type=int_in(50, 1_000_000), default=1000, metavar="US",
                   help="wakeup interval in us (default 1000)")
    p.add_argument("-l", "--loops", type=int_in(1, 100_000), default=20, metavar="LOOPS",
                   help="wakeups per thread (default 20)")
    p.add_argument("-t", "--threads", type=int_in(1, 4), default=1, metavar="THREADS",
                   help="threads, thread i on CPU i (default 1)")
    p.add_argument("-h", "--histogram", type=int_in(1, 100_000), metavar="MAXBUCKET_US",
                   help="print a histogram of 1 us buckets up to MAXBUCKET_US")
    _common(p)
    return p


def timerlat_main(argv: list[str]) -> int:
    from irqemu.latency import basis as basis_mod
    from irqemu.latency import rtla
    from irqemu.latency import timerlat as tl

    parser = timerlat_parser()
    args = parser.parse_args(argv)
    arch = _arch(args, parser)
    _check_rate(args, parser)
    if args.duration * 1000 < args.period:
        parser.error(f"--duration {args.duration:g} ms is shorter than one period "
                     f"({args.period} us)")
    unit = "ns" if args.nano else "us"
    bucket_ns = args.bucket_size * (1 if args.nano else 1000)
    with _cache_model(args) as cache:
        tr, oc, ld = tl.measure(args.kernel, load=args.load, arch=arch, rate=args.rate,
                                period_us=args.period, duration_ms=args.duration,
                                cpus=args.cpus, engine=args.engine, version=args.version,
                                prio=tl.DEFAULT_TIMERLAT_PRIO, seed=args.seed)
    facts = tl.result(tr, oc, ld, kernel=args.kernel, version=args.version, arch=arch,
                      period_us=args.period, duration_ms=args.duration, bucket_ns=bucket_ns,
                      entries=args.entries, seed=args.seed)
    _cache_facts(cache, facts)
    _plot(args, facts)
    if args.json:
        _print_json(facts)
        return 0
    cpus = {c: (v.irq, v.thread) for c, v in tr.cpus.items()}
    sim_s = args.duration / 1000
    print(rtla.header(facts))
    if args.mode == "hist":
        print(rtla.hist(cpus, unit=unit, sim_s=sim_s, bucket=args.bucket_size,
                        entries=args.entries, with_zeros=args.with_zeros))
    else:
        print(rtla.top(cpus, unit=unit, sim_s=sim_s))
    for line in basis_mod.describe(facts["basis"], facts["cpu_hz"]):
        print(f"# {line}")
    return 0


def cyclictest_main(argv: list[str]) -> int:
    from irqemu.latency import basis as basis_mod
    from irqemu.latency import cyclictest as ct

    parser = cyclictest_parser()
    args = parser.parse_args(argv)
    arch = _arch(args, parser)
    _check_rate(args, parser)
    if args.loops * args.interval > 10_000_000:
        parser.error(f"-l {args.loops} x -i {args.interval} us is more than 10 s of "
                     "simulated time")
    with _cache_model(args) as cache:
        ths, oc, ld = ct.measure(args.kernel, prio=args.priority, interval_us=args.interval,
                                 loops=args.loops, threads=args.threads, load=args.load,
                                 arch=arch, rate=args.rate, engine=args.engine,
                                 version=args.version, seed=args.seed)
    facts = ct.result(ths, oc, ld, kernel=args.kernel, version=args.version, arch=arch,
                      prio=args.priority, interval_us=args.interval, loops=args.loops,
                      histogram_us=args.histogram)
    _cache_facts(cache, facts)
    _plot(args, facts)
    if args.json:
        _print_json(facts)
        return 0
    if args.histogram:
        print("\n".join(ct.hist_lines(ths, args.histogram)))
    print("\n".join(ct.stat_lines(ths, args.priority, args.interval)))
    for line in basis_mod.describe(facts["basis"], facts["cpu_hz"],
                                   irq="The timer IRQ's part of a wakeup rests on",
                                   thread="The wakeup latency adds"):
        print(f"# {line}")
    return 0


def _cache_model(args: argparse.Namespace) -> Any:
    """``--cache-model``: every machine the run builds gets the memory hierarchy model."""
    import contextlib

    if args.cache_model is None:
        return contextlib.nullcontext()
    from irqemu.machine.cachemodel import CacheModelOption

    return CacheModelOption(args.cache_model or None)


def _cache_facts(cache: Any, facts: dict[str, Any]) -> None:
    """With ``--cache-model``: the model's counters per machine built (none: no key)."""
    if cache is not None:
        facts["cache"] = [a.summary() for a in cache.attached]


def _plot(args: argparse.Namespace, facts: dict[str, Any]) -> None:
    """With ``--plot``: the run's histograms (:func:`irqemu.plot.latency.plot_latency`)."""
    if args.plot is not None:
        from irqemu.plot.latency import plot_latency

        plot_latency([facts], args.plot)
        sys.stderr.write(f"irqemu: wrote the figure {args.plot}\n")


def _print_json(facts: dict[str, Any]) -> None:
    json.dump(facts, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


def main(tool: str, argv: list[str]) -> int:
    """Run ``tool`` (timerlat or cyclictest) with ``argv``; a ValueError is one line."""
    try:
        return timerlat_main(argv) if tool == "timerlat" else cyclictest_main(argv)
    except ValueError as exc:
        sys.stderr.write(f"irqemu {tool}: {exc}\n")
        return EXIT_USAGE


__all__ = ["cyclictest_main", "cyclictest_parser", "main", "timerlat_main", "timerlat_parser"]
