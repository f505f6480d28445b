"""scenarios.shared_irq: the talk's quiz answered by running it."""

from __future__ import annotations

import pytest

from irqemu.scenarios.shared_irq import run


@pytest.mark.parametrize("flavour,comms", [
    ("mainline", ["irq/16-mmc0"]),
    ("threadirqs", ["irq/16-mmc0", "irq/16-s-mmc0", "irq/16-ehci_hcd"]),
    ("rt", ["irq/16-mmc0", "irq/16-s-mmc0", "irq/16-ehci_hcd"]),
])
def test_threads_per_flavour(flavour, comms):
    text, facts = run(flavour)
    assert [t["comm"] for t in facts["threads"]] == comms
    pri = {t["comm"]: t["ps_pri"] for t in facts["threads"]}
    assert pri["irq/16-mmc0"] == -51
    if flavour != "mainline":
        assert pri["irq/16-s-mmc0"] == -50 and pri["irq/16-ehci_hcd"] == -51
    assert facts["request_ret"] == {"mmc0": 0, "ehci_hcd:usb3": 0}
    assert facts["proc_row"].endswith("GIC-0  54 Level     mmc0, ehci_hcd:usb3")
    assert facts["events"] == {"mmc0": 4, "ehci_hcd:usb3": 4} and not facts["line_masked"]
    assert "Quiz" in text or "forced threads" in text


def test_contexts():
    _, m = run("mainline")
    assert m["handled_in"]["mmc0"][:2] == ["sdhci_irq@hardirq:swapper/0",
                                           "sdhci_thread_irq@thread:irq/16-mmc0"]
    assert m["handled_in"]["ehci_hcd:usb3"][0] == "usb_hcd_irq@hardirq:swapper/0"
    _, r = run("rt")
    assert r["handled_in"]["mmc0"][:2] == ["sdhci_irq@thread:irq/16-mmc0",
                                           "sdhci_thread_irq@thread:irq/16-s-mmc0"]
    assert r["handled_in"]["ehci_hcd:usb3"][0] == "usb_hcd_irq@thread:irq/16-ehci_hcd"


def test_6x_secondary_priority_and_determinism():
    _, f = run("rt", version="6.x")
    assert {t["comm"]: t["ps_pri"] for t in f["threads"]}["irq/16-s-mmc0"] == -51
    assert run("threadirqs")[0] == run("threadirqs")[0]


#: the hard-IRQ stacks of the model-only line, innermost first, as 4.6 has them:
#: kernel/irq/handle.c handle_irq_event_percpu <- handle_irq_event <- kernel/irq/chip.c
#: handle_fasteoi_irq, then ARM: irqdesc.c generic_handle_irq <- __handle_domain_irq <-
#: irq-gic.c gic_handle_irq <- entry-armv.S __irq_svc <- the idle loop (process.c
#: arch_cpu_idle <- sched/idle.c cpu_startup_entry <- init/main.c rest_init <-
#: start_kernel); x86: irq_64.c handle_irq <- irq.c do_IRQ <- entry_64.S ret_from_intr
#: <- the talk's idle path (cpuidle_enter <- call_cpuidle <- cpu_startup_entry <-
#: rest_init <- start_kernel <- head64.c x86_64_start_reservations <- x86_64_start_kernel)
FLOW = ("sdhci_irq", "handle_irq_event_percpu", "handle_irq_event", "handle_fasteoi_irq")
BELOW = {
    "arm": ("generic_handle_irq", "__handle_domain_irq", "gic_handle_irq", "__irq_svc",
            "arch_cpu_idle", "cpu_startup_entry", "rest_init", "start_kernel"),
    "x86": ("handle_irq", "do_IRQ", "ret_from_intr", "cpuidle_enter", "call_cpuidle",
            "cpu_startup_entry", "rest_init", "start_kernel", "x86_64_start_reservations",
            "x86_64_start_kernel"),
}


@pytest.mark.parametrize("arch", ["arm", "x86"])
def test_the_hard_irq_stack_is_the_arch_s(arch: str) -> None:
    from irqemu.scenarios.base import Observe
    from irqemu.trace.stackcount import StackCount

    observe = Observe([lambda k: StackCount(k, ["sdhci_irq"]).attach()])
    run("mainline", arch=arch, observe=observe)
    counts = observe.kernels[0].attached[0].counts
    assert dict(counts) == {(*FLOW, *BELOW[arch]): 7}
