"""What the benchmark scripts share: BENCHMARKS.md sections and the host line."""

from __future__ import annotations

import sys
from pathlib import Path

import unicorn

BENCHMARKS_MD = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"


def write_md(section: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace this benchmark's section of BENCHMARKS.md."""
    from irqemu.bench import write_md_section

    write_md_section(path, section, body)


def host_info() -> dict:
    """The host a run measured: CPU model, cores, Python, unicorn, load average."""
    import os
    import platform
    import subprocess

    model = platform.processor() or "unknown"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "unicorn": unicorn.__version__, "platform": platform.platform(),
            "load_average": load}


def write_host_md(info: dict, path: Path) -> None:
    """The header section of BENCHMARKS.md (the host of the latest --write-md run)."""
    body = (f"Host of the latest run: **{info['cpu']}**, {info['cores']} cores, "
            f"Python {info['python']}, unicorn {info['unicorn']}, {info['platform']}; "
            f"load average {info['load_average']} when `{Path(sys.argv[0]).name}` ran.")
    write_md("host", body, path)


def profile_table(pr: object, per: int, unit: str, top: int, calls_digits: int = 1) -> str:
    """A cProfile's top functions by own time as a markdown table, per ``unit`` (an
    interrupt, a frame...: ``per`` of them in the profiled run)."""
    import io
    import pstats

    n = max(1, per)
    st = pstats.Stats(pr, stream=io.StringIO())  # type: ignore[arg-type]
    rows = []
    for (fn, line, name), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore
        rows.append((tt, ct, nc, f"{Path(fn).name}:{line}({name})"))
    rows.sort(reverse=True)
    out = [f"| function | calls / {unit} | own us / {unit.split()[-1]} | "
           f"cumulative us / {unit.split()[-1]} |", "|---|---:|---:|---:|"]
    for tt, ct, nc, where in rows[:top]:
        out.append(f"| `{where}` | {nc / n:.{calls_digits}f} | {tt / n * 1e6:.2f} | "
                   f"{ct / n * 1e6:.2f} |")
    return "\n".join(out)


def report(res: dict, table: str, title: str, section: str, *, as_json: bool,
           write: bool) -> None:
    """Print a result (table or JSON) and, on request, rewrite its BENCHMARKS.md section."""
    import json

    print(json.dumps(res, indent=2) if as_json else table)
    if write:
        h = res["host"]
        body = (f"## {title}\n\n{table}\n\nHost: {h['cpu']}, {h['cores']} cores, "
                f"Python {h['python']}, unicorn {h['unicorn']}; "
                f"load average {h['load_average']}.")
        write_md(section, body)
        write_host_md(h, BENCHMARKS_MD)
