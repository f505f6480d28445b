"""irqemu.progress: a bar on a terminal only, never with --json, and it never changes a run."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import irqemu
from irqemu.progress import Progress, silenced, wanted


class Tty(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IRQEMU_PROGRESS", raising=False)


def test_wanted_only_on_a_terminal_and_not_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    assert wanted(stream=Tty()) and not wanted(stream=io.StringIO())
    assert not wanted(quiet=True, stream=Tty())
    monkeypatch.setenv("IRQEMU_PROGRESS", "0")
    assert not wanted(stream=Tty())
    monkeypatch.setenv("IRQEMU_PROGRESS", "1")
    assert wanted(stream=io.StringIO()) and not wanted(quiet=True, stream=io.StringIO())


def test_silenced_turns_bars_off_even_when_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRQEMU_PROGRESS", "1")
    with silenced():
        with silenced():
            assert not wanted(stream=Tty())
        assert not wanted(stream=Tty())
    assert wanted(stream=Tty())


def test_each_steps_the_bar_and_closes_it() -> None:
    err = Tty()
    bar = Progress("sweep", 3, "loads", show=True, stream=err, delay=0)
    seen = []
    for x in bar.each("abc"):
        seen.append((x, bar._bar.n))
    assert seen == [("a", 0), ("b", 1), ("c", 2)] and bar._bar is None
    assert "sweep" in err.getvalue()
    assert list(Progress("q", 2, show=False).each([1, 2])) == [1, 2]


def test_hidden_bar_writes_nothing_but_the_echo() -> None:
    out = io.StringIO()
    with Progress("x", 10, show=False) as bar:
        bar.set(5, "note")
        bar.update()
        bar.watch(lambda: 1.0)
        bar.echo("par", out)
        assert out.getvalue() == "par"  # no bar: output goes out as it comes
    assert threading.active_count() == 1 or bar._thread is None


def test_shown_bar_has_figures_and_keeps_echoed_lines_whole() -> None:
    err, out = Tty(), io.StringIO()
    with Progress("boot t.elf", 10, "ms simulated", show=True, decimals=1, stream=err,
                  delay=0) as bar:
        bar._bar.mininterval = 0  # draw every change (tqdm redraws at most every 0.1 s)
        bar.set(2.5, "some note")
        assert "2.5/10.0 ms simulated" in err.getvalue() and "some note" in err.getvalue()
        bar.set(1.0)  # never backwards
        assert bar._bar.n == 2.5
        bar.echo("tick", out)
        assert out.getvalue() == ""  # a partial line waits while the bar shows
        bar.echo(" 1\ntick 2\nti", out)
        assert out.getvalue() == "tick 1\ntick 2\n"
    assert out.getvalue() == "tick 1\ntick 2\nti"  # the rest when the bar goes


def test_watch_polls_in_a_thread_until_closed() -> None:
    polled = threading.Event()
    calls = []

    def poll() -> float:
        calls.append(1)
        polled.set()
        return float(len(calls))

    before = threading.active_count()
    bar = Progress("w", None, show=True, stream=Tty(), delay=0)
    bar.watch(poll, interval=0.001)
    assert polled.wait(60)
    bar.close()
    n = len(calls)
    assert threading.active_count() == before and len(calls) == n


def test_a_watched_boot_is_the_same_boot() -> None:
    """The bar reads simulated time while the machine runs; the run is unchanged."""
    from irqemu.boards import build_board
    from irqemu.bundled import resolve_firmware

    def boot(watched: bool) -> tuple[object, bytes]:
        m = build_board("imx6q")
        m.load_elf(str(resolve_firmware("timer.elf")))
        with Progress("b", None, show=watched, stream=Tty(), delay=0) as bar:
            bar.watch(lambda: m.now() / 1e9, interval=0.0005)
            r = m.run()
        r.host_seconds = 0.0
        return r, bytes(m.console)

    assert boot(True) == boot(False)


def _boot(*args: str, progress: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, IRQEMU_PROGRESS=progress,
               PYTHONPATH=str(Path(irqemu.__file__).resolve().parents[1]))
    return subprocess.run([sys.executable, "-m", "irqemu", "boot", *args], env=env,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def test_boot_is_quiet_off_a_terminal_and_with_json() -> None:
    p = _boot("timer.elf", progress="")
    assert p.returncode == 0 and p.stderr == ""
    p = _boot("timer.elf", "--json", progress="1")
    assert p.returncode == 0 and p.stderr == ""
    assert json.loads(p.stdout)["exit_code"] == 0


def test_boot_bar_goes_to_stderr_and_leaves_stdout_alone() -> None:
    shown = _boot("timer.elf", "--max-time-ms", "50", progress="1")
    plain = _boot("timer.elf", "--max-time-ms", "50", progress="0")
    assert shown.returncode == plain.returncode == 0
    assert "boot timer.elf" in shown.stderr and "/50.0 ms simulated" in shown.stderr
    assert plain.stderr == ""

    def same(text: str) -> list[str]:
        return [ln for ln in text.splitlines() if not ln.startswith("host ")]

    assert same(shown.stdout) == same(plain.stdout)
    assert "tick 10" in shown.stdout


def _scenario(*args: str, progress: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, IRQEMU_PROGRESS=progress,
               PYTHONPATH=str(Path(irqemu.__file__).resolve().parents[1]))
    return subprocess.run([sys.executable, "-m", "irqemu", "scenario", *args], env=env,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)


def test_a_sweep_shows_its_loads_and_json_stays_quiet() -> None:
    shown = _scenario("napi-storm", "--sweep", "--duration-ms", "0.5", progress="1")
    assert shown.returncode == 0, shown.stderr
    assert "napi-storm sweep" in shown.stderr and "/8 loads" in shown.stderr
    quiet = _scenario("napi-storm", "--sweep", "--duration-ms", "0.5", "--json", progress="1")
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert len(json.loads(quiet.stdout)["rows"]) == 8
