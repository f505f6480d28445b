"""The talk's tasklets: a driver schedules a tasklet from its hard IRQ.

"tasklet_hi_schedule() or tasklet_schedule() are called directly by ISR": the
pattern of 4.6's atmel_serial (atmel_interrupt takes the received characters
into a ring, atmel_tasklet_func pushes them to the tty layer). Here the serial
port is the i.MX6Q's UART1 (GIC SPI 26), on the emulated cores: bytes arrive
on its line, the core takes the UART's interrupt, the handler drains URXD into
a ring and calls ``tasklet_schedule``; the tasklet empties the ring ("the tty
flip buffer push"). A tasklet scheduled again before it ran runs once
(TASKLET_STATE_SCHED), so a burst of interrupts can need fewer tasklet runs.
A reader (``cat /dev/ttymxc0``, a user task on the core) sleeps in read() and
is woken by the push, as tty_flip_buffer_push's work wakes a blocked reader.

Where the tasklet runs is TASKLET_SOFTIRQ's rule:

- mainline: raised in hard IRQ, run by ``__do_softirq`` at ``irq_exit`` on the
  interrupted context (ksoftirqd only when irq_exit's pass gives up);
- threadirqs: the handler runs in ``irq/58-uart1`` with BH disabled; the tasklet
  runs at that thread's ``local_bh_enable``;
- 4.6-rt: the same thread, as the thread's own softirq (``do_current_softirqs``
  from ``__local_bh_enable``): tasklets run in the thread that raised them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from irqemu.boards.imx6q import IRQ_UART1, UART1_BASE
from irqemu.kernel import Kernel
from irqemu.kernel.context import kfunc
from irqemu.kernel.genirq.types import IRQ_HANDLED, IRQ_NONE, IRQ_TYPE_LEVEL_HIGH
from irqemu.kernel.softirq import TASKLET_SOFTIRQ, kernel_softirq
from irqemu.kernel.tasklet import TaskletStruct, tasklet_init, tasklet_schedule
from irqemu.scenarios.base import Observe, Options, Scenario, irq_thread_comm
from irqemu.trace.proc import Mpstat
from irqemu.trace.stackcount import StackCount

MS = 10**9
UART1_SPI = IRQ_UART1 - 32
URXD, UCR1, UCR2, USR1 = 0x00, 0x80, 0x84, 0x94
URXD_CHARRDY = 1 << 15
UCR1_UARTEN, UCR1_RRDYEN = 1 << 0, 1 << 9
UCR2_SRST, UCR2_RXEN, UCR2_TXEN = 1 << 0, 1 << 1, 1 << 2
RING = 512


class SerialPort:
    """The driver's per-port state: the receive ring and the tasklet."""

    def __init__(self, kernel: Kernel, io: Any, base: int) -> None:
        self.kernel = kernel
        self.io = io
        self.base = base
        self.ring: list[int] = []
        self.pushed = bytearray()
        self.interrupts = 0
        self.overruns = 0
        self.tasklet: TaskletStruct = tasklet_init(self._tasklet_func, self, "uart_rx")
        self.reader: Any = None  #: the task blocked in read(), woken by a push
        self.read = bytearray()

    def startup(self) -> None:
        """Enable the receiver and its interrupt (RRDY, one character)."""
        cpu = self.kernel.ops.smp_processor_id()
        self.io.write32(cpu, self.base + UCR2, UCR2_SRST | UCR2_RXEN | UCR2_TXEN)
        self.io.write32(cpu, self.base + UCR1, UCR1_UARTEN | UCR1_RRDYEN)

    def _tasklet_func(self, port: Any) -> None:
        serial_rx_tasklet(self)


@kfunc()
def serial_interrupt(irq: int, port: SerialPort) -> int:
    """The hard IRQ: take every received character into the ring, schedule the tasklet."""
    k = port.kernel
    k.fentry(..., irq)
    cpu = k.ops.smp_processor_id()
    got = 0
    while True:
        c = port.io.read32(cpu, port.base + URXD)
        if not c & URXD_CHARRDY:
            break
        got += 1
        if len(port.ring) < RING:
            port.ring.append(c & 0xFF)
        else:
            port.overruns += 1
    if not got:
        return IRQ_NONE
    port.interrupts += 1
    tasklet_schedule(k, port.tasklet)
    return IRQ_HANDLED


@kfunc()
def serial_rx_tasklet(port: SerialPort) -> None:
    """The tasklet: push what the ring holds to the tty layer."""
    k = port.kernel
    k.fentry(...)
    port.pushed += bytes(port.ring)
    port.ring.clear()
    if port.reader is not None:
        k.wake_up_process(port.reader)


def _reader(port: SerialPort) -> Any:
    """``cat /dev/ttymxc0``: read what was pushed, then sleep until the next push."""
    from irqemu.kernel.sched import SLEEP

    while True:
        port.read += port.pushed[len(port.read):]
        yield SLEEP


def _where(k: Kernel, comms: Counter[str]) -> Counter[str]:
    """softirq_entry of TASKLET by context: irq_exit (hard IRQ's exit), or a task."""
    def on(kk: Kernel, name: str, *args: Any) -> None:
        if int(args[0]) != TASKLET_SOFTIRQ:
            return
        cpu = kk.ops.smp_processor_id()
        stack = kk.stack()
        comms["irq_exit" if "irq_exit" in stack else kk.current[cpu].comm] += 1

    k.register_kprobe("softirq_entry", on)
    return comms


def _arrive(uart: Any, data: bytes) -> Callable[[], None]:
    """A burst reaching the UART's receiver (the machine event)."""
    return lambda: uart.receive(data)


def run(flavour: str = "mainline", *, version: str = "4.6", engine: str = "native",
        bursts: int = 40, burst_len: int = 24, period_us: int = 2500,
        observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    """Bursts of characters on UART1; the tasklet's runs and where they ran."""
    from irqemu.kernel.sched import spawn
    from irqemu.scenarios._oncore import boot

    state: dict[str, Any] = {}

    def on_start(oc: Any) -> None:
        assert oc.gic is not None
        irq = oc.gic.map_spi(UART1_SPI, IRQ_TYPE_LEVEL_HIGH)
        port = SerialPort(oc.kernel, oc.platform.io, UART1_BASE)
        oc.kernel.request_irq(irq, serial_interrupt, 0, "uart1", port)
        port.startup()
        port.reader = spawn(oc.kernel, "cat", lambda: _reader(port), kthread=False)
        state.update(irq=irq, port=port)

    oc = boot(flavour, version=version, engine=engine, cpus=1, observe=observe,
              on_start=on_start)
    k, m = oc.kernel, oc.machine
    uart = m.devices["uart1"]
    sent = bytearray()
    for i in range(bursts):
        data = bytes((0x20 + (i * burst_len + j) % 95) for j in range(burst_len))
        sent += data
        m.schedule((1000 + i * period_us) * 10**6, _arrive(uart, data), "rx")
    comms: Counter[str] = Counter()
    started = False
    mp: Mpstat | None = None
    sc: StackCount | None = None
    end = (1000 + bursts * period_us + 1000) * 10**6

    def attach() -> None:
        nonlocal started, mp, sc
        started = True
        _where(k, comms)
        mp = Mpstat(k)
        sc = StackCount(k, "serial_rx_tasklet").attach()

    m.schedule(500 * 10**6, attach, "attach")
    oc.run(end)
    assert started and mp is not None and sc is not None
    port: SerialPort = state["port"]
    s = kernel_softirq(k)
    irq = state["irq"]
    desc = k.irq_descs[irq]
    facts: dict[str, Any] = {
        "flavour": flavour, "version": version, "engine": engine, "irq": irq,
        "sent": len(sent), "received": len(port.pushed), "intact": bytes(port.pushed) == sent,
        "read": len(port.read),
        "interrupts": sum(desc.kstat_irqs), "handled": port.interrupts,
        "tasklet_runs": port.tasklet.runs, "overruns": port.overruns,
        "tasklet_softirqs": s.kstat[0][TASKLET_SOFTIRQ], "ran_in": dict(comms),
        "thread": irq_thread_comm(k, irq),
        "stacks": [[list(st), n] for st, n in reversed(sc.stacks())],
        "mpstat": mp.as_json(), "cores": oc.facts(),
    }
    text = "\n".join([
        f"Kernel: {k.config.release} ({flavour}); UART1 IRQ {irq} (GIC SPI {UART1_SPI}), "
        f"{bursts} bursts of {burst_len} characters every {period_us} us",
        oc.describe(),
        "",
        f"serial_interrupt took {facts['handled']} interrupts; the tasklet ran "
        f"{facts['tasklet_runs']} times ({facts['tasklet_softirqs']} TASKLET softirqs) and "
        f"pushed {facts['received']} of {facts['sent']} characters"
        + (" in order" if facts["intact"] else " (NOT in order)")
        + f"; cat read {facts['read']}.",
        "TASKLET softirqs ran in: " + ", ".join(f"{w} {n}" for w, n in comms.most_common()),
        "",
        "$ ./stackcount.py serial_rx_tasklet",
        sc.format().rstrip("\n"),
        "",
        "$ mpstat -I SCPU",
        mp.report().rstrip("\n"),
        "",
        explain(flavour, facts["thread"]),
    ]) + "\n"
    return text, facts


def explain(flavour: str, thread: str | None) -> str:
    if flavour == "mainline":
        return ("Mainline: tasklet_schedule in the hard IRQ raises TASKLET_SOFTIRQ; it runs at "
                "irq_exit\n(__do_softirq -> tasklet_action), on the stack of whatever the IRQ "
                "interrupted.")
    return (f"{'PREEMPT_RT' if flavour == 'rt' else 'threadirqs'}: the handler is forced "
            f"into {thread}, which runs it with BH\ndisabled; the TASKLET_SOFTIRQ it raises "
            "runs when that thread enables BHs again"
            + (" (do_current_softirqs:\nthe thread that raised it)." if flavour == "rt"
               else "\n(do_softirq from __local_bh_enable_ip)."))


def check(facts: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if not facts["intact"]:
        out.append(f"the tasklet pushed {facts['received']} of {facts['sent']} characters")
    if facts["read"] != facts["received"]:
        out.append(f"the reader read {facts['read']} of {facts['received']} characters")
    if not facts["tasklet_runs"] or facts["tasklet_runs"] > facts["handled"]:
        out.append(f"{facts['tasklet_runs']} tasklet runs for {facts['handled']} interrupts")
    if not facts["mpstat"]["cpus"][0]["per_s"]["TASKLET"]:
        out.append("mpstat shows no TASKLET/s")
    ran = facts["ran_in"]
    if facts["flavour"] == "mainline":
        if not ran.get("irq_exit"):
            out.append(f"mainline: the tasklet never ran at irq_exit ({ran})")
    elif set(ran) != {facts["thread"]}:
        out.append(f"{facts['flavour']}: the tasklet ran in {ran}, not only in "
                   f"{facts['thread']}")
    cores = facts["cores"]
    if not (cores["hard_irqs"] and cores["context_switches"]):
        out.append(f"the cores took {cores['hard_irqs']} hard IRQs and made "
                   f"{cores['context_switches']} context switches")
    return out


def _run(opts: Options, observe: Observe) -> tuple[str, dict[str, Any]]:
    return run(opts.kernel, version=opts.version, engine=opts.engine, observe=observe)


SCENARIO = Scenario(
    "tasklet", "a UART driver schedules a tasklet from its hard IRQ: where it runs",
    _run, check,
    honours={"kernel": None, "version": ("4.6",), "engine": None, "arch": ("arm",)},
    why={"version": "it shows 4.6's tasklet_action and 4.6-rt's per-thread softirqs",
         "arch": "its serial port is the i.MX6Q's UART1",
         "model_only": "it is the UART's interrupt taken by the emulated core; there is no "
                       "model-only variant",
         "": "it plays a fixed load: 40 bursts of 24 characters, one every 2.5 ms"},
)
