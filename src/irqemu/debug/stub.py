"""A GDB stub for a machine's cores: gdb-multiarch attaches, each core is a thread.

The stub observes, it never steers: a Unicorn code hook on every core calls
:meth:`GdbStub._on_insn` before each instruction, and a stop (breakpoint, step,
Ctrl-C) is served right there, inside the hook, with the machine's run loop
paused on the host stack. Nothing in the engine, the run loop or simulated time
knows a debugger is attached, so the guest runs exactly as without one: the same
instructions, block costs, interrupt points and events (a block's cycles are
charged at its entry, so a stop inside a block already counts the whole block).
Breakpoints are addresses the hook compares, never guest memory patched.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from unicorn import UC_HOOK_CODE

from irqemu.debug import rsp
from irqemu.debug.targets import Target, read_reg, target_for, write_reg
from irqemu.errors import GuestError, IrqemuError

SIGINT, SIGTRAP, SIGSEGV, SIGKILL = 2, 5, 11, 9
#: instructions between two looks for gdb's Ctrl-C while the guest runs
POLL_EVERY = 1024
#: what qSupported announces
FEATURES = ("PacketSize=4000", "qXfer:features:read+", "QStartNoAckMode+", "swbreak+",
            "vContSupported+")


class GdbError(IrqemuError):
    """The gdb port cannot be opened, or no gdb came."""


class Resume(Exception):
    """Leave the command loop: the target runs (or the session ends)."""


class GdbStub:
    """Serves the GDB remote protocol for one machine's cores on a local TCP port."""

    def __init__(self, port: int, *, host: str = "127.0.0.1",
                 announce: Callable[[str], None] | None = None) -> None:
        self.port = port
        self.announce = announce
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.listener.bind((host, port))
            self.listener.listen(1)
            self.port = self.listener.getsockname()[1]  # port 0: the one the system chose
        except OSError as exc:
            self.listener.close()
            raise GdbError(f"--gdb {port}: cannot listen on {host}:{port}: "
                           f"{exc.strerror or exc}") from None
        self.conn: rsp.Connection | None = None
        self.machine: Any = None
        self.target: Target | None = None
        self.breakpoints: set[int] = set()
        self.detached = False  #: gdb left (D, or closed): the run goes on alone
        self.killed = False
        self._hooks: list[tuple[Any, int]] = []
        self._current: int | None = None  #: the core whose hook serves the stop
        self._started = False  #: the first stop (before the first instruction) was served
        self._g_thread = 0  #: the core g/G/p/P/m act on (gdb's Hg)
        self._step: int | None = None  #: the core that stops after one instruction
        self._step_skip = False  #: its next hook call is the instruction it stepped
        self._last_stop = f"S{SIGTRAP:02x}"
        self._awaiting_stop = False  #: gdb resumed the target and waits for a stop reply
        self._post_mortem = False  #: the run is over; only its state is left to look at
        self._last_cpu = 0  #: the core that executed last
        self._ticks = POLL_EVERY  #: instructions left until the next look for Ctrl-C
        #: nothing to check but breakpoints until the next poll (no step, gdb attached)
        self._quiet = False
        self.error: BaseException | None = None  #: what broke the session, if anything

    # -- attaching ----------------------------------------------------------
    def attach(self, machine: Any) -> None:
        """Watch ``machine``'s cores: the first instruction any core executes waits for
        gdb to connect and stops there."""
        if self.machine is not None:
            return  # one machine per session: later ones run undebugged
        self.machine = machine
        self.target = target_for(machine.arch.name)
        for slot in machine.cpus:
            handle = slot.core.uc.hook_add(UC_HOOK_CODE, self._on_insn, slot.index)
            self._hooks.append((slot.core.uc, handle))

    def _accept(self) -> None:
        if self.announce is not None:
            image = getattr(self.machine, "image", None)
            elf = image.path if image is not None else "FIRMWARE"
            self.announce(f"waiting for gdb on localhost:{self.port} "
                          f"(gdb-multiarch {elf} -ex 'target remote :{self.port}')")
        sock, _ = self.listener.accept()
        self.listener.close()  # one gdb per run
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn = rsp.Connection(sock)

    def close(self) -> None:
        """Drop the connection and stop watching the cores."""
        for uc, handle in self._hooks:
            try:
                uc.hook_del(handle)
            except Exception:  # noqa: BLE001 - the Uc may already be gone
                pass
        self._hooks.clear()
        if self.conn is not None:
            self.conn.close()
        self.listener.close()

    # -- the hook -----------------------------------------------------------
    def _on_insn(self, uc: Any, address: int, size: int, cpu: int) -> None:
        """Before each instruction of core ``cpu``: stop here if a breakpoint, a step
        or gdb's Ctrl-C says so. Never raises into Unicorn. This runs for every
        instruction: the common case (run on) is the first few lines."""
        self._last_cpu = cpu
        if self._quiet and address not in self.breakpoints:
            self._ticks -= 1
            if self._ticks > 0:
                return
        if self.detached:
            return
        try:
            if self.conn is None:
                self._accept()
            signal = self._why_stop(cpu, address)
            if signal:
                self._current = cpu
                try:
                    self._stop(cpu, signal, swbreak=signal == SIGTRAP
                               and address in self.breakpoints)
                finally:
                    self._current = None
                    self._quiet = self._step is None and not self.detached
        except BaseException as exc:  # noqa: BLE001 - a hook must not raise
            self.error = exc
            self._leave()

    def _why_stop(self, cpu: int, address: int) -> int:
        """The signal to stop with before this instruction, or 0 to run it."""
        if not self._started:
            self._started = True
            return SIGTRAP
        if self._step == cpu:
            if self._step_skip:
                self._step_skip = False
            else:
                return SIGTRAP
        if address in self.breakpoints:
            return SIGTRAP
        if self._ticks <= 0 and self.conn is not None:
            self._ticks = POLL_EVERY
            if self.conn.poll_interrupt():
                return SIGINT
        return 0

    def _leave(self) -> None:
        """Stop debugging; the machine runs on as if no debugger had come. The hooks
        stay (returning at once) until :meth:`close`: this runs inside one, and a hook
        deleted from its own callback may be freed while Unicorn still holds it."""
        self.detached = True
        self._quiet = False
        if self.conn is not None:
            self.conn.close()

    # -- a stop ---------------------------------------------------------------
    def _stop(self, cpu: int, signal: int, *, swbreak: bool = False) -> None:
        """Report the stop (unless it is the first: gdb asks with ``?``) and serve
        commands until one resumes the target."""
        import sys

        sys.stdout.flush()  # the guest's console echo (flushed at newlines) while gdb holds it
        self._step = None
        self._g_thread = cpu
        reason = "swbreak:;" if swbreak else ""
        self._last_stop = f"T{signal:02x}thread:{cpu + 1:x};{reason}"
        assert self.conn is not None
        self.conn.interrupted = False
        if self._awaiting_stop:  # the first stop is gdb's to ask for, with ?
            self._awaiting_stop = False
            self.conn.send(self._last_stop)
        self._serve()

    def _serve(self) -> None:
        """Answer packets until a resume (c, s, vCont), a detach or a kill."""
        assert self.conn is not None
        while True:
            try:
                packet = self.conn.read_packet()
            except (rsp.ProtocolError, OSError):
                self._leave()  # gdb went away without D: run on alone
                return
            if packet == rsp.INTERRUPT:
                self.conn.send(self._last_stop)
                continue
            try:
                reply = self._command(packet.decode("latin-1"))
            except Resume:
                return
            except (ValueError, IndexError, OverflowError, TypeError):
                reply = "E01"  # a malformed packet, or a value the core cannot take
            if reply is not None:
                self.conn.send(reply)

    # -- the end of the run ---------------------------------------------------
    def ended(self, exit_code: int | None) -> None:
        """The run ended (exit, idle, a limit): tell gdb the process exited."""
        if self.conn is not None and not self.detached and self._awaiting_stop:
            try:
                self.conn.send(f"W{(exit_code or 0) & 0xFF:02x}")
            except OSError:
                pass
        self.close()

    def faulted(self, exc: BaseException) -> None:
        """The run ended in a guest error: stop with SIGSEGV so gdb can look at the core
        as it was (registers, memory, backtrace); resuming ends the session."""
        if self.conn is None or self.detached:
            self.close()
            return
        self._g_thread = self._last_cpu
        self._last_stop = f"T{SIGSEGV:02x}thread:{self._g_thread + 1:x};"
        try:
            self.conn.send("O" + _hex(f"irqemu: {exc}\n".encode()))
            self._post_mortem = True
            if self._awaiting_stop:
                self.conn.send(self._last_stop)
            self._serve()
            self.conn.send(f"X{SIGSEGV:02x}")
        except OSError:
            pass
        self.close()

    # -- commands ---------------------------------------------------------------
    def _command(self, p: str) -> str | None:
        """One packet's reply (None: no reply); raises Resume to run the target."""
        head = p[:1]
        if not head:
            return ""
        if head == "?":
            return self._last_stop
        if head == "g":
            return self._read_all()
        if head == "G":
            return self._write_all(bytes.fromhex(p[1:]))
        if head == "p":
            return self._read_one(int(p[1:], 16))
        if head == "P":
            n, v = p[1:].split("=", 1)
            return self._write_one(int(n, 16), bytes.fromhex(v))
        if head == "m":
            return self._mem_read(p[1:])
        if head == "M":
            where, data = p[1:].split(":", 1)
            return self._mem_write(where, bytes.fromhex(data))
        if head == "X":
            where, _, data = p[1:].partition(":")
            return self._mem_write(where, rsp.unescape(data.encode("latin-1")))
        if head in "Zz" and p[1:2] in ("0", "1"):
            return self._breakpoint(p)
        if head == "H":
            return self._set_thread(p)
        if head == "T":
            return "OK" if self._thread_ok(int(p[1:], 16)) else "E01"
        if head in "cC":
            self._resume(None, step=False)
        if head in "sS":
            self._resume(None, step=True)
        if head == "k":
            self._kill()
        if head == "D":
            self._detach()
        if p.startswith("vCont"):
            return self._vcont(p)
        if head == "q" or head == "Q":
            return self._query(p)
        return ""  # unsupported: gdb falls back or says so

    def _query(self, p: str) -> str | None:
        if p.startswith("qSupported"):
            return ";".join(FEATURES)
        if p == "QStartNoAckMode":
            assert self.conn is not None
            self.conn.send("OK")
            self.conn.ack = False
            return None  # answered before acks stop
        if p.startswith("qXfer:features:read:target.xml:"):
            off, length = (int(x, 16) for x in p.rsplit(":", 1)[1].split(","))
            assert self.target is not None
            xml = self.target.xml().encode()
            chunk = xml[off: off + length]
            return ("l" if off + length >= len(xml) else "m") + \
                rsp.escape(chunk).decode("latin-1")
        if p == "qAttached":
            return "1"
        if p == "qC":
            return f"QC{self._g_thread + 1:x}"
        if p == "qfThreadInfo":
            return "m" + ",".join(f"{s.index + 1:x}" for s in self.machine.cpus)
        if p == "qsThreadInfo":
            return "l"
        if p.startswith("qThreadExtraInfo,"):
            cpu = int(p.split(",", 1)[1], 16) - 1
            if not self._thread_ok(cpu + 1):
                return "E01"
            return _hex(self._thread_info(cpu).encode())
        if p.startswith("qRcmd,"):
            return self._monitor(bytes.fromhex(p[6:]).decode("latin-1").strip())
        if p == "qSymbol::":
            return "OK"
        return ""

    # -- threads -----------------------------------------------------------
    def _thread_ok(self, tid: int) -> bool:
        return 1 <= tid <= len(self.machine.cpus)

    def _thread_info(self, cpu: int) -> str:
        slot = self.machine.cpus[cpu]
        return f"core {cpu} ({slot.state}, {slot.core.cycles} cycles)"

    def _set_thread(self, p: str) -> str:
        tid = int(p[2:], 16) if p[2:] not in ("", "-1") else 0
        if tid and not self._thread_ok(tid):
            return "E01"
        if p[1] == "g" and tid:
            self._g_thread = tid - 1
        return "OK"  # Hc: every core runs on a resume anyway (all-stop)

    # -- registers ------------------------------------------------------------
    def _uc(self) -> Any:
        return self.machine.cpus[self._g_thread].core.uc

    def _read_all(self) -> str:
        assert self.target is not None
        uc = self._uc()
        return "".join(read_reg(uc, self.target, i).hex() for i in range(len(self.target.regs)))

    def _write_all(self, data: bytes) -> str:
        assert self.target is not None
        uc, off = self._uc(), 0
        for i, reg in enumerate(self.target.regs):
            size = reg.bits // 8
            if off + size > len(data):
                break
            write_reg(uc, self.target, i, data[off: off + size])
            off += size
        return "OK"

    def _read_one(self, n: int) -> str:
        assert self.target is not None
        if not 0 <= n < len(self.target.regs):
            return "E45"
        return read_reg(self._uc(), self.target, n).hex()

    def _write_one(self, n: int, data: bytes) -> str:
        assert self.target is not None
        if not 0 <= n < len(self.target.regs):
            return "E45"
        write_reg(self._uc(), self.target, n, data)
        return "OK"

    # -- memory ---------------------------------------------------------------
    def _mem_read(self, args: str) -> str:
        """RAM as the guest sees it; device windows are not read (a read has effects)."""
        addr, length = (int(x, 16) for x in args.split(","))
        try:
            return self.machine.mem_read(addr, length).hex()
        except GuestError:
            return "E0e"  # EFAULT: gdb says it cannot access that memory

    def _mem_write(self, where: str, data: bytes) -> str:
        addr, length = (int(x, 16) for x in where.split(","))
        if length != len(data):
            return "E16"
        if not length:
            return "OK"
        try:
            self.machine.mem_write(addr, data)
        except GuestError:
            return "E0e"
        for slot in self.machine.cpus:  # code written there is translated again
            slot.core.uc.ctl_remove_cache(addr, addr + length)
            slot.core.flush_costs()
        return "OK"

    def _breakpoint(self, p: str) -> str:
        addr = int(p[3:].split(",")[0], 16)
        if p[0] == "Z":
            self.breakpoints.add(addr)
        else:
            self.breakpoints.discard(addr)
        return "OK"

    # -- running ------------------------------------------------------------
    def _resume(self, cpu: int | None, *, step: bool) -> None:
        self._awaiting_stop = True
        if self._post_mortem:
            raise Resume
        if step:
            self._step = self._g_thread if cpu is None else cpu
            # the core serving this stop executes its instruction when the hook
            # returns; another core's next hook call is the instruction it steps
            self._step_skip = self._step != self._current
        raise Resume

    def _vcont(self, p: str) -> str:
        if p == "vCont?":
            return "vCont;c;C;s;S;t"
        step = None
        for action in p[6:].split(";"):
            kind, _, tid = action.partition(":")
            if kind[:1] in "sS":
                cpu = int(tid, 16) - 1 if tid and tid != "-1" else self._g_thread
                if not 0 <= cpu < len(self.machine.cpus):
                    return "E01"
                step = cpu
            elif kind[:1] not in "cCt":
                return ""
        self._resume(step, step=step is not None)
        return ""  # not reached

    def _detach(self) -> None:
        """gdb's detach: answer, then let the run go on without the debugger."""
        assert self.conn is not None
        self.conn.send("OK")
        self._leave()
        raise Resume

    def _kill(self) -> None:
        """gdb's kill: the run ends now (``stop_reason`` "killed")."""
        self.killed = True
        self.machine.finish("killed", None, "killed by gdb")
        self._leave()
        raise Resume

    # -- monitor commands ------------------------------------------------------
    def _monitor(self, cmd: str) -> str:
        """``monitor time``: simulated time and each core's cycles and instructions."""
        if cmd in ("time", "cycles"):
            m = self.machine
            lines = [f"simulated time {m.now()} ps"]
            for s in m.cpus:
                lines.append(f"core {s.index}: {s.core.cycles} cycles (busy and idle), "
                             f"{s.core.instructions} instructions, {s.state}")
            text = "\n".join(lines) + "\n"
        else:
            text = "monitor commands: time (simulated time, each core's cycles)\n"
        assert self.conn is not None
        self.conn.send("O" + _hex(text.encode()))
        return "OK"


def _hex(data: bytes) -> str:
    return data.hex()
