"""``irqemu fuzz genirq``: fuzz handler ordering of a modelled driver (see irqemu.fuzz.genirq).

    irqemu fuzz genirq DRIVER [--kernel mainline|threadirqs|rt] [--cpus N]
        [--examples N] [--seed S] [--max-events K] [--max-time-ms MS] [--save FILE] [--json]
    irqemu fuzz genirq --replay FILE [--kernel K] [--json]

DRIVER is a Python file (``driver.py``, ``driver.py:attr``) or ``module:attr``
naming a :class:`irqemu.fuzz.genirq_spec.Driver` (attr defaults to ``driver``);
the bundled example: ``irqemu.fuzz.examples.ring:buggy`` / ``:fixed``.

Exit codes: 0 when the invariant held on every schedule tried (search) or the
replay reproduced its file exactly (replayed on another ``--kernel``: when the
invariant held there); 1 when the search found a failing schedule or the replay
did not reproduce (or failed); 2 for bad input (one line naming it).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from irqemu.cliargs import (
    EXIT_OK,
    EXIT_USAGE,
    MAX_COUNT,
    OneLineParser,
    float_in,
    int_in,
    writable_file,
)

EXIT_FOUND = 1  #: the search found a failing schedule / the replay differs
MAX_TIME_MS = 1000.0  #: --max-time-ms at most (simulated)


def build_parser(prog: str = "irqemu fuzz genirq") -> argparse.ArgumentParser:
    from irqemu.fuzz.genirq import KERNELS, MAX_CPUS, MAX_EVENTS

    p = OneLineParser(prog=prog, description=(
        "Search interrupt arrivals, lines and CPU placement against a modelled driver's "
        "handlers on the modelled kernel; shrink a failure of its invariant, print the "
        "timeline, save a replay."))
    p.add_argument("driver", nargs="?", metavar="DRIVER",
                   help="FILE.py[:attr] or module:attr naming a Driver (attr default: driver)")
    p.add_argument("--kernel", choices=KERNELS, default=None,
                   help="kernel flavour (default mainline; replay: the file's)")
    p.add_argument("--cpus", type=int_in(1, MAX_CPUS), metavar="N",
                   help="model CPUs the lines' affinity is drawn from (default 1)")
    p.add_argument("--examples", type=int_in(1, 1_000_000), metavar="N",
                   help="schedules hypothesis tries before shrinking (default 100)")
    p.add_argument("--seed", type=int_in(-MAX_COUNT - 1, MAX_COUNT), metavar="S",
                   help="search seed: the same seed gives the same result (default 0)")
    p.add_argument("--max-events", type=int_in(1, 64), metavar="K",
                   help=f"arrivals per schedule at most (default {MAX_EVENTS})")
    p.add_argument("--max-time-ms", type=float_in(0, MAX_TIME_MS, unit="ms"), metavar="MS",
                   help="arrivals fall in this much simulated time (default 0.1)")
    p.add_argument("--save", metavar="FILE", help="write the minimal schedule as JSON")
    p.add_argument("--replay", metavar="FILE", help="play a saved schedule again")
    p.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    return p


_SEARCH_ONLY = ("driver", "cpus", "examples", "seed", "max_events", "max_time_ms", "save",
                "no_progress")


class _Usage(Exception):
    """A usage error found after parsing: one line, exit 2."""


def _campaign(args: argparse.Namespace) -> Any:
    from irqemu.fuzz.genirq import DEFAULT_MAX_TIME_NS, MAX_EVENTS, Campaign

    ns = DEFAULT_MAX_TIME_NS if args.max_time_ms is None else int(args.max_time_ms * 10**6)
    if ns < 1:
        raise _Usage(f"--max-time-ms {args.max_time_ms:g}: less than one nanosecond")
    return Campaign(args.driver, args.kernel or "mainline", args.cpus or 1, ns,
                    args.max_events or MAX_EVENTS)


def _search(args: argparse.Namespace) -> int:
    from irqemu.fuzz.genirq import describe, save, search, timeline
    from irqemu.fuzz.run import progress_bar

    if args.driver is None:
        raise _Usage("give a DRIVER (FILE.py[:attr] or module:attr), or --replay FILE")
    if args.save:
        try:
            writable_file(args.save)
        except argparse.ArgumentTypeError as exc:
            raise _Usage(f"--save {exc}") from None
    c = _campaign(args)
    show = None if args.no_progress or args.json or not sys.stderr.isatty() else progress_bar()
    r = search(c, examples=args.examples or 100, seed=args.seed or 0, progress=show)
    if show is not None:
        sys.stderr.write("\n")
    if args.save:
        save(r, args.save)
    if args.json:
        json.dump(r.to_json() | {"runs": r.runs}, sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
        return EXIT_FOUND if r.found else EXIT_OK
    out = [f"fuzz genirq {r.driver.name} on {c.kernel}, {c.cpus} CPU{'s' if c.cpus > 1 else ''}: "
           f"seed {r.seed}, {r.examples} examples of up to {c.max_events} arrivals in "
           f"{c.max_time_ns:,} ns, {r.runs} runs"]
    if r.minimal is not None:
        out += [f"FAILED: {r.outcome.why}",
                f"minimal schedule: {describe(r.driver, r.minimal)}",
                "timeline (simulated time, CPU, current task, what ran):",
                timeline(r.driver, r.outcome)]
    else:
        out.append("the invariant held on every schedule tried")
    if args.save:
        out.append(f"saved to {args.save}; replay: irqemu fuzz genirq --replay {args.save}")
    sys.stdout.write("\n".join(out) + "\n")
    return EXIT_FOUND if r.found else EXIT_OK


def _replay(args: argparse.Namespace) -> int:
    from irqemu.fuzz.genirq import describe, replay, timeline

    given = [k for k in _SEARCH_ONLY if getattr(args, k) not in (None, False)]
    if given:
        raise _Usage(f"--replay takes the file's settings; drop "
                     f"{'DRIVER' if given[0] == 'driver' else '--' + given[0].replace('_', '-')}")
    r = replay(args.replay, kernel=args.kernel)
    if args.json:
        json.dump({"reproduced": r.reproduced, "differences": r.differences, "notes": r.notes,
                   "kernel": r.campaign.kernel, "passed": r.outcome.passed, "why": r.outcome.why},
                  sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
    else:
        out = [f"replay {args.replay}: {r.driver.name} on {r.campaign.kernel}, "
               f"{describe(r.driver, r.schedule)}", timeline(r.driver, r.outcome),
               f"  {'held' if r.outcome.passed else 'FAILED: ' + r.outcome.why}"]
        out += [f"note: {x}" for x in r.notes]
        if not r.reproduced:
            out.append("DID NOT reproduce:")
            out += [f"  {d}" for d in r.differences]
        elif not any(n.startswith("recorded on") for n in r.notes):
            out.append("reproduced exactly: same verdict, facts, timeline and simulated time")
        sys.stdout.write("\n".join(out) + "\n")
    if any(n.startswith("recorded on") for n in r.notes):  # another kernel: did it hold?
        return EXIT_OK if r.outcome.passed else EXIT_FOUND
    return EXIT_OK if r.reproduced else EXIT_FOUND


def main(argv: list[str] | None = None) -> int:
    """``irqemu fuzz genirq ...``; returns the exit code."""
    from irqemu.fuzz.genirq import DriverError

    args = build_parser().parse_args(argv)
    try:
        return _replay(args) if args.replay else _search(args)
    except (DriverError, _Usage) as exc:
        sys.stdout.flush()
        sys.stderr.write(f"irqemu: {exc}\n")
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
