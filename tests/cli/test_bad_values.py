"""A corpus of bad values: each ends in exactly this one line and exit code, before any work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from irqemu import cli
from irqemu.boards import BOARDS

FW = "firmware/armv7/timer.elf"
ROOT = Path(__file__).resolve().parents[2]

CASES = [
    (["boot", FW, "--max-time-ms", "nan"], 2,
     "irqemu: argument --max-time-ms: nan is out of range: must be more than 0 and at "
     "most 3.6e+06 ms (see irqemu boot --help)"),
    (["boot", FW, "--max-time-ms", "inf"], 2, "--max-time-ms: inf is out of range"),
    (["boot", FW, "--max-time-ms", "1e300"], 2, "--max-time-ms: 1e300 is out of range"),
    (["boot", FW, "--max-time-ms", "-5"], 2, "--max-time-ms: -5 is out of range"),
    (["boot", FW, "--max-time-ms", "0"], 2, "--max-time-ms: 0 is out of range"),
    (["boot", FW, "--max-time-ms", "soon"], 2, "--max-time-ms: 'soon' is not a number"),
    (["boot", FW, "--max-cycles", "0"], 2,
     "--max-cycles: 0 is out of range: must be from 1 to 9,223,372,036,854,775,807"),
    (["boot", FW, "--quantum", str(2**64)], 2,
     f"--quantum: {2**64} is out of range: must be from 1 to 1,000,000,000"),
    (["boot", FW, "--board", ""], 2,
     "argument --board: invalid choice: '' (choose from 'imx6q', 'pc', 'virt-a53')"),
    (["boot", FW, "--cost-model", "skylake"], 2,
     "irqemu: --cost-model skylake: a model for x86_64 cores; board imx6q has armv7 cores"),
    (["boot", FW, "--cost-model", "cortex-z99"], 2, "irqemu: no cost model for core 'cortex-z99'"),
    (["bench", "masking", "--write-md", "/nonexistent-dir/b.md"], 2,
     "argument --write-md: /nonexistent-dir/b.md: directory /nonexistent-dir does not exist"),
    (["bench", "masking", "--write-md", "/"], 2, "argument --write-md: / is a directory"),
    (["scenario", "napi-storm", "--rate", "nan"], 2, "--rate nan"),
    (["scenario", "napi-storm", "--duration-ms", "-1"], 2, "--duration-ms -1"),
    (["scenario", "napi-storm", "--sweep", "--duration-ms", "-1"], 2, "--duration-ms -1"),
    (["stackcount", "net_rx_action", "two-paths", "--top", "0"], 2, "--top: 0 is out of range"),
    (["fuzz", "lost-update", "--save", "/nonexistent-dir/s.json"], 2,
     "argument --save: /nonexistent-dir/s.json: directory /nonexistent-dir does not exist"),
    (["fuzz", "lost-update", "--save", "/"], 2, "argument --save: / is a directory"),
    (["fuzz", "lost-update", "--examples", "0"], 2, "--examples: 0 is out of range"),
    (["fuzz", "lost-update", "--max-events", "100000"], 2, "--max-events: 100000 is out of range"),
    (["fuzz", "--replay", "README.md"], 2, "README.md: not JSON"),
]


@pytest.mark.parametrize("argv,code,message", CASES, ids=[" ".join(c[0][:1] + c[0][2:])
                                                         for c in CASES])
def test_bad_value(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                   argv: list[str], code: int, message: str) -> None:
    monkeypatch.chdir(ROOT)
    try:
        got = cli.main(argv)
    except SystemExit as exc:  # argparse's usage errors
        got = int(exc.code or 0)
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert got == code and len(lines) == 1, (got, err)
    assert lines[0].startswith("irqemu: ") and message in lines[0]
    assert out == ""


def test_binary_replay_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "junk.json"
    f.write_bytes(bytes(range(256)))
    assert cli.main(["fuzz", "--replay", str(f)]) == 2
    assert capsys.readouterr().err == f"irqemu: {f}: not a text (JSON) file\n"


def test_board_choices_are_the_boards() -> None:
    assert cli.BOARD_NAMES == tuple(sorted(BOARDS))


def test_user_cost_model_file_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A user's own cost model is honoured: doubling every cost doubles the cycles."""
    monkeypatch.chdir(ROOT)
    src = (ROOT / "src/irqemu/timing/cores/cortex-a9.toml").read_text()
    doubled = "\n".join(
        f"cycles = {2 * int(line.split('=')[1])}" if line.startswith("cycles =") else line
        for line in src.splitlines())
    mine = tmp_path / "a9x2.toml"
    mine.write_text(doubled)
    runs = []
    for extra in ([], ["--cost-model", str(mine)]):
        assert cli.main(["boot", FW, "--json", *extra]) == 0
        runs.append(json.loads(capsys.readouterr().out))
    assert runs[1]["uart"] == runs[0]["uart"]
    assert runs[1]["cycles"][0] > runs[0]["cycles"][0]
