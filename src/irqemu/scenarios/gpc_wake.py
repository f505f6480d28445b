"""The i.MX6 GPC: an unmasked interrupt wakes a core sleeping in a low-power wfi, a
masked one does not (the talk's "i.MX6 General Power Controller" figure).

gpc_wake.elf runs on one Cortex-A9 of an emulated i.MX6Q to which the scenario
adds the CCM (CLPCR.LPM) and the GPC (IMR1-4), with the GPT (GPC line 55) and
UART1 (line 26) routed through the GPC to the GIC, as in imx6qdl.dtsi where the
GPC is the interrupt parent. In WAIT mode the GPC's rule decides whether an
interrupt the GIC signals ends the core's wfi; in RUN mode the GIC alone does.
The scenario types one byte on UART1 at 3 ms: the second wake source.
"""

from __future__ import annotations

from typing import Any

from irqemu.devices.imx_ccm import CCM_BASE, ImxCCM
from irqemu.devices.imx_gpc import GPC_BASE, ImxGPC, install_wake_filter
from irqemu.machine.machine import Machine
from irqemu.scenarios.base import NO_KERNEL, Observe, Options, Scenario

PS_PER_MS = 10**9
KEY_AT_PS = 3 * PS_PER_MS
GPT_LINE, UART1_LINE = 55, 26
PS_PER_GPT_TICK = 10**12 / 66_000_000


def add_power_control(m: Machine) -> tuple[ImxCCM, ImxGPC]:
    """Add the CCM and GPC to an imx6q machine and route the GPT and UART1 through the GPC."""
    for name, base in (("ccm", CCM_BASE), ("gpc", GPC_BASE)):
        if name in m.devices:
            raise ValueError(f"the board already has a {name} at {base:#x}")
    ccm = ImxCCM(m, CCM_BASE, "ccm")
    gpc = ImxGPC(m, GPC_BASE, "gpc", gic=m.irq_controller, lpm=ccm.lpm)
    m.add_device("ccm", ccm, CCM_BASE, ccm.SIZE)
    m.add_device("gpc", gpc, GPC_BASE, gpc.SIZE)
    gpc.route(m.devices["gpt"].irq, GPT_LINE)
    gpc.route(m.devices["uart1"].irq, UART1_LINE)
    install_wake_filter(m, gpc.wakes)
    return ccm, gpc


def run(*, engine: str = "native", key_at_ps: int = KEY_AT_PS) -> tuple[str, dict[str, Any]]:
    from irqemu.boards import build_board
    from irqemu.bundled import bundled_firmware

    m = build_board("imx6q", engine=engine, num_cpus=1)
    m.load_elf(str(bundled_firmware("armv7", "gpc_wake.elf")))
    ccm, gpc = add_power_control(m)
    uart = m.devices["uart1"]
    m.schedule(key_at_ps, lambda: uart.receive(b"k"), "console key press")
    result = m.run(max_time_ps=50 * PS_PER_MS)
    out = m.console.decode(errors="replace")
    slot = m.cpus[0]
    facts: dict[str, Any] = {
        "engine": engine,
        "stop_reason": result.stop_reason,
        "exit_code": result.exit_code,
        "uart": out,
        "woken_by_gpt_unmasked": "gpc: woken by GPT (IMR unmasked)" in out,
        "woken_by_uart": "gpc: woken by UART1 receive (IMR unmasked)" in out,
        "gpt_pending_no_wake": "but did not wake the core (IMR masked)" in out,
        "run_mode_wake": "gpc: woken by GPT although masked in the GPC" in out,
        "lpm_changes": [(t, v) for t, v in ccm.lpm_changes],
        "blocked_wakeups": gpc.blocked,
        "gpc_wakeups": gpc.wakeups,
        "sim_time_ps": result.sim_time_ps,
        "idle_cycles": slot.idle_cycles,
        "key_at_ps": key_at_ps,
        "irqs": m.interrupt_counts(),
    }
    text = "\n".join([
        "GPC wake-up on an emulated i.MX6Q (one Cortex-A9; CCM and GPC at 0x020C4000 and "
        "0x020DC000)",
        "",
        "$ console",
        out.rstrip("\n"),
        "",
        f"The GPT compare passed at about 2 ms with its GPC line masked: the GIC signalled "
        f"the core, but in WAIT mode the ARM clock is stopped and only a GPC wake-up request "
        f"restarts it, so it slept on ({gpc.blocked} wake-up(s) refused) until the console "
        f"key at {key_at_ps / PS_PER_MS:g} ms on the unmasked UART1 line. In RUN mode wfi "
        "only gates the clock and the GIC wakes the core whatever the IMRs say. Linux keeps "
        "the IMRs in step with the GIC's enables (imx_gpc_irq_mask/unmask) and, before "
        "suspend, leaves only the wake sources unmasked (imx_gpc_pre_suspend).",
    ])
    return text, facts


def check(facts: dict[str, Any]) -> list[str]:
    problems = []
    if facts["stop_reason"] != "exit" or facts["exit_code"] != 0:
        problems.append(f"firmware did not exit cleanly: {facts['stop_reason']} "
                        f"{facts['exit_code']}")
    if "FAIL" in facts["uart"]:
        problems.append("firmware reported FAIL")
    for key, what in (("woken_by_gpt_unmasked", "GPT with its GPC line unmasked woke the core"),
                      ("woken_by_uart", "UART1 (unmasked) woke the core"),
                      ("gpt_pending_no_wake", "the masked GPT stayed pending without waking"),
                      ("run_mode_wake", "in RUN mode the masked GPT still woke the core")):
        if not facts[key]:
            problems.append(f"not shown: {what}")
    if facts["blocked_wakeups"] < 1:
        problems.append("the GPC never refused a wake-up")
    return problems


def _run(opts: Options, observe: Observe) -> tuple[str, dict[str, Any]]:
    return run(engine=opts.engine)


SCENARIO = Scenario(
    "gpc-wake", "the i.MX6 GPC: a masked interrupt does not wake a core in low-power wfi",
    _run, check,
    honours={"engine": None, "arch": ("arm",)},
    why={"arch": "the GPC is an i.MX6 block (an ARM board)", "": NO_KERNEL},
    kernel_model=False,
)
