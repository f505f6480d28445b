"""x86 NMIs: a perf-style watchdog NMI taken while IF is clear, and NMI blocking.

nmi_watchdog.elf spins with ``cli`` (a hard lockup). Its LAPIC's LVT_PMC is set
to delivery mode NMI, as Linux's hard-lockup detector programs it; this
scenario models the performance counter overflowing every ``period_us`` (1 ms)
(:class:`PmcOverflow`): each overflow is delivered through LVT_PMC as the
firmware programmed it, and masks LVT_PMC as the hardware does. The handler
(vector 2) re-arms it, and from inside the second one sends itself an NMI IPI,
which stays held until that handler's iretq.
"""

from __future__ import annotations

import re
from typing import Any

from irqemu.devices.lapic import DM_FIXED, DM_NMI, LVT_MASKED
from irqemu.scenarios.base import NO_KERNEL, Observe, Options, Scenario

PS_PER_US = 10**6


class PmcOverflow:
    """A performance counter that overflows every ``period_ps`` on ``cpu``.

    Only the overflow interrupt is modelled, not counting: at each overflow the
    LAPIC's LVT_PMC decides (masked: nothing; delivery mode NMI: an NMI; fixed:
    its vector), then LVT_PMC is masked as on Intel cores since the P6.
    """

    def __init__(self, machine: Any, *, cpu: int = 0, period_ps: int = 200 * PS_PER_US,
                 count: int = 10) -> None:
        self.machine = machine
        self.cpu = cpu
        self.delivered: list[int] = []  #: simulated ps of each NMI/interrupt sent
        self.masked_overflows = 0
        for i in range(1, count + 1):
            machine.schedule(i * period_ps, self._overflow, f"pmc{cpu}.overflow")

    def _overflow(self) -> None:
        lapic = self.machine.irq_controller.apics[self.cpu]
        lvt = lapic.regs.values["LVT_PMC"]
        if lvt[0] & LVT_MASKED:
            self.masked_overflows += 1
            return
        mode = (lvt[0] >> 8) & 7
        self.delivered.append(self.machine.now())
        if mode == DM_NMI:
            self.machine.arch.raise_nmi(self.machine, self.cpu)
        elif mode == DM_FIXED:
            lapic.accept(lvt[0] & 0xFF, source="pmc")
        lvt[0] |= LVT_MASKED


def run(*, engine: str = "native", period_us: int = 1000) -> tuple[str, dict[str, Any]]:
    from irqemu.boards import build_board
    from irqemu.bundled import bundled_firmware

    m = build_board("pc", engine=engine, num_cpus=1)
    m.load_elf(str(bundled_firmware("x86_64", "nmi_watchdog.elf")))
    pmc = PmcOverflow(m, period_ps=period_us * PS_PER_US, count=8)
    result = m.run(max_time_ps=50 * 10**9)
    out = m.console.decode(errors="replace")
    wd = re.findall(r"nmi: #(\d+) watchdog .*rip=([0-9a-f]{8}) IF=(\d), (in|outside) spin_loop",
                    out)
    facts: dict[str, Any] = {
        "engine": engine,
        "stop_reason": result.stop_reason,
        "exit_code": result.exit_code,
        "uart": out,
        "nmis_taken": result.interrupts[0].get("NMI", 0),
        "intr_taken": result.interrupts[0].get("INTR", 0),
        "watchdog_nmis": len(wd),
        "watchdog_if": [int(x[2]) for x in wd],
        "watchdog_in_loop": [x[3] == "in" for x in wd],
        "ipi_held": "held, not nested" in out,
        "ipi_taken_after_iretq": "taken after the previous handler's iretq" in out,
        "pmc_delivered": len(pmc.delivered),
        "pmc_masked_overflows": pmc.masked_overflows,
        "sim_time_ps": result.sim_time_ps,
    }
    text = "\n".join([
        "NMIs on an emulated PC (one Skylake core): a perf-counter watchdog NMI during cli",
        "",
        "$ console",
        out.rstrip("\n"),
        "",
        f"Exceptions taken: NMI {facts['nmis_taken']}, INTR {facts['intr_taken']}. With "
        "RFLAGS.IF clear no maskable interrupt can enter, but the NMI (vector 2) does: "
        "that is how the hard-lockup detector catches a CPU spinning with interrupts off. "
        "An NMI that arrives while an NMI handler runs is latched, not nested: the CPU "
        "blocks NMIs from delivery until the next iretq, then takes the held one.",
    ])
    return text, facts


def check(facts: dict[str, Any]) -> list[str]:
    problems = []
    if facts["stop_reason"] != "exit" or facts["exit_code"] != 0:
        problems.append(f"firmware did not exit cleanly: {facts['stop_reason']} "
                        f"{facts['exit_code']}")
    if "FAIL" in facts["uart"] or "NESTED" in facts["uart"]:
        problems.append("firmware reported FAIL or a nested NMI")
    if facts["watchdog_nmis"] < 2 or any(facts["watchdog_if"]):
        problems.append(f"watchdog NMIs not taken with IF=0: {facts['watchdog_if']}")
    if not all(facts["watchdog_in_loop"]):
        problems.append("a watchdog NMI did not interrupt the cli spin loop")
    if not facts["ipi_held"] or not facts["ipi_taken_after_iretq"]:
        problems.append("the NMI sent from inside the handler was not held until iretq")
    if facts["intr_taken"]:
        problems.append("a maskable interrupt was taken although IF was clear")
    return problems


def _run(opts: Options, observe: Observe) -> tuple[str, dict[str, Any]]:
    return run(engine=opts.engine)


SCENARIO = Scenario(
    "nmi", "x86 NMIs: a perf-style watchdog NMI taken with IF clear, and NMI blocking",
    _run, check,
    honours={"engine": None, "arch": ("x86",)},
    why={"arch": "NMIs here are x86 LAPIC NMIs (for ARM see fiq-debugger)", "": NO_KERNEL},
    kernel_model=False,
)
