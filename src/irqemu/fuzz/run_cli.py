"""``irqemu fuzz run``: fuzz your own firmware's interrupt timing (see irqemu.fuzz.run).

    irqemu fuzz run FIRMWARE.elf --irq 68:edge [--irq ...] --check 'EXPR' | --exit-code N
        [--board B] [--cpus N] [--source NAME@BASE:LINE] [--set SYM=VALUE]
        [--examples N] [--seed S] [--max-events K] [--max-time-ms MS] [--window A:B]
        [--quantum CYCLES] [--interleave fixed|search|SEED] [--arrivals uniform|masked]
        [--engine E] [--save FILE] [--json]
    irqemu fuzz run --replay FILE [--engine E] [--json]

Exit codes: 0 when every schedule tried held (search) or the replay reproduced
its file exactly; 1 when the search found a failing schedule or the replay
did not reproduce; 2 for bad input (one line naming it).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from irqemu.cliargs import EXIT_OK, EXIT_USAGE, MAX_COUNT, OneLineParser, float_in, int_in
from irqemu.fuzz.run import ARRIVALS, MAX_EVENTS

EXIT_FOUND = 1  #: the search found a failing schedule / the replay differs


def _irq(text: str) -> Any:
    from irqemu.fuzz.schedule import ScheduleError, parse_irq

    try:
        return parse_irq(text)
    except ScheduleError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _source(text: str) -> Any:
    from irqemu.fuzz.schedule import ScheduleError, parse_source

    try:
        return parse_source(text)
    except ScheduleError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _set(text: str) -> tuple[str, int]:
    sym, eq, val = text.partition("=")
    if not eq or not sym.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: expected SYMBOL=VALUE")
    value = int_in(-(2**31), 2**32 - 1, "a 32-bit word")(val)
    return sym.strip(), value


def _window(text: str) -> tuple[int, int]:
    a, colon, b = text.partition(":")
    if not colon:
        raise argparse.ArgumentTypeError(f"{text!r}: expected START_NS:END_NS")
    lo = int_in(0, 10**13, "start (ns)")(a)
    hi = int_in(lo + 1, 10**13, "end (ns), after the start,")(b)
    return lo, hi


def _interleave(text: str) -> str | int:
    if text in ("fixed", "search"):
        return text
    try:
        return int_in(0, 2**63 - 1, "an interleave seed")(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected fixed, search or a seed "
                                         "(a non-negative integer)") from None


def build_parser(prog: str = "irqemu fuzz run") -> argparse.ArgumentParser:
    from irqemu.boards import BOARDS

    p = OneLineParser(prog=prog, description=(
        "Search interrupt arrival schedules (which line, when, on which CPU) against your "
        "firmware with hypothesis; shrink a failure, print its timeline, save a replay."))
    p.add_argument("firmware", nargs="?", metavar="FIRMWARE", help="the ELF to run")
    p.add_argument("--board", choices=sorted(BOARDS), help="default: by the ELF's machine")
    p.add_argument("--cpus", type=int_in(1, 8), metavar="N", help="CPUs (default: the board's)")
    p.add_argument("--irq", action="append", type=_irq, default=[], metavar="SPEC",
                   help="a source the search drives: LINE|DEVICE[:edge|level][:cpus=A-B]"
                        "[:max=N][:gap=NS][:hold=NS] (repeatable)")
    p.add_argument("--source", action="append", type=_source, default=[],
                   metavar="NAME@BASE:LINE", help="add an IrqSource device (INT_STATUS +0, "
                   "INT_ACK +4, INT_ENABLE +8, FIRED +0xC) wired to LINE; --irq NAME fires it")
    p.add_argument("--set", action="append", type=_set, default=[], metavar="SYM=VALUE",
                   help="write a 32-bit word at an ELF symbol before each run")
    p.add_argument("--check", metavar="EXPR", help="must be true at the end of each run: "
                   "symbols as 32-bit words, e.g. 'counter == task_done + handled'")
    p.add_argument("--exit-code", type=int_in(0, 2**32 - 1), metavar="N",
                   help="the guest must exit (semihosting) with this code")
    p.add_argument("--examples", type=int_in(1, 1_000_000), metavar="N",
                   help="schedules hypothesis tries before shrinking (default 100)")
    p.add_argument("--seed", type=int_in(-MAX_COUNT - 1, MAX_COUNT), metavar="S",
                   help="search seed: the same seed gives the same result (default 0)")
    p.add_argument("--max-events", type=int_in(1, 1000), metavar="K",
                   help="arrivals per schedule at most (default 4)")
    p.add_argument("--max-time-ms", type=float_in(0, 10_000, unit="ms"),
                   metavar="MS", help="simulated time each run lasts at most (default 10)")
    p.add_argument("--window", type=_window, metavar="A:B", help="arrival times in ns "
                   "(default: 0 to where the run without interrupts ends)")
    p.add_argument("--quantum", type=int_in(1, 10**9), metavar="CYCLES",
                   help="the longest round a core runs before the next core's turn "
                        "(default 10000, the machine's)")
    p.add_argument("--interleave", type=_interleave, metavar="fixed|search|SEED",
                   help="how cores interleave: fixed, whole rounds of CYCLES (default); a "
                        "SEED, rounds of 1..CYCLES drawn from it; search, each run draws a "
                        "finer interleaving and a failure shrinks to the coarsest")
    p.add_argument("--arrivals", choices=ARRIVALS, default=None,
                   help="how arrival times are drawn: uniform over the window (default), or "
                        "masked: half in or at the edges of the IRQ-masked windows (cpsid..cpsie, "
                        "daifset..daifclr, cli..sti) the run without interrupts went through")
    p.add_argument("--engine", choices=("native", "reference"), default=None,
                   help="native (Cython) or pure-Python reference engine (default native; "
                        "replay: the file's)")
    p.add_argument("--save", metavar="FILE", help="write the minimal schedule as JSON")
    p.add_argument("--replay", metavar="FILE", help="play a saved schedule again")
    p.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    return p


_SEARCH_ONLY = ("firmware", "board", "cpus", "check", "exit_code", "window", "save", "examples",
                "seed", "max_events", "max_time_ms", "no_progress", "quantum", "interleave",
                "arrivals")


def _target(args: argparse.Namespace) -> Any:
    from irqemu.fuzz.run import Target

    return Target(firmware=args.firmware, irqs=tuple(args.irq), board=args.board,
                  num_cpus=args.cpus, sources=tuple(args.source), sets=tuple(args.set),
                  check=args.check, exit_code=args.exit_code,
                  max_time_ns=int((args.max_time_ms or 10.0) * 10**6), window_ns=args.window,
                  quantum_cycles=args.quantum or 10_000,
                  interleave_seed=args.interleave if isinstance(args.interleave, int) else None,
                  arrivals=args.arrivals or "uniform")


def _search(args: argparse.Namespace) -> int:
    from irqemu.cliargs import writable_file
    from irqemu.fuzz.interleave import describe, interleave_json, search_interleaved
    from irqemu.fuzz.run import prepare, save, search, timeline
    from irqemu.progress import Progress, wanted

    if args.firmware is None:
        raise _Usage("give a FIRMWARE.elf (or --replay FILE)")
    if args.save:
        try:
            writable_file(args.save)
        except argparse.ArgumentTypeError as exc:
            raise _Usage(f"--save {exc}") from None
    p = prepare(_target(args))
    with Progress("fuzz run", None, "runs", show=wanted(args.no_progress or args.json)) as bar:
        def show(runs: int, examples: int, best: int | None) -> None:
            bar.set(runs, f"{examples} examples + shrinking, " + (
                "none failed yet" if best is None else f"smallest failure: {best} arrivals"))
        how = search_interleaved if args.interleave == "search" else search
        r = how(p, examples=args.examples or 100, seed=args.seed or 0,
                   max_events=args.max_events or MAX_EVENTS,
                   engine=args.engine or "native", progress=show if bar.shown else None)
    if args.save:
        save(r, args.save)
    if args.json:
        json.dump(r.to_json() | {"runs": r.runs, "interleave": interleave_json(r.prepared)},
                  sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
        return EXIT_FOUND if r.found else EXIT_OK
    w = r.window_ns
    out = [f"fuzz run {p.path.name} on {p.board} ({r.engine} engine): seed {r.seed}, "
           f"{r.examples} examples of up to {r.max_events} arrivals at {w[0]:,}..{w[1]:,} ns, "
           f"{r.runs} runs" + (f"; half the arrivals in or at the edges of {r.masked} "
                                "IRQ-masked windows" if r.masked else "")]
    if r.prepared.target.num_cpus != 1 and (args.interleave is not None or args.quantum):
        out.append(f"interleaving{' found' if args.interleave == 'search' and r.found else ''}"
                   f": {describe(r.prepared)}")
    if r.minimal is not None:
        n = len(r.minimal)
        out += [f"FAILED: {r.outcome.why}",
                f"minimal schedule: {n} arrival{'s' if n != 1 else ''}; timeline "
                "(simulated time, CPU, what happened):", timeline(p, r.outcome)]
    else:
        out.append("held on every schedule tried")
    if args.save:
        out.append(f"saved to {args.save}; replay: irqemu fuzz run --replay {args.save}")
    sys.stdout.write("\n".join(out) + "\n")
    return EXIT_FOUND if r.found else EXIT_OK


def _replay(args: argparse.Namespace) -> int:
    from irqemu.fuzz.interleave import describe
    from irqemu.fuzz.run import replay, timeline

    given = [k for k in _SEARCH_ONLY if getattr(args, k) not in (None, False)]
    given += [k for k in ("irq", "source", "set") if getattr(args, k)]
    if given:
        raise _Usage(f"--replay takes the file's settings; drop --{given[0].replace('_', '-')}")
    r = replay(args.replay, engine=args.engine)
    if args.json:
        json.dump({"reproduced": r.reproduced, "engine": r.engine, "differences": r.differences,
                   "notes": r.notes, "outcome": r.outcome.facts()}, sys.stdout, indent=1,
                  sort_keys=True)
        sys.stdout.write("\n")
    else:
        n = len(r.schedule)
        out = [f"replay {args.replay}: {r.prepared.path.name} on {r.prepared.board} "
               f"({r.engine} engine), {n} arrival{'s' if n != 1 else ''}:",
               timeline(r.prepared, r.outcome),
               *([f"  interleaving: {describe(r.prepared)}"]
                 if r.prepared.target.interleave_seed is not None else []),
               f"  {'held' if r.outcome.passed else 'FAILED: ' + r.outcome.why}"]
        out += [f"note: {x}" for x in r.notes]
        out.append("reproduced exactly: same outcome, timeline, cycles and simulated time"
                   if r.reproduced else "DID NOT reproduce:")
        out += [f"  {d}" for d in r.differences]
        sys.stdout.write("\n".join(out) + "\n")
    return EXIT_OK if r.reproduced else EXIT_FOUND


class _Usage(Exception):
    """A usage error found after parsing: one line, exit 2."""


def main(argv: list[str] | None = None) -> int:
    """``irqemu fuzz run ...``; returns the exit code."""
    from irqemu.fuzz.run import FuzzRunError
    from irqemu.fuzz.schedule import ScheduleError

    args = build_parser().parse_args(argv)
    try:
        return _replay(args) if args.replay else _search(args)
    except (FuzzRunError, ScheduleError, _Usage) as exc:
        sys.stdout.flush()
        sys.stderr.write(f"irqemu: {exc}\n")
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
