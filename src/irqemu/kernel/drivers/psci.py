"""drivers/firmware/psci.c (4.6): starting a secondary CPU with PSCI CPU_ON.

arm64's ``psci_cpu_ops.cpu_boot`` calls ``psci_ops.cpu_on(cpu_logical_map(cpu),
__pa(secondary_entry))``, which is ``__invoke_psci_fn_hvc`` or ``_smc``: guest
code that traps to the firmware (on QEMU virt without EL2 firmware, the
emulator answers ``hvc #0``). The conduit is handed in as ``invoke``: a call
of that guest function on the booting CPU.
"""

from __future__ import annotations

from collections.abc import Callable

#: PSCI 0.2+ function IDs (include/uapi/linux/psci.h), SMC64 calling convention
PSCI_0_2_FN64_CPU_ON = 0xC4000003
PSCI_RET_SUCCESS = 0
#: psci_to_linux_errno: PSCI return codes -> -errno
PSCI_ERRNO = {0: 0, -1: -95, -2: -22, -3: -22, -4: -1, -5: -1, -6: -95, -7: -95}

#: invoke(function_id, arg0, arg1, arg2) -> the firmware's x0
PsciInvoke = Callable[[int, int, int, int], int]


def cpu_logical_map(cpu: int) -> int:
    """The MPIDR affinity the device tree's cpu@N ``reg`` gives for logical CPU N on
    QEMU virt: Aff0 = N % 8, Aff1 = N / 8 (eight CPUs per cluster)."""
    return ((cpu // 8) << 8) | (cpu % 8)


def psci_cpu_on(invoke: PsciInvoke, cpuid: int, entry_point: int) -> int:
    """psci_cpu_on: CPU_ON(target MPIDR, entry, context 0); the result as -errno."""
    ret = invoke(PSCI_0_2_FN64_CPU_ON, cpuid, entry_point, 0)
    ret = ret - (1 << 64) if ret >> 63 else ret  # a signed 64-bit return code
    return PSCI_ERRNO.get(ret, -22)


def psci_boot_secondary(invoke: PsciInvoke, cpu: int, entry: int) -> int:
    """cpu_psci_cpu_boot: CPU_ON for logical ``cpu`` at ``entry``; 0 or -errno."""
    return psci_cpu_on(invoke, cpu_logical_map(cpu), entry)
