"""x86-64 interrupt delivery against the Intel SDM (vol. 3A 6.14), on the pc board.

Each case runs real guest code on a Unicorn core: the frame an interrupt
pushes is read back from guest memory, the guest's own ``iretq`` returns,
NMIs are blocked until that ``iretq``; RDTSC reads simulated time.
"""

from __future__ import annotations

import struct

import pytest
import unicorn
from unicorn import x86_const as X

from irqemu.arch.x86_64 import (
    GATE_INTERRUPT,
    GATE_TRAP,
    RFLAGS_IF,
    X86_64,
    Gate,
    _old_exception_offset,
    classify,
)
from irqemu.boards.pc import build
from irqemu.machine.machine import GuestError

CODE, HANDLER, IDT, DATA, STACK = 0x1000, 0x2000, 0x3000, 0x5000, 0x9000
STI_LOOP = bytes.fromhex("fbebfe")  # sti; jmp .
CLI_LOOP = bytes.fromhex("faebfe")  # cli; jmp .
SPIN = bytes.fromhex("ebfe")  # jmp .
IRETQ = bytes.fromhex("48cf")
COUNT_IRETQ = bytes.fromhex("ff04250050000048cf")  # incl 0x5000; iretq
# incl 0x5000; 1: cmpb $0, 0x5008; je 1b; iretq
COUNT_WAIT_IRETQ = bytes.fromhex("ff042500500000" "803c250850000000" "74f6" "48cf")
US = 10**6  # picoseconds


def machine(code: bytes, engine: str = "native", gates: dict[int, tuple[bytes, int]] | None = None):
    """A one-CPU pc with ``code`` at CODE, handlers (code, gate type) per vector and an IDT."""
    m = build(engine=engine, num_cpus=1)
    m.mem_write(CODE, code)
    core = m.cpus[0].core
    m.arch.reset(core, CODE)
    for i, (vector, (handler, gtype)) in enumerate(sorted((gates or {}).items())):
        addr = HANDLER + 0x100 * i
        m.mem_write(addr, handler)
        m.mem_write(IDT + 16 * vector, Gate.encode(addr, type=gtype))
    core.uc.reg_write(X.UC_X86_REG_IDTR, (0, IDT, 256 * 16 - 1, 0))
    core.reg_write(X.UC_X86_REG_RSP, STACK)
    lapic = m.irq_controller.apics[0]
    lapic.mmio_write(0, 0xF0, 4, 0x1FF)  # software enable
    return m


def u64(m, addr: int) -> int:
    return struct.unpack("<Q", m.mem_read(addr, 8))[0]


def test_interrupt_pushes_the_sdm_frame_and_clears_if(engine: str) -> None:
    m = machine(STI_LOOP, engine, {0x40: (SPIN, GATE_INTERRUPT)})
    core = m.cpus[0].core
    core.reg_write(X.UC_X86_REG_RSP, STACK - 8)  # misaligned: the frame is aligned to 16
    m.run(max_time_ps=1 * US)
    m.irq_controller.apics[0].accept(0x40)
    m.run(max_time_ps=2 * US)
    rsp = core.reg_read(X.UC_X86_REG_RSP)
    assert core.reg_read(X.UC_X86_REG_RIP) == HANDLER
    assert rsp == STACK - 16 - 40
    assert u64(m, rsp) == CODE + 1  # RIP: the interrupted jmp
    assert u64(m, rsp + 8) == 0x08  # CS
    assert u64(m, rsp + 16) & RFLAGS_IF  # RFLAGS as it was
    assert u64(m, rsp + 24) == STACK - 8  # RSP before alignment
    assert u64(m, rsp + 32) == 0x10  # SS
    assert not core.reg_read(X.UC_X86_REG_RFLAGS) & RFLAGS_IF
    assert m.irq_controller.ack_counts == {0x40: [1]}
    assert m.irq_controller.apics[0].isr == 1 << 0x40


def test_trap_gate_keeps_if() -> None:
    m = machine(STI_LOOP, gates={0x40: (SPIN, GATE_TRAP)})
    m.run(max_time_ps=1 * US)
    m.irq_controller.apics[0].accept(0x40)
    m.run(max_time_ps=2 * US)
    assert m.cpus[0].core.reg_read(X.UC_X86_REG_RFLAGS) & RFLAGS_IF


def test_iretq_returns_and_restores_if(engine: str) -> None:
    m = machine(STI_LOOP, engine, {0x40: (COUNT_IRETQ, GATE_INTERRUPT)})
    core = m.cpus[0].core
    m.run(max_time_ps=1 * US)
    m.irq_controller.apics[0].accept(0x40)
    m.run(max_time_ps=2 * US)
    assert u64(m, DATA) == 1
    assert core.reg_read(X.UC_X86_REG_RIP) == CODE + 1
    assert core.reg_read(X.UC_X86_REG_RSP) == STACK
    assert core.reg_read(X.UC_X86_REG_RFLAGS) & RFLAGS_IF


def test_intr_waits_while_if_clear_and_is_taken_after_sti(engine: str) -> None:
    # cli; 1: cmpb $0, 0x5008; je 1b; sti; jmp .
    code = bytes.fromhex("fa" "803c250850000000" "74f6" "fb" "ebfe")
    m = machine(code, engine, {0x40: (COUNT_IRETQ, GATE_INTERRUPT)})
    m.irq_controller.apics[0].accept(0x40)
    m.run(max_time_ps=2 * US)
    assert u64(m, DATA) == 0
    assert m.irq_controller.apics[0].irr == 1 << 0x40
    m.mem_write(DATA + 8, b"\x01")
    m.run(max_time_ps=3 * US)
    assert u64(m, DATA) == 1
    assert m.cpus[0].interrupts == {"INTR": 1}
    assert m.cpus[0].core.reg_read(X.UC_X86_REG_RIP) == len(code) - 2 + CODE


def test_nmi_is_taken_with_if_clear_and_blocked_until_iretq(engine: str) -> None:
    m = machine(CLI_LOOP, engine, {2: (COUNT_WAIT_IRETQ, GATE_INTERRUPT)})
    arch = m.arch
    m.run(max_time_ps=1 * US)
    arch.raise_nmi(m, 0)
    m.run(max_time_ps=2 * US)
    assert u64(m, DATA) == 1, "NMI taken although IF = 0"
    assert m.cpus[0].interrupts == {"NMI": 1}
    arch.raise_nmi(m, 0)  # while the handler runs: held
    m.run(max_time_ps=3 * US)
    assert u64(m, DATA) == 1
    assert arch.state(0).nmi_blocked and arch.state(0).nmi_latched
    m.mem_write(DATA + 8, b"\x01")  # let the handler iretq
    m.run(max_time_ps=4 * US)
    assert u64(m, DATA) == 2, "the held NMI is taken after the iretq"
    assert not arch.state(0).nmi_blocked
    core = m.cpus[0].core
    assert core.reg_read(X.UC_X86_REG_RIP) == CODE + 1
    assert core.reg_read(X.UC_X86_REG_RSP) == STACK
    assert not core.reg_read(X.UC_X86_REG_RFLAGS) & RFLAGS_IF


def test_nmi_ipi_through_the_icr() -> None:
    m = machine(CLI_LOOP, gates={2: (COUNT_IRETQ, GATE_INTERRUPT)})
    m.run(max_time_ps=1 * US)
    lapic = m.irq_controller.apics[0]
    lapic.mmio_write(0, 0x300, 4, (1 << 18) | (4 << 8))  # self, delivery mode NMI
    m.run(max_time_ps=2 * US)
    assert u64(m, DATA) == 1


def test_rdtsc_reads_simulated_time_deterministically(engine: str) -> None:
    # rdtsc; mov %eax,0x5010; mov %edx,0x5014; rdtscp; mov %eax,0x5018; mov %ecx,0x501c; hlt
    code = bytes.fromhex("0f31" "890425105000008914251450000" "0"
                         "0f01f9" "8904251850000089" "0c251c500000" "f4ebfe")

    def once() -> tuple[int, int, int]:
        m = machine(code, engine)
        m.cpus[0].core.uc.msr_write(0xC0000103, 7)  # IA32_TSC_AUX
        m.run(max_time_ps=5 * US)
        lo, hi, lo2, aux = struct.unpack("<4I", m.mem_read(0x5010, 16))
        return (hi << 32) | lo, lo2, aux

    a, b = once(), once()
    assert a == b
    assert 0 < a[0] < 1000 and a[1] >= a[0]  # cycles of this core, not host time
    assert a[2] == 7


def test_int_n_is_delivered_through_the_idt_without_error_code(engine: str) -> None:
    m = machine(bytes.fromhex("cd0debfe"), engine, {13: (SPIN, GATE_INTERRUPT)})  # int $13
    m.run(max_time_ps=1 * US)
    core = m.cpus[0].core
    assert core.reg_read(X.UC_X86_REG_RIP) == HANDLER
    rsp = core.reg_read(X.UC_X86_REG_RSP)
    assert rsp == STACK - 40 and u64(m, rsp) == CODE + 2


def test_faults_push_the_faulting_rip_and_error_code() -> None:
    # mov $0x33, %ax; mov %ax, %ds -> #GP(0x30) with RIP at the mov to DS
    m = machine(bytes.fromhex("66b83300" "8ed8" "ebfe"), gates={13: (SPIN, GATE_INTERRUPT)})
    m.run(max_time_ps=1 * US)
    rsp = m.cpus[0].core.reg_read(X.UC_X86_REG_RSP)
    assert rsp == STACK - 48
    assert u64(m, rsp + 8) == CODE + 4  # RIP of the faulting instruction, after the error code


def test_two_contributory_faults_are_not_a_double_fault() -> None:
    assert _old_exception_offset() is not None
    # xor %ecx,%ecx; div %ecx (#DE) ... handler: skip 2 bytes and iretq; then #GP
    de_handler = bytes.fromhex("488304240248cf")  # addq $2, (%rsp); iretq
    code = bytes.fromhex("31c9f7f1" "66b83300" "8ed8" "ebfe")
    m = machine(code, gates={0: (de_handler, GATE_INTERRUPT), 13: (SPIN, GATE_INTERRUPT),
                             8: (SPIN, GATE_INTERRUPT)})
    m.run(max_time_ps=1 * US)
    assert m.cpus[0].core.reg_read(X.UC_X86_REG_RIP) == HANDLER + 0x200  # vector 13's stub


def test_missing_gate_is_a_one_line_error() -> None:
    m = machine(bytes.fromhex("cd40ebfe"))
    with pytest.raises(GuestError, match=r"int 0x40 with no handler: .*core 0, PC"):
        m.run(max_time_ps=1 * US)


def test_ud2_goes_to_vector_6_or_fails_cleanly() -> None:
    m = machine(bytes.fromhex("0f0b"), gates={6: (SPIN, GATE_INTERRUPT)})
    m.run(max_time_ps=1 * US)
    core = m.cpus[0].core
    assert core.reg_read(X.UC_X86_REG_RIP) == HANDLER
    assert u64(m, core.reg_read(X.UC_X86_REG_RSP)) == CODE
    m = machine(bytes.fromhex("0f0b"))
    with pytest.raises(GuestError, match="undefined instruction"):
        m.run(max_time_ps=1 * US)


def test_sti_hlt_interrupt_returns_after_the_hlt() -> None:
    m = machine(bytes.fromhex("fbf4ebfe"), gates={0x40: (SPIN, GATE_INTERRUPT)})  # sti; hlt
    core = m.cpus[0].core
    m.run(max_time_ps=1 * US)
    m.irq_controller.apics[0].accept(0x40)
    m.run(max_time_ps=2 * US)
    assert u64(m, core.reg_read(X.UC_X86_REG_RSP)) == CODE + 2


def test_hostcall_returns_to_the_caller() -> None:
    m = build(num_cpus=1)
    seen: list[int] = []
    addr = m.register_hostcall(lambda mach, cpu: seen.append(cpu))
    # movabs $addr, %rax; call *%rax; jmp .
    code = b"\x48\xb8" + struct.pack("<Q", addr) + bytes.fromhex("ffd0ebfe")
    m.mem_write(CODE, code)
    m.arch.reset(m.cpus[0].core, CODE)
    m.cpus[0].core.reg_write(X.UC_X86_REG_RSP, STACK)
    m.run(max_time_ps=1 * US)
    assert seen == [0]
    assert m.cpus[0].core.reg_read(X.UC_X86_REG_RIP) == CODE + 12
    assert m.cpus[0].core.reg_read(X.UC_X86_REG_RSP) == STACK


@pytest.mark.parametrize(("hexcode", "cls"), [
    ("fa", "mask"), ("fb", "mask"), ("9c", "mask_save"), ("9d", "mask_restore"),
    ("f0010425", "atomic"), ("48870425" "00500000", "atomic"), ("4887c3", "alu"),
    ("0faef0", "barrier"), ("0faee8", "barrier_light"), ("48cf", "exception_return"),
    ("f4", "hint"), ("f390", "pause"), ("cd40", "exception"), ("0f31", "rdtsc"),
    ("488b0425" "00500000", "load"), ("48890425" "00500000", "store"), ("50", "store"),
    ("58", "load"), ("e800000000", "branch"), ("7400", "branch"), ("4801d8", "alu"),
    ("f7f1", "divide"), ("ec", "port_io"),
])
def test_classify(hexcode: str, cls: str) -> None:
    cs = X86_64().disassembler(None)
    code = bytes.fromhex(hexcode)
    insn = next(cs.disasm(code + bytes(8), 0))
    assert classify(insn) == cls, insn.mnemonic


def test_unicorn_hlt_returns_cleanly_after_the_hlt() -> None:
    uc = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
    uc.mem_map(0, 0x1000)
    uc.mem_write(0, bytes.fromhex("90f490"))
    uc.emu_start(0, 3)
    assert uc.reg_read(X.UC_X86_REG_RIP) == 2
