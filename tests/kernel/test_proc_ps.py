"""/proc/interrupts and ps axl formats, compared with literal lines."""

from __future__ import annotations

from irqemu.kernel import Kernel
from irqemu.kernel.genirq.irqdesc import irq_alloc_descs
from irqemu.kernel.genirq.proc import show_interrupts
from irqemu.kernel.genirq.types import IRQ_HANDLED
from irqemu.kernel.ps import HEADER, ps_axl
from irqemu.scenarios.model_board import ModelBoard
from irqemu.scenarios.shared_irq import run

SPEC_FEC = ("150:       1234          0         56          0     GIC-0 150 Level     "
            "2188000.ethernet")


def fec_board(version: str = "4.6") -> ModelBoard:
    b = ModelBoard("mainline", 4, version=version)
    k = b.kernel
    irq_alloc_descs(k, -1, 16, 134)  # descriptors 16..149 taken by other drivers
    virq = b.gic.map_spi(118)
    assert virq == 150
    k.request_irq(virq, lambda i, d: IRQ_HANDLED, 0, "2188000.ethernet", None)
    k.irq_descs[virq].kstat_irqs[:] = [1234, 0, 56, 0]
    return b


def test_spec_example_line_exact():
    text = show_interrupts(fec_board().kernel)
    assert SPEC_FEC in text.splitlines()


def test_6x_one_space_fewer_before_chip():
    text = show_interrupts(fec_board("6.x").kernel)
    assert SPEC_FEC.replace("     GIC-0", "    GIC-0") in text.splitlines()


def test_gpc_line_and_header_and_arm_rows():
    b = ModelBoard("mainline", 4)
    assert b.gpc is not None
    virq = b.gpc.map_spi(55)
    b.kernel.request_irq(virq, lambda i, d: IRQ_HANDLED, 0, "i.MX Timer Tick", None)
    lines = show_interrupts(b.kernel).splitlines()
    assert lines[0] == " " * 11 + "CPU0       CPU1       CPU2       CPU3       "
    assert lines[1] == (f"{virq:3d}:          0          0          0          0       "
                        "GPC  55 Level     i.MX Timer Tick")
    assert lines[2] == "IPI0:          0          0          0          0  CPU wakeup interrupts"
    assert lines[8] == "IPI6:          0          0          0          0  completion interrupts"
    assert lines[9] == "Err:          0"


def test_lines_without_action_hidden_unless_counted_in_46():
    b = fec_board()
    k = b.kernel
    k.free_irq(150, None)
    assert any(ln.startswith("150:") for ln in show_interrupts(k).splitlines())  # has counts
    b6 = fec_board("6.x")
    b6.kernel.free_irq(150, None)
    assert not any(ln.startswith("150:") for ln in show_interrupts(b6.kernel).splitlines())


def test_prec_grows_with_nr_irqs():
    k = Kernel("mainline", 1)
    irq_alloc_descs(k, 1000, 1000, 1)
    assert show_interrupts(k).splitlines()[0] == " " * 12 + "CPU0       "


def test_x86_rows_and_talk_shared_line():
    text, facts = run("mainline", arch="x86", num_cpus=2)
    lines = text.splitlines()
    assert facts["proc_row"] == (" 16:          7          0   IO-APIC  16-fasteoi   "
                                 "mmc0, ehci_hcd:usb3")
    assert "NMI:          0          0   Non-maskable interrupts" in lines
    assert "LOC:          0          0   Local timer interrupts" in lines
    assert "RES:          0          0   Rescheduling interrupts" in lines
    assert "ERR:          0" in lines and "MIS:          0" in lines


def test_ps_axl_matches_talk_fields():
    text, facts = run("rt")
    ps = [ln for ln in text.splitlines() if "[irq/" in ln]
    assert HEADER in text.splitlines()
    talk = {"irq/16-mmc0": "1  0 122  2 -51  0  -  S  ?  0:00 [irq/16-mmc0]",
            "irq/16-s-mmc0": "1  0 123  2 -50  0  -  S  ?  0:00 [irq/16-s-mmc0]"}
    for comm, line in talk.items():
        (ours,) = [ln for ln in ps if ln.endswith(f"[{comm}]")]
        f = ours.split()
        del f[6:8]  # VSZ, RSS (0 0): not on the slide
        t = line.split()
        assert f[:2] + f[3:] == t[:2] + t[3:]  # all but the PID
    assert ps_axl(Kernel("mainline")).splitlines()[1].startswith("4     0     1     0  20   0")
