"""--plot figures: rendered from real runs' facts and checked as files (PNG header and
size, SVG that parses and carries its title and axis labels), never as pixels; the same
facts give the same bytes; a bad path or a command with no figure is one line, exit 2,
before any run."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from irqemu import cli
from irqemu.plot import plot_format
from irqemu.plot.figure import SIZE

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk (the first after the magic)."""
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    w, h = struct.unpack(">II", data[16:24])
    return int(w), int(h)


def svg_texts(path: Path) -> str:
    """All text in the SVG (parsed, so a broken file fails here)."""
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    return " ".join(t for el in root.iter() for t in (el.text or "",) if t.strip())


def check_both(draw: Any, facts: Any, tmp_path: Path, *words: str,
               size: tuple[float, float] = SIZE) -> None:
    """Render ``facts`` as PNG and SVG: a well-formed PNG of the figure's pixel size,
    an SVG holding ``words``, and the same bytes when drawn again."""
    png, svg = tmp_path / "f.png", tmp_path / "f.svg"
    draw(facts, png)
    data = png.read_bytes()
    assert png_size(data) == (int(size[0] * 100), int(size[1] * 100))
    assert len(data) > 10_000  # lines, labels and a legend, not an empty canvas
    draw(facts, svg)
    text = svg_texts(svg)
    for w in words:
        assert w in text, (w, text[:500])
    first_svg = svg.read_bytes()
    draw(facts, png)
    draw(facts, svg)
    assert png.read_bytes() == data
    assert svg.read_bytes() == first_svg
    assert b"<dc:date>" not in first_svg


@pytest.fixture(scope="module")
def napi_sweep() -> dict[str, Any]:
    from irqemu.scenarios import napi_storm

    return napi_storm.sweep("mainline", [20_000, 400_000, 1_000_000], duration_ms=0.5)[1]


def test_napi_sweep_figure(napi_sweep: dict[str, Any], tmp_path: Path) -> None:
    from irqemu.plot.storm import plot_napi_sweep

    check_both(plot_napi_sweep, napi_sweep, tmp_path, "offered load (64-byte frames per second)",
               "events per second of simulated time", "interrupts/s", "NAPI polls/s",
               "dropped frames/s", "Linux 4.6 mainline", "i.MX6Q")


def test_smi_hwlat_figure(tmp_path: Path) -> None:
    from irqemu.plot.hwlat import plot_smi_hwlat
    from irqemu.scenarios import smi_hwlat

    facts = smi_hwlat.run(nsamples=2)[1]
    check_both(plot_smi_hwlat, facts, tmp_path, "microseconds of simulated time",
               "sample (number, start in simulated time)", "threshold 10 us",
               "SMIs of 50 us")


def test_masking_figure(tmp_path: Path) -> None:
    from irqemu.bench import masking
    from irqemu.plot.masking import plot_masking

    res = {"latency": masking.latency_sweep("armv7", [0, 100], 500, 10)}
    check_both(plot_masking, res, tmp_path, "masked window K (modelled cycles)",
               "assert-to-vector latency (modelled cycles)", "imx6q (cortex-a9)")


@pytest.fixture(scope="module")
def timerlat_runs() -> list[dict[str, Any]]:
    from irqemu.latency import timerlat

    return [timerlat.run(k, duration_ms=3, cpus=2) for k in ("mainline", "rt")]


def test_timerlat_figures(timerlat_runs: list[dict[str, Any]], tmp_path: Path) -> None:
    from irqemu.plot.latency import plot_latency

    check_both(plot_latency, timerlat_runs[:1], tmp_path, "CPU 0", "CPU 1",
               "IRQ latency: timer expiry to its handler", "samples per bucket",
               size=(8.0, 7.5))
    check_both(plot_latency, timerlat_runs, tmp_path, "Linux 4.6 mainline", "Linux 4.6 rt",
               "thread latency: timer expiry to the thread", size=(8.0, 7.5))


def test_cyclictest_figure(tmp_path: Path) -> None:
    from irqemu.latency import cyclictest
    from irqemu.plot.latency import plot_latency

    ths, oc, ld = cyclictest.measure("mainline", prio=80, interval_us=500, loops=10,
                                     threads=2, load="idle", arch="arm", rate=None,
                                     engine="native", version="4.6", seed=0)
    facts = cyclictest.result(ths, oc, ld, kernel="mainline", version="4.6", arch="arm",
                              prio=80, interval_us=500, loops=10, histogram_us=None)
    check_both(plot_latency, [facts], tmp_path, "thread 0 (CPU 0)", "thread 1 (CPU 1)",
               "wakeup latency: timer expiry to the thread")


def test_tools_do_not_share_a_figure(timerlat_runs: list[dict[str, Any]],
                                     tmp_path: Path) -> None:
    from irqemu.plot.latency import plot_latency

    other = {**timerlat_runs[0], "tool": "cyclictest"}
    with pytest.raises(ValueError, match="cannot share a figure"):
        plot_latency([timerlat_runs[0], other], tmp_path / "x.png")


@pytest.mark.parametrize("name", ["f.png", "F.SVG", "dir/f.svg"])
def test_formats_from_the_ending(name: str) -> None:
    assert plot_format(name) == name.rsplit(".", 1)[1].lower()


@pytest.mark.parametrize("name", ["f.pdf", "f", "f.png.txt"])
def test_other_endings_refused(name: str) -> None:
    with pytest.raises(ValueError, match="end the name in .png or .svg"):
        plot_format(name)


REFUSED = [
    (["scenario", "smi-hwlat", "--plot", "{d}/f.pdf"], "cannot draw a .pdf file"),
    (["scenario", "napi-storm", "--plot", "{d}/f.png"], "add --sweep"),
    (["scenario", "ipi", "--plot", "{d}/f.png"], "scenario ipi draws no figure"),
    (["bench", "atomics", "--plot", "{d}/f.png"], "bench atomics draws no figure"),
    (["bench", "masking", "--plot", "{d}/no/such/f.png"], "does not exist"),
]


@pytest.mark.parametrize(("argv", "why"), REFUSED)
def test_refused_in_one_line_before_the_run(argv: list[str], why: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def no_run(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("ran although --plot was refused")

    from irqemu.bench import atomics, masking
    from irqemu.scenarios.base import Scenario

    monkeypatch.setattr(Scenario, "run", no_run)
    monkeypatch.setattr(masking, "run", no_run)
    monkeypatch.setattr(atomics, "run", no_run)
    try:
        code = cli.main([a.format(d=tmp_path) for a in argv])
    except SystemExit as exc:  # argparse's own refusal (OneLineParser.error)
        code = int(str(exc.code))
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and why in err, err
    assert not list(tmp_path.iterdir())


def test_scenario_plot_from_the_command(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "hwlat.svg"
    assert cli.main(["scenario", "smi-hwlat", "--json", "--plot", str(out)]) == 0
    _out, err = capsys.readouterr()
    assert f"wrote the figure {out}" in err
    assert "microseconds of simulated time" in svg_texts(out)


@pytest.mark.parametrize("argv", [["timerlat", "-d", "2", "--cpus", "2"],
                                  ["cyclictest", "-l", "5", "-t", "2"]])
def test_latency_tools_plot(argv: list[str], tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "lat.svg"
    assert cli.main([*argv, "--json", "--plot", str(out)]) == 0
    _out, err = capsys.readouterr()
    assert f"wrote the figure {out}" in err
    text = svg_texts(out)
    assert "samples per bucket" in text and "Linux 4.6 mainline" in text
    assert ("CPU 1" if argv[0] == "timerlat" else "thread 1 (CPU 1)") in text


def test_latency_tool_refuses_a_bad_ending_before_the_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from irqemu.latency import timerlat

    monkeypatch.setattr(timerlat, "measure", lambda *a, **k: pytest.fail("ran"))
    with pytest.raises(SystemExit) as info:
        cli.main(["timerlat", "--plot", str(tmp_path / "f.jpg")])
    assert info.value.code == 2
    assert "cannot draw a .jpg file" in capsys.readouterr().err
