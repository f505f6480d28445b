"""One interface for every scenario: what it is, which options it honours, what it ran.

A :class:`Scenario` declares its name, a one-line summary and the options it
honours (with the values it can honour, where fewer than all); an option it does
not honour, or a value it cannot, is refused with an :class:`OptionError` that
says why, never ignored. :meth:`Scenario.run` returns a :class:`ScenarioResult`:
the text, the facts (the ``--json`` dict), the problems (the check) and every
kernel model it built, each with what the observers attached to it.

Observers are callables ``observer(kernel) -> object`` (a stackcount, an mpstat
sample, a kprobe...): the scenario calls :class:`Observe` with each kernel right
after building it, which records the kernel and attaches every observer to it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from irqemu.errors import IrqemuError

if TYPE_CHECKING:
    from irqemu.kernel import Kernel

#: an observer: attached to a kernel right after the scenario builds it
Observer = Callable[["Kernel"], object]

#: upper bounds of the numeric options
MAX_RATE = 1e8  #: frames per second (1 Gbit/s carries at most 1.49e6 64-byte frames/s)
MAX_DURATION_MS = 60_000.0  #: simulated milliseconds (a minute: soak runs take 10 s)


class OptionError(IrqemuError):
    """An option the scenario does not honour, or a value out of range (one line)."""


@dataclass(frozen=True)
class Options:
    """Every option a scenario may honour, with the command's defaults."""

    kernel: str = "mainline"  #: kernel flavour: mainline, threadirqs, rt
    version: str = "4.6"  #: kernel version preset: 4.6, 6.x
    arch: str = "arm"  #: arm (i.MX6Q, GIC) or x86 (pc, IO-APIC)
    engine: str = "native"  #: native (Cython) or reference (pure Python) engine
    model_only: bool = False  #: the kernel model without emulated cores
    rate: float = 1e6  #: offered frames per second
    duration_ms: float = 4  #: simulated milliseconds of load (int 4: prints "4 ms" as before)
    sweep: bool = False  #: sweep the offered load

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


#: allowed values of each option (None: numbers, range-checked)
CHOICES: dict[str, tuple[Any, ...] | None] = {
    "kernel": ("mainline", "threadirqs", "rt"), "version": ("4.6", "6.x"),
    "arch": ("arm", "x86"), "engine": ("native", "reference"), "model_only": (True, False),
    "rate": None, "duration_ms": None, "sweep": (True, False),
}


def flag(option: str, value: Any = None) -> str:
    """How the user wrote it: ``--duration-ms 4``, ``--sweep``."""
    f = "--" + option.replace("_", "-")
    if value is None or isinstance(value, bool):
        return f
    return f"{f} {value:g}" if isinstance(value, float) else f"{f} {value}"


def check_range(option: str, value: float, low: float, high: float, unit: str) -> None:
    """``low < value <= high`` and finite, or a one-line :class:`OptionError`."""
    if not (math.isfinite(value) and low < value <= high):
        raise OptionError(f"{flag(option)} {value}: must be more than {low:g} and at most "
                          f"{high:g} {unit}")


@dataclass
class KernelRun:
    """One kernel model a scenario built: its label (empty when it built one), the
    kernel, and what each observer returned when attached to it (in order)."""

    label: str
    kernel: Kernel
    attached: list[object] = field(default_factory=list)


class Observe:
    """Given to a scenario's run: call it with each kernel right after building it."""

    def __init__(self, observers: Sequence[Observer] = ()) -> None:
        self.observers = list(observers)
        self.kernels: list[KernelRun] = []

    def __call__(self, kernel: Kernel, label: str = "") -> Kernel:
        self.kernels.append(KernelRun(label, kernel, [o(kernel) for o in self.observers]))
        return kernel


def observe_or_none(observe: Observe | None, kernel: Kernel, label: str = "") -> None:
    """Helper for scenario modules whose ``run`` may be called without observers."""
    if observe is not None:
        observe(kernel, label)


@dataclass
class ScenarioResult:
    """What a run produced."""

    name: str
    text: str  #: what ``irqemu scenario NAME`` prints
    facts: dict[str, Any]  #: plain data (``--json`` adds ``problems``)
    problems: list[str]  #: what did not happen as the talk shows it (empty: all did)
    kernels: list[KernelRun]  #: every kernel model it built, in order

    def json(self) -> dict[str, Any]:
        """What ``irqemu scenario NAME --json`` prints: the facts and the problems."""
        return {**self.facts, "problems": self.problems}


#: a scenario's body: (resolved options, observe) -> (text, facts)
Runner = Callable[[Options, Observe], tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class Scenario:
    """A runnable experiment and the options it honours.

    ``honours`` maps each option it honours to the values it can honour (None: all
    valid values); ``why`` says, per option, why others are refused (``why[""]``:
    the default reason). ``defaults`` overrides :class:`Options`' defaults.
    """

    name: str
    summary: str
    runner: Runner
    check: Callable[[dict[str, Any]], list[str]]
    honours: Mapping[str, tuple[Any, ...] | None]
    why: Mapping[str, str]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    kernel_model: bool = True  #: builds a kernel model (views apply)
    validate: Callable[[Options, Mapping[str, Any]], None] | None = None

    def refusal(self, option: str) -> str:
        return self.why.get(option) or self.why.get("", "it has no such setting")

    def options(self, given: Mapping[str, Any] | None = None) -> Options:
        """The options for a run: ``given`` (only what the user gave) checked against
        what this scenario honours, then its defaults for the rest."""
        given = {k: v for k, v in (given or {}).items() if v is not None}
        for opt, value in given.items():
            if opt not in CHOICES:
                raise OptionError(f"scenario {self.name}: no option {flag(opt)}")
            choices = CHOICES[opt]
            if choices is not None and value not in choices:
                raise OptionError(f"{flag(opt, value)}: not one of "
                                  f"{', '.join(map(str, choices))}")
            if opt not in self.honours:
                raise OptionError(f"scenario {self.name} does not take {flag(opt)}: "
                                  f"{self.refusal(opt)}")
            allowed = self.honours[opt]
            if allowed is not None and value not in allowed:
                raise OptionError(f"scenario {self.name} does not take {flag(opt, value)}: "
                                  f"{self.refusal(opt)}")
        if "rate" in given:
            check_range("rate", float(given["rate"]), 0, MAX_RATE, "frames per second")
        if "duration_ms" in given:
            check_range("duration_ms", float(given["duration_ms"]), 0, MAX_DURATION_MS,
                        "milliseconds")
        opts = replace(Options(), **{**self.defaults, **given})
        if self.validate is not None:
            self.validate(opts, given)
        return opts

    def run(self, options: Options | None = None,
            observers: Sequence[Observer] = ()) -> ScenarioResult:
        """Run it; ``observers`` are attached to every kernel it builds."""
        opts = self.options() if options is None else options
        observe = Observe(observers)
        text, facts = self.runner(opts, observe)
        return ScenarioResult(self.name, text, facts, self.check(facts), observe.kernels)


#: the reason the hardware scenarios give for kernel options
NO_KERNEL = "it runs bare-metal firmware on emulated hardware, no kernel model"
#: the reason model-level scenarios give for --engine
NO_CORES = "it runs the kernel model alone, with no emulated cores to run an engine"
#: why the FEC network scenarios take only --arch arm
FEC_ONLY = ("its load is the i.MX6Q's FEC Ethernet (there is no FEC on the pc; the talk's "
            "x86 networking runs as scenario e1000e-storm, an 82574L on the pc)")


def no_engine_with_model_only(name: str) -> Callable[[Options, Mapping[str, Any]], None]:
    """A ``validate`` refusing ``--engine`` together with ``--model-only``."""
    def validate(opts: Options, given: Mapping[str, Any]) -> None:
        if opts.model_only and "engine" in given:
            raise OptionError(f"scenario {name} does not take --engine with --model-only: "
                              f"{NO_CORES}")
    return validate


def irq_thread_comm(kernel: Kernel, irq: int) -> str | None:
    """The comm of ``irq``'s (first) irq thread as ps shows it: ``irq/<irq>-<action
    name>`` cut to 15 characters (TASK_COMM_LEN), or None if it has none."""
    mine = sorted(t.comm for t in kernel.irq_threads() if t.comm.startswith(f"irq/{irq}-"))
    return mine[0] if mine else None


def mode_line(model_only: bool) -> str:
    """The line a scenario prints when it ran the kernel model alone."""
    return ("Model only (--model-only): the kernel model on model CPUs, no emulated cores, "
            "no guest code." if model_only else "")


__all__ = ["FEC_ONLY", "MAX_DURATION_MS", "MAX_RATE", "NO_CORES", "NO_KERNEL", "KernelRun",
           "Observe", "Observer", "OptionError", "Options", "Scenario", "ScenarioResult",
           "check_range", "flag", "irq_thread_comm", "mode_line", "no_engine_with_model_only",
           "observe_or_none"]
