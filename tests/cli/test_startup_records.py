"""Window, Clock, Reg and BufDesc are written out as the dataclasses they were (a boot no
longer imports the dataclasses module): repr, ==, hash, attribute order, match args,
frozenness and slots as @dataclass made them, against dataclass twins made here."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest
from helpers import firmware

from irqemu.devices.regmap import Reg
from irqemu.hw.imx_fec import BufDesc
from irqemu.machine.bus import Window
from irqemu.sim.clock import Clock


@dataclass
class Window_:
    base: int
    size: int
    name: str
    _starts: list[int] = field(default_factory=list)
    _devs: list[tuple[int, int, Any]] = field(default_factory=list)
    unimplemented: dict[int, int] = field(default_factory=dict)
    _hits: dict[int, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Clock_:
    hz: int


@dataclass(frozen=True)
class Reg_:
    offset: int
    name: str
    reset: int = 0
    access: str = "rw"
    width: int = 4
    count: int = 1
    doc: str = ""
    wmask: int | None = None
    w1c: int = 0
    reserved: int = 0
    mask: int = field(init=False, repr=False, compare=False, default=0)


@dataclass(slots=True)
class BufDesc_:
    datlen: int = 0
    sc: int = 0
    bufaddr: int = 0
    esc: int = 0
    prot: int = 0
    bdu: int = 0
    ts: int = 0


CASES: list[tuple[type, type, list[tuple[Any, ...]]]] = [
    (Window, Window_, [(0x1000, 0x1000, "a"), (0x1000, 0x1000, "b"), (0x2000, 0x1000, "a")]),
    (Clock, Clock_, [(1,), (792_000_000,), (3,)]),
    (Reg, Reg_, [(0, "A"), (4, "B", 5, "r", 2, 3, "doc", 0xF0, 1, 0x100), (0, "A", 1)]),
    (BufDesc, BufDesc_, [(), (1, 2, 3, 4, 5, 6, 7), (1,)]),
]


@pytest.mark.parametrize(("ours", "twin", "args"), CASES, ids=[c[0].__name__ for c in CASES])
def test_written_out_records_behave_as_their_dataclasses(ours: type, twin: type,
                                                         args: list[tuple[Any, ...]]) -> None:
    a, b = [ours(*x) for x in args], [twin(*x) for x in args]
    for x, y in zip(a, b, strict=True):
        assert repr(x) == repr(y).replace(twin.__name__, ours.__name__, 1)
        assert x.__match_args__ == tuple(f.name for f in dataclasses.fields(y) if f.init)
        assert (x == 5) is False and (x != 5) is True
    for i, x in enumerate(a):
        for j, y in enumerate(a):
            assert (x == y) == (b[i] == b[j]) == (i == j)
        assert x == ours(*args[i])
    assert (ours.__hash__ is None) == (twin.__hash__ is None)
    if ours.__hash__ is not None:
        assert hash(a[1]) == hash(ours(*args[1]))
    assert hasattr(ours, "__slots__") == hasattr(twin, "__slots__")


@pytest.mark.parametrize(("obj", "name"), [(Clock(5), "hz"), (Reg(0, "A"), "reset")])
def test_frozen_records_refuse_assignment_as_dataclasses_do(obj: Any, name: str) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError, match=f"cannot assign to field '{name}'"):
        setattr(obj, name, 1)
    with pytest.raises(dataclasses.FrozenInstanceError, match=f"cannot delete field '{name}'"):
        delattr(obj, name)


def test_reg_derives_its_masks_and_checks_its_fields() -> None:
    r = Reg(0, "SR", width=2, wmask=0xFF, w1c=0x100, reserved=0x8000)
    assert (r.mask, r.readable, r.clearable, r.writable, r.accepted) == (
        0xFFFF, 0x7FFF, 0x100, 0xFF, 0x1FF)
    with pytest.raises(ValueError, match="width"):
        Reg(0, "X", width=3)
    with pytest.raises(ValueError, match="positive"):
        Clock(0)


def test_a_boot_does_not_import_dataclasses() -> None:
    code = ("import sys; from irqemu.cli import main; "
            f"rc = main(['boot', {str(firmware('armv7', 'exceptions.elf'))!r}]); "
            "print(rc, 'dataclasses' in sys.modules, file=sys.stderr)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL, check=False)
    assert p.stderr.strip().splitlines()[-1] == "0 False", p.stderr
