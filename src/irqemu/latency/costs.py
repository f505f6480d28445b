"""The latency tools' own cost-table entries (their functions in trace_osnoise.c and
the clock_nanosleep path cyclictest sleeps in): name -> KernelCost, estimates counted
as kernel/costs.py counts (docs/timing.md)."""

from __future__ import annotations

from irqemu.kernel.costs import A9_TIMING, estimate, kernel_cost_table, linux_basis

#: trace_osnoise.c (timerlat) is not in 4.6: its first release, v5.14, is counted
_OSNOISE = ("Linux v5.14 kernel/trace/trace_osnoise.c {} (kernel.org, tag v5.14), its "
            "instruction count; " + A9_TIMING)

#: the tracer's own work (trace_osnoise.c)
TIMERLAT_COSTS = kernel_cost_table("TIMERLAT_COSTS", {
    "timerlat_irq": estimate(60, "this_cpu_tmr_var, trace_clock_local, the sample record "
                             "(ring buffer reserve/commit elided), wake_up_process call",
                             _OSNOISE.format("timerlat_irq()")),
    "timerlat_main": estimate(80, "the sample after the wakeup (clock read, record) and "
                              "wait_next_period's arithmetic, ~80 instructions",
                              _OSNOISE.format("timerlat_main(), wait_next_period()")),
})

#: the sleeper's wakeup and the syscall's return to the thread
CYCLICTEST_COSTS = kernel_cost_table("CYCLICTEST_COSTS", {
    "hrtimer_wakeup": estimate(25, "t->task = NULL, wake_up_process call",
                               linux_basis("kernel/time/hrtimer.c hrtimer_wakeup()")),
    "do_nanosleep": estimate(
        250, "the rest of clock_nanosleep after schedule() returns (hrtimer_cancel, "
        "restart block test) and the syscall exit to user space, plus cyclictest's "
        "clock_gettime (vDSO), ~250 insns",
        linux_basis("kernel/time/hrtimer.c do_nanosleep(), hrtimer_nanosleep() and "
                    "arch/arm/vdso/vgettimeofday.c") + "; rt-tests "
        "(git.kernel.org/pub/scm/utils/rt-tests) src/cyclictest/cyclictest.c timerthread()"),
})


__all__ = ["CYCLICTEST_COSTS", "TIMERLAT_COSTS"]
