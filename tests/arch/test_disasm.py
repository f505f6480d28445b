"""irqemu.arch.disasm reads libcapstone directly so that a boot does not import the
capstone package: its constants and struct offsets are the package's, and on any
instruction bytes it answers exactly as the package does."""

from __future__ import annotations

import ctypes

import capstone
import pytest
from capstone import arm
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.arch import disasm

MODES = {  # name: (arch, mode, detail as the arch module asks for it)
    "arm": (disasm.CS_ARCH_ARM, disasm.CS_MODE_ARM, True),
    "thumb": (disasm.CS_ARCH_ARM, disasm.CS_MODE_THUMB, True),
    "a64": (disasm.CS_ARCH_ARM64, disasm.CS_MODE_ARM, False),
    "x86-64": (disasm.CS_ARCH_X86, disasm.CS_MODE_64, False),
}


def test_constants_are_the_packages() -> None:
    assert (disasm.CS_ARCH_ARM, disasm.CS_ARCH_ARM64, disasm.CS_ARCH_X86) == (
        capstone.CS_ARCH_ARM, capstone.CS_ARCH_ARM64, capstone.CS_ARCH_X86)
    assert (disasm.CS_MODE_ARM, disasm.CS_MODE_THUMB, disasm.CS_MODE_64) == (
        capstone.CS_MODE_ARM, capstone.CS_MODE_THUMB, capstone.CS_MODE_64)
    assert (disasm.CS_OPT_DETAIL, disasm.CS_OPT_OFF, disasm.CS_OPT_ON) == (
        capstone.CS_OPT_DETAIL, capstone.CS_OPT_OFF, capstone.CS_OPT_ON)
    assert disasm.CS_SUPPORT_DIET == capstone.CS_SUPPORT_DIET
    assert disasm.CS_API == (capstone.CS_API_MAJOR, capstone.CS_API_MINOR)
    assert disasm.ARM_OP_MEM == arm.ARM_OP_MEM
    assert [disasm.ARM_REG_R0 + i for i in range(13)] == [
        getattr(arm, f"ARM_REG_R{i}") for i in range(13)]
    assert (disasm.ARM_REG_SP, disasm.ARM_REG_LR, disasm.ARM_REG_PC) == (
        arm.ARM_REG_SP, arm.ARM_REG_LR, arm.ARM_REG_PC)


def test_struct_offsets_are_the_packages() -> None:
    insn = capstone._cs_insn
    assert ctypes.sizeof(insn) == disasm.INSN_SIZE
    assert (insn.address.offset, insn.size.offset, insn.mnemonic.offset, insn.op_str.offset,
            insn.detail.offset) == (disasm.INSN_ADDRESS, disasm.INSN_SIZE_FIELD,
                                    disasm.INSN_MNEMONIC, disasm.INSN_OP_STR, disasm.INSN_DETAIL)
    assert (insn.mnemonic.size, insn.op_str.size) == (disasm.MNEMONIC_LEN, disasm.OP_STR_LEN)
    assert capstone._cs_detail.arch.offset == disasm.DETAIL_ARCH
    assert (arm.CsArm.op_count.offset, arm.CsArm.operands.offset) == (
        disasm.ARM_OP_COUNT, disasm.ARM_OPERANDS)
    assert arm.CsArm.operands.size == disasm.ARM_MAX_OPERANDS * disasm.ARM_OP_SIZE
    assert ctypes.sizeof(arm.ArmOp) == disasm.ARM_OP_SIZE
    assert (arm.ArmOp.type.offset, arm.ArmOp.value.offset) == (disasm.ARM_OP_TYPE,
                                                               disasm.ARM_OP_MEM_FIELDS)
    assert [getattr(arm.ArmOpMem, f).offset for f in ("base", "index", "disp")] == [0, 4, 12]


def test_this_environment_reads_the_library_directly() -> None:
    """Otherwise every other test here compares the package with itself."""
    for arch, mode, detail in MODES.values():
        assert isinstance(disasm.decoder(arch, mode, detail), disasm.LibDecoder)


def package(name: str) -> capstone.Cs:
    arch, mode, detail = MODES[name]
    cs = capstone.Cs(arch, mode)
    cs.detail = detail
    return cs


@pytest.mark.parametrize("name", list(MODES))
@settings(max_examples=300, deadline=None)
@given(code=st.binary(min_size=0, max_size=24), address=st.integers(0, 2**32 - 1),
       count=st.integers(0, 3))
def test_decodes_as_the_package(name: str, code: bytes, address: int, count: int) -> None:
    ours, theirs = disasm.decoder(*MODES[name]), package(name)
    assert list(ours.disasm_lite(code, address, count)) == \
        list(theirs.disasm_lite(code, address, count))
    assert [(i.address, i.size, i.mnemonic, i.op_str)
            for i in ours.disasm(code, address, count)] == [
        (i.address, i.size, i.mnemonic, i.op_str) for i in theirs.disasm(code, address, count)]


WORDS = st.integers(0, 2**32 - 1).map(lambda w: w.to_bytes(4, "little"))
#: ARM loads and stores (single, dual, exclusive, multiple) with random fields
ARM_MEMORY = st.one_of(
    st.integers(0, 2**32 - 1).map(lambda w: (0xE4000000 | (w & 0x03FFFFFF)).to_bytes(4,
                                                                                 "little")),
    st.integers(0, 2**32 - 1).map(lambda w: (0xE0000090 | (w & 0x01FFFF00)
                                             | (w & 0xF) | ((w >> 4) & 0x60)).to_bytes(4,
                                                                                       "little")),
    st.integers(0, 2**32 - 1).map(lambda w: (0xE1900F9F | (w & 0x000F0000)
                                             | (w & 0xF000)).to_bytes(4, "little")),
    WORDS)


@pytest.mark.parametrize("name", ["arm", "thumb"])
@settings(max_examples=400, deadline=None)
@given(code=ARM_MEMORY, address=st.integers(0, 2**32 - 4))
def test_arm_memory_operands_are_the_packages(name: str, code: bytes, address: int) -> None:
    arch, mode, detail = MODES[name]
    ours = disasm.decoder(arch, mode, detail)
    assert ours.arm_memory_operands(code, address) == \
        disasm.PackageDecoder(arch, mode, detail).arm_memory_operands(code, address)
    insn = next(package(name).disasm(code, address, 1), None)
    want = None if insn is None else [(op.mem.base, op.mem.index, op.mem.disp)
                                      for op in insn.operands if op.type == arm.ARM_OP_MEM]
    assert ours.arm_memory_operands(code, address) == want


def test_an_unaligned_ldrex_names_its_base_register() -> None:
    """exceptions.elf's Data Abort: ``ldrex r0, [r1]`` has one memory operand, base r1."""
    ours = disasm.decoder(*MODES["arm"])
    assert ours.arm_memory_operands((0xE1910F9F).to_bytes(4, "little"), 0x1000) == [
        (disasm.ARM_REG_R0 + 1, 0, 0)]


def test_capstone_module_is_the_package() -> None:
    assert disasm.capstone_module() is capstone
