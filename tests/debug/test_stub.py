"""The gdb stub against a real machine, driven packet by packet from a socket client:
stops, registers, memory, breakpoints, steps, threads, Ctrl-C, detach and kill, and
the run's results identical to a run without the debugger."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from gdbclient import Client, connect, run_in_thread
from helpers import firmware
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.boards import build_board
from irqemu.debug import GdbStub
from irqemu.debug.targets import target_for

BOARDS = {"armv7": "imx6q", "aarch64": "virt-a53", "x86_64": "pc"}


def _machine(arch: str = "armv7", name: str = "timer.elf", engine: str = "native") -> Any:
    m = build_board(BOARDS[arch], engine=engine)
    m.load_elf(str(firmware(arch, name)))
    return m


def _session(m: Any) -> tuple[Client, Any, Any, GdbStub]:
    stub = GdbStub(0)
    stub.attach(m)
    t, out = run_in_thread(m, stub)
    return connect(stub.port), t, out, stub


def _facts(r: Any) -> tuple:
    return (r.stop_reason, r.exit_code, r.sim_time_ps, r.cycles, r.idle_cycles,
            r.instructions, r.interrupts)


def _pc(c: Client, arch: str) -> int:
    t = target_for(arch)
    return int.from_bytes(bytes.fromhex(c.cmd(f"p{t.index(t.pc):x}")), "little")


def _finish(c: Client, t: Any) -> str:
    reply = c.cmd("c")
    t.join(60)
    c.close()
    return reply


@pytest.mark.parametrize("arch", sorted(BOARDS))
def test_first_stop_is_before_the_first_instruction(arch: str) -> None:
    m = _machine(arch)
    entry = m.image.entry
    c, t, out, _ = _session(m)
    assert "qXfer:features:read+" in c.cmd("qSupported:multiprocess+;swbreak+").split(";")
    assert c.cmd("?") == "T05thread:1;"
    xml = ""
    while True:  # gdb reads the description in pieces
        part = c.cmd(f"qXfer:features:read:target.xml:{len(xml):x},80")
        xml += part[1:]
        if part[0] == "l":
            break
    root = ET.fromstring(xml)
    target = target_for(arch)
    assert root.findtext("architecture") == target.gdb_arch
    names = [r.get("name") for r in root.iter("reg")]
    assert names == [r.name for r in target.regs]
    assert len(c.cmd("g")) == 2 * sum(r.bits // 8 for r in target.regs)
    assert _pc(c, arch) == entry
    assert c.cmd("qC") == "QC1"
    assert c.cmd("qfThreadInfo") == "m" + ",".join(f"{i + 1:x}" for i in range(len(m.cpus)))
    assert c.cmd("qsThreadInfo") == "l"
    assert _finish(c, t).startswith("W")
    assert out["result"].stop_reason == "exit"


def test_breakpoint_registers_memory_and_steps() -> None:
    m = _machine()
    handler = m.image.symbols["irq_handler"]
    c, t, out, _ = _session(m)
    assert c.cmd(f"Z0,{handler:x},4") == "OK"
    assert c.cmd("vCont;c") == "T05thread:1;swbreak:;"
    assert _pc(c, "armv7") == handler
    cpsr = int.from_bytes(bytes.fromhex(c.cmd("p10")), "little")
    assert cpsr & 0x1F == 0x12  # IRQ mode: the core took the exception
    # memory: the handler's first instruction word, as the ELF holds it
    word = c.cmd(f"m{handler:x},4")
    assert bytes.fromhex(word) == m.mem_read(handler, 4)
    assert c.cmd("m0,4").startswith("E")  # no RAM at 0 on the i.MX6Q
    assert c.cmd(f"z0,{handler:x},4") == "OK"
    assert c.cmd("vCont;s:1") == "T05thread:1;"
    assert _pc(c, "armv7") == handler + 4
    assert c.cmd("s") == "T05thread:1;"
    assert _pc(c, "armv7") == handler + 8
    # register and memory writes reach the core
    scratch = m.image.symbols["__bss_start"]
    assert c.cmd(f"M{scratch:x},4:efbeadde") == "OK"
    assert m.mem_read(scratch, 4) == bytes.fromhex("efbeadde")
    assert c.cmd(f"X{scratch:x},2:" + "}\x03}\x04") == "OK"  # '#' and '$', escaped
    assert m.mem_read(scratch, 2) == b"#$"
    assert c.cmd(f"M{scratch:x},4:00000000") == "OK"
    assert c.cmd("P0=78563412") == "OK"
    assert c.cmd("p0") == "78563412"
    assert _finish(c, t).startswith("W")


def test_threads_one_per_core() -> None:
    m = _machine()
    c, t, out, _ = _session(m)
    assert c.cmd("T2") == "OK" and c.cmd("T5") == "E01"
    assert "held" in bytes.fromhex(c.cmd("qThreadExtraInfo,2")).decode()
    assert c.cmd("Hg2") == "OK"
    assert _pc(c, "armv7") == 0  # core 1 is held in reset
    assert c.cmd("Hg1") == "OK"
    assert _pc(c, "armv7") == m.image.entry
    assert c.cmd("Hg9") == "E01"
    _finish(c, t)


def test_ctrl_c_stops_the_running_core() -> None:
    m = _machine("armv7", "bench_loop.elf")
    c, t, out, _ = _session(m)
    assert c.cmd("?").startswith("T05")
    c.send("c")
    c.sock.sendall(b"\x03")
    assert c.read() == "T02thread:1;"
    assert c.cmd("D") == "OK"  # detach: the run goes on without the debugger
    t.join(120)
    assert out["result"].stop_reason == "exit"


def test_kill_ends_the_run() -> None:
    m = _machine()
    c, t, out, stub = _session(m)
    c.cmd("?")
    c.sock.sendall(rsp_frame("k"))
    t.join(60)
    assert out["result"].stop_reason == "killed"
    assert stub.killed


def rsp_frame(p: str) -> bytes:
    from irqemu.debug import rsp

    return rsp.frame(p.encode())


def test_a_fault_stops_with_sigsegv_for_a_post_mortem() -> None:
    m = _machine()
    handler = m.image.symbols["irq_handler"]
    c, t, out, _ = _session(m)
    c.cmd(f"Z0,{handler:x},4")
    assert c.cmd("c").startswith("T05")
    # send the core to an address with no memory: the run ends in a fetch fault
    assert c.cmd("P0f=00000030") == "OK"
    c.cmd(f"z0,{handler:x},4")
    c.send("c")
    replies = [c.read()]
    while replies[-1].startswith("O"):
        replies.append(c.read())
    assert "instruction fetch from unmapped address" in bytes.fromhex(replies[0][1:]).decode()
    assert replies[-1] == "T0bthread:1;"
    assert _pc(c, "armv7") == 0x30000000
    assert c.cmd("c") == "X0b"
    t.join(60)
    assert "unmapped" in str(out["error"])


@pytest.mark.parametrize("engine", ["native", "reference"])
def test_the_debugger_changes_nothing_the_guest_does(engine: str) -> None:
    """Breakpoints and steps leave every figure of the run as without the debugger,
    and the cycles at the Nth hit of a breakpoint do not depend on how it was reached."""
    plain = _machine(engine=engine)
    expect = _facts(plain.run())
    seen = []
    for steps in (0, 7):
        m = _machine(engine=engine)
        handler = m.image.symbols["irq_handler"]
        c, t, out, _ = _session(m)
        c.cmd(f"Z0,{handler:x},4")
        at_hit = []
        for _hit in range(3):
            assert c.cmd("c").startswith("T05")
            at_hit.append((c.cmd("g"), m.cpus[0].core.cycles, m.cpus[0].core.instructions))
            c.cmd(f"z0,{handler:x},4")
            for _ in range(steps):
                assert c.cmd("s").startswith("T05")
            c.cmd(f"Z0,{handler:x},4")
        c.cmd(f"z0,{handler:x},4")
        _finish(c, t)
        assert _facts(out["result"]) == expect
        assert m.console == plain.console
        seen.append(at_hit)
    assert seen[0] == seen[1]


def test_a_step_from_wfi_stops_at_the_irq_vector() -> None:
    """Stepping the core's wfi: it sleeps until the timer's interrupt, and the next
    instruction it executes is the IRQ vector (VBAR + 0x18), as on hardware."""
    m = _machine()
    main, vectors = m.image.symbols["main"], m.image.symbols["vectors"]
    wfi = next(a for a in range(main, main + 0x200, 4)
               if m.mem_read(a, 4) == bytes.fromhex("03f020e3"))  # wfi, ARM encoding
    c, t, out, _ = _session(m)
    c.cmd(f"Z0,{wfi:x},4")
    assert c.cmd("c") == "T05thread:1;swbreak:;"
    c.cmd(f"z0,{wfi:x},4")
    before = m.cpus[0].core.cycles
    assert c.cmd("s") == "T05thread:1;"
    assert _pc(c, "armv7") == vectors + 0x18
    cpsr = int.from_bytes(bytes.fromhex(c.cmd("p10")), "little")
    assert cpsr & 0x1F == 0x12
    assert m.cpus[0].core.cycles - before > 100_000  # it slept until the tick
    _finish(c, t)


def test_malformed_packets_get_an_error_reply() -> None:
    m = _machine()
    c, t, out, stub = _session(m)
    for bad in ("mzz,4", "P0=12", "p", "Hgxyz", "Z0,,4", "qXfer:features:read:target.xml:a"):
        assert c.cmd(bad).startswith("E"), bad
    assert c.cmd("unknown-packet") == ""  # unsupported: an empty reply, as gdb expects
    assert c.cmd("") == ""  # an empty packet resumes nothing
    assert c.cmd("?") == "T05thread:1;"
    assert _finish(c, t).startswith("W")
    assert stub.error is None


_PLAIN: dict[str, tuple] = {}


@settings(max_examples=6, deadline=None)
@given(st.data())
def test_any_breakpoints_and_steps_leave_the_run_unchanged(data: st.DataObject) -> None:
    """Whatever breakpoints (any instruction of main, the handler or the UART code) and
    steps a session uses, the run's figures and console are those of a plain run."""
    if "timer" not in _PLAIN:
        plain = _machine()
        _PLAIN["timer"] = (_facts(plain.run()), bytes(plain.console))
    m = _machine()
    syms = m.image.symbols
    code = [a for lo, hi in (("main", "irq_handler"), ("irq_handler", "semihost_exit"),
                             ("uart_putc", "uart_puts"))
            for a in range(syms[lo], syms[hi], 4)]
    points = data.draw(st.lists(st.sampled_from(code), min_size=1, max_size=3, unique=True))
    plan = data.draw(st.lists(st.integers(0, 12), min_size=1, max_size=4))
    c, t, out, _ = _session(m)
    for a in points:
        assert c.cmd(f"Z0,{a:x},4") == "OK"
    done = False
    for steps in plan:
        reply = c.cmd("c")
        for _ in range(steps):
            if reply.startswith("W"):
                break
            reply = c.cmd("s")
        if reply.startswith("W"):
            done = True
            break
    if not done:
        for a in points:
            c.cmd(f"z0,{a:x},4")
        assert c.cmd("c").startswith("W")
    t.join(60)
    c.close()
    assert (_facts(out["result"]), bytes(m.console)) == _PLAIN["timer"]
