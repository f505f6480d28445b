#!/usr/bin/env python3
"""Start-up: whole-process wall time of ``irqemu boot`` against QEMU on the same ELF.

A user's shell runs ``irqemu boot firmware/armv7/exceptions.elf`` (README: the
installed ``irqemu`` entry point) as a fresh process: fork, exec, interpreter
start, imports, board construction, ELF load, the run (about 11,500 guest
instructions here), the summary, exit. This script times exactly that,
fork+exec+wait from here, for

  * ``irqemu boot ELF`` through the entry point next to this interpreter
    (or on PATH), the way the README tells users to run it;
  * ``python -m irqemu boot ELF``;
  * ``qemu-system-arm -M sabrelite -nographic -semihosting -kernel ELF`` (the
    command line of tests/firmware/test_qemu_compare.py) when it is installed;
  * two floors: ``python -c pass`` and ``python -c "import unicorn"``;

interleaved round by round (A, B, C, ... then again), best of N, so that a
change in the host's load hits every command alike; stdout goes to /dev/null
for all of them. The figure is the ratio irqemu / QEMU of the best wall times,
measured in the same run; absolute milliseconds are host figures. Each
command's best CPU time (user+sys of the process, from wait4) is reported too:
on a loaded host a longer process is preempted more, which moves wall time
more than CPU time. ``--baseline SRC`` adds another irqemu tree (say, a
checkout of an older commit) to the same rounds.

Then a breakdown, each in fresh processes: ``python -X importtime`` of the
same boot (per package and the top modules, self time; importtime's own
overhead inflates it), and in-process phases timed with perf_counter (the
imports ``irqemu.cli`` makes, the imports a boot makes, reading the ELF,
building the board, loading the ELF, the run).

With ``--instructions`` (valgrind installed) each command also runs once under
callgrind, which counts the host instructions the whole process executes (every
thread, the dynamic loader included): a figure other load on the host cannot
move, for comparing trees and commands when wall times are noisy.

Python's bytecode cache matters for start-up: an installed package has its
``.pyc`` files. When ``PYTHONDONTWRITEBYTECODE`` is set (as in some CI and
sandbox shells, where the source tree then has none), the children run
with it unset and ``PYTHONPYCACHEPREFIX`` pointing to a temporary directory,
warmed by one untimed run, so the source tree is left alone;
``--env-as-is`` measures with the environment unchanged.

    python benchmarks/startup.py [--quick] [--json] [--write-md] [--rounds N]
                                 [--baseline OTHER/src] [--instructions]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchcommon import host_info, report  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ELF = REPO / "firmware/armv7/exceptions.elf"
SECTION = "startup"
TARGET_RATIO = 2.0  #: irqemu / qemu-system-arm, whole process

#: the in-process phases, timed in a fresh interpreter (mirrors irqemu.cli.boot)
PHASES_CODE = r"""
import json, sys, time
pc = time.perf_counter
elf = sys.argv[1]
t = {}
t0 = pc()
import irqemu.cli
t["import irqemu.cli"] = pc() - t0
t0 = pc()
from irqemu.boards import board_for_elf, build_board
from irqemu.machine.elf import read_elf
from irqemu.timing import load_cost_model
t["import boot modules (boards, machine, elf, timing)"] = pc() - t0
t0 = pc()
image = read_elf(elf)
name = board_for_elf(image.machine)
t["read_elf (board choice)"] = pc() - t0
t0 = pc()
import importlib
importlib.import_module("irqemu.boards." + name.replace("-", "_"))
t["import the board module (arch, devices)"] = pc() - t0
t0 = pc()
m = build_board(name, engine="native", quantum_cycles=10_000)
t["build_board"] = pc() - t0
t0 = pc()
m.load_elf(elf)
t["machine.load_elf"] = pc() - t0
t0 = pc()
r = m.run()
t["machine.run"] = pc() - t0
assert r.stop_reason == "exit" and r.exit_code == 0, (r.stop_reason, r.exit_code)
print(json.dumps({"phases_s": t, "instructions": sum(r.instructions)}))
"""


# -- the commands --------------------------------------------------------------------
def entry_point() -> str | None:
    """The ``irqemu`` console script of this interpreter's environment, else PATH's."""
    here = Path(sys.executable).parent / "irqemu"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    return shutil.which("irqemu")


def commands(elf: Path, with_floors: bool = True) -> dict[str, list[str]]:
    py = sys.executable
    cmds: dict[str, list[str]] = {}
    ep = entry_point()
    if ep is not None:
        cmds["irqemu (entry point)"] = [ep, "boot", str(elf)]
    cmds["python -m irqemu"] = [py, "-m", "irqemu", "boot", str(elf)]
    qemu = shutil.which("qemu-system-arm")
    if qemu is not None:
        cmds["qemu-system-arm"] = [qemu, "-M", "sabrelite", "-nographic", "-semihosting",
                                   "-kernel", str(elf)]
    if with_floors:
        cmds["floor: python -c pass"] = [py, "-c", "pass"]
        cmds["floor: python -c 'import unicorn'"] = [py, "-c", "import unicorn"]
    return cmds


def child_env(as_is: bool, cache_dir: str) -> tuple[dict[str, str], str]:
    """The children's environment and a note saying how bytecode caching was set up."""
    env = dict(os.environ)
    if as_is:
        return env, "environment as is"
    if env.get("PYTHONDONTWRITEBYTECODE"):
        env.pop("PYTHONDONTWRITEBYTECODE")
        env["PYTHONPYCACHEPREFIX"] = cache_dir
        return env, ("PYTHONDONTWRITEBYTECODE was set: children ran with bytecode cached "
                     "under a temporary PYTHONPYCACHEPREFIX (warmed by one untimed run)")
    return env, "bytecode caches as the environment has them (warmed by one untimed run)"


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, bytes]:
    """Wall seconds (fork+exec+wait), CPU seconds (user+sys), exit status and stderr of
    one run; stdout goes to /dev/null, for irqemu and QEMU alike."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err,
                             stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return wall, usage.ru_utime + usage.ru_stime, p.returncode, err.read()


def check(name: str, code: int, stderr: bytes) -> None:
    if code != 0:
        raise RuntimeError(f"{name} exited {code}: {stderr.decode(errors='replace')[-300:]}")


def wall_times(cmds: dict[str, list[str]], envs: dict[str, dict[str, str]],
               rounds: int) -> dict:
    """Best and median wall time, and best CPU time, of ``rounds`` interleaved runs of
    each command (seconds)."""
    walls: dict[str, list[float]] = {k: [] for k in cmds}
    cpus: dict[str, list[float]] = {k: [] for k in cmds}
    names = list(cmds)
    for name in names:  # warm: bytecode caches, the page cache
        _, _, code, err = run_once(cmds[name], envs[name])
        check(name, code, err)
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            wall, cpu, code, err = run_once(cmds[name], envs[name])
            check(name, code, err)
            walls[name].append(wall)
            cpus[name].append(cpu)
    out = {}
    for name, ts in walls.items():
        ts.sort()
        out[name] = {"best_s": ts[0], "median_s": ts[len(ts) // 2],
                     "best_cpu_s": min(cpus[name]), "runs": len(ts), "argv": cmds[name]}
    return out


def host_instructions(cmds: dict[str, list[str]], envs: dict[str, dict[str, str]]
                      ) -> dict[str, int] | str:
    """Host instructions of one run of each command under callgrind (deterministic), or
    why there are none."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return "valgrind not installed: no instruction counts"
    out: dict[str, int] = {}
    for name, cmd in cmds.items():
        p = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null",
                            *cmd], env=envs[name], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                           timeout=600, check=False)
        check(f"{name} under callgrind", p.returncode, p.stderr.encode())
        counts = [int(line.rsplit(" ", 1)[1].replace(",", ""))
                  for line in p.stderr.splitlines() if "Collected :" in line]
        out[name] = sum(counts)  # one line per process
    return out


def which_irqemu(env: dict[str, str]) -> str:
    p = subprocess.run([sys.executable, "-c", "import irqemu; print(irqemu.__file__)"],
                       env=env, capture_output=True, text=True, check=True)
    return str(Path(p.stdout.strip()).parent)


# -- breakdown -----------------------------------------------------------------------
def parse_importtime(stderr: str) -> list[tuple[str, int, int, int]]:
    """(module, self us, cumulative us, depth) for each ``-X importtime`` line."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, rest = line.split(":", 1)
        self_us, cum_us, name = rest.split("|", 2)
        depth = (len(name) - len(name.lstrip(" "))) // 2
        rows.append((name.strip(), int(self_us), int(cum_us), depth))
    return rows


def package_of(module: str) -> str:
    """Top-level package; irqemu's own modules by subpackage (irqemu.devices, ...)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "irqemu" else parts[0]


def importtime(cmd: list[str], env: dict[str, str], repeat: int, top: int = 12) -> dict:
    """``-X importtime`` of the boot: the run with the least total import time."""
    best: list[tuple[str, int, int, int]] | None = None
    for _ in range(repeat):
        p = subprocess.run([sys.executable, "-X", "importtime", *cmd], env=env,
                           capture_output=True, text=True, stdin=subprocess.DEVNULL,
                           timeout=120, check=False)
        check("importtime run", p.returncode, p.stderr.encode())
        rows = parse_importtime(p.stderr)
        if best is None or sum(r[1] for r in rows) < sum(r[1] for r in best):
            best = rows
    assert best is not None
    by_pkg: dict[str, int] = {}
    for name, self_us, _cum, _depth in best:
        by_pkg[package_of(name)] = by_pkg.get(package_of(name), 0) + self_us
    pkgs = sorted(by_pkg.items(), key=lambda kv: -kv[1])
    return {
        "modules": len(best),
        "total_self_ms": sum(r[1] for r in best) / 1e3,
        "by_package_ms": [{"package": k, "self_ms": v / 1e3} for k, v in pkgs[:top]],
        "top_modules_ms": [{"module": n, "self_ms": s / 1e3, "cumulative_ms": c / 1e3}
                           for n, s, c, _d in sorted(best, key=lambda r: -r[1])[:top]],
    }


def phases(elf: Path, env: dict[str, str], repeat: int) -> dict:
    """In-process phase times, each the best of ``repeat`` fresh interpreters."""
    best: dict[str, float] = {}
    insns = 0
    for _ in range(repeat):
        p = subprocess.run([sys.executable, "-c", PHASES_CODE, str(elf)], env=env,
                           capture_output=True, text=True, stdin=subprocess.DEVNULL,
                           timeout=120, check=False)
        check("phase run", p.returncode, p.stderr.encode())
        data = json.loads(p.stdout)
        insns = data["instructions"]
        for k, v in data["phases_s"].items():
            best[k] = min(best.get(k, v), v)
    return {"phases_ms": {k: 1e3 * v for k, v in best.items()}, "guest_instructions": insns}


# -- measure -------------------------------------------------------------------------
def measure(elf: Path, rounds: int, breakdown_repeat: int, as_is: bool,
            baseline: Path | None = None, instructions: bool = False) -> dict:
    with tempfile.TemporaryDirectory(prefix="irqemu-pycache-") as cache:
        env, env_note = child_env(as_is, cache)
        cmds = commands(elf)
        envs = {name: env for name in cmds}
        if baseline is not None:  # another irqemu tree, first on the path, same entry point
            key = f"irqemu, baseline tree {baseline}"
            main = cmds.get("irqemu (entry point)", cmds["python -m irqemu"])
            cmds = {key: main, **cmds}
            envs[key] = {**env, "PYTHONPATH": str(baseline)}
        res: dict = {"elf": str(elf.relative_to(REPO)) if elf.is_relative_to(REPO) else str(elf),
                     "rounds": rounds, "env": env_note, "irqemu_package": which_irqemu(env),
                     "target_ratio": TARGET_RATIO}
        res["wall"] = wall_times(cmds, envs, rounds)
        if instructions:
            res["host_instructions"] = host_instructions(cmds, envs)
        main_cmd = cmds.get("irqemu (entry point)", cmds["python -m irqemu"])
        res["importtime"] = importtime(["-m", "irqemu", *main_cmd[-2:]], env, breakdown_repeat)
        res["phases"] = phases(elf, env, breakdown_repeat)
    wall = res["wall"]
    qemu = wall.get("qemu-system-arm")
    if qemu is None:
        res["qemu"] = "qemu-system-arm not installed: no ratio (install QEMU for the figure)"
    else:
        res["ratios"] = {k: v["best_s"] / qemu["best_s"] for k, v in wall.items()
                         if k != "qemu-system-arm"}
        res["cpu_ratios"] = {k: v["best_cpu_s"] / qemu["best_cpu_s"] for k, v in wall.items()
                             if k != "qemu-system-arm"}
        key = "irqemu (entry point)" if "irqemu (entry point)" in wall else "python -m irqemu"
        res["ratio"] = res["ratios"][key]
        res["cpu_ratio"] = res["cpu_ratios"][key]
        res["ratio_command"] = key
        res["target_met"] = res["ratio"] <= TARGET_RATIO
    return res


# -- output --------------------------------------------------------------------------
def table(res: dict) -> str:
    wall = res["wall"]
    lines = [
        f"Whole process, fork+exec+wait, of `irqemu boot {res['elf']}` and of "
        f"`qemu-system-arm -M sabrelite -nographic -semihosting -kernel {res['elf']}`: "
        f"best (and median) of {res['rounds']} interleaved rounds. The README runs the "
        "installed `irqemu` entry point. Milliseconds are host figures; the ratio is "
        f"measured in the same run. Measured package: `{res['irqemu_package']}`; "
        f"{res['env']}.",
        "",
        "| command | best ms | median ms | / qemu (best) | best CPU ms | CPU / qemu |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    ratios, cpu_ratios = res.get("ratios", {}), res.get("cpu_ratios", {})
    for name, w in wall.items():
        q = name == "qemu-system-arm"
        r = "1.00" if q else (f"{ratios[name]:.2f}" if name in ratios else "n/a")
        c = "1.00" if q else (f"{cpu_ratios[name]:.2f}" if name in cpu_ratios else "n/a")
        lines.append(f"| {name} | {1e3 * w['best_s']:.1f} | {1e3 * w['median_s']:.1f} | {r} | "
                     f"{1e3 * w['best_cpu_s']:.1f} | {c} |")
    lines.append("")
    if "ratio" in res:
        lines.append(f"- **{res['ratio_command']} / qemu-system-arm = {res['ratio']:.2f}** "
                     f"wall (target <= {res['target_ratio']:g}: "
                     f"{'met' if res['target_met'] else 'NOT met'}); "
                     f"{res['cpu_ratio']:.2f} in CPU time (user+sys, less moved by other load)")
    else:
        lines.append(f"- {res['qemu']}")
    ins = res.get("host_instructions")
    if isinstance(ins, str):
        lines.append(f"- {ins}")
    elif ins:
        q = ins.get("qemu-system-arm")
        lines += ["", "Host instructions of one run each (callgrind; the same on every run, "
                  "whatever the load):", "", "| command | host instructions | / qemu |",
                  "|---|---:|---:|"]
        for name, n in ins.items():
            lines.append(f"| {name} | {n / 1e6:,.1f} M | "
                         f"{f'{n / q:.2f}' if q else 'n/a'} |")
    it = res["importtime"]
    lines += [
        "",
        f"`python -X importtime` of the same boot ({it['modules']} modules, "
        f"{it['total_self_ms']:.1f} ms of import self time, importtime's overhead included; "
        "the least of the runs):",
        "",
        "| package | self ms |  | module | self ms | cumulative ms |",
        "|---|---:|---|---|---:|---:|",
    ]
    for p, m in zip(it["by_package_ms"], it["top_modules_ms"], strict=False):
        lines.append(f"| {p['package']} | {p['self_ms']:.1f} |  | `{m['module']}` | "
                     f"{m['self_ms']:.1f} | {m['cumulative_ms']:.1f} |")
    ph = res["phases"]
    lines += [
        "",
        f"In-process phases (perf_counter in a fresh interpreter, best of each; the run is "
        f"{ph['guest_instructions']:,} guest instructions):",
        "",
        "| phase | ms |",
        "|---|---:|",
    ]
    for k, v in ph["phases_ms"].items():
        lines.append(f"| {k} | {v:.1f} |")
    lines.append(f"| **sum** | **{sum(ph['phases_ms'].values()):.1f}** |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="two rounds (exercises the code path)")
    ap.add_argument("--rounds", type=int, help="interleaved rounds (default 15)")
    ap.add_argument("--elf", type=Path, default=ELF, help="firmware to boot (default: "
                    "firmware/armv7/exceptions.elf)")
    ap.add_argument("--baseline", type=Path, metavar="SRC",
                    help="also time another irqemu tree (its src directory, put first on "
                         "PYTHONPATH) in the same interleaved rounds")
    ap.add_argument("--instructions", action="store_true",
                    help="also count each command's host instructions once under callgrind "
                         "(needs valgrind)")
    ap.add_argument("--env-as-is", action="store_true",
                    help="leave PYTHONDONTWRITEBYTECODE and the bytecode caches as they are")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--write-md", action="store_true",
                    help="update this benchmark's section of BENCHMARKS.md")
    args = ap.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 15)
    res = measure(args.elf.resolve(), rounds, 1 if args.quick else 3, args.env_as_is,
                  args.baseline.resolve() if args.baseline else None, args.instructions)
    res["quick"] = args.quick
    res["host"] = host_info()
    report(res, table(res), "Start-up (`benchmarks/startup.py`)", SECTION, as_json=args.json,
           write=args.write_md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
