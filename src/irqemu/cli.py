"""The ``irqemu`` command: boot firmware, the demo, benchmarks, scenarios and the kernel
views (ps, /proc, mpstat, stackcount) on any scenario's kernels."""

from __future__ import annotations

import argparse
import os
import sys

from irqemu.cliargs import (
    EXIT_GUEST,
    EXIT_INTERNAL,
    EXIT_USAGE,
    MAX_COUNT,
    OneLineParser,
    cache_option,
    float_in,
    int_in,
    writable_file,
)
from irqemu.errors import GuestError, IrqemuError

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:  # pathlib (with urllib.parse) is not imported on a boot's path
    from pathlib import Path
    from typing import Any

#: ``irqemu boot --board`` choices (tests check they are irqemu.boards.BOARDS)
BOARD_NAMES = ("imx6q", "pc", "virt-a53")
MAX_TIME_MS = 3_600_000.0  #: one simulated hour
MAX_QUANTUM = 10**9  #: cycles a core may run before the next one gets its turn


class CliError(Exception):
    """A one-line error for the user; the command exits non-zero without a traceback."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def _fmt_ps(ps: int) -> str:
    if ps >= 10**12:
        return f"{ps / 10**12:.6f} s"
    if ps >= 10**9:
        return f"{ps / 10**9:.6f} ms"
    return f"{ps / 10**6:.3f} us"


def boot(path: str, *, board: str | None, max_cycles: int | None, max_time_ms: float | None,
         engine: str, quantum: int, echo: bool, cost_model: str | None = None,
         dtb: bytes | None = None, smp: int | None = None, memory_mib: int | None = None,
         append: str | None = None, load_addr: int | None = None) -> dict[str, Any]:
    """Build the board, load the firmware (and ``dtb`` where QEMU puts an ELF's), run it;
    the result as the JSON shape."""
    from irqemu.boards import board_for_elf, build_board
    from irqemu.machine.elf import ElfLoadError, read_elf
    from irqemu.machine.machine import GuestError
    from irqemu.timing import load_cost_model

    path = _firmware_path(path, board)
    try:
        fmt, data = _kernel_format(path)
        image = None  # an ELF is parsed once: for the board's choice, then its load
        if fmt == "elf":
            if board is None:
                image = read_elf(path)
                board = board_for_elf(image.machine)
            name = board
        elif fmt == "multiboot":  # QEMU boots multiboot on x86 only
            if board not in (None, "pc"):
                raise CliError(f"{path}: a multiboot image boots on the pc, not {board}")
            name = "pc"
        elif board is None:
            what = "not an ELF, Image or zImage: a raw binary" if fmt == "flat" else f"a {fmt}"
            raise CliError(f"{path}: {what} says nothing of its board; give --board")
        else:
            name = board
        kw: dict[str, Any] = {}
        if cost_model is not None:
            kw["cost_model"] = load_cost_model(cost_model)
        if smp is not None:
            kw["num_cpus"] = smp
        if memory_mib is not None or fmt != "elf":
            from irqemu.loader.memory import default_memory_mib

            kw["ram_size"] = (memory_mib or default_memory_mib(name)) << 20
        machine = build_board(name, engine=engine, quantum_cycles=quantum, **kw)
        if cost_model is not None and kw["cost_model"].arch != machine.arch.name:
            raise CliError(f"--cost-model {cost_model}: a model for {kw['cost_model'].arch} "
                           f"cores; board {name} has {machine.arch.name} cores")
        if fmt != "elf":
            _load_image(machine, name, path, fmt, data, dtb, ram_size=kw["ram_size"],
                        append=append, load_addr=load_addr)
        else:
            if load_addr is not None:
                raise CliError(f"--load-addr: {path} is an ELF, loaded at its own addresses")
            elf = machine.load_elf(path, image)
            if dtb is not None:
                _load_dtb(machine, name, elf, dtb)
    except (ElfLoadError, ValueError) as exc:
        raise CliError(str(exc)) from None
    from irqemu.progress import Progress, wanted

    # a long boot shows simulated time on a terminal (not with --json); the bar only reads
    bar = Progress(f"boot {os.path.basename(path)}", max_time_ms, "ms simulated", decimals=1,
                   show=echo and wanted())
    if echo:
        machine.console_echo = bar.echo_bytes
    max_time_ps = None if max_time_ms is None else int(max_time_ms * 10**9)
    _start_run()
    try:
        with bar:
            bar.watch(lambda: machine.now() / 10**9)
            result = machine.run(max_cycles=max_cycles, max_time_ps=max_time_ps)
    except GuestError as exc:
        raise CliError(str(exc), EXIT_GUEST) from None
    irqs = {str(k): v for k, v in sorted(machine.interrupt_counts().items())}
    out = {
        "board": name,
        "firmware": str(path),
        "engine": engine,
        "uart": machine.console.decode("utf-8", "replace"),
        "stop_reason": result.stop_reason,
        "exit_code": result.exit_code,
        "message": result.message,
        "sim_time_ps": result.sim_time_ps,
        "cycles": result.cycles,
        "idle_cycles": result.idle_cycles,
        "instructions": result.instructions,
        "exceptions": result.interrupts,
        "irqs": irqs,
        "irq_names": machine.irq_names(),
        "host": {"seconds": round(result.host_seconds, 6), "mips": round(result.host_mips, 3)},
    }
    if machine.cache is not None:  # --cache-model: its counters (off: no key at all)
        out["cache"] = machine.cache.summary()
    if fmt == "multiboot" and result.stop_reason == "exit":  # isa-debug-exit: QEMU's status
        out["exit_status"] = ((result.exit_code or 0) << 1) | 1
    return out


def _firmware_path(given: str, board: str | None) -> str:
    """The firmware file ``given`` names: the file when it exists, else a bundled one by
    name (fiq.elf); spelled as str(resolve_firmware(...)) spells it."""
    if os.path.isfile(given):
        return posix_path_str(given)
    from irqemu.bundled import resolve_firmware

    return str(resolve_firmware(given, board))


def posix_path_str(path: str) -> str:
    """``str(pathlib.PurePosixPath(path))`` without importing pathlib: empty and "."
    parts dropped, a leading "//" kept (three or more slashes are one), "." for nothing."""
    rest = path.lstrip("/")
    root = "//" if len(path) - len(rest) == 2 else "/" if rest != path else ""
    return root + "/".join(p for p in rest.split("/") if p and p != ".") or "."


def _kernel_format(path: str) -> tuple[str, bytes]:
    """The file's format (``irqemu.loader.detect``) and its bytes."""
    from irqemu.loader.detect import detect

    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror}") from None
    return detect(data), data


def _load_image(machine: Any, board: str, path: str, fmt: str, data: bytes,
                dtb: bytes | None, *, ram_size: int, append: str | None,
                load_addr: int | None) -> None:
    """An Image, zImage or raw binary with the board's DTB (or ``--dtb``), as QEMU's
    -kernel boots one."""
    from irqemu.boards.fdt import board_dtb, ram_base
    from irqemu.loader.boot import load_kernel

    if fmt == "multiboot":
        _load_multiboot(machine, path, data, dtb, ram_size=ram_size, append=append,
                        load_addr=load_addr)
        return
    if dtb is None:
        dtb = board_dtb(board, num_cpus=machine.num_cpus, memory_mib=ram_size >> 20,
                        bootargs=append or "", cpu_hz=machine.cpus[0].clock.hz)
    elif append is not None:
        raise CliError("--append goes into the generated device tree; with --dtb put "
                       "bootargs in your own")
    load_kernel(machine, fmt, data, dtb, ram_base=ram_base(board), ram_size=ram_size,
                load_addr=load_addr, what=path)


def _load_multiboot(machine: Any, path: str, data: bytes, dtb: bytes | None, *,
                    ram_size: int, append: str | None, load_addr: int | None) -> None:
    """A multiboot image on the pc; its command line is QEMU's: the path, a space, --append."""
    from irqemu.loader.multiboot import load_multiboot

    if dtb is not None or load_addr is not None:
        raise CliError(f"{path}: a multiboot image takes neither --dtb nor --load-addr "
                       "(its header says where it loads)")
    load_multiboot(machine, data, ram_size=ram_size, cmdline=f"{path} {append or ''}",
                   what=path)


def _load_dtb(machine: Any, board: str, elf: Any, dtb: bytes) -> None:
    """``--dtb``: the user's tree at the base of RAM, below the ELF, as QEMU loads it."""
    from irqemu.boards.fdt import elf_dtb_address

    low = min(s.address for s in elf.segments)
    high = max(s.address + s.memsz for s in elf.segments)
    try:
        address = elf_dtb_address(board, low, high, len(dtb))
    except ValueError as exc:
        raise ValueError(f"--dtb: {exc}") from None
    if not machine.has_memory(address, len(dtb)):
        raise ValueError(f"--dtb: {len(dtb)} bytes do not fit in RAM at {address:#x}")
    machine.mem_write(address, dtb)


def dump_dtb(args: argparse.Namespace) -> int:
    """``boot --dump-dtb FILE``: write the board's generated device tree and exit (QEMU's
    ``-machine dumpdtb=FILE``)."""
    from irqemu.boards import board_for_elf
    from irqemu.boards.fdt import board_dtb

    name = args.board
    if name is None:
        from irqemu.machine.elf import ElfLoadError, read_elf

        try:
            name = board_for_elf(read_elf(args.firmware).machine)
        except (ElfLoadError, ValueError) as exc:
            raise CliError(f"--dump-dtb: {exc} (or give --board)") from None
    try:
        from irqemu.loader.memory import default_memory_mib
        from irqemu.timing import load_cost_model

        cpu_hz = None
        if args.cost_model:
            model = load_cost_model(args.cost_model)
            core = load_cost_model({"imx6q": "cortex-a9", "virt-a53": "cortex-a53"}.get(
                name, "skylake"))
            if model.arch != core.arch:
                raise ValueError(f"--cost-model {args.cost_model}: a model for {model.arch} "
                                 f"cores; board {name} has {core.arch} cores")
            cpu_hz = model.hz
        # what a boot of an Image on the board builds: its CPUs, QEMU's default RAM
        data = board_dtb(name, num_cpus=args.smp or 4,
                         memory_mib=args.memory or default_memory_mib(name),
                         bootargs=args.append or "", cpu_hz=cpu_hz)
    except ValueError as exc:
        raise CliError(f"--dump-dtb: {exc}") from None
    try:
        with open(args.dump_dtb, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise CliError(f"--dump-dtb {args.dump_dtb}: {exc.strerror}") from None
    sys.stderr.write(f"irqemu: device tree of {name} written to {args.dump_dtb}\n")
    return 0


def _idle_insn(r: dict[str, Any]) -> str:
    """The instruction an idle core waits in: hlt on the pc, WFI on the ARM boards."""
    return "hlt" if r["board"] == "pc" else "WFI"


def _print_summary(r: dict[str, Any]) -> None:
    out = sys.stdout
    if r["uart"] and not r["uart"].endswith("\n"):
        out.write("\n")
    how = {"exit": f"firmware exited with code {r['exit_code']}",
           "idle": f"idle: every core waits in {_idle_insn(r)} with nothing left to wake it",
           "time-limit": "stopped at the simulated-time limit",
           "killed": "killed by gdb"}.get(r["stop_reason"],
                                                                   r["stop_reason"])
    out.write(f"--- irqemu: {how}\n")
    out.write(f"board           {r['board']} ({r['engine']} engine)\n")
    out.write(f"simulated time  {_fmt_ps(r['sim_time_ps'])}\n")
    for i, (cyc, ins) in enumerate(zip(r["cycles"], r["instructions"], strict=True)):
        if cyc or ins:
            out.write(f"cpu{i}            {cyc:,} cycles (modelled), {ins:,} instructions, "
                      f"{r['idle_cycles'][i]:,} idle cycles in {_idle_insn(r)}\n")
    if r["irqs"]:
        out.write("interrupts      line: taken per CPU\n")
        for line, counts in r["irqs"].items():
            name = r["irq_names"].get(line, "")
            cpus = "  ".join(f"cpu{i}={c}" for i, c in enumerate(counts))
            out.write(f"  {line:>4} {name:<12} {cpus}\n")
    else:
        out.write("interrupts      none taken\n")
    for i, c in enumerate(r["cache"]["cpus"] if "cache" in r else ()):
        if c["fetches"] or c["reads"] or c["writes"]:
            out.write(f"cache cpu{i}      {c['penalty_cycles']:,} cycles of misses "
                      f"({c['l1i_misses']:,} L1I, {c['l1d_misses']:,} L1D, "
                      f"{c['dram_accesses']:,} DRAM, {c['transfers']:,} transfers; "
                      f"{r['cache']['model']})\n")
    out.write(f"host            {r['host']['seconds']:.3f} s, {r['host']['mips']:.1f} MIPS "
              "(host figures vary run to run)\n")


def _debugger(port: int | None) -> Any:
    """With ``--gdb PORT``: a gdb session the first machine built stops for (before its
    first instruction); else nothing."""
    if port is None:
        from contextlib import nullcontext

        return nullcontext(None)
    from irqemu.debug.session import gdb_session

    def say(msg: str) -> None:
        sys.stderr.write(f"irqemu: {msg}\n")

    return gdb_session(port, say)


def cmd_boot(args: argparse.Namespace) -> int:
    if args.dump_dtb is not None:
        return dump_dtb(args)
    dtb = None
    if args.dtb is not None:
        from irqemu.boards.fdt import read_dtb

        try:
            dtb = read_dtb(args.dtb)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    with _debugger(args.gdb) as gdb:
        r = boot(args.firmware, board=args.board, max_cycles=args.max_cycles,
                 max_time_ms=args.max_time_ms, engine=args.engine, quantum=args.quantum,
                 echo=not args.json, cost_model=args.cost_model, dtb=dtb, smp=args.smp,
                 memory_mib=args.memory, append=args.append, load_addr=args.load_addr)
        if gdb is not None:
            gdb.ended(r["exit_code"])
    if args.json:
        import json

        json.dump(r, sys.stdout, sort_keys=True)
        sys.stdout.write("\n")
    else:
        _print_summary(r)
    if r["stop_reason"] == "max-cycles":
        sys.stderr.write(f"irqemu: {r['message']}\n")
        return EXIT_GUEST
    if r["stop_reason"] == "exit":
        return int(r.get("exit_status", r["exit_code"] or 0))
    return 0


DEMO_TEXT = """\
What you just saw: irqemu booted firmware/armv7/timer.elf on an emulated i.MX6Q
(Cortex-A9, GICv2 at 0x00A01000, UART1 at 0x02020000). The firmware set up its
exception vectors, programmed the Cortex-A9 private timer to interrupt
periodically through the GIC (PPI 29), unmasked IRQs with `cpsie i` and slept
in `wfi`. Each "tick" line is one interrupt: the core took a real IRQ exception
(mode switch to IRQ, banked SP/LR, SPSR <- CPSR, vector at VBAR+0x18), the
handler read GICC_IAR, cleared the timer, wrote GICC_EOIR and returned with
`subs pc, lr, #4`. Then it exited through ARM semihosting.

Cycles are modelled (Cortex-A9 cost model with sources); time is simulated
and the same on every run. Try:  irqemu boot fiq.elf --json
"""


def cmd_demo(args: argparse.Namespace) -> int:
    """``irqemu demo``: boot the bundled timer firmware and explain what happened."""
    from irqemu.bundled import bundled_firmware

    fw = bundled_firmware("armv7", "timer.elf")
    if not args.json:
        sys.stdout.write(f"$ irqemu boot {fw.name}\n")
    r = boot(str(fw), board="imx6q", max_cycles=None, max_time_ms=None, engine=args.engine,
             quantum=10_000, echo=not args.json)
    if args.json:
        _dump({**r, "explanation": DEMO_TEXT})
    else:
        _print_summary(r)
        sys.stdout.write("\n" + DEMO_TEXT)
    return 0 if r["stop_reason"] == "exit" and r["exit_code"] == 0 else EXIT_GUEST


def cmd_bench(args: argparse.Namespace) -> int:
    """``irqemu bench masking|atomics``: print the tables; optionally update BENCHMARKS.md."""
    from irqemu.bench import atomics, masking

    mod = {"masking": masking, "atomics": atomics}[args.what]
    if args.plot is not None and args.what != "masking":
        raise CliError(f"--plot: bench {args.what} draws no figure (bench masking does)")
    interleave: dict[str, int | None] = {}
    if args.what == "atomics":
        interleave = {"quantum": args.quantum or atomics.QUANTUM,
                      "seed": None if args.fixed_quantum else
                      atomics.SEED if args.interleave_seed is None else args.interleave_seed}
    else:
        for opt, val in (("--quantum", args.quantum), ("--interleave-seed", args.interleave_seed),
                         ("--fixed-quantum", args.fixed_quantum or None)):
            if val is not None:
                raise CliError(f"{opt}: bench {args.what} runs one core (bench atomics "
                               "interleaves several)")
    if args.fixed_quantum and args.interleave_seed is not None:
        raise CliError("--fixed-quantum and --interleave-seed: choose one (fixed rounds, "
                       "or rounds drawn from a seed)")
    arches = args.arch or sorted(mod.SPECS)
    for a in arches:
        if a not in mod.SPECS:
            raise CliError(f"no {args.what} benchmark for architecture {a!r} "
                           f"(have: {', '.join(sorted(mod.SPECS))})")
    from irqemu.machine.machine import GuestError

    try:
        res = mod.run(arches, quick=args.quick, **interleave)
    except GuestError as exc:
        raise CliError(str(exc), EXIT_GUEST) from None
    text = mod.tables(res)
    if args.json:
        import json

        json.dump(res, sys.stdout, sort_keys=True, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(text + "\n")
    if args.write_md:
        from pathlib import Path

        from irqemu.bench import write_md_section

        write_md_section(Path(args.write_md), args.what,
                         f"## {args.what.capitalize()} (`irqemu bench {args.what}`)\n\n{text}")
        sys.stderr.write(f"irqemu: wrote the {args.what} section of {args.write_md}\n")
    if args.plot is not None:
        from irqemu.plot.masking import plot_masking

        _wrote_plot(plot_masking(res, args.plot))
    return 0


def _wrote_plot(path: Path) -> None:
    sys.stderr.write(f"irqemu: wrote the figure {path}\n")


#: every scenario's name (the registry: :mod:`irqemu.scenarios`)
SCENARIOS = ("shared-irq", "ipi", "two-paths", "softirq-current", "softirq-starvation",
             "tasklet", "napi-storm", "e1000e-storm", "gpc-wake", "fiq-debugger", "nmi",
             "smi-hwlat")
#: the scenario options; argparse leaves them None unless given
OPTION_NAMES = ("kernel", "version", "arch", "engine", "model_only", "rate", "duration_ms",
                "sweep")


def _dump(obj: Any) -> None:
    import json

    json.dump(obj, sys.stdout, sort_keys=True, indent=1, default=str)
    sys.stdout.write("\n")


def _scenario(args: argparse.Namespace) -> tuple[Any, Any]:
    """The named scenario and its options: what the user gave, checked against what
    the scenario honours (a one-line OptionError otherwise), then its defaults."""
    from irqemu.scenarios import get

    sc = get(args.name)
    given = {o: getattr(args, o, None) for o in OPTION_NAMES}
    return sc, sc.options(given)


#: observers every scenario run gets after the view's own (``irqemu record`` adds one)
EXTRA_OBSERVERS: list[Any] = []


def _run_scenario(args: argparse.Namespace, observers: Any = (), view: str = "") -> Any:
    """Run the scenario with ``observers`` on every kernel it builds; ``view`` names
    the kernel view asked for, refused in one line where the scenario runs no kernel."""
    sc, opts = _scenario(args)
    if view and not sc.kernel_model:
        raise CliError(f"{view} does not apply to scenario {sc.name}: it runs bare-metal "
                       "firmware on emulated hardware, no kernel model")
    if getattr(args, "json", False):  # long runs (a sweep) show no progress bar then
        from irqemu.progress import silenced

        with silenced():
            return sc.run(opts, [*observers, *EXTRA_OBSERVERS])
    return sc.run(opts, [*observers, *EXTRA_OBSERVERS])


def cmd_scenario(args: argparse.Namespace) -> int:
    """``irqemu scenario NAME``: run one of the talk's experiments and explain it."""
    if args.list:
        return _list_scenarios(args)
    if args.name is None:
        raise CliError("scenario: give a NAME (one of "
                       f"{', '.join(SCENARIOS)}) or --list")
    if args.gdb is not None:
        _gdb_refusal(args)
    if args.plot is not None:
        from irqemu.plot.scenario import refusal

        why = refusal(args.name, bool(_scenario(args)[1].sweep))
        if why:
            raise CliError(why)
    with _debugger(args.gdb) as gdb:
        res = _run_scenario(args)
        if gdb is not None:
            gdb.ended(0)
    if args.json:
        _dump(res.json())
    else:
        from irqemu.kernel.costs import kernel_estimates_note

        sys.stdout.write(res.text.rstrip("\n") + "\n\n" + kernel_estimates_note() + "\n")
    if args.plot is not None:
        from irqemu.plot.scenario import plotter

        _wrote_plot(plotter(args.name)(res.facts, args.plot))
    for p in res.problems:
        sys.stderr.write(f"irqemu: scenario {args.name}: {p}\n")
    return EXIT_GUEST if res.problems else 0


def _gdb_refusal(args: argparse.Namespace) -> None:
    """``scenario --gdb`` debugs the first machine the scenario builds: refused in one
    line where it builds none (the kernel model alone) or many (a sweep)."""
    sc, opts = _scenario(args)
    if "engine" not in sc.honours or opts.model_only:
        raise CliError(f"--gdb: scenario {sc.name} runs the kernel model alone here, "
                       "with no emulated cores to debug")
    if opts.sweep:
        raise CliError("--gdb does not take --sweep: a sweep runs one machine per load; "
                       "debug one load (--rate) instead")


def _list_scenarios(args: argparse.Namespace) -> int:
    from irqemu.scenarios import all_scenarios

    rows: list[dict[str, Any]] = [
        {"name": sc.name, "summary": sc.summary, "kernel_model": sc.kernel_model,
         "options": {o: (None if v is None else list(v)) for o, v in sc.honours.items()}}
        for sc in all_scenarios()]
    if args.json:
        _dump(rows)
        return 0
    for r in rows:
        opts = " ".join(
            "--" + o.replace("_", "-") + ("" if v is None or o in ("model_only", "sweep")
                                          else "=" + "|".join(map(str, v)))
            for o, v in r["options"].items())
        sys.stdout.write(f"{r['name']:<19} {r['summary']}\n{'':<19} options: {opts}\n")
    return 0


def _per_kernel(res: Any, render: Any) -> str:
    """``render(run)`` for each kernel the scenario ran; with several, each under a
    ``# label: release`` line."""
    runs = res.kernels
    if len(runs) == 1:
        return str(render(runs[0]))
    return "\n".join(f"# {r.label or i}: {r.kernel.config.release}\n{render(r)}"
                     for i, r in enumerate(runs))


def _view_json(res: Any, data: Any) -> dict[str, Any]:
    return {"scenario": res.name,
            "kernels": [{"label": r.label, **data(r)} for r in res.kernels]}


def _render(res: Any, as_json: bool, text: Any, data: Any) -> str:
    """A view of every kernel the scenario ran: ``text(run)`` or, as JSON, ``data(run)``."""
    if as_json:
        import json

        return json.dumps(_view_json(res, data), sort_keys=True, indent=1, default=str) + "\n"
    return _per_kernel(res, text)


def view_interrupts(res: Any, as_json: bool = False) -> str:
    """/proc/interrupts of each kernel (JSON: :func:`irqemu.trace.proc.interrupts_json`)."""
    from irqemu.kernel.genirq.proc import show_interrupts
    from irqemu.trace.proc import interrupts_json

    return _render(res, as_json, lambda r: show_interrupts(r.kernel).rstrip("\n") + "\n",
                   lambda r: interrupts_json(r.kernel))


def view_softirqs(res: Any, as_json: bool = False) -> str:
    """/proc/softirqs of each kernel."""
    from irqemu.trace.proc import proc_softirqs, softirqs_json

    return _render(res, as_json, lambda r: proc_softirqs(r.kernel),
                   lambda r: softirqs_json(r.kernel))


def view_mpstat(res: Any, as_json: bool = False, index: int = 0) -> str:
    """``mpstat -I SCPU`` of each kernel: the Mpstat attached as observer ``index``."""
    return _render(res, as_json, lambda r: r.attached[index].report(),
                   lambda r: r.attached[index].as_json())


def view_ps(res: Any, as_json: bool = False, all_tasks: bool = False) -> str:
    """``ps axl | grep irq/`` (every task with ``all_tasks``) of each kernel."""
    from irqemu.trace.proc import ps_json, ps_lines

    def text(r: Any) -> str:
        out = ps_lines(r.kernel, all_tasks=all_tasks)
        if out.count("\n") == 1:
            out += "(no irq threads in this scenario)\n"
        return out

    return _render(res, as_json, text, lambda r: ps_json(r.kernel, all_tasks=all_tasks))


def view_stackcount(res: Any, function: str, as_json: bool = False, index: int = 0,
                    top: int | None = None) -> tuple[str, int]:
    """The stacks the StackCount attached as observer ``index`` counted, and their total;
    a CliError when ``function`` is not instrumented at all."""
    import difflib

    from irqemu.trace.stackcount import instrumented_names

    counters = [r.attached[index] for r in res.kernels]
    total = sum(c.total() for c in counters)
    known = instrumented_names(res.kernels[0].kernel if res.kernels else None)
    if not total and function not in known:
        near = difflib.get_close_matches(function, sorted(known), n=3)
        raise CliError(f"no model function or tracepoint {function!r} is instrumented"
                       + (f" (did you mean {', '.join(near)}?)" if near else ""))
    if as_json:
        import json

        obj = {**_view_json(res, lambda r: {"release": r.kernel.config.release,
                                            **r.attached[index].as_json(top)}),
               "function": function, "total": total}
        return json.dumps(obj, sort_keys=True, indent=1) + "\n", total
    return _per_kernel(res, lambda r: r.attached[index].format(top=top)), total


def cmd_proc(args: argparse.Namespace) -> int:
    """``irqemu proc interrupts|softirqs``: a /proc file after a scenario has run."""
    if args.file == "softirqs":
        res = _run_scenario(args, view="/proc/softirqs")
        sys.stdout.write(view_softirqs(res, args.json))
    else:
        res = _run_scenario(args, view="/proc/interrupts")
        sys.stdout.write(view_interrupts(res, args.json))
    return 0


def cmd_mpstat(args: argparse.Namespace) -> int:
    """``irqemu mpstat -I SCPU``: per-CPU softirq rates over the scenario's run."""
    from irqemu.trace.proc import Mpstat

    res = _run_scenario(args, [Mpstat], view="mpstat")
    sys.stdout.write(view_mpstat(res, args.json))
    return 0


def cmd_stackcount(args: argparse.Namespace) -> int:
    """``irqemu stackcount FUNCTION -- SCENARIO``: call stacks reaching FUNCTION."""
    from irqemu.trace.stackcount import StackCount

    res = _run_scenario(
        args, [lambda k: StackCount(k, args.function, bcc_symbols=args.bcc).attach()],
        view="stackcount")
    out, total = view_stackcount(res, args.function, args.json, top=args.top)
    sys.stdout.write(out)
    if total == 0:
        sys.stderr.write(f"irqemu: {args.function} is instrumented but was never called "
                         f"in {args.name}\n")
        return EXIT_GUEST
    return 0


def cmd_ps(args: argparse.Namespace) -> int:
    """``irqemu ps``: the kernel threads (``ps axl | grep irq/``, or every task with
    ``--all``) after a scenario has run."""
    res = _run_scenario(args, view="ps")
    sys.stdout.write(view_ps(res, args.json, args.all))
    return 0


def _scenario_options(p: argparse.ArgumentParser, *, named: bool = True,
                      with_name: bool = True) -> None:
    """The scenario options; each is None unless given, so a scenario can refuse one it
    does not honour (``irqemu scenario --list`` shows which it honours)."""
    if named:
        p.add_argument("name", nargs="?", choices=SCENARIOS, metavar="NAME",
                       help=f"which experiment: {', '.join(SCENARIOS)}")
        p.add_argument("--list", action="store_true",
                       help="list the scenarios, what each shows and the options it honours")
    elif with_name:
        p.add_argument("--scenario", dest="name", choices=SCENARIOS, default="shared-irq",
                       help="the scenario whose kernel state to show (default shared-irq)")
    p.add_argument("--kernel", choices=("mainline", "threadirqs", "rt"),
                   help="kernel flavour (default mainline; softirq-current: rt)")
    p.add_argument("--version", choices=("4.6", "6.x"),
                   help="kernel version preset where behaviour changed (default 4.6)")
    p.add_argument("--arch", choices=("arm", "x86"),
                   help="arm: the emulated i.MX6Q (GIC); x86: the emulated pc (IO-APIC); "
                   "default arm")
    p.add_argument("--engine", choices=("native", "reference"),
                   help="native (Cython) or pure-Python reference engine for the emulated "
                   "cores (default native)")
    p.add_argument("--model-only", action="store_true", default=None,
                   help="run the kernel model without emulated cores (faster, same rules)")
    p.add_argument("--rate", type=float, metavar="FPS",
                   help="napi-storm: offered frames per second (default 1e6, 64-byte frames)")
    p.add_argument("--duration-ms", type=float, metavar="MS",
                   help="napi-storm: simulated milliseconds of storm (default 4)")
    p.add_argument("--sweep", action="store_true", default=None,
                   help="napi-storm: sweep the offered load and show the knee")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    cache_option(p)
    if named:
        _gdb_option(p)
        _plot_option(p, "napi-storm --sweep: interrupts, polls and drops vs offered load; "
                     "smi-hwlat: each sample's gap beside the SMI time in it")


def _plot_option(p: argparse.ArgumentParser, what: str) -> None:
    from irqemu.plot import plot_file

    p.add_argument("--plot", type=plot_file, metavar="FILE.png|.svg",
                   help=f"also draw a figure (matplotlib) to FILE: {what}")


def _gdb_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--gdb", type=int_in(1, 65535), metavar="PORT",
                   help="stop before the first instruction and serve gdb's remote protocol "
                        "on localhost:PORT, one thread per core (gdb-multiarch: target "
                        "remote :PORT)")


def cmd_record(argv: list[str]) -> int:
    """``irqemu record -o FILE [--format F] boot|scenario|bench ...``: run the command
    and write what happened as trace.dat, a Perfetto trace or a VCD."""
    from irqemu.trace.record import FORMATS, Recorder, format_for, write

    p = OneLineParser(prog="irqemu record", description=(
        "Run a boot, scenario or bench command and record its kernel tracepoints "
        "and hardware events (docs/tracing.md)."))
    p.add_argument("-o", "--output", required=True, type=writable_file, metavar="FILE",
                   help="the trace file to write")
    p.add_argument("--format", choices=FORMATS, help="dat (trace-cmd), perfetto or vcd "
                   "(default: from FILE's ending: .dat, .perfetto-trace/.pftrace, .vcd)")
    p.add_argument("--no-hardware", action="store_true",
                   help="only the kernel model's tracepoints: no per-block hook for mask "
                   "bits and exception returns, no hardware events (faster)")
    p.add_argument("command", choices=("boot", "scenario", "bench"),
                   help="the command to run and record, with its own options after it")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the command's arguments")
    args = p.parse_args(argv)
    path = str(args.output)
    fmt = args.format or format_for(path)
    if fmt is None:
        raise CliError(f"record: cannot tell the format from {path!r}: give --format "
                       f"{'|'.join(FORMATS)} or end the name in .dat, .perfetto-trace or .vcd")
    rec = Recorder(hardware=not args.no_hardware)
    EXTRA_OBSERVERS.append(rec.attach_kernel)
    try:
        with rec.installed():
            code = _main([args.command, *args.args])
    finally:
        EXTRA_OBSERVERS.remove(rec.attach_kernel)
    if code == EXIT_USAGE:  # the command was refused: nothing ran, keep any old file
        return code
    n = write(rec, path, fmt)
    sys.stderr.write(f"irqemu record: {n} events on {rec.nr_cpus} CPUs written to {path} "
                     f"({fmt})\n")
    return code


#: the commands build_parser knows (``fuzz`` has its own parser: irqemu.fuzz.cli)
COMMANDS = ("boot", "bench", "scenario", "proc", "mpstat", "stackcount", "ps", "fuzz", "demo",
            "record", "timerlat", "cyclictest", "sweep", "validate")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``irqemu`` argument parser; with ``only`` (a command named first on the
    command line), that command's subparser alone: the others are never reached
    then, and building all of them is a good part of a short command's start-up."""
    from irqemu import __version__

    def want(name: str) -> bool:
        return only is None or only == name

    p = OneLineParser(prog="irqemu", description=(
        "A cycle-approximate emulator for studying interrupts: real Unicorn cores, "
        "modelled devices and a modelled Linux IRQ layer."))
    p.add_argument("--version", action="version", version=f"irqemu {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    if want("boot"):
        b = sub.add_parser("boot", help="boot a firmware ELF and report what it did")
        b.add_argument("firmware", help="ELF file to load, or a bundled one by name "
                       "(fiq.elf, armv7/timer.elf)")
        b.add_argument("--board", choices=BOARD_NAMES,
                       help="board to run on (default: from the ELF's machine type)")
        b.add_argument("--max-cycles", type=int_in(1, MAX_COUNT), metavar="N",
                       help="stop with an error once a core has run N modelled cycles")
        b.add_argument("--max-time-ms", type=float_in(0, MAX_TIME_MS, unit="ms"), metavar="MS",
                       help="stop after MS milliseconds of simulated time "
                            f"(at most {MAX_TIME_MS:g})")
        b.add_argument("--cost-model", metavar="CORE|FILE",
                       help="a shipped cost model by core name (cortex-a9, cortex-a53, cortex-a55, "
                            "skylake) or your own TOML file, every entry sourced (default: the "
                            "board's core)")
        b.add_argument("--json", action="store_true", help="print one JSON object instead of text")
        b.add_argument("--engine", choices=("native", "reference"), default="native",
                       help="native (Cython) or pure-Python reference engine")
        b.add_argument("--quantum", type=int_in(1, MAX_QUANTUM), default=10_000, metavar="CYCLES",
                       help="cycles a core runs before the next core gets its turn")
        b.add_argument("--dtb", metavar="FILE",
                       help="a device tree blob (checked), loaded at the base of RAM below the "
                            "ELF as QEMU loads one for an ELF kernel (ARM boards)")
        b.add_argument("--dump-dtb", metavar="FILE",
                       help="write the board's generated device tree to FILE and exit "
                            "(QEMU's -machine dumpdtb=FILE)")
        b.add_argument("--smp", type=int_in(1, 8), metavar="N",
                       help="number of CPUs (1-8: the GICv2 serves 8; default: the board's 4)")
        b.add_argument("-m", "--memory", type=int_in(1, 3072), metavar="MIB",
                       help="RAM size in MiB (default for a non-ELF image: QEMU's for the "
                            "machine, virt 128, sabrelite 1024)")
        b.add_argument("--append", metavar="ARGS",
                       help="kernel command line, into the device tree's /chosen/bootargs (the "
                            "multiboot command line on the pc)")
        b.add_argument("--load-addr", type=int_in(0, 2**64 - 1), metavar="ADDR",
                       help="where a raw binary goes and starts (default: QEMU's, RAM base "
                            "+ 0x80000 on AArch64, + 0x10000 on 32-bit ARM)")
        _gdb_option(b)
        cache_option(b)
        b.set_defaults(func=cmd_boot)

    if want("bench"):
        be = sub.add_parser("bench", help="what masking and atomic operations cost, per arch")
        be.add_argument("what", choices=("masking", "atomics"))
        be.add_argument("--arch", action="append", metavar="ARCH",
                        help="architecture to measure (repeatable; default: all available)")
        be.add_argument("--json", action="store_true", help="print JSON instead of tables")
        be.add_argument("--quick", action="store_true", help="small sizes (seconds, not minutes)")
        be.add_argument("--write-md", metavar="FILE", nargs="?", const="BENCHMARKS.md",
                        type=writable_file,
                        help="also replace this benchmark's section in FILE "
                             "(default BENCHMARKS.md)")
        be.add_argument("--quantum", type=int_in(1, MAX_QUANTUM), metavar="CYCLES",
                        help="atomics: the longest round a core runs before the next core's "
                             "turn in the contended runs (default 100)")
        be.add_argument("--interleave-seed", type=int_in(0, 2**63 - 1), metavar="N",
                        help="atomics: each round lasts 1..CYCLES cycles drawn from this "
                             "seed (default 1)")
        be.add_argument("--fixed-quantum", action="store_true",
                        help="atomics: every round lasts exactly CYCLES (a loop whose length "
                             "divides it may never be split between its load and store)")
        _plot_option(be, "masking: interrupt latency vs masked window, per arch")
        cache_option(be)
        be.set_defaults(func=cmd_bench)

    if want("scenario"):
        sc = sub.add_parser("scenario", help="run one of the talk's experiments and explain it")
        _scenario_options(sc)
        sc.set_defaults(func=cmd_scenario)

    if want("proc"):
        pr = sub.add_parser("proc", help="show a /proc file of the modelled kernel")
        pr.add_argument("file", choices=("interrupts", "softirqs"),
                        help="interrupts: per-IRQ counts, chips and actions; softirqs: per vector")
        _scenario_options(pr, named=False)
        pr.set_defaults(func=cmd_proc)

    if want("mpstat"):
        mp = sub.add_parser("mpstat", help="per-CPU softirq rates (mpstat -I SCPU)")
        mp.add_argument("-I", dest="what", choices=("SCPU",), default="SCPU",
                        help="SCPU: softirqs per second and CPU (the only report modelled)")
        _scenario_options(mp, named=False)
        mp.set_defaults(func=cmd_mpstat)

    if want("stackcount"):
        stc = sub.add_parser("stackcount", help="count the call stacks reaching a model function",
                             usage="irqemu stackcount FUNCTION -- SCENARIO [options]")
        stc.add_argument("function", help="a model function or tracepoint, e.g. net_rx_action, "
                         "do_current_softirqs or sdhci_irq")
        stc.add_argument("name", choices=SCENARIOS, metavar="SCENARIO",
                         help=f"the scenario to trace: {', '.join(SCENARIOS)}")
        stc.add_argument("--top", type=int_in(1, 10**6), help="only the N most frequent stacks")
        stc.add_argument("--bcc", action="store_true",
                         help="name __do_softirq as bcc showed it on 4.6 "
                              "(__softirqentry_text_start)")
        _scenario_options(stc, named=False, with_name=False)
        stc.set_defaults(func=cmd_stackcount)

    if want("ps"):
        ps = sub.add_parser("ps", help="the modelled kernel's threads, as ps axl shows them")
        ps.add_argument("--all", action="store_true",
                        help="every task, not only the irq threads (ps axl | grep irq/)")
        _scenario_options(ps, named=False)
        ps.set_defaults(func=cmd_ps)

    if want("fuzz"):
        sub.add_parser("fuzz", help="fuzz interrupt timing with hypothesis (irqemu fuzz -h)",
                       add_help=False)

    if want("demo"):
        d = sub.add_parser("demo", help="boot the bundled timer firmware and explain it")
        d.add_argument("--engine", choices=("native", "reference"), default="native",
                       help="native (Cython) or pure-Python reference engine")
        d.add_argument("--json", action="store_true",
                       help="print the boot's JSON (as irqemu boot --json) and the explanation")
        cache_option(d)
        d.set_defaults(func=cmd_demo)

    if want("record"):
        sub.add_parser("record", help="record a boot, scenario or bench run as trace.dat, "
                       "Perfetto or VCD (irqemu record -h)", add_help=False)
    if want("timerlat"):
        sub.add_parser("timerlat", help="rtla timerlat on the cores: IRQ and thread latency "
                       "per CPU (irqemu timerlat --help)", add_help=False)
    if want("cyclictest"):
        sub.add_parser("cyclictest", help="rt-tests cyclictest on the cores "
                       "(irqemu cyclictest --help)", add_help=False)
    if want("sweep"):
        sub.add_parser("sweep", help="a grid of scenario or latency-tool runs as one table, "
                       "on local processes or Dask (irqemu sweep --help)", add_help=False)
    if want("validate"):
        sub.add_parser("validate", help="modelled latency against published measurements "
                       "(irqemu validate --help)", add_help=False)
    return p


#: commands whose start-up runs with the cyclic collector paused (boot() resumes it)
_GC_PAUSED_COMMANDS = ("boot", "demo")
_gc_paused = False


def _start_run() -> None:
    """Before a boot's run: when :func:`main` paused the cyclic collector for start-up,
    freeze what start-up made (modules, the board: alive to the end) and resume it."""
    global _gc_paused
    if _gc_paused:
        import gc

        gc.freeze()
        gc.enable()
        _gc_paused = False


def _exit_now(code: int) -> None:
    """End the process with ``code`` once stdout and stderr are flushed, skipping the
    interpreter's teardown; returns (leaving the exit to the interpreter, as before)
    where that could show: another thread, a status the OS would not take as given,
    output that cannot be flushed, or a profiler or tracer (cProfile, coverage) that
    writes its results at exit."""
    import threading

    if (not 0 <= code <= 255 or threading.active_count() != 1
            or sys.getprofile() is not None or sys.gettrace() is not None):
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # a closed pipe, say: the interpreter reports it as it always did
        return
    if "ctypes" in sys.modules:  # native libraries loaded: their C stdio buffers too
        import ctypes

        ctypes.CDLL(None).fflush(None)
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run one ``irqemu`` command: its exit status.

    With no ``argv`` it is the ``irqemu`` process (the console script, ``python -m
    irqemu``): the command line is ``sys.argv``, and once the command has run and its
    output is flushed the process ends there (:func:`_exit_now`). Tearing the
    interpreter down, every module and the emulated cores, costs a short command such
    as a boot a tenth of its time and shows the user nothing; so does the cyclic
    collector during a boot's start-up, which is paused until the run."""
    if argv is not None:
        return _main(argv)
    global _gc_paused
    argv = sys.argv[1:]
    if argv[:1] and argv[0] in _GC_PAUSED_COMMANDS:
        import gc

        if gc.isenabled():
            gc.disable()
            _gc_paused = True
    code = _main(argv)
    if argv[:1] != ["fuzz"]:  # hypothesis may have work of its own at exit
        _exit_now(code)
    return code


def _run_command(args: argparse.Namespace) -> int:
    """``args.func(args)``; with ``--cache-model``, every machine it builds gets the memory
    hierarchy model, and a command that built none is refused."""
    chosen = getattr(args, "cache_model", None)
    if chosen is None:
        return int(args.func(args))
    if getattr(args, "model_only", None):
        raise CliError("--cache-model: --model-only runs no emulated core")
    if getattr(args, "write_md", None):
        raise CliError("--cache-model: --write-md records the figures without the cache "
                       "model (benchmarks/cache_model.py records them with it)")
    from irqemu.machine.cachemodel import CacheModelOption

    with CacheModelOption(chosen or None) as opt:
        code = int(args.func(args))
    if not opt.attached:
        raise CliError(f"--cache-model: {args.command} ran no emulated core")
    return code


def _main(argv: list[str]) -> int:
    if argv[:1] == ["fuzz"]:  # its own argument parser: irqemu.fuzz.cli
        from irqemu.fuzz.cli import main as fuzz_main

        return int(fuzz_main(argv[1:]))
    if argv[:1] in (["timerlat"], ["cyclictest"]):  # their own parsers: irqemu.latency.cli
        from irqemu.latency.cli import main as latency_main

        return latency_main(argv[0], argv[1:])
    if argv[:1] == ["validate"]:  # its own parser: irqemu.latency.validate_cli
        from irqemu.latency.validate_cli import main as validate_main

        return validate_main(argv[1:])
    if argv[:1] == ["sweep"]:  # its own parser: irqemu.sweep.cli
        from irqemu.sweep.cli import main as sweep_main

        return sweep_main(argv[1:])
    if argv[:1] == ["record"]:  # its own parser; the recorded command's follows it
        try:
            return cmd_record(argv[1:])
        except CliError as exc:
            sys.stderr.write(f"irqemu: {exc}\n")
            return exc.code
    if argv[:1] == ["stackcount"] and "--" in argv:
        # "stackcount FUNCTION -- SCENARIO [options]": the scenario's options follow it
        i = argv.index("--")
        argv = argv[:i] + argv[i + 1:]
    parser = build_parser(argv[0] if argv[:1] and argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return _run_command(args)
    except CliError as exc:
        sys.stdout.flush()
        sys.stderr.write(f"irqemu: {exc}\n")
        return exc.code
    except GuestError as exc:
        sys.stdout.flush()
        sys.stderr.write(f"irqemu: {exc}\n")
        return EXIT_GUEST
    except IrqemuError as exc:
        sys.stdout.flush()
        sys.stderr.write(f"irqemu: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("irqemu: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug in irqemu: one line, and the traceback on request
        if os.environ.get("IRQEMU_TRACEBACK"):
            raise
        import traceback

        sys.stdout.flush()
        where = traceback.extract_tb(exc.__traceback__)[-1]
        sys.stderr.write(f"irqemu: internal error: {type(exc).__name__}: {exc} (at "
                         f"{os.path.basename(where.filename)}:{where.lineno}; a bug in irqemu, "
                         "IRQEMU_TRACEBACK=1 shows the traceback)\n")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
