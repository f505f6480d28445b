"""irqemu stackcount / proc softirqs / mpstat / scenario for the softirq experiments."""

from __future__ import annotations

import subprocess
import sys

import pytest


def irqemu(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "irqemu", *args], capture_output=True,
                          text=True, timeout=600, stdin=subprocess.DEVNULL)


def test_stackcount_shows_the_rt_path_through_the_forced_thread() -> None:
    p = irqemu("stackcount", "net_rx_action", "--", "two-paths", "--kernel", "rt")
    assert p.returncode == 0, p.stderr
    assert "irq_forced_thread_fn" in p.stdout and "do_current_softirqs" in p.stdout
    assert p.stdout.startswith('Tracing 1 functions for "net_rx_action"')


def test_stackcount_of_a_function_never_called_fails() -> None:
    p = irqemu("stackcount", "__raise_softirq_irqoff_ksoft", "--", "shared-irq")
    assert p.returncode == 3 and "is instrumented but was never called" in p.stderr


def test_stackcount_of_a_function_not_instrumented_says_so() -> None:
    p = irqemu("stackcount", "fec_enet_rx", "--", "shared-irq")
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and "'fec_enet_rx' is instrumented" in p.stderr
    assert "did you mean" in p.stderr and "fec_enet_rx_napi" in p.stderr


@pytest.mark.parametrize("kernel", ["mainline", "rt"])
def test_stackcount_sees_the_shared_irq_handlers(kernel: str) -> None:
    p = irqemu("stackcount", "sdhci_irq", "--", "shared-irq", "--model-only", "--kernel", kernel)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith('Tracing 1 functions for "sdhci_irq"')
    frames = {ln.strip() for ln in p.stdout.splitlines()}
    assert ("irq_forced_thread_fn" in frames) == (kernel == "rt")


def test_proc_softirqs_format() -> None:
    p = irqemu("proc", "softirqs", "--scenario", "two-paths")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == " " * 20 + "CPU0       "
    assert lines[1].startswith("          HI:") and "BLOCK_IOPOLL:" in p.stdout


def test_mpstat_columns() -> None:
    p = irqemu("mpstat", "-I", "SCPU", "--scenario", "two-paths", "--kernel", "rt")
    assert p.returncode == 0, p.stderr
    assert "NET_RX/s" in p.stdout and "_armv7l_" in p.stdout


@pytest.mark.parametrize("name", ["softirq-current", "softirq-starvation"])
def test_softirq_scenarios_demonstrate_their_point(name: str) -> None:
    p = irqemu("scenario", name)
    assert p.returncode == 0, p.stderr
    assert p.stdout


def test_napi_storm_scenario_cli() -> None:
    p = irqemu("scenario", "napi-storm", "--kernel", "mainline", "--duration-ms", "2")
    assert p.returncode == 0, p.stderr
    assert "napi_gro_receive" in p.stdout and "softnet_stat" in p.stdout
