"""``irqemu sweep TARGET [--AXIS VALUES ...] -o TABLE.csv``: the grid checked whole
before any point runs (an unknown target, option, value or range is one line, exit 2,
nothing written), then run serially, on ``--jobs`` local processes or on ``--dask``,
and written as one table (CSV; Parquet with ``--parquet``), optionally plotted."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from typing import Any

from irqemu.cliargs import EXIT_GUEST, EXIT_USAGE, OneLineParser, int_in, writable_file
from irqemu.errors import IrqemuError
from irqemu.sweep.grid import GridError, points
from irqemu.sweep.targets import AXES, get, names

#: per target, the columns --plot draws without --y, and their axis label
DEFAULT_Y: dict[str, tuple[tuple[str, ...], str]] = {
    "napi-storm": (("interrupts", "polls", "dropped"),
                   "events in the run (calm phase and storm)"),
    "timerlat": (("cpus.0.irq.max_ns", "cpus.0.thread.max_ns"),
                 "CPU 0's max latency (ns of simulated time)"),
    "cyclictest": (("threads.0.max_ns", "threads.0.avg_ns"),
                   "thread 0's latency (ns of simulated time)"),
}
#: the x axis's label: each axis column with its unit
XLABEL = {"rate": "offered load (frames per second)", "duration_ms": "duration (ms simulated)",
          "period_us": "timerlat period (us)", "interval_us": "cyclictest interval (us)",
          "cpus": "CPUs measured", "prio": "SCHED_FIFO priority", "loops": "loops per thread",
          "threads": "threads", "seed": "seed", "kernel": "kernel flavour",
          "version": "kernel version", "load": "load", "arch": "architecture",
          "engine": "engine"}
#: units from a column's ending, for the y label of chosen columns
UNITS = {"_ns": "ns of simulated time", "_us": "us of simulated time",
         "_ps": "ps of simulated time", "_cycles": "modelled cycles", "_ms": "ms"}


def parser() -> OneLineParser:
    p = OneLineParser(prog="irqemu sweep", allow_abbrev=False, description=(
        "Run a grid of points (a scenario or latency tool x its options) and write one "
        "table, a row per point: its parameters and its --json facts flattened. Each "
        "--AXIS takes a comma list (mainline,rt) or, if numeric, LO:HI:N (N values)."))
    p.add_argument("target", metavar="TARGET",
                   help=f"what each point runs: {', '.join(names())}")
    p.add_argument("-o", "--output", required=True, type=writable_file, metavar="TABLE.csv",
                   help="the table to write (CSV)")
    p.add_argument("--parquet", type=writable_file, metavar="FILE",
                   help="also write the table as Parquet (needs pyarrow)")
    from irqemu.plot import plot_file

    p.add_argument("--plot", type=plot_file, metavar="FILE.png|.svg",
                   help="draw --y against --x, a line per value of the other axes")
    p.add_argument("--x", metavar="COLUMN", help="--plot: the axis on the x axis "
                   "(default: the first numeric axis with several values)")
    p.add_argument("--y", metavar="COLUMN[,COLUMN]", help="--plot: the columns drawn "
                   "(defaults: napi-storm interrupts,polls,dropped; timerlat and "
                   "cyclictest CPU 0's or thread 0's latency)")
    p.add_argument("--jobs", "-j", type=int_in(1, 1024), metavar="N",
                   help="local processes running points (default: the host's CPUs; 1 runs "
                   "every point in this process)")
    p.add_argument("--dask", metavar="ADDRESS", help="run the points on the Dask cluster "
                   "whose scheduler is at ADDRESS (tcp://host:8786); its workers need irqemu")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    g = p.add_argument_group("axes (which a target takes: irqemu sweep TARGET --help lists "
                             "all; each is refused in one line where it does not apply)")
    for a in AXES.values():
        g.add_argument(a.flag, dest="axis_" + a.flag[2:].replace("-", "_"), metavar="VALUES",
                       help=f"{a.help}" + (f": {','.join(a.choices)}" if a.choices else ""))
    return p


def _axes(args: argparse.Namespace, target: Any) -> list[tuple[Any, list[Any]]]:
    """The axes given, in the target's order, with their values; a one-line GridError
    for one the target does not take."""
    given = {f: getattr(args, "axis_" + f[2:].replace("-", "_")) for f in AXES}
    given = {f: v for f, v in given.items() if v is not None}
    for f in given:
        if f not in target.axes:
            raise GridError(f"sweep {target.name} does not take {f} (it takes: "
                            f"{' '.join(target.axes)})")
    return [(AXES[f], AXES[f].parse(given[f])) for f in target.axes if f in given]


def _plan_plot(args: argparse.Namespace, axes: list[tuple[Any, list[Any]]]
               ) -> dict[str, Any] | None:
    """What --plot draws (x, ys, groups, fixed, label), checked before the run."""
    if args.plot is None:
        if args.x or args.y:
            raise GridError("--x and --y choose what --plot draws: add --plot FILE")
        return None
    varied = [(a, v) for a, v in axes if len(v) > 1]
    if args.x is not None:
        x = next((a.column for a, v in varied if args.x in (a.column, a.flag)), None)
        if x is None:
            raise GridError(f"--x {args.x}: not an axis with several values here (have: "
                            f"{', '.join(a.column for a, _v in varied) or 'none'})")
    else:
        numeric = [a.column for a, v in varied if a.kind is not str]
        if not varied:
            raise GridError("--plot: no axis has several values: nothing to draw against")
        x = (numeric or [varied[0][0].column])[0]
    if args.y:
        ys = tuple(args.y.split(","))
        units = {next((u for end, u in UNITS.items() if y.endswith(end)), "") for y in ys}
        label = ", ".join(ys) + (f" ({units.pop()})" if len(units) == 1 and "" not in units
                                 else "")
    elif args.target in DEFAULT_Y:
        ys, label = DEFAULT_Y[args.target]
    else:
        raise GridError(f"--plot: sweep {args.target} has no default columns: give "
                        "--y COLUMN[,COLUMN] (a column of the table)")
    groups = [a.column for a, _v in varied if a.column not in (x, "seed")]
    fixed = {a.column: v[0] for a, v in axes if len(v) == 1}
    return {"x": x, "ys": ys, "groups": groups, "fixed": fixed, "ylabel": label,
            "xlabel": XLABEL.get(x, x)}


def _check(args: argparse.Namespace) -> tuple[Any, list[dict[str, Any]], Any]:
    """The target, its points (each checked) and the plot plan; GridError if not."""
    from irqemu.sweep.table import have_pyarrow

    if args.parquet is not None and not have_pyarrow():
        raise GridError("--parquet needs pyarrow: pip install 'irqemu[sweep]'")
    if args.dask is not None and importlib.util.find_spec("distributed") is None:
        raise GridError("--dask needs dask.distributed: pip install 'irqemu[sweep]'")
    if args.dask is not None and args.jobs is not None:
        raise GridError("--jobs does not apply with --dask: the cluster's workers run "
                        "the points")
    target = get(args.target)
    axes = _axes(args, target)
    pts = points(axes)
    for p in pts:
        try:
            target.check(p)
        except (ValueError, IrqemuError) as exc:  # a scenario's OptionError, a tool's check
            where = ", ".join(f"{k}={v}" for k, v in p.items())
            raise GridError(f"point ({where or 'defaults'}): {exc}") from None
    return target, pts, _plan_plot(args, axes)


def _run(args: argparse.Namespace, target: str, pts: list[dict[str, Any]]) -> list[Any]:
    from irqemu.progress import Progress, wanted
    from irqemu.sweep import runner

    bar = Progress(f"sweep {target}", len(pts), "points", show=wanted(args.no_progress))
    with bar:
        if args.dask is not None:
            client = runner.connect(args.dask)
            try:
                return runner.run_dask(target, pts, client, bar.update)
            finally:
                client.close()
        jobs = min(args.jobs or os.cpu_count() or 1, len(pts))
        if jobs <= 1:
            return runner.run_serial(target, pts, bar.update)
        return runner.run_local(target, pts, jobs, bar.update)


def main(argv: list[str]) -> int:
    """``irqemu sweep ...``: its exit status (0; 2 for a refused grid; 3 when a point
    failed: its row says why)."""
    from irqemu.sweep.table import columns, write_csv, write_parquet

    p = parser()
    args = p.parse_args(argv)
    try:
        target, pts, plan = _check(args)
        rows = _run(args, target.name, pts)
    except (GridError, ConnectionError) as exc:
        sys.stderr.write(f"irqemu sweep: {exc}\n")
        return EXIT_USAGE
    cols = columns(rows, ["point", *pts[0].keys(), *(["error"] if any(
        "error" in r for r in rows) else [])])
    write_csv(args.output, rows, cols)
    wrote = [str(args.output)]
    if args.parquet is not None:
        write_parquet(args.parquet, rows, cols)
        wrote.append(str(args.parquet))
    failed = [r for r in rows if "error" in r]
    if plan is not None:
        missing = [y for y in plan["ys"] if y not in cols]
        if missing:
            sys.stderr.write(f"irqemu sweep: --y {missing[0]}: no such column in the table "
                             f"(see the header of {args.output})\n")
            return EXIT_USAGE
        from irqemu.plot.sweep import plot_table

        plot_table([r for r in rows if "error" not in r], args.plot, target=target.name,
                   **plan)
        wrote.append(str(args.plot))
    print(f"irqemu sweep {target.name}: {len(rows)} points, {len(failed)} failed; "
          f"wrote {', '.join(wrote)}")
    for r in failed[:3]:
        sys.stderr.write(f"irqemu sweep: point {r['point']} failed: {r['error']}\n")
    return EXIT_GUEST if failed else 0


__all__ = ["main", "parser"]
