"""``irqemu fuzz``: search interrupt schedules for ordering bugs, replay what was found.

    irqemu fuzz lost-update --variant plain --examples 200 [--seed S] [--save FILE]
    irqemu fuzz lost-update --variant all --examples 100
    irqemu fuzz --replay FILE [--variant V]
    irqemu fuzz run FIRMWARE.elf --irq SPEC ... --check EXPR|--exit-code N  (irqemu.fuzz.run_cli)
    irqemu fuzz genirq DRIVER [--kernel K] [--cpus N] ...  (irqemu.fuzz.genirq_cli)

Exit codes: 0 when the search found what the variant predicts (plain: a lost
update; irqsave/ldrex/lse...: none) or a replay reproduced its file exactly;
1 when not; 2 for bad input (an unknown variant, a malformed file); 3 when
the guest faulted.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from irqemu.cliargs import (
    EXIT_GUEST,
    EXIT_OK,
    EXIT_USAGE,
    MAX_COUNT,
    OneLineParser,
    int_in,
    writable_file,
)

EXIT_UNEXPECTED = 1  #: the search or replay did not find what the variant predicts
__all__ = ["EXIT_GUEST", "EXIT_OK", "EXIT_UNEXPECTED", "EXIT_USAGE", "build_parser", "main"]


def build_parser(prog: str = "irqemu fuzz") -> argparse.ArgumentParser:
    from irqemu.fuzz.lost_update import MAX_EVENTS, VARIANTS

    p = OneLineParser(prog=prog, description=(
        "Fuzz the timing and order of interrupts with hypothesis: find a schedule that "
        "breaks the guest, shrink it to a minimal one, save it, replay it bit for bit."))
    p.add_argument("target", nargs="?", choices=("lost-update", "run", "genirq"),
                   help="lost-update: a task and an IRQ handler increment one counter; "
                        "run FIRMWARE: your own firmware (irqemu fuzz run -h); "
                        "genirq DRIVER: a modelled driver's handlers (irqemu fuzz genirq -h)")
    p.add_argument("--variant", metavar="V", choices=(*VARIANTS, "all"),
                   help=f"increment sequence: {', '.join(VARIANTS)}, or all "
                        "(search default: plain; replay default: the file's)")
    p.add_argument("--examples", type=int_in(1, 1_000_000), default=100, metavar="N",
                   help="schedules hypothesis tries before shrinking (default 100)")
    p.add_argument("--seed", type=int_in(-MAX_COUNT - 1, MAX_COUNT), default=0, metavar="S",
                   help="search seed: the same seed gives the same result (default 0)")
    p.add_argument("--max-events", type=int_in(1, 1000), default=MAX_EVENTS, metavar="K",
                   help=f"interrupts per schedule at most (default {MAX_EVENTS})")
    p.add_argument("--save", metavar="FILE", type=writable_file,
                   help="write the minimal schedule as JSON (checked before the search)")
    p.add_argument("--replay", metavar="FILE", help="play a saved schedule again")
    p.add_argument("--engine", choices=("native", "reference"), default=None,
                   help="native (Cython) or pure-Python reference engine")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    return p


def _schedule_text(schedule: list[Any]) -> str:
    from irqemu.fuzz.strategies import describe_schedule

    return describe_schedule(schedule, "cycles")


def _search_text(r: Any) -> str:
    spec = r.spec
    lines = [f"lost-update, variant {spec.name}: {spec.sequence}",
             f"  on {spec.board} ({spec.core}), {r.task_iters} task increments, "
             f"seed {r.seed}, {r.examples} examples of up to {r.max_events} interrupts",
             f"  arrivals aimed at the task loop: CPU 0 cycles {r.window[0]:,}.."
             f"{r.window[1]:,}, lines {', '.join(map(str, spec.lines))}",
             f"  {r.runs} runs (generation and shrinking)"]
    if r.found:
        n = len(r.minimal)
        lines.append(f"LOST UPDATE: minimal schedule ({n} interrupt{'s' if n != 1 else ''}, "
                     "times in CPU 0 cycles since reset):")
        lines.append(_schedule_text(r.minimal))
        lines.append(f"  {r.outcome.summary()}")
    else:
        lines.append("no schedule lost an update")
    verdict = ("as predicted: " + ("the unprotected read-modify-write loses updates"
                                   if spec.loses else "the fixed variant survives the search"))
    if not r.as_predicted:
        verdict = ("NOT as predicted: " + ("no lost update found (try more --examples)"
                                           if spec.loses else "the fixed variant lost an update"))
    lines.append(verdict)
    return "\n".join(lines) + "\n"


def _search(args: argparse.Namespace) -> int:
    from irqemu.fuzz.lost_update import VARIANTS, FuzzError, search

    names = list(VARIANTS) if args.variant == "all" else [args.variant or "plain"]
    if args.save and len(names) > 1:
        raise FuzzError("--save needs one --variant, not all")
    results = [search(n, args.examples, args.seed, max_events=args.max_events,
                      engine=args.engine or "native") for n in names]
    if args.json:
        json.dump([r.to_json() | {"runs": r.runs, "as_predicted": r.as_predicted}
                   for r in results], sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
    else:
        sys.stdout.write("\n".join(_search_text(r) for r in results))
    if args.save:
        results[0].save(args.save)
        if not args.json:
            what = "minimal schedule" if results[0].found else "(empty) schedule"
            sys.stdout.write(f"saved the {what} to {args.save}; replay it with: "
                             f"irqemu fuzz --replay {args.save}\n")
    return EXIT_OK if all(r.as_predicted for r in results) else EXIT_UNEXPECTED


def _replay(args: argparse.Namespace) -> int:
    from irqemu.fuzz.lost_update import VARIANTS, FuzzError, replay

    if args.variant == "all":
        raise FuzzError("--replay takes one --variant, not all")
    r = replay(args.replay, variant=args.variant, engine=args.engine)
    if args.json:
        json.dump({"variant": r.variant, "outcome": r.outcome.facts(),
                   "recorded": r.recorded, "reproduced": r.reproduced,
                   "differences": r.differences, "notes": r.notes},
                  sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
    else:
        n = len(r.schedule)
        out = [f"replay {args.replay}: lost-update, variant {r.variant}, "
               f"{n} interrupt{'s' if n != 1 else ''} (CPU 0 cycles since reset):",
               _schedule_text(r.schedule), f"  {r.outcome.summary()}",
               f"  {r.outcome.cycles:,} cycles, simulated time {r.outcome.sim_time_ps:,} ps"]
        out += [f"note: {note}" for note in r.notes]
        if r.recorded is None:
            out.append("(played on another variant than recorded: nothing to compare)")
        elif r.reproduced:
            out.append("reproduced exactly: same counts, cycles and simulated time")
        else:
            out.append("DID NOT reproduce:")
            out += [f"  {d}" for d in r.differences]
        sys.stdout.write("\n".join(out) + "\n")
    if r.recorded is None:  # nothing to compare with: does it behave as predicted?
        predicted = VARIANTS[r.variant].loses
        return EXIT_OK if r.outcome.lost_update == predicted else EXIT_UNEXPECTED
    return EXIT_OK if r.reproduced else EXIT_UNEXPECTED


def main(argv: list[str] | None = None) -> int:
    """``irqemu fuzz ...``; returns the exit code."""
    from irqemu.fuzz.lost_update import FuzzError
    from irqemu.machine.machine import GuestError

    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["run"]:  # irqemu fuzz run FIRMWARE: its own parser
        from irqemu.fuzz.run_cli import main as run_main

        return run_main(argv[1:])
    if argv[:1] == ["genirq"]:  # irqemu fuzz genirq DRIVER: its own parser
        from irqemu.fuzz.genirq_cli import main as genirq_main

        return genirq_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.replay:
            if args.target:
                raise FuzzError("give either a target (lost-update) or --replay FILE")
            return _replay(args)
        if args.target is None:
            parser.print_usage(sys.stderr)
            sys.stderr.write("irqemu fuzz: give a target (lost-update) or --replay FILE\n")
            return EXIT_USAGE
        return _search(args)
    except FuzzError as exc:
        sys.stdout.flush()
        sys.stderr.write(f"irqemu: {exc}\n")
        return EXIT_USAGE
    except (GuestError, RuntimeError) as exc:
        sys.stdout.flush()
        sys.stderr.write(f"irqemu: {exc}\n")
        return EXIT_GUEST


if __name__ == "__main__":
    sys.exit(main())
