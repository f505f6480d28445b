"""Register fields as data: write masks, write-1-to-clear and reserved bits (properties)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from irqemu.devices.regmap import Reg, RegisterFile
from irqemu.hw.imx_fec import BufDesc

u32 = st.integers(0, 0xFFFFFFFF)
widths = st.sampled_from((1, 2, 4, 8))


@st.composite
def regs(draw: st.DrawFn) -> Reg:
    """A register with random write mask, w1c and reserved bits, and a legal reset."""
    width = draw(widths)
    full = (1 << (8 * width)) - 1
    reserved = draw(st.integers(0, full))
    wmask = draw(st.none() | st.integers(0, full))
    w1c = draw(st.integers(0, full))
    reset = draw(st.integers(0, full)) & ~reserved
    return Reg(0, "R", reset=reset, width=width, wmask=wmask, w1c=w1c, reserved=reserved)


class Sink:
    """A device whose ``W`` register records what its writer was given."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def write_W(self, cpu: int, index: int, value: int) -> None:
        self.seen.append(value)


@given(regs(), st.lists(st.integers(0, 2**64 - 1), max_size=6))
def test_storage_follows_the_field_rules(reg: Reg, writes: list[int]) -> None:
    rf = RegisterFile(object(), [reg])
    expect = reg.reset
    for value in writes:
        rf.write(0, 0, reg.width, value)
        value &= reg.mask
        wmask = reg.mask if reg.wmask is None else reg.wmask
        take = wmask & ~reg.w1c & ~reg.reserved
        keep = expect & ~take & ~(value & reg.w1c)  # read-only bits stay, w1c 1s clear
        expect = (keep | (value & take)) & ~reg.reserved
        got = rf.read(0, 0, reg.width)
        assert got == expect
        assert got & reg.reserved == 0  # reserved: read as zero, writes ignored


@given(regs(), u32)
def test_w1c_bits_only_clear(reg: Reg, value: int) -> None:
    rf = RegisterFile(object(), [reg])
    w1c = reg.w1c & ~reg.reserved & reg.mask
    rf.values["R"][0] = (reg.mask & ~reg.reserved)  # every bit that can be set, set
    rf.write(0, 0, reg.width, value & reg.mask)
    got = rf.values["R"][0]
    assert got & w1c == w1c & ~value  # a 1 clears, a 0 leaves the bit set
    rf.values["R"][0] = 0
    rf.write(0, 0, reg.width, reg.mask)
    assert rf.values["R"][0] & w1c == 0  # writing 1s never sets a w1c bit


@given(regs(), st.integers(0, 2**64 - 1))
def test_writer_gets_only_the_bits_that_take_writes(reg: Reg, value: int) -> None:
    sink = Sink()
    w = Reg(0, "W", width=reg.width, wmask=reg.wmask, w1c=reg.w1c, reserved=reg.reserved)
    rf = RegisterFile(sink, [w])
    rf.write(0, 0, w.width, value)  # the pre-resolved exact-width path
    wmask = w.mask if w.wmask is None else w.wmask
    assert sink.seen == [value & (wmask | w.w1c) & ~w.reserved & w.mask]
    rf.store("W", 0, value)  # a writer storing by the same rules
    assert rf.values["W"][0] == w.store(0, value)


@given(u32, u32)
def test_wide_write_reaches_byte_registers_through_the_rules(value: int, old: int) -> None:
    """A word write spanning four byte registers applies each one's own mask."""
    rf = RegisterFile(object(), [Reg(0, "B", width=1, count=4, wmask=0x0F)])
    rf.values["B"] = [(old >> (8 * i)) & 0xFF for i in range(4)]
    rf.write(0, 0, 4, value)
    for i in range(4):
        byte, before = (value >> (8 * i)) & 0xFF, (old >> (8 * i)) & 0xFF
        assert rf.values["B"][i] == (before & 0xF0) | (byte & 0x0F)


def test_reset_may_not_set_reserved_bits() -> None:
    with pytest.raises(ValueError, match="reserved"):
        Reg(0, "X", reset=1, reserved=1)


fields = st.builds(BufDesc, st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), u32, u32, u32, u32,
                   u32)


@given(fields, st.booleans())
def test_bufdesc_round_trips_through_memory(bd: BufDesc, enhanced: bool) -> None:
    mem = bytearray(b"\xa5" * 64)

    def read(addr: int, n: int) -> bytes:
        return bytes(mem[addr : addr + n])

    def write(addr: int, data: bytes) -> None:
        mem[addr : addr + len(data)] = data

    bd.write(write, 16, enhanced)
    back = BufDesc.read(read, 16, enhanced)
    if enhanced:
        assert back == bd
        assert mem[16 + 24 : 16 + 32] == b"\xa5" * 8  # res0 untouched
    else:
        assert (back.datlen, back.sc, back.bufaddr) == (bd.datlen, bd.sc, bd.bufaddr)
        assert mem[16 + 8 :] == b"\xa5" * 40
    assert BufDesc().load(read, 16, "sc").sc == bd.sc
    assert BufDesc().load(read, 16, "datlen", "bufaddr").bufaddr == bd.bufaddr
