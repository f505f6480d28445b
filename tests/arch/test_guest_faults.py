"""Issue 10, the guest/machine classes: nothing a guest does ends in a traceback, a
hang or a silent wrong answer. Each case runs through ``irqemu boot`` (exit code and
the exact one-line message) on both engines, or inspects the state the guest sees."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from elfgen import arm_elf, elf_file

from irqemu.boards import build_board
from irqemu.cli import main
from irqemu.machine import machine as machine_mod

X86_BASE = 0x100000
A64_BASE = 0x40000000
ARM_BASE = 0x10000000

ZERO_MODEL = """core = "zero"
arch = "armv7"
hz = 1000000
hz_estimate = "a test: every instruction costs nothing"
[classes.alu]
cycles = 0
estimate = "test"
[classes.branch]
cycles = 0
estimate = "test"
"""


def boot(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = main(["boot", *argv])
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


def x86_elf(path: Path, code: bytes, memsz: int = 0x2000) -> Path:
    return elf_file(path, bits=64, machine=62, segments=[(X86_BASE, code, memsz)])


# -- 1. every limit holds whatever the cost model --------------------------------
def test_zero_cost_model_stops_with_a_stall_message(tmp_path: Path, engine: str,
                                                    capsys: pytest.CaptureFixture[str]
                                                    ) -> None:
    model = tmp_path / "zero.toml"
    model.write_text(ZERO_MODEL)
    f = arm_elf(tmp_path / "loop.elf", [0xEAFFFFFE])  # b .
    for limit in (["--max-cycles", "1000"], ["--max-time-ms", "1"]):
        code, err = boot(capsys, str(f), "--cost-model", str(model), "--engine", engine,
                         "--json", *limit)
        assert code == 3
        assert err == [f"irqemu: simulated time does not advance: 1,000,000 instructions "
                       f"at 0 cycles (cost model {model} has zero-cost instructions) "
                       f"(core 0, PC 0x10000000: b #0x10000000)"]


def test_the_instruction_bound_changes_nothing(engine: str) -> None:
    """A run returning after every few instructions gives the same result."""
    from irqemu.bundled import bundled_firmware

    results = []
    for budget in (machine_mod.STALL_INSTRUCTIONS, 7):
        m = build_board("imx6q", engine=engine)
        m.load_elf(str(bundled_firmware("armv7", "timer.elf")))
        for slot in m.cpus:
            slot.core.insn_budget = budget
        r = m.run(max_cycles=300_000)
        results.append((r.stop_reason, r.exit_code, r.cycles, r.instructions, r.interrupts,
                        bytes(m.console)))
    assert results[0] == results[1]


# Cortex-A9 global timer armed to fire at "now" forever (tests/sim/test_livelock.py), then
# semihosting SYS_EXIT(ADP_Stopped_ApplicationExit) in the same block.
LIVELOCK_THEN_EXIT = [0xE59F0030, 0xE3E01000, 0xE5801000, 0xE5801004, 0xE3A01000,
                      0xE5801010, 0xE5801014, 0xE5801018, 0xE3A0100F, 0xE5801008,
                      0xE3A00018, 0xE59F1008, 0xEF123456, 0xEAFFFFFE, 0x00A00200,
                      0x00020026]


def test_exit_ends_the_run_although_a_device_keeps_firing(
        tmp_path: Path, engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    f = arm_elf(tmp_path / "exit.elf", LIVELOCK_THEN_EXIT)
    code, err = boot(capsys, str(f), "--engine", engine, "--json", "--max-cycles", "100000")
    assert (code, err) == (0, [])


def test_max_cycles_message_names_the_core_once(tmp_path: Path, engine: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    f = arm_elf(tmp_path / "loop.elf", [0xEAFFFFFE])
    code, err = boot(capsys, str(f), "--engine", engine, "--json", "--max-cycles", "1000")
    assert code == 3
    assert err == ["irqemu: ran past --max-cycles 1000 (core 0, PC 0x10000000: b #0x10000000)"]


# -- 2. x86 guest semantics ------------------------------------------------------
# mov al, 5; out 0xf4, al; ud2   (one translation block)
EXIT_THEN_UD2 = bytes.fromhex("b005e6f40f0b")


def test_debug_exit_takes_effect_at_the_next_instruction(
        tmp_path: Path, engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    f = x86_elf(tmp_path / "exit.elf", EXIT_THEN_UD2)
    code, err = boot(capsys, str(f), "--engine", engine, "--json", "--max-cycles", "100000")
    assert (code, err) == (5, [])


# Installs an IDT at 0x101000 with a #GP gate, checks an IA32_LSTAR round trip and
# IA32_APIC_BASE (0xfee00900: enabled, BSP), then rdmsr of MSR 0x12345678 at +0x7d; the
# #GP handler checks error code 0 and the pushed RIP (the rdmsr) and exits 42, else 1.
#   mov esp, 0x102000; mov edi, 0x101000; lea rax, [rip+gp]; (gate 13 <- rax, sel 8,
#   0x8e); lidt; mov ecx, 0xc0000082; wrmsr 0x1234:0x5678; rdmsr; cmp ...; mov ecx, 0x1b;
#   rdmsr; cmp eax, 0xfee00900; mov ecx, 0x12345678; rdmsr; bad: out 0xf4 <- 1; hlt
#   gp: pop rbx; pop rcx; cmp rcx, fault; test rbx, rbx; out 0xf4 <- 42; ud2
MSR_GP = bytes.fromhex(
    "bc00201000bf00101000488d0573000000668987d000000066c787d20000000800c687d50000008e"
    "48c1e810668987d6000000be000f100066c706ff0148897e020f011eb9820000c0b878560000ba34"
    "1200000f3031c031d20f323d78560000751d81fa341200007515b91b0000000f323d0009e0fe7507"
    "b9785634120f32b001e6f4f45b59488d15f0ffffff4839d175ed4885db75e8b02ae6f40f0b")


def test_rdmsr_of_an_undefined_msr_is_gp0_through_the_idt(
        tmp_path: Path, engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    f = x86_elf(tmp_path / "msr.elf", MSR_GP)
    code, err = boot(capsys, str(f), "--engine", engine, "--json", "--max-cycles", "1000000")
    assert (code, err) == (42, [])


@pytest.mark.parametrize("insn, name", [(b"\x0f\x32", "rdmsr"), (b"\x0f\x30", "wrmsr")])
def test_undefined_msr_with_no_idt_is_one_line(tmp_path: Path, engine: str, insn: bytes,
                                                name: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    # mov ecx, 0x12345678; rdmsr|wrmsr; hlt
    f = x86_elf(tmp_path / "msr.elf", b"\xb9\x78\x56\x34\x12" + insn + b"\xf4")
    code, err = boot(capsys, str(f), "--engine", engine, "--json", "--max-cycles", "100000")
    assert code == 3
    assert err == [f"irqemu: #GP(0) with no handler: {name} of undefined MSR 0x12345678 "
                   "(vector 13 is beyond the IDT (IDTR base 0x0, limit 0x0)) "
                   f"(core 0, PC 0x00100005: {name} )".replace(" )", ")")]


def test_wrmsr_of_a_read_only_msr_is_one_line(tmp_path: Path, engine: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    # mov ecx, 0x1b; xor eax, eax; xor edx, edx; wrmsr   (disable the local APIC)
    f = x86_elf(tmp_path / "apic.elf", bytes.fromhex("b91b00000031c031d20f30f4"))
    code, err = boot(capsys, str(f), "--engine", engine, "--json", "--max-cycles", "100000")
    assert code == 3
    assert err == ["irqemu: wrmsr IA32_APIC_BASE (0x1b) = 0x0: not modelled (irqemu's MSR "
                   "is read-only) (core 0, PC 0x00100009: wrmsr)"]


def test_every_unicorn_kept_msr_round_trips(engine: str) -> None:
    """wrmsr then rdmsr of each MSR Unicorn keeps returns the value written."""
    from irqemu.arch.x86_64 import UNICORN_MSRS

    body = b""
    for msr in UNICORN_MSRS:
        val = {0xC0000080: 0x501, 0x174: 0x10, 0x277: 0x0007040600070406}.get(
            msr, 0x0000123400005678)
        lo, hi = struct.pack("<I", val & 0xFFFFFFFF), struct.pack("<I", val >> 32)
        # mov ecx, msr; mov eax, lo; mov edx, hi; wrmsr; xor eax, eax; xor edx, edx;
        # rdmsr; cmp eax, lo; jne fail; cmp edx, hi; jne fail
        body += (b"\xb9" + struct.pack("<I", msr) + b"\xb8" + lo + b"\xba" + hi
                 + b"\x0f\x30\x31\xc0\x31\xd2\x0f\x32"
                 + b"\x3d" + lo + b"\x0f\x85FAIL" + b"\x81\xfa" + hi + b"\x0f\x85FAIL")
    body += b"\xb0\x00\xe6\xf4\xf4"  # exit 0
    fail_at = len(body)
    body += b"\xb0\x01\xe6\xf4\xf4"  # fail: exit 1
    out = bytearray(body)
    while (i := out.find(b"FAIL")) >= 0:
        out[i:i + 4] = struct.pack("<i", fail_at - (i + 4))
    m = build_board("pc", engine=engine, num_cpus=1)
    m.mem_write(X86_BASE, bytes(out))
    m.arch.reset(m.cpus[0].core, X86_BASE)
    r = m.run(max_cycles=1_000_000)
    assert (r.stop_reason, r.exit_code) == ("exit", 0)


# movabs rax, 0x8000000000000000; jmp rax
JUMP_NONCANONICAL = bytes.fromhex("48b80000000000000080ffe0")


def test_jump_to_a_non_canonical_address_is_one_line_without_an_idt(
        tmp_path: Path, engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    f = x86_elf(tmp_path / "nc.elf", JUMP_NONCANONICAL)
    code, err = boot(capsys, str(f), "--engine", engine, "--json", "--max-cycles", "100000")
    assert code == 3
    assert err == ["irqemu: #GP(0) with no handler: jump to non-canonical address "
                   "0x8000000000000000 (vector 13 is beyond the IDT (IDTR base 0x0, limit "
                   "0x0)) (core 0, PC 0x8000000000000000)"]


def test_jump_to_a_non_canonical_address_is_gp_through_the_idt(engine: str) -> None:
    from irqemu.arch.x86_64 import Gate

    m = build_board("pc", engine=engine, num_cpus=1)
    idt, handler, stack = 0x200000, 0x201000, 0x210000
    m.mem_write(idt + 13 * 16, Gate.encode(handler))
    m.mem_write(handler, b"\xeb\xfe")  # jmp .
    m.mem_write(X86_BASE, JUMP_NONCANONICAL)
    core = m.cpus[0].core
    m.arch.reset(core, X86_BASE)
    from unicorn import x86_const as X

    core.uc.reg_write(X.UC_X86_REG_IDTR, (0, idt, 32 * 16 - 1, 0))
    core.reg_write(X.UC_X86_REG_RSP, stack)
    r = m.run(max_cycles=10_000)
    assert r.stop_reason == "max-cycles"
    assert core.reg_read(X.UC_X86_REG_RIP) == handler
    frame = struct.unpack("<6Q", m.mem_read(stack - 48, 48))
    assert frame[0] == 0  # error code
    assert frame[1] == 0x8000000000000000  # RIP: the target, as AMD64 reports it


# -- 3. the host-call page is read-only to the guest ----------------------------
# mov rax, 0xfffe0004; mov byte ptr [rax], 0x90; hlt
X86_HOSTPAGE_WRITE = bytes.fromhex("48b80400feff00000000c60090f4")


def test_x86_write_to_the_host_call_page_is_one_line(
        tmp_path: Path, engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    f = x86_elf(tmp_path / "hc.elf", X86_HOSTPAGE_WRITE)
    code, err = boot(capsys, str(f), "--engine", engine, "--json", "--max-cycles", "100000")
    assert code == 3
    assert err == ["irqemu: write to the read-only host-call page at 0xfffe0004 (core 0, PC "
                   "0x0010000a: mov byte ptr [rax], 0x90)"]


# movw r1, #4; movt r1, #0xfffe; mov r2, #0; str r2, [r1]; b .
ARM_HOSTPAGE_WRITE = [0xE3001004, 0xE34F1FFE, 0xE3A02000, 0xE5812000, 0xEAFFFFFE]


def test_armv7_write_to_the_host_call_page_without_vectors_is_one_line(
        tmp_path: Path, engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    f = arm_elf(tmp_path / "hc.elf", ARM_HOSTPAGE_WRITE)
    code, err = boot(capsys, str(f), "--engine", engine, "--json", "--max-cycles", "100000")
    assert code == 3
    assert err == ["irqemu: write to the read-only host-call page at 0xfffe0004 (core 0, PC "
                   "0x1000000c: str r2, [r1])"]


# adr r0, vectors; mcr p15,0,r0,c12,c0,0 (VBAR); movw/movt r1 = 0xfffe0004; mov r2, #0
# fault: str r2, [r1]; b .; nop; vectors (0x20): b . x4, b dabt, b . x3; dabt (0x40): b .
ARM_HOSTPAGE_WRITE_VECTORS = [0xE28F0018, 0xEE0C0F10, 0xE3001004, 0xE34F1FFE, 0xE3A02000,
                              0xE5812000, 0xEAFFFFFE, 0xE1A00000,
                              0xEAFFFFFE, 0xEAFFFFFE, 0xEAFFFFFE, 0xEAFFFFFE, 0xEA000002,
                              0xEAFFFFFE, 0xEAFFFFFE, 0xEAFFFFFE, 0xEAFFFFFE]


def test_armv7_write_to_the_host_call_page_is_a_data_abort(tmp_path: Path, engine: str) -> None:
    from unicorn import arm_const as A

    from irqemu.arch.armv7 import CP_DFAR, CP_DFSR

    f = arm_elf(tmp_path / "hc.elf", ARM_HOSTPAGE_WRITE_VECTORS)
    m = build_board("imx6q", engine=engine)
    m.load_elf(str(f))
    r = m.run(max_cycles=10_000)
    core = m.cpus[0].core
    assert r.stop_reason == "max-cycles"
    assert core.reg_read(A.UC_ARM_REG_PC) == ARM_BASE + 0x40
    assert core.reg_read(A.UC_ARM_REG_CPSR) & 0x1F == 0x17  # abort mode
    assert core.reg_read(A.UC_ARM_REG_LR) == ARM_BASE + 0x14 + 8
    assert core.cp_read(*CP_DFAR) == 0xFFFE0004
    assert core.cp_read(*CP_DFSR) == 0x80F  # WnR, permission fault (page)
    assert m.mem_read(0xFFFE0004, 4) != b"\0\0\0\0"  # the slot is intact


def _a64_hostpage_write(with_vectors: bool) -> bytes:
    # adr x0, vectors (+0x800); msr vbar_el1, x0; isb; mov x1, #4; movk x1, #0xfffe, lsl 16
    # fault: str xzr, [x1]; b .
    head = [0x10004000 if with_vectors else 0xD503201F,
            0xD518C000 if with_vectors else 0xD503201F,
            0xD5033FDF, 0xD2800081, 0xF2BFFFC1, 0xF900003F, 0x14000000]
    words = head + [0xD503201F] * (0x800 // 4 - len(head)) + [0x14000000] * (0x800 // 4)
    return struct.pack(f"<{len(words)}I", *words)


def test_aarch64_write_to_the_host_call_page_without_vectors_is_one_line(
        tmp_path: Path, engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    f = elf_file(tmp_path / "hc.elf", bits=64, machine=183,
                 segments=[(A64_BASE, _a64_hostpage_write(False), 0x1000)])
    code, err = boot(capsys, str(f), "--engine", engine, "--json", "--max-cycles", "100000")
    assert code == 3
    assert err == ["irqemu: write to the read-only host-call page at 0xfffe0004 (core 0, PC "
                   "0x40000014: str xzr, [x1])"]


def test_aarch64_write_to_the_host_call_page_is_a_data_abort(tmp_path: Path,
                                                             engine: str) -> None:
    from unicorn import arm64_const as A

    from irqemu.arch.aarch64 import SYS_ESR_EL1, SYS_FAR_EL1

    f = elf_file(tmp_path / "hc.elf", bits=64, machine=183,
                 segments=[(A64_BASE, _a64_hostpage_write(True), 0x1000)])
    m = build_board("virt-a53", engine=engine)
    m.load_elf(str(f))
    r = m.run(max_cycles=10_000)
    core = m.cpus[0].core
    assert r.stop_reason == "max-cycles"
    assert core.reg_read(A.UC_ARM64_REG_PC) == A64_BASE + 0x800 + 0x200  # sync, SPx
    assert core.reg_read(A.UC_ARM64_REG_ELR_EL1) == A64_BASE + 0x14
    assert core.sys_read(*SYS_FAR_EL1) == 0xFFFE0004
    assert core.sys_read(*SYS_ESR_EL1) == (0x25 << 26) | (1 << 25) | (1 << 6) | 0b001111


def test_irqemu_still_fills_the_host_call_page(engine: str) -> None:
    """Registering an inline host call writes its return instruction into the page."""
    m = build_board("imx6q", engine=engine)
    addr = m.register_hostcall(lambda mach, cpu: None, inline=True)
    assert m.mem_read(addr, 4) == m.arch.return_insn
    assert bytes(m.cpus[0].core.uc.mem_read(addr, 4)) == m.arch.return_insn

