"""Forward progress: whatever garbage a guest writes to the devices, a run ends within its
limits, in a result or a one-line error, never a hang or a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from elfgen import elf_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irqemu.boards import build_board
from irqemu.errors import IrqemuError

#: a branch-to-self at the entry, per board
LOOPS = {"imx6q": (32, 40, 0x10000000, b"\xfe\xff\xff\xea"),
         "virt-a53": (64, 183, 0x40000000, b"\x00\x00\x00\x14")}


def registers(machine: Any) -> list[tuple[Any, int, int]]:
    """(device, offset, width) of every register every device of ``machine`` declares."""
    out = []
    for dev in machine.devices.values():
        if hasattr(dev, "register_map"):  # a native device: its map as (offset, name, w, n)
            regs = [(off, width, count) for off, _name, width, count in dev.register_map()]
        else:
            regs = [(r.offset, r.width, r.count)
                    for r in getattr(getattr(dev, "regs", None), "regs", ())]
        for offset, width, count in regs:
            for i in range(count):
                out.append((dev, offset + i * width, width))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(board=st.sampled_from(sorted(LOOPS)), data=st.data())
def test_garbage_in_every_device_still_ends(tmp_path_factory: Any, board: str,
                                             data: st.DataObject) -> None:
    bits, machine_type, base, loop = LOOPS[board]
    path = elf_file(Path(tmp_path_factory.mktemp("fw")) / "loop.elf", bits=bits,
                    machine=machine_type, segments=[(base, loop, len(loop))])
    m = build_board(board)
    m.load_elf(str(path))
    regs = registers(m)
    writes = data.draw(st.lists(st.tuples(st.integers(0, len(regs) - 1),
                                          st.integers(0, 2**32 - 1)), max_size=40))
    try:
        for index, value in writes:
            dev, offset, width = regs[index]
            dev.mmio_write(0, offset, width, value & ((1 << (8 * width)) - 1))
        result = m.run(max_cycles=200_000, max_time_ps=10**9)
    except IrqemuError as exc:
        assert "\n" not in str(exc)
        return
    assert result.stop_reason in ("max-cycles", "time-limit", "idle", "exit")
