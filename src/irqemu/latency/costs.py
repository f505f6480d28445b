"""The latency tools' own cost-table entries (their functions in trace_osnoise.c and
the clock_nanosleep path cyclictest sleeps in): name -> (cycles, source)."""

from __future__ import annotations

#: the tracer's own work (trace_osnoise.c)
TIMERLAT_COSTS: dict[str, tuple[int, str]] = {
    "timerlat_irq": (60, "EST: this_cpu_tmr_var, trace_clock_local, the sample record "
                         "(ring buffer reserve/commit elided), wake_up_process call"),
    "timerlat_main": (80, "EST: the sample after the wakeup (clock read, record) and "
                          "wait_next_period's arithmetic, ~80 instructions"),
}

#: the sleeper's wakeup and the syscall's return to the thread
CYCLICTEST_COSTS: dict[str, tuple[int, str]] = {
    "hrtimer_wakeup": (25, "EST: t->task = NULL, wake_up_process call"),
    "do_nanosleep": (250, "EST: the rest of clock_nanosleep after schedule() returns "
                          "(hrtimer_cancel, restart block test) and the syscall exit to "
                          "user space, plus cyclictest's clock_gettime (vDSO), ~250 insns"),
}


__all__ = ["CYCLICTEST_COSTS", "TIMERLAT_COSTS"]
