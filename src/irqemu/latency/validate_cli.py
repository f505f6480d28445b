"""``irqemu validate``: modelled latency against published measurements, as text, JSON,
the BENCHMARKS.md table, or a check that a file's table is current."""

from __future__ import annotations

import json
import sys

from irqemu.cliargs import EXIT_USAGE, OneLineParser, int_in


def parser() -> OneLineParser:
    p = OneLineParser(prog="irqemu validate", description=(
        "Reproduce published interrupt-latency and cyclictest measurements on the emulated "
        "cores and print modelled next to published (docs/validation.md)."))
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="published rows to run (default: all; --list names them)")
    p.add_argument("--list", action="store_true", help="list the published rows and exit")
    p.add_argument("--engine", choices=("native", "reference"), default="native",
                   help="native (Cython) or pure-Python reference engine")
    p.add_argument("--loops", type=int_in(1, 2000), metavar="N",
                   help="wakeups (or interrupts) per reproduction instead of the scaled "
                        "default; the BENCHMARKS.md table uses the default")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON list")
    out.add_argument("--markdown", action="store_true",
                     help="print the BENCHMARKS.md section (between its markers)")
    out.add_argument("--check", metavar="FILE",
                     help="exit 1 when FILE's validation section differs from a fresh run")
    out.add_argument("--write", metavar="FILE",
                     help="rewrite FILE's validation section (BENCHMARKS.md) from this run")
    return p


def _text(results: list[dict[str, object]]) -> str:
    lines = []
    for r in results:
        p, m = r["published"], r["modelled"]
        assert isinstance(p, dict)
        if not isinstance(m, dict):
            unmodelled = r["unmodelled"]
            assert isinstance(unmodelled, list)
            lines.append(f"{r['name']}: published {p['min'] or '-'}/{p['avg']}/{p['max']} "
                         f"{r['unit']}; not reproduced: {unmodelled[0]}")
            continue
        lines.append(f"{r['name']}: published {p['min'] or '-'}/{p['avg']}/{p['max']} "
                     f"{r['unit']}, "
                     f"modelled {m['min']:g}/{m['avg']:g}/{m['max']:g} {r['unit']} "
                     f"(min/avg/max); avg ratio {r['avg_ratio']}, within 25%: "
                     f"{'yes' if r['within_25'] else 'no'}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run the command; a bad option or name is one line and exit code 2."""
    from irqemu.latency import validate
    from irqemu.latency.published import PUBLISHED

    args = parser().parse_args(argv)
    if args.list:
        extra = [o for o, v in (("NAME", args.names), ("--loops", args.loops),
                                ("--json", args.json), ("--markdown", args.markdown),
                                ("--check", args.check), ("--write", args.write),
                                ("--engine", args.engine != "native")) if v]
        if extra:
            sys.stderr.write(f"irqemu validate: --list takes no {extra[0]}\n")
            return EXIT_USAGE
        for row in PUBLISHED:
            print(f"{row.name}: {row.tool} on {row.core}, {row.board} ({row.kernel})")
        return 0
    fixed = args.check or args.write
    if fixed and (args.names or args.loops):
        sys.stderr.write(f"irqemu validate: --{'check' if args.check else 'write'} uses the "
                         "full default run; give no NAME or --loops with it\n")
        return EXIT_USAGE
    if args.check:  # a file without the section fails before the run
        why = validate.check_file(args.check, None)
        if why is not None:
            sys.stderr.write(f"irqemu validate: {why}\n")
            return 1
    try:
        results = validate.run_all(args.engine, args.names or None, args.loops)
    except ValueError as exc:
        sys.stderr.write(f"irqemu validate: {exc}\n")
        return EXIT_USAGE
    if args.check:
        why = validate.check_file(args.check, results)
        if why is not None:
            sys.stderr.write(f"irqemu validate: {why}\n")
            return 1
        print(f"{args.check}: the validation table is current")
        return 0
    if args.write:
        from pathlib import Path

        from irqemu.bench import write_md_section

        write_md_section(Path(args.write), "validation", validate.markdown(results))
        sys.stderr.write(f"irqemu validate: wrote the validation section of {args.write}\n")
        return 0
    if args.json:
        json.dump(results, sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
    elif args.markdown:
        print(validate.markdown(results))
    else:
        print(_text(results))
    return 0


__all__ = ["main", "parser"]
