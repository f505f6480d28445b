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
