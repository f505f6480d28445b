"""i.MX6 GPC + CCM: register maps, the wake rule, and the gpc_wake experiment."""

from __future__ import annotations

from typing import Any

import pytest

from irqemu.boards import build_board
from irqemu.devices.base import CPU_IRQ
from irqemu.devices.imx_ccm import CCM_BASE, ImxCCM
from irqemu.devices.imx_gpc import GPC_BASE, ImxGPC, install_wake_filter
from irqemu.scenarios import gpc_wake


def board() -> tuple[Any, ImxCCM, ImxGPC]:
    m = build_board("imx6q", num_cpus=1)
    ccm, gpc = gpc_wake.add_power_control(m)
    return m, ccm, gpc


def test_reset_values_follow_the_reference_manual() -> None:
    m, ccm, gpc = board()
    assert m.mmio_read(0, GPC_BASE + 0x000, 4) == 0x00100000  # GPC_CNTR
    for off in range(0x008, 0x028, 4):  # IMR1-4, ISR1-4
        assert m.mmio_read(0, GPC_BASE + off, 4) == 0
    assert m.mmio_read(0, GPC_BASE + 0x2A4, 4) == 0x00000F01  # PGC_CPU_PUPSCR
    assert m.mmio_read(0, CCM_BASE + 0x054, 4) == 0x00000079  # CLPCR: LPM = WAIT at reset
    assert m.mmio_read(0, CCM_BASE + 0x000, 4) == 0x040116FF  # CCR
    assert ccm.lpm() == 1


def test_isr_shows_asserted_lines_and_imr_is_storage() -> None:
    m, _ccm, gpc = board()
    gpt = m.devices["gpt"]
    gpt.irq.set(True)
    assert m.mmio_read(0, GPC_BASE + 0x01C, 4) == 1 << 23  # ISR2 bit 23 = line 55
    m.mmio_write(0, GPC_BASE + 0x00C, 4, 1 << 23)
    assert gpc.masked(55) and m.mmio_read(0, GPC_BASE + 0x00C, 4) == 1 << 23
    gpt.irq.set(False)
    assert m.mmio_read(0, GPC_BASE + 0x01C, 4) == 0


def test_pu_domain_power_requests_complete_at_once() -> None:
    m, _ccm, gpc = board()
    m.mmio_write(0, GPC_BASE + 0x260, 4, 1)  # PGC_GPU_CTRL.PCR
    m.mmio_write(0, GPC_BASE + 0x000, 4, 0x00100001)  # PDN request
    assert not gpc.pu_powered and m.mmio_read(0, GPC_BASE, 4) == 0x00100000
    assert m.mmio_read(0, GPC_BASE + 0x26C, 4) == 1
    m.mmio_write(0, GPC_BASE + 0x000, 4, 0x00100002)  # PUP request
    assert gpc.pu_powered


def test_wake_rule_only_gpc_unmasked_lines_wake_in_wait_mode() -> None:
    m, ccm, gpc = board()
    slot = m.cpus[0]
    m.mmio_write(0, GPC_BASE + 0x00C, 4, 1 << 23)  # line 55 masked
    m.devices["gpt"].irq.set(True)
    assert not gpc.wakes(slot, CPU_IRQ)  # WAIT (reset value)
    m.mmio_write(0, CCM_BASE + 0x054, 4, 0x78)  # RUN
    assert gpc.wakes(slot, CPU_IRQ)
    m.mmio_write(0, CCM_BASE + 0x054, 4, 0x79)  # WAIT again
    m.mmio_write(0, GPC_BASE + 0x00C, 4, 0)  # unmask
    assert gpc.wakes(slot, CPU_IRQ)
    assert ccm.lpm_changes[0][1] == 0 and ccm.lpm_changes[1][1] == 1


def test_install_wake_filter_uses_the_machine_hook_when_present() -> None:
    class WithHook:
        wake_filter = None

    def rule(slot: object, line: int) -> bool:
        return False

    target = WithHook()
    install_wake_filter(target, rule)
    assert target.wake_filter is rule


def test_experiment_shows_masked_and_unmasked_wakeups(engine: str) -> None:
    text, facts = gpc_wake.run(engine=engine)
    assert gpc_wake.check(facts) == [], facts["uart"]
    assert "gpc: woken by GPT (IMR unmasked)" in text
    assert facts["irqs"] == {87: [3], 58: [1]}


def test_without_the_key_press_the_masked_gpt_never_wakes_the_core() -> None:
    _text, facts = gpc_wake.run(key_at_ps=10**15)
    assert facts["stop_reason"] == "time-limit"  # 50 ms asleep, GPT pending, still asleep
    assert "woken by UART1" not in facts["uart"]
    assert facts["uart"].endswith("wfi with IRQs masked\n")


@pytest.mark.parametrize("key_ms", [3, 5])
def test_deterministic_and_engines_agree(key_ms: int) -> None:
    runs = [gpc_wake.run(engine=e, key_at_ps=key_ms * 10**9)[1] for e in
            ("native", "native", "reference")]
    for f in runs:
        f.pop("engine")
    assert runs[0] == runs[1] == runs[2]
