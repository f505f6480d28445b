"""What keeps `irqemu boot` quick to start changes nothing it does: the parser built for
one command parses as the whole parser does, the kept parses of the shipped cost models
are the parses of the shipped files, and a boot leaves tomllib, pyelftools, pathlib and
shutil unimported and compiles no annotation text."""

from __future__ import annotations

import argparse
import struct
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import tomllib
from elfgen import arm_elf
from helpers import firmware
from hypothesis import example, given, settings
from hypothesis import strategies as st

from irqemu.cli import COMMANDS, build_parser, posix_path_str
from irqemu.cliargs import terminal_columns
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



def _boot_modules(argv: list[str], prefixes: tuple[str, ...]) -> tuple[int, list[str], str]:
    """Exit code, the loaded modules starting with ``prefixes`` and stderr of
    ``irqemu boot ARGV`` in a fresh interpreter."""
    code = ("import sys; from irqemu.cli import main; "
            f"rc = main(['boot', *{argv!r}]); "
            f"print(rc, sorted(m for m in sys.modules if m.startswith({prefixes!r})), "
            "file=sys.stderr)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL, check=False)
    *err, last = p.stderr.strip().splitlines()
    rc, mods = last.split(" ", 1)
    return int(rc), eval(mods), "\n".join(err)  # noqa: S307 - our own print of a list


LAZY = ("capstone", "irqemu.devices.gic")


@pytest.mark.parametrize("fw", [("armv7", "exceptions.elf"), ("aarch64", "exceptions.elf")])
def test_a_boot_loads_neither_pathlib_nor_shutil(fw: tuple[str, str]) -> None:
    """pathlib (with urllib.parse and ipaddress) and shutil (with bz2 and lzma, which
    argparse's help formatter imports for the terminal's width) stay off a boot's path."""
    rc, mods, err = _boot_modules([str(firmware(*fw))], ("pathlib", "shutil", "urllib"))
    assert (rc, mods) == (0, []), err


def test_a_boot_compiles_no_annotation_text() -> None:
    """No NamedTuple on a boot's path makes ForwardRefs of string annotations (from
    ``from __future__ import annotations``): each compiles its text, and a process's
    first compile() builds the ast module's types, ~10 M host instructions."""
    elf = firmware("armv7", "exceptions.elf")
    code = ("import sys; seen = []\n"
            "def hook(event, args):\n"
            "    if event == 'compile' and sys._getframe(1).f_code.co_name == '__init__' \\\n"
            "            and sys._getframe(1).f_globals.get('__name__') == 'typing':\n"
            "        seen.append(args[0])\n"
            "sys.addaudithook(hook)\n"
            "from irqemu.cli import main\n"
            f"rc = main(['boot', {str(elf)!r}])\n"
            "print(rc, seen, file=sys.stderr)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL, check=False)
    assert p.stderr.strip().splitlines()[-1] == "0 []", p.stderr


def _find_header_by_loop(data: bytes) -> int | None:
    """The multiboot header search as the specification words it: each 4-byte aligned
    offset of the first 8 KiB in turn, the 12-byte header inside the file."""
    magic = (0x1BADB002).to_bytes(4, "little")
    for off in range(0, min(len(data), 8192) - 12 + 1, 4):
        if data[off:off + 4] == magic:
            return off
    return None


@settings(max_examples=300, derandomize=True, deadline=None)
@example(7, [0], b"\x00")  # shorter than a header: bytes.find's negative end counts back
@example(8204, [8192, 8188], b"\x00")  # only the last offset the search may take
@given(st.integers(0, 8300), st.lists(st.integers(0, 8300), max_size=4),
       st.sampled_from([b"\x00", b"\x02", b"\xb0\xad\x1b"]))
def test_the_multiboot_search_finds_what_the_loop_finds(size: int, at: list[int],
                                                          fill: bytes) -> None:
    """find_header (bytes.find) gives the offset the plain loop gives: magics placed
    anywhere, aligned or not, near the 8 KiB limit and the file's end."""
    from irqemu.loader.multiboot import find_header

    data = bytearray((fill * size)[:size])
    for off in at:
        data[off:off + 4] = (0x1BADB002).to_bytes(4, "little")
    data = data[:size]
    assert find_header(bytes(data)) == _find_header_by_loop(bytes(data))


@pytest.mark.parametrize("columns", [None, "", "abc", "0", "-5", "1", "37", "200"])
def test_the_parsers_width_is_shutils(columns: str | None, monkeypatch: pytest.MonkeyPatch
                                      ) -> None:
    """OneLineParser formats help at the width argparse's own formatter would pick."""
    import shutil

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert terminal_columns() == shutil.get_terminal_size().columns
    ours = subparser(build_parser("boot"), "boot")
    theirs = argparse.ArgumentParser(prog=ours.prog, description=ours.description)
    for action in ours._actions[1:]:  # after -h, which both have
        theirs._add_action(action)
    assert ours.format_help() == theirs.format_help()


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(alphabet="/.a", max_size=12))
def test_a_firmware_path_is_spelled_as_pathlib_spells_it(path: str) -> None:
    """boot's firmware field (a file given by path) reads as str(resolve_firmware(...))."""
    assert posix_path_str(path) == str(PurePosixPath(path))


@pytest.mark.parametrize("fw", [("armv7", "exceptions.elf"), ("aarch64", "exceptions.elf")])
def test_a_native_boot_loads_neither_capstone_nor_the_reference_gic(fw: tuple[str, str]) -> None:
    """The boot costs every block and takes a Data Abort (exceptions.elf: DFAR from the
    instruction's base register) through libcapstone directly; the GIC is the native one."""
    rc, mods, err = _boot_modules([str(firmware(*fw))], LAZY)
    assert (rc, mods) == (0, []), err


def test_the_reference_engine_loads_the_reference_gic_and_still_not_capstone() -> None:
    rc, mods, err = _boot_modules([str(firmware("armv7", "exceptions.elf")), "--engine",
                                   "reference"], LAZY)
    assert (rc, mods) == (0, ["irqemu.devices.gic"]), err


@pytest.mark.parametrize("engine", ["native", "reference"])
def test_a_guest_fault_still_names_its_instruction(tmp_path: Path, engine: str) -> None:
    """The one-line error disassembles the faulting instruction without the package."""
    f = arm_elf(tmp_path / "load.elf", [0xE3A01101, 0xE5910004])  # mov r1, #1<<30; ldr
    rc, mods, err = _boot_modules([str(f), "--engine", engine], LAZY[:1])
    assert (rc, mods) == (3, []), err
    assert err.endswith("(core 0, PC 0x10000004: ldr r0, [r1, #4])"), err


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


def _as_dataclasses() -> dict[str, type]:
    """The records as they were declared (@dataclass), to compare the written-out ones with."""
    from dataclasses import dataclass, field

    from irqemu.machine import elf

    @dataclass
    class Segment:
        address: int
        data: bytes
        memsz: int
        vaddr: int | None = None

    @dataclass
    class ElfImage:
        path: str
        machine: str
        entry: int
        segments: list
        symbols: dict = field(default_factory=dict)
        _addrs: list = field(default_factory=list, repr=False)
        _names: list = field(default_factory=list, repr=False)

        __post_init__ = elf.ElfImage.__post_init__

    @dataclass(frozen=True)
    class Cost:
        cycles: int
        source: str
        estimated: bool = False
        basis: str = ""

    @dataclass
    class CostModel:
        core: str
        arch: str
        hz: int
        classes: dict
        events: dict = field(default_factory=dict)
        path: str = ""

    classes = (Segment, ElfImage, Cost, CostModel)
    for c in classes:
        c.__qualname__ = c.__name__  # as declared at module level
    return {c.__name__: c for c in classes}


def _records(ns: dict[str, type]) -> list[object]:
    seg = [ns["Segment"](0x1000, b"\x00\x01", 8), ns["Segment"](0x2000, b"", 4, 0x80)]
    cost = [ns["Cost"](1, "TRM"), ns["Cost"](3, "derived", True, "TRM")]
    return [
        *seg,
        ns["ElfImage"]("a.elf", "EM_ARM", 0x1001, seg, {"b": 2, "a": 1}),
        ns["ElfImage"]("a.elf", "EM_ARM", 0x1001, seg[:1]),
        ns["ElfImage"]("a.elf", "EM_ARM", 0x1001, seg, symbols={"b": 2, "a": 1}),
        *cost,
        ns["CostModel"]("c", "armv7", 10**9, {"alu": cost[0]}, {"mmio": cost[1]}, "c.toml"),
        ns["CostModel"]("c", "armv7", 10**9, {"alu": cost[0]}),
    ]


def test_written_out_records_behave_as_their_dataclasses() -> None:
    """repr, ==, hash, field order and frozenness as @dataclass made them."""
    import dataclasses

    from irqemu.machine import elf
    from irqemu.timing.costmodel import Cost, CostModel

    ours = {"Segment": elf.Segment, "ElfImage": elf.ElfImage, "Cost": Cost,
            "CostModel": CostModel}
    theirs = _as_dataclasses()
    a, b = _records(ours), _records(theirs)
    for x, y in zip(a, b, strict=True):
        assert repr(x) == repr(y)
        assert x.__match_args__ == y.__match_args__  # type: ignore[attr-defined]
        assert repr(vars(x)) == repr(vars(y))  # the same attributes, in order
    for i, x in enumerate(a):
        for j, y in enumerate(a):
            assert (x == y) == (b[i] == b[j]) == (i == j or repr(x) == repr(y)), (x, y)
        assert (x == 5) is False and (x != 5) is True
    for name in ours:
        assert (ours[name].__hash__ is None) == (theirs[name].__hash__ is None), name
    assert hash(Cost(1, "TRM")) == hash(theirs["Cost"](1, "TRM"))
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'cycles'"):
        Cost(1, "TRM").cycles = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'source'"):
        del Cost(1, "TRM").source  # type: ignore[misc]


def test_a_profiled_process_still_writes_its_profile(tmp_path: Path) -> None:
    """Under cProfile (or a tracer such as coverage) the process exits the usual way, so
    the profiler writes its results."""
    out = tmp_path / "boot.prof"
    p = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "irqemu",
                        "boot", str(firmware("armv7", "exceptions.elf"))],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                       check=False)
    assert p.returncode == 0, p.stderr
    assert out.stat().st_size > 0


def _boot_records_as_dataclasses() -> dict[str, type]:
    """CpuSlot, RunResult (machine) and Kind, CpuState (armv7) as they were declared."""
    from dataclasses import dataclass, field

    from irqemu.machine.machine import RUNNING

    @dataclass
    class CpuSlot:
        index: int
        core: Any
        clock: Any
        state: str = RUNNING
        idle_cycles: int = 0
        interrupts: dict = field(default_factory=dict)
        asserted_at: dict = field(default_factory=dict)

    @dataclass
    class RunResult:
        stop_reason: str
        exit_code: int | None
        sim_time_ps: int
        cycles: list
        idle_cycles: list
        instructions: list
        interrupts: list
        host_seconds: float
        message: str = ""

    @dataclass(frozen=True)
    class Kind:
        name: str
        offset: int
        mode: int
        lr_arm: int
        lr_thumb: int
        set_a: bool
        set_f: bool

    @dataclass
    class CpuState:
        mpidr: int
        arm_enter: Any = None
        mpidr_sites: set = field(default_factory=set)

    classes = (CpuSlot, RunResult, Kind, CpuState)
    for c in classes:
        c.__qualname__ = c.__name__
    return {c.__name__: c for c in classes}


def _boot_records(ns: dict[str, Any]) -> list[object]:
    enter = print  # any callable: compared by identity, shown by repr
    return [
        ns["CpuSlot"](0, "core0", "clock"),
        ns["CpuSlot"](1, "core1", "clock", "held", 5, {"IRQ": 2}, {0: 7}),
        ns["CpuSlot"](1, "core1", "clock", state="held", idle_cycles=5,
                      interrupts={"IRQ": 2}, asserted_at={0: 7}),
        ns["RunResult"]("exit", 0, 10, [1, 2], [0, 0], [3, 4], [{}, {"IRQ": 1}], 0.5),
        ns["RunResult"]("time-limit", None, 10, [1], [0], [3], [{}], 0.5, "why"),
        ns["Kind"]("irq", 0x18, 0x12, 4, 4, True, False),
        ns["Kind"]("fiq", 0x1C, 0x11, 4, 4, True, True),
        ns["CpuState"](0x80000000),
        ns["CpuState"](0x80000001, enter, {0x1000}),
    ]


def test_written_out_boot_records_behave_as_their_dataclasses() -> None:
    """CpuSlot, RunResult, Kind and CpuState: repr, ==, hash, attribute order and
    Kind's frozenness as @dataclass made them."""
    import dataclasses

    from irqemu.arch import armv7
    from irqemu.machine import machine

    ours = {"CpuSlot": machine.CpuSlot, "RunResult": machine.RunResult, "Kind": armv7.Kind,
            "CpuState": armv7.CpuState}
    theirs = _boot_records_as_dataclasses()
    a, b = _boot_records(ours), _boot_records(theirs)
    for x, y in zip(a, b, strict=True):
        assert repr(x) == repr(y)
        assert x.__match_args__ == y.__match_args__  # type: ignore[attr-defined]
        assert repr(vars(x)) == repr(vars(y))
    for i, x in enumerate(a):
        for j, y in enumerate(a):
            assert (x == y) == (b[i] == b[j]), (x, y)
        assert (x == 5) is False and (x != 5) is True
    for name in ours:
        assert (ours[name].__hash__ is None) == (theirs[name].__hash__ is None), name
    for k in armv7.Exc:
        twin = theirs["Kind"](*(getattr(k.value, f) for f in k.value.__match_args__))
        assert hash(k.value) == hash(twin) and repr(k.value) == repr(twin)
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'mode'"):
        armv7.Exc.IRQ.value.mode = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'name'"):
        del armv7.Exc.IRQ.value.name  # type: ignore[misc]


def test_a_boot_imports_neither_locale_nor_the_fec_ring() -> None:
    """argparse's messages skip gettext's search (and its import of locale) when no
    catalogue can exist; the FEC's native ring loads at its first received frame."""
    rc, mods, err = _boot_modules([str(firmware("armv7", "exceptions.elf"))],
                                  ("locale", "irqemu._core.fecring"))
    assert (rc, mods) == (0, []), err


def _mo(catalog: dict[str, str]) -> bytes:
    """A GNU message catalogue (little-endian .mo) holding ``catalog``."""
    keys = sorted(catalog)
    ids = [k.encode() for k in keys]
    strs = [catalog[k].encode() for k in keys]
    n = len(keys)
    start = 28 + 16 * n
    table_o, table_t, blob = [], [], b""
    for s in ids:
        table_o.append((len(s), start + len(blob)))
        blob += s + b"\0"
    for s in strs:
        table_t.append((len(s), start + len(blob)))
        blob += s + b"\0"
    head = struct.pack("<7I", 0x950412DE, 0, n, 28, 28 + 8 * n, 0, 0)
    return head + b"".join(struct.pack("<2I", *e) for e in table_o + table_t) + blob


@pytest.mark.parametrize("lang", [None, "", "C", "C.UTF-8", "xx", "yy:xx", "en_US.UTF-8"])
@pytest.mark.parametrize("catalogue", ["none", "empty dir", "xx"])
def test_argparses_messages_are_gettexts(lang: str | None, catalogue: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """argparse's ``_``/``ngettext`` (cliargs) return what gettext's return, with or
    without a catalogue in gettext's directory, whatever $LANG says."""
    import gettext

    from irqemu import cliargs

    localedir = tmp_path / "locale"
    if catalogue != "none":
        localedir.mkdir()
    if catalogue == "xx":
        mo = localedir / "xx" / "LC_MESSAGES" / "messages.mo"
        mo.parent.mkdir(parents=True)
        mo.write_bytes(_mo({"usage: ": "Gebrauch: ", "options": "Optionen"}))
    monkeypatch.setattr(gettext, "_default_localedir", str(localedir))
    monkeypatch.setattr(gettext, "_translations", {})
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    if lang is not None:
        monkeypatch.setenv("LANG", lang)
    assert cliargs.no_catalogue() == (catalogue == "none")
    for msg in ("usage: ", "options", "show this help message and exit"):
        assert argparse._(msg) == gettext.gettext(msg)  # type: ignore[attr-defined]
    for n in (0, 1, 2):
        assert (argparse.ngettext("a %s", "b %s", n)  # type: ignore[attr-defined]
                == gettext.ngettext("a %s", "b %s", n))
    if catalogue == "xx" and lang in ("xx", "yy:xx"):
        assert argparse._("usage: ") == "Gebrauch: "  # type: ignore[attr-defined]


def test_a_language_naming_a_path_takes_gettexts_search(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """An absolute language makes gettext look outside its directory: no shortcut."""
    from irqemu import cliargs

    monkeypatch.setenv("LANGUAGE", str(tmp_path))
    assert cliargs.no_catalogue() is False


@pytest.mark.parametrize("fw", [("armv7", "exceptions.elf"), ("aarch64", "exceptions.elf")])
def test_an_arm_boot_loads_no_lapic(fw: tuple[str, str]) -> None:
    """The engine reaches the x86 local APICs through x86entry's pointers, imported when a
    pc board attaches them: an ARM boot loads neither."""
    rc, mods, err = _boot_modules([str(firmware(*fw))],
                                  ("irqemu._core.lapic", "irqemu._core.x86entry"))
    assert (rc, mods) == (0, []), err


def test_a_pc_boot_attaches_its_lapics_through_x86entry() -> None:
    rc, mods, err = _boot_modules([str(firmware("x86_64", "timer.elf"))],
                                  ("irqemu._core.lapic", "irqemu._core.x86entry"))
    assert (rc, mods) == (0, ["irqemu._core.lapic", "irqemu._core.x86entry"]), err


def test_attach_apic_takes_only_local_apics() -> None:
    from irqemu._core.x86entry import entry

    with pytest.raises(TypeError):
        entry(object())


#: the native modules whose extension links libunicorn (readelf -d: NEEDED libunicorn.so.2)
LINK_LIBUNICORN = ("irqemu._core.ucengine", "irqemu._core.engine", "irqemu._core.cache")


@pytest.mark.parametrize("fw", [("armv7", "exceptions.elf"), ("aarch64", "exceptions.elf")])
def test_a_boot_loads_libunicorn_lazily_bound(fw: tuple[str, str]) -> None:
    """The first module that links libunicorn is imported under UNICORN_DLOPEN_FLAGS (the
    library's PLT bound lazily, its own symbols first), and the process's flags are
    restored after it."""
    code = ("import sys; from irqemu._core import UNICORN_DLOPEN_FLAGS; "
            f"linking = {LINK_LIBUNICORN!r}; before = sys.getdlopenflags(); seen = []; "
            "real = sys.setdlopenflags; "
            "sys.setdlopenflags = lambda f: (seen.append((f, any(m in sys.modules "
            "for m in linking))), real(f)); "
            "from irqemu.cli import main; "
            f"rc = main(['boot', {str(firmware(*fw))!r}]); "
            "print(rc, seen[0] == (UNICORN_DLOPEN_FLAGS, False), "
            "sys.getdlopenflags() == before, any(m in sys.modules for m in linking), "
            "file=sys.stderr)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL, check=False)
    assert p.stderr.strip().splitlines()[-1] == "0 True True True", p.stderr


def test_load_native_restores_the_flags_when_the_import_fails() -> None:
    from irqemu._core import load_native

    before = sys.getdlopenflags()
    with pytest.raises(ImportError):
        load_native("no_such_module")
    assert sys.getdlopenflags() == before


@pytest.mark.parametrize("fw", [("armv7", "exceptions.elf"), ("aarch64", "exceptions.elf")])
def test_a_boot_imports_no_typing(fw: tuple[str, str]) -> None:
    """typing (~12 M host instructions) is for mypy only on a boot's path: its names sit
    under ``TYPE_CHECKING = False``, the NamedTuples are irqemu.namedtuples'."""
    rc, mods, err = _boot_modules([str(firmware(*fw))], ("typing", "_typing"))
    assert (rc, mods) == (0, []), err


def _typing_twin(cls: type) -> type:
    """``cls``'s declaration (its source) run again with typing.NamedTuple, in its
    module's namespace, annotations evaluated."""
    import inspect
    import typing

    ns = dict(vars(sys.modules[cls.__module__]), NamedTuple=typing.NamedTuple)
    exec(inspect.getsource(cls), ns)  # noqa: S102 - our own source
    twin: type = ns[cls.__name__]
    return twin


def _same_namedtuple(ours: type, theirs: type, values: list[tuple[Any, ...]]) -> None:
    """Class attributes, and instances made of ``values``, as typing's NamedTuple makes
    them."""
    import typing

    for attr in ("__name__", "__qualname__", "__module__", "__doc__", "__mro__", "_fields",
                 "_field_defaults", "__match_args__"):
        got, want = getattr(ours, attr), getattr(theirs, attr)
        if attr == "__mro__":
            got, want = got[1:], want[1:]
        assert got == want, attr
    assert typing.get_type_hints(ours) == typing.get_type_hints(theirs)
    assert set(vars(ours)) == set(vars(theirs)) - {"__orig_bases__"}
    assert ours.__new__.__defaults__ == theirs.__new__.__defaults__  # type: ignore[misc]
    for v in values:
        a, b = ours(*v), theirs(*v)
        assert repr(a).split("(", 1)[1] == repr(b).split("(", 1)[1]
        assert a == b and hash(a) == hash(b) and tuple(a) == tuple(b)
        assert a._asdict() == b._asdict()  # type: ignore[attr-defined]
        assert tuple(a._replace(**{ours._fields[0]: 7})) == tuple(  # type: ignore[attr-defined]
            b._replace(**{theirs._fields[0]: 7}))  # type: ignore[attr-defined]
        assert ours._make(a) == theirs._make(b)  # type: ignore[attr-defined]


def _boot_namedtuples() -> list[tuple[type, list[tuple[Any, ...]]]]:
    from irqemu.loader.image import Arm64Image
    from irqemu.loader.multiboot import Header, Loaded
    from irqemu.timing.costmodel import Citation, LiteInsn

    return [(Citation, [("ARM DDI 0406C, B1.8", False), ("derived", True, "TRM")]),
            (LiteInsn, [(0x1000, 4, "ldr", "r0, [r1, #4]")]),
            (Arm64Image, [(0x80000, 0x1000000, 2)]),
            (Header, [(0, 3), (8, 0x10003, 0x100000, 0x100000, 0x101000, 0x102000, 0x10000C)]),
            (Loaded, [(((0x100000, b"\x90"),), 0x101000, 0x100000), ((), 0, 0)])]


@pytest.mark.parametrize("cls, values", _boot_namedtuples(),
                         ids=[c.__name__ for c, _ in _boot_namedtuples()])
def test_boot_namedtuples_are_typings(cls: type, values: list[tuple[Any, ...]]) -> None:
    """Citation, LiteInsn, Arm64Image, Header and Loaded (irqemu.namedtuples at run time)
    are the classes typing.NamedTuple makes of the same declaration: fields, defaults,
    docstring, repr, ==, hash, _replace, _asdict, _make; and they pickle."""
    import pickle

    _same_namedtuple(cls, _typing_twin(cls), values)
    for v in values:
        x = cls(*v)
        assert pickle.loads(pickle.dumps(x)) == x
        assert type(pickle.loads(pickle.dumps(x))) is cls


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True),
       st.lists(st.integers(0, 3), max_size=4), st.booleans(), st.booleans())
def test_namedtuples_declare_as_typing_declares(fields: list[str], defaulted: list[int],
                                                doc: bool, method: bool) -> None:
    """Any declaration (fields, some with defaults, in any order; a docstring; a method)
    makes the same class or the same error with irqemu.namedtuples as with typing."""
    import types
    import typing

    from irqemu.namedtuples import NamedTuple

    def body(d: dict[str, Any]) -> None:
        d["__annotations__"] = {f: int for f in fields}
        d["__module__"] = __name__
        d["__qualname__"] = "Rec"
        d.update({fields[i]: -i for i in defaulted if i < len(fields)})
        if doc:
            d["__doc__"] = "A record."
        if method:
            d["total"] = lambda self: sum(self)

    made = []
    for base in (NamedTuple, typing.NamedTuple):
        try:
            made.append(types.new_class("Rec", (base,), exec_body=body))
        except TypeError as exc:
            made.append(str(exc))
    ours, theirs = made
    if isinstance(theirs, str):
        assert ours == theirs
        return
    assert not isinstance(ours, str), ours
    n = len(fields)
    _same_namedtuple(ours, theirs, [tuple(range(n))])
    if method:
        assert ours(*range(n)).total() == theirs(*range(n)).total()  # type: ignore[attr-defined]


def test_namedtuples_refuse_what_typing_refuses() -> None:
    import types
    import typing

    from irqemu.namedtuples import NamedTuple

    def body(d: dict[str, Any]) -> None:
        d.update({"__module__": __name__, "__annotations__": {"a": int}, "_replace": None})

    for base in (NamedTuple, typing.NamedTuple):
        with pytest.raises(AttributeError, match="Cannot overwrite NamedTuple attribute _replace"):
            types.new_class("R", (base,), exec_body=body)


def test_an_imx6q_boot_leaves_its_held_cores_uninitialised() -> None:
    """exceptions.elf never releases CPUs 1-3: their Unicorn instances stay dormant (set-up
    queued, Unicorn's machine init never run), the start-up cost of one core, not four."""
    from irqemu.api import boot as api_boot

    machine, result = api_boot(firmware("armv7", "exceptions.elf"))
    assert result.stop_reason == "exit" and result.instructions[1:] == [0, 0, 0]
    assert [bool(s.core.uc.dormant) for s in machine.cpus] == [False, True, True, True]
