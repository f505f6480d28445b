"""The generic timer as virt-a53's clock event device (kernel/drivers/arm_arch_timer.py):
each CPU's wakeups come from its own virtual timer, programmed one-shot, on both
engines alike."""

from __future__ import annotations

import pytest

from irqemu.kernel.drivers.arm_arch_timer import (
    ARCH_TIMER_CTRL_ENABLE,
    ARCH_TIMER_CTRL_IT_MASK,
)
from irqemu.latency import cyclictest as ct
from irqemu.scenarios._oncore import boot


def _run(engine: str, loops: int = 6):
    return ct.measure("rt", prio=90, interval_us=500, loops=loops, threads=4, arch="arm64",
                      engine=engine)


@pytest.mark.parametrize("engine", ["native", "reference"])
def test_every_cpu_wakes_from_its_own_virtual_timer(engine: str) -> None:
    ths, oc, _ld = _run(engine)
    assert oc.board == "virt-a53" and oc.arch_timer is not None
    assert sorted(th.cpu for th in ths) == [0, 1, 2, 3]
    h = oc.hrtimers
    assert h is not None
    for th in ths:
        assert th.cycles == 6 and th.overruns == 0
        # one timer interrupt per wakeup at least, each programmed as a one-shot event
        assert oc.arch_timer.ticks[th.cpu] >= 6
        dev = h.devices[th.cpu]
        assert dev is not None and dev.name == "arch_sys_timer" and dev.events >= 6
        # the handler masks a fired timer: no interrupt without a program before it
        assert oc.arch_timer.ticks[th.cpu] <= dev.events
        # at the end each CPU's timer is armed for its next expiry (the tick's at least)
        ctl = oc.arch_timer.device.sysreg_read(th.cpu, "CNTV_CTL_EL0")
        assert ctl & ARCH_TIMER_CTRL_ENABLE and not ctl & ARCH_TIMER_CTRL_IT_MASK
        assert min(th.lat.samples) > 0


def test_both_engines_agree_on_every_sample() -> None:
    native, _o, _l = _run("native")
    reference, _o2, _l2 = _run("reference")
    assert [t.lat.samples for t in native] == [t.lat.samples for t in reference]


def test_virt_a53_needs_high_resolution_mode() -> None:
    with pytest.raises(ValueError, match="high resolution"):
        boot("rt", arch="arm64", highres=False)
