"""What keeps `irqemu boot` quick to start changes nothing it does: the parser built for
one command parses as the whole parser does, the kept parses of the shipped cost models
are the parses of the shipped files, and a boot leaves tomllib and pyelftools unimported."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest
import tomllib
from helpers import firmware

from irqemu.cli import COMMANDS, build_parser
from irqemu.timing import costmodel, load_cost_model
from irqemu.timing._shipped import MODELS
from irqemu.timing.costmodel import builtin_cores, shipped_models_source


def subparser(p: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    action = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[name]  # type: ignore[no-any-return]


def test_the_command_list_is_the_parsers() -> None:
    full = build_parser()
    action = next(a for a in full._actions if isinstance(a, argparse._SubParsersAction))
    assert tuple(action.choices) == COMMANDS


@pytest.mark.parametrize("name", [c for c in COMMANDS if c != "fuzz"])
def test_one_command_parser_is_the_full_parsers_subparser(name: str) -> None:
    full, only = subparser(build_parser(), name), subparser(build_parser(name), name)
    assert only.format_help() == full.format_help()
    assert only.format_usage() == full.format_usage()
    assert [described(a) for a in only._actions] == [described(a) for a in full._actions]


def described(action: argparse.Action) -> dict[str, object]:
    """An action's fields; a checked-value type by its function and bounds (each parser
    makes its own closure)."""
    d = vars(action) | {"container": None}
    t = d.get("type")
    if callable(t) and getattr(t, "__closure__", None):
        d["type"] = (t.__qualname__, tuple(c.cell_contents for c in t.__closure__))
    return d


ARGVS = [
    ["boot", "x.elf"],
    ["boot", "x.elf", "--json", "--max-cycles", "0x100", "--engine", "reference"],
    ["boot", "x.elf", "--board", "pc", "--quantum", "7", "--max-time-ms", "1.5"],
    ["bench", "masking", "--arch", "armv7", "--quick"],
    ["scenario", "napi-storm", "--rate", "1000", "--kernel", "rt"],
    ["proc", "softirqs", "--scenario", "two-paths"],
    ["mpstat", "-I", "SCPU"],
    ["stackcount", "net_rx_action", "two-paths", "--top", "3"],
    ["ps", "--all", "--json"],
    ["demo", "--json"],
]


@pytest.mark.parametrize("argv", ARGVS, ids=[" ".join(a) for a in ARGVS])
def test_one_command_parser_parses_the_same(argv: list[str]) -> None:
    assert vars(build_parser(argv[0]).parse_args(argv)) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize("argv", [["boot"], ["boot", "x.elf", "--max-cycles", "0"],
                                  ["boot", "x.elf", "--board", "nope"], ["demo", "--nope"]])
def test_one_command_parser_refuses_the_same(argv: list[str],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    errors = []
    for p in (build_parser(argv[0]), build_parser()):
        with pytest.raises(SystemExit) as exc:
            p.parse_args(argv)
        errors.append((exc.value.code, capsys.readouterr().err))
    assert errors[0] == errors[1]
    assert errors[0][0] == 2


def test_kept_cost_model_parses_are_current() -> None:
    """timing/_shipped.py is what shipped_models_source() makes of the shipped files now
    (after editing a cost model, regenerate it: see shipped_models_source)."""
    from pathlib import Path

    path = Path(costmodel.__file__).with_name("_shipped.py")
    assert path.read_text() == shipped_models_source(), "regenerate timing/_shipped.py"
    assert sorted(MODELS) == builtin_cores()
    for text, data in MODELS.values():
        assert tomllib.loads(text) == data
        assert list(tomllib.loads(text)) == list(data)  # table order too


@pytest.mark.parametrize("core", builtin_cores())
def test_a_shipped_model_loads_the_same_with_or_without_its_kept_parse(
        core: str, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = load_cost_model(core)
    monkeypatch.setattr(costmodel, "_shipped_parse", lambda _core, _text: None)
    parsed = load_cost_model(core)
    assert kept == parsed
    assert list(kept.classes) == list(parsed.classes)
    assert list(kept.events) == list(parsed.events)


def test_an_edited_shipped_file_is_parsed_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kept parse is used only for exactly the text it was made from."""
    core = builtin_cores()[0]
    text, _data = MODELS[core]
    edited = text.replace("hz = ", "hz = 1", 1)
    assert costmodel._shipped_parse(core, text) is not None
    assert costmodel._shipped_parse(core, edited) is None
    assert costmodel._shipped_parse("no-such-core", text) is None


def test_a_boot_imports_neither_tomllib_nor_pyelftools() -> None:
    elf = firmware("armv7", "exceptions.elf")
    code = ("import sys; from irqemu.cli import main; "
            f"rc = main(['boot', {str(elf)!r}]); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'tomllib', 'elftools'}), "
            "rc, file=sys.stderr)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL, check=False)
    assert p.stderr.strip().splitlines()[-1] == "[] 0", p.stderr


def _no_host(text: str) -> str:
    return "\n".join(line for line in text.splitlines()
                     if not line.startswith("host ") and '"host"' not in line)


@pytest.mark.parametrize("args", [
    ["boot", "{fw}/armv7/exceptions.elf"],
    ["boot", "{fw}/armv7/timer.elf", "--max-cycles", "5000"],
    ["boot", "{fw}/aarch64/timer.elf", "--json"],
    ["boot", "{fw}/armv7/no-such.elf"],
    ["boot", "{fw}/armv7/timer.elf", "--quantum", "0"],
], ids=["exit-0", "max-cycles", "json", "missing", "bad-value"])
def test_the_process_ends_as_main_returns(args: list[str],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """The process entry (which ends with os._exit, the collector paused for start-up)
    prints and exits exactly as main(argv) returns in process."""
    from irqemu.cli import main

    fw = str(firmware("armv7", "timer.elf").parents[1])
    argv = [a.format(fw=fw) for a in args]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own exit for a bad value
        code = int(exc.code or 0)
    got = capsys.readouterr()
    p = subprocess.run([sys.executable, "-m", "irqemu", *argv], capture_output=True,
                       text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)
    assert p.returncode == code
    assert _no_host(p.stdout) == _no_host(got.out)
    assert p.stderr == got.err
