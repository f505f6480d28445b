"""The native GICv2 (irqemu._core.gic) against the Python reference (irqemu.devices.gic).

Both are built alike on fake machines and driven with the same random register
accesses (any offset and width, biased towards the registers that matter) and
input line changes; after every step the reads, the set_cpu_input calls (cpu,
line, level, in order), the statistics and the IAR/HPPIR candidate must be
identical, and at the end so must every register and the whole state.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from devfakes import FakeMachine, make_gic
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.boards import imx6q, virt_a53
from irqemu.hw.gic import (
    GICC_ABPR,
    GICC_BPR,
    GICC_CTLR,
    GICC_EOIR,
    GICC_HPPIR,
    GICC_IAR,
    GICC_IIDR,
    GICC_PMR,
    GICC_RPR,
    GICD_CPENDSGIR,
    GICD_CTLR,
    GICD_ICACTIVER,
    GICD_ICENABLER,
    GICD_ICFGR,
    GICD_ICPENDR,
    GICD_IGROUPR,
    GICD_IIDR,
    GICD_IPRIORITYR,
    GICD_ISACTIVER,
    GICD_ISENABLER,
    GICD_ISPENDR,
    GICD_ITARGETSR,
    GICD_PIDR4,
    GICD_SGIR,
    GICD_SPENDSGIR,
    GICD_TYPER,
)

BIT_BANKS = (GICD_IGROUPR, GICD_ISENABLER, GICD_ICENABLER, GICD_ISPENDR, GICD_ICPENDR,
             GICD_ISACTIVER, GICD_ICACTIVER)
DIST, CPU = "distributor", "cpu_interface"
#: the IDs most steps use, so that lines, configuration and handlers meet
HOT_SGIS = [0, 1, 15]
HOT_PPIS = [16, 27, 29, 31]


def hot_spis(num_irqs: int) -> list[int]:
    return [32, 33, 34, 35, 40, num_irqs - 1]


def imx6q_gic(num_cpus: int, num_irqs: int) -> dict[str, Any]:
    """The i.MX6Q board's GIC (A9 flavour, Security Extensions): boards/imx6q.py."""
    return dict(base=imx6q.GICD_BASE, name="gic", cpu_if_base=imx6q.GICC_BASE,
                num_cpus=num_cpus, num_irqs=num_irqs)


def virt_gic(num_cpus: int, num_irqs: int) -> dict[str, Any]:
    """QEMU virt's GICv2 as boards/virt_a53.py builds it (no Security Extensions)."""
    return dict(base=virt_a53.GICD_BASE, name="gic", cpu_if_base=virt_a53.GICC_BASE,
                num_cpus=num_cpus, num_irqs=num_irqs, security_extensions=False,
                priority_bits=8, gicd_iidr=0x0000043B, gicc_iidr=0x0002043B, ppi_icfgr=0,
                groups=True, id_regs=virt_a53.GICV2_ID_REGS)


def gicv1_gic(num_cpus: int, num_irqs: int) -> dict[str, Any]:
    """A GICv1 without Security Extensions: no groups (IGROUPR RAZ/WI, one enable bit)."""
    return dict(num_cpus=num_cpus, num_irqs=num_irqs, security_extensions=False)


#: (name, constructor keywords, CPU interface window size as the board maps it)
CONFIGS = [
    ("imx6q-1cpu-64", imx6q_gic(1, 64), 0x100),
    ("imx6q-2cpu-64", imx6q_gic(2, 64), 0x100),
    ("imx6q-4cpu-160", imx6q_gic(4, 160), 0x100),
    ("virt-1cpu-64", virt_gic(1, 64), 0x1000),
    ("virt-2cpu-160", virt_gic(2, 160), 0x1000),
    ("virt-4cpu-64", virt_gic(4, 64), 0x1000),
    ("gicv1-3cpu-64", gicv1_gic(3, 64), 0x100),
]


class Pair:
    """The reference and the native GIC, each on its own fake machine."""

    def __init__(self, kw: dict[str, Any], window: int = 0x100) -> None:
        n = kw["num_cpus"]
        self.window = window  # the CPU interface's window, as the board maps it
        self.mp, self.mn = FakeMachine(n), FakeMachine(n)
        self.py = make_gic("python", self.mp, **kw)
        self.nat = make_gic("native", self.mn, **kw)
        self.num_cpus, self.num_irqs = n, kw["num_irqs"]
        self.acked: list[list[int]] = [[] for _ in range(n)]  # IAR values not yet EOId
        self.seen = 0  # set_cpu_input calls compared so far

    def both(self, fn: Callable[..., Any], *args: Any, may_raise: bool = False) -> Any:
        """``fn(gic, *args)`` on each GIC: the same result (or, if ``may_raise``, the same
        exception type)."""
        out = []
        for g in (self.py, self.nat):
            try:
                out.append(("ok", fn(g, *args)))
            except Exception as e:
                if not may_raise:
                    raise
                out.append(("raised", type(e).__name__))
        assert out[0] == out[1], out
        return out[0][1]

    def check(self, step: object) -> None:
        """Everything observable after a step matches."""
        lp, ln = self.mp.input_log, self.mn.input_log
        assert lp[self.seen:] == ln[self.seen:], (step, lp[self.seen:], ln[self.seen:])
        self.seen = len(lp)
        counts = self.nat.ack_counts
        assert list(self.py.ack_counts.items()) == list(counts.items()), step  # and first-ack order
        assert list(self.py.spurious_count) == self.nat.spurious_count, step
        assert self.py._best_of == self.nat._best_of, step
        for cpu in range(self.num_cpus):
            assert self.py.outputs(cpu) == self.nat.outputs(cpu), (step, cpu)
            assert self.py.highest_pending(cpu) == self.nat.highest_pending(cpu), (step, cpu)
            assert self.py.running_priority(cpu) == self.nat.running_priority(cpu), (step, cpu)

    def apply(self, step: tuple) -> None:
        kind = step[0]
        if kind == "read":
            _, part, cpu, off, size = step
            value = self.both(lambda g: getattr(g, part).mmio_read(cpu, off, size))
            if part == CPU and off == GICC_IAR and size == 4 and value & 0x3FF < 1022:
                self.acked[cpu].append(value)
        elif kind == "write":
            _, part, cpu, off, size, value = step
            self.both(lambda g: getattr(g, part).mmio_write(cpu, off, size, value))
        elif kind == "handle":  # an interrupt handler: IAR, then (maybe) its EOI
            _, cpu, eoi = step
            value = self.both(lambda g: g.cpu_interface.mmio_read(cpu, GICC_IAR, 4))
            if eoi and value & 0x3FF < 1022:
                self.both(lambda g: g.cpu_interface.mmio_write(cpu, GICC_EOIR, 4, value))
            elif value & 0x3FF < 1022:
                self.acked[cpu].append(value)
        elif kind == "eoi":  # the innermost acknowledged interrupt, as a handler would
            cpu = step[1]
            value = self.acked[cpu].pop() if self.acked[cpu] else step[2]
            self.both(lambda g: g.cpu_interface.mmio_write(cpu, GICC_EOIR, 4, value))
        elif kind == "line":
            _, irq, cpu, level = step
            self.both(lambda g: g.set_irq(irq, level, cpu))
        elif kind == "sink":  # the way a board's devices drive inputs
            _, irq, cpu, level = step
            self.both(lambda g: g.input(irq, cpu if irq < 32 else None)(level))
        elif kind == "api":
            _, name, args = step
            self.both(lambda g: getattr(g, name)(*args))
        elif kind == "reset":
            self.both(lambda g: g.reset())
            self.acked = [[] for _ in range(self.num_cpus)]
        elif kind == "burst":
            _, seed, length = step
            rng = random.Random(seed)
            for _ in range(length):
                self.apply(random_step(rng, self.num_cpus, self.num_irqs, self.window))
        self.check(step)

    def dump(self) -> None:
        """Every register (but GICC_IAR, which acknowledges) and the whole state match:
        the distributor as CPU 0 sees it, the banked registers as every CPU does."""
        banked = [bank for bank in BIT_BANKS]
        banked += [base + 4 * i for base in (GICD_IPRIORITYR, GICD_ITARGETSR) for i in range(8)]
        banked += [GICD_ICFGR, GICD_ICFGR + 4]
        banked += [base + 4 * i for base in (GICD_CPENDSGIR, GICD_SPENDSGIR) for i in range(4)]
        for cpu in range(self.num_cpus):
            for off in range(0, 0x1000, 4) if cpu == 0 else banked:
                self.both(lambda g, c, o: g.distributor.mmio_read(c, o, 4), cpu, off)
            for off in (GICC_CTLR, GICC_PMR, GICC_BPR, GICC_RPR, GICC_HPPIR, GICC_ABPR,
                        GICC_IIDR):
                self.both(lambda g, c, o: g.cpu_interface.mmio_read(c, o, 4), cpu, off)
            for irq in range(self.num_irqs if cpu == 0 else 32):
                self.both(lambda g, i, c: (g.priority(i, c), g.group(i, c)), irq, cpu)
        for name in ("_priv", "_spi", "_edge_spi", "_targets", "_best_of", "dctlr"):
            self.both(getattr, name)
        for name in ("cctlr", "pmr", "bpr", "abpr"):
            self.both(lambda g, n: list(getattr(g, n)), name)
        assert self.mp.input_log == self.mn.input_log


def steps(num_cpus: int, num_irqs: int, cpu_window: int) -> st.SearchStrategy[tuple]:
    """Random steps, biased towards the registers and IDs that interact."""
    cpus = st.integers(0, num_cpus - 1)
    ids = st.one_of(st.sampled_from(HOT_SGIS + HOT_PPIS + hot_spis(num_irqs)),
                    st.integers(0, num_irqs - 1))
    ppis = st.one_of(st.sampled_from(HOT_PPIS), st.integers(16, 31))
    spis = st.one_of(st.sampled_from(hot_spis(num_irqs)), st.integers(32, num_irqs - 1))
    word = st.one_of(st.just(0xFFFFFFFF), st.just(0), st.integers(0, 31).map(lambda b: 1 << b),
                     st.integers(0, 0xFFFFFFFF))
    value = st.one_of(word, st.integers(0, 0xFF), st.integers(0, (1 << 64) - 1))
    size = st.sampled_from([4, 4, 4, 1, 2, 3, 8])
    nwords = num_irqs // 32

    def bits_reg(bank: int, w: int, b: int) -> int:
        return bank + 4 * w + b

    dist_off = st.one_of(
        st.builds(bits_reg, st.sampled_from(BIT_BANKS), st.integers(0, nwords), st.just(0)),
        st.builds(bits_reg, st.sampled_from(BIT_BANKS), st.integers(0, 31), st.integers(0, 3)),
        ids.map(lambda i: GICD_IPRIORITYR + i),
        ids.map(lambda i: GICD_ITARGETSR + i),
        st.integers(0, num_irqs // 16).map(lambda k: GICD_ICFGR + 4 * k),
        st.integers(0, 15).map(lambda k: GICD_CPENDSGIR + k),
        st.integers(0, 15).map(lambda k: GICD_SPENDSGIR + k),
        st.sampled_from([GICD_CTLR, GICD_TYPER, GICD_IIDR, GICD_SGIR, GICD_PIDR4 + 0x18,
                         0x7FC, 0xBFC, 0xF04, 0xFFC]),
        st.integers(0, 0xFFF),
        st.integers(0x1000, 0x1100),
    )
    cpu_off = st.one_of(
        st.sampled_from([GICC_CTLR, GICC_PMR, GICC_BPR, GICC_IAR, GICC_IAR, GICC_EOIR, GICC_RPR,
                         GICC_HPPIR, GICC_ABPR, GICC_IIDR]),
        st.integers(0, 0x20),
        st.integers(0, cpu_window - 1),
    )
    sgir = st.builds(lambda f, t, ns, sgi: (f << 24) | (t << 16) | (ns << 15) | sgi,
                     st.integers(0, 3), st.integers(0, 0xFF), st.integers(0, 1),
                     st.integers(0, 15))
    rare = st.one_of(
        st.tuples(st.just("read"), st.just(DIST), cpus, dist_off, size),
        st.tuples(st.just("write"), st.just(DIST), cpus, dist_off, size, value),
        st.tuples(st.just("read"), st.just(CPU), cpus, cpu_off, size),
        st.tuples(st.just("write"), st.just(CPU), cpus, cpu_off, size, value),
        st.tuples(st.just("write"), st.just(CPU), cpus, st.just(GICC_BPR), st.just(4),
                  st.integers(0, 7)),
        st.tuples(st.just("write"), st.just(CPU), cpus, st.just(GICC_ABPR), st.just(4),
                  st.integers(0, 7)),
        st.tuples(st.just("api"), st.just("acknowledge"), st.tuples(cpus)),
        st.tuples(st.just("api"), st.just("end_of_interrupt"),
                  st.tuples(cpus, st.integers(0, 0x1FFF))),
        st.tuples(st.just("api"), st.just("send_sgi"), st.tuples(cpus, sgir)),
        st.tuples(st.just("api"), st.just("set_targets"), st.tuples(ids, st.integers(0, 0xFF))),
        st.tuples(st.just("api"), st.just("highest_pending_id"), st.tuples(cpus)),
        st.tuples(st.just("reset")),
    )
    config = st.one_of(  # the registers that decide who gets what
        st.tuples(st.just("write"), st.just(DIST), cpus,
                  ids.map(lambda i: GICD_IPRIORITYR + i), st.just(1), st.integers(0, 0xFF)),
        st.tuples(st.just("write"), st.just(DIST), cpus, ids.map(lambda i: GICD_ITARGETSR + i),
                  st.just(1), st.integers(0, 0xFF)),
        st.tuples(st.just("write"), st.just(DIST), cpus,
                  st.builds(bits_reg, st.sampled_from(BIT_BANKS), st.integers(0, nwords - 1),
                            st.just(0)), st.just(4), word),
        st.tuples(st.just("write"), st.just(DIST), cpus,
                  st.integers(2, num_irqs // 16 - 1).map(lambda k: GICD_ICFGR + 4 * k),
                  st.just(4), word),
        st.tuples(st.just("write"), st.just(DIST), cpus, st.just(GICD_SGIR), st.just(4), sgir),
        st.tuples(st.just("write"), st.just(DIST), cpus,
                  st.integers(0, 15).map(lambda k: GICD_CPENDSGIR + k), st.just(1), word),
        st.tuples(st.just("write"), st.just(DIST), cpus,
                  st.integers(0, 15).map(lambda k: GICD_SPENDSGIR + k), st.just(1), word),
        st.tuples(st.just("write"), st.just(DIST), cpus, st.just(GICD_CTLR), st.just(4),
                  st.integers(0, 3)),
        st.tuples(st.just("write"), st.just(CPU), cpus, st.just(GICC_CTLR), st.just(4),
                  st.integers(0, 0x1F)),
        st.tuples(st.just("write"), st.just(CPU), cpus, st.just(GICC_PMR), st.just(4),
                  st.integers(0, 0xFF)),
        st.tuples(st.just("write"), st.just(CPU), cpus, st.integers(0, 0x1F),
                  st.sampled_from([1, 2]), st.integers(0, 0xFFFF)),  # narrow: merged writes
        st.tuples(st.just("read"), st.just(CPU), cpus, st.integers(0, 0x1F),
                  st.sampled_from([1, 2, 3])),
    )
    live = st.one_of(  # what happens all the time: lines move, handlers run
        st.tuples(st.just("line"), ppis, cpus, st.booleans()),
        st.tuples(st.just("line"), spis, cpus, st.booleans()),
        # 32 and 40 share a priority after linux_like_init: ties go to the lower ID
        st.tuples(st.just("line"), st.sampled_from([32, 40]), cpus, st.booleans()),
        st.tuples(st.just("sink"), st.one_of(ppis, spis), cpus, st.booleans()),
        st.tuples(st.just("handle"), cpus, st.booleans()),
        st.tuples(st.just("read"), st.just(CPU), cpus, st.just(GICC_IAR), st.just(4)),
        st.tuples(st.just("eoi"), cpus, st.integers(0, 0x1FFF)),
        st.tuples(st.just("read"), st.just(CPU), cpus, st.just(GICC_HPPIR), st.just(4)),
    )
    # a seeded burst of random_step: the walk's depth, and still shrinkable (shorter, 0)
    burst = st.tuples(st.just("burst"), st.integers(0, 2**16), st.integers(1, 300))
    # weighted (a nested one_of would flatten into equal branches)
    return st.sampled_from([live] * 6 + [config] * 3 + [rare, burst]).flatmap(lambda s: s)


def linux_like_init(num_cpus: int, num_irqs: int, groups: int) -> list[tuple]:
    """gic_dist_init/gic_cpu_init-like writes, so random steps start from a live GIC;
    ``groups`` is every IGROUPR word (0: all Group 0, FIQ with FIQEn)."""
    out: list[tuple] = []
    for w in range(num_irqs // 32):
        for cpu in range(num_cpus if w == 0 else 1):
            out.append(("write", DIST, cpu, GICD_IGROUPR + 4 * w, 4, groups))
            out.append(("write", DIST, cpu, GICD_ISENABLER + 4 * w, 4, 0xFFFFFFFF))
    for irq in range(32, num_irqs, 4):
        out.append(("write", DIST, 0, GICD_ITARGETSR + irq, 4, 0x030201FF))  # all, 0, 1, 0+1
        # low priority bits set, so the binary points (BPR, ABPR, CBPR) make a difference
        out.append(("write", DIST, 0, GICD_IPRIORITYR + irq, 4, 0xA8906848))
    for cpu in range(num_cpus):
        for first in range(0, 32, 4):  # SGIs and PPIs: varied, with low bits set
            prio = sum((0x2D * (first + i + 1) & 0xF8) << (8 * i) for i in range(4))
            out.append(("write", DIST, cpu, GICD_IPRIORITYR + first, 4, prio))
        out.append(("write", CPU, cpu, GICC_CTLR, 4, 0x0F))  # both groups, AckCtl, FIQEn
        out.append(("write", CPU, cpu, GICC_PMR, 4, 0xF0))
    out.append(("write", DIST, 0, GICD_CTLR, 4, 3))
    return out


@pytest.mark.parametrize(("kw", "window"), [(c[1], c[2]) for c in CONFIGS],
                         ids=[c[0] for c in CONFIGS])
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_native_gic_matches_reference(kw: dict[str, Any], window: int, data: st.DataObject) -> None:
    p = Pair(kw, window)
    n, nirq = kw["num_cpus"], kw["num_irqs"]
    init = data.draw(st.sampled_from(["group1", "mixed", "group0", "none"]), label="init")
    groups = {"group1": 0xFFFFFFFF, "group0": 0, "mixed": 0x5A5A5A5A}.get(init, 0)
    prelude = [] if init == "none" else linux_like_init(n, nirq, groups)
    for step in prelude:
        p.apply(step)
    sequence = st.lists(steps(n, nirq, window), min_size=10, max_size=60)
    for step in data.draw(sequence, label="steps"):
        p.apply(step)
    p.dump()


def random_step(rng: random.Random, n: int, nirq: int, window: int) -> tuple:
    """One step of a long random walk: mostly lines and handlers on the hot IDs, then
    the registers that route and mask them, then anything at all."""
    r, cpu = rng.random(), rng.randrange(n)
    hot = HOT_SGIS + HOT_PPIS + hot_spis(nirq)
    irq = rng.choice(hot) if rng.random() < 0.9 else rng.randrange(nirq)
    bit = 1 << (irq % 32)
    word = rng.choice([bit, bit, bit, 0xFFFFFFFF, rng.getrandbits(32)])
    if r < 0.30:
        line = rng.choice(HOT_PPIS + hot_spis(nirq)) if rng.random() < 0.9 else \
            rng.randrange(16, nirq)
        return (rng.choice(["line", "sink"]), line, cpu, rng.random() < 0.5)
    if r < 0.55:
        return ("handle", cpu, rng.random() < 0.7)
    if r < 0.62:
        return ("eoi", cpu, rng.randrange(0x2000))
    if r < 0.65:
        return ("read", CPU, cpu, GICC_HPPIR, 4)
    if r < 0.85:
        return rng.choice([
            ("write", DIST, cpu, GICD_IPRIORITYR + irq, 1, rng.getrandbits(8)),
            ("write", DIST, cpu, GICD_ITARGETSR + irq, 1, rng.getrandbits(8)),
            ("write", DIST, cpu, rng.choice(BIT_BANKS) + 4 * (irq // 32), 4, word),
            ("write", DIST, cpu, GICD_ISENABLER + 4 * (irq // 32), 4, word),
            ("write", DIST, cpu, GICD_ICFGR + 4 * rng.randrange(2, nirq // 16), 4, word),
            ("write", DIST, cpu, GICD_SGIR, 4, rng.getrandbits(26)),
            ("write", DIST, cpu, rng.choice([GICD_CPENDSGIR, GICD_SPENDSGIR]) + irq % 16, 1,
             rng.getrandbits(8)),
            # the enables and the mask: mostly back to live values, so interrupts flow
            ("write", DIST, cpu, GICD_CTLR, 4, rng.choice([3, 3, 3, rng.randrange(4)])),
            ("write", CPU, cpu, GICC_CTLR, 4,
             rng.choice([0x0F, 0x0F, 0x07, 0x1F, rng.randrange(0x20)])),  # 0x1F: CBPR
            ("write", CPU, cpu, GICC_PMR, 4, rng.choice([0xF0, 0xFF, 0xF0, rng.getrandbits(8)])),
            ("write", CPU, cpu, GICC_BPR, 4, rng.randrange(8)),
            ("write", CPU, cpu, GICC_ABPR, 4, rng.randrange(8)),
        ])
    if r < 0.95:
        part, top = (DIST, 0x1000) if rng.random() < 0.6 else (CPU, window)
        off, size = rng.randrange(top + 8), rng.choice([1, 2, 3, 4, 4, 8])
        if rng.random() < 0.5:
            return ("read", part, cpu, off, size)
        return ("write", part, cpu, off, size, rng.getrandbits(8 * size))
    if r < 0.998:
        return rng.choice([
            ("api", "acknowledge", (cpu,)),
            ("api", "end_of_interrupt", (cpu, rng.randrange(0x2000))),
            ("api", "send_sgi", (cpu, rng.getrandbits(26))),
            ("api", "set_targets", (rng.randrange(nirq), rng.getrandbits(8))),
        ])
    return ("reset",)


@pytest.mark.parametrize(("kw", "window"), [(c[1], c[2]) for c in CONFIGS],
                         ids=[c[0] for c in CONFIGS])
def test_long_random_walk(kw: dict[str, Any], window: int) -> None:
    """Thousands of seeded random steps from a live GIC (deeper than the hypothesis
    test's short sequences): equal after every step, and in full every 500."""
    n, nirq = kw["num_cpus"], kw["num_irqs"]
    rng = random.Random(f"gic-walk-{n}-{nirq}-{kw.get('priority_bits', 5)}")
    p = Pair(kw, window)
    for step in linux_like_init(n, nirq, 0x5A5A5A5A):
        p.apply(step)
    for i in range(3000):
        step = random_step(rng, n, nirq, window)
        p.apply(step)
        if step == ("reset",):
            for again in linux_like_init(n, nirq, rng.getrandbits(32)):
                p.apply(again)
        if i % 500 == 499:
            p.dump()
    acks = sum(map(sum, p.py.ack_counts.values()))
    assert acks > 100, "the walk should keep interrupts flowing"


@pytest.mark.parametrize(("kw", "window"), [(c[1], c[2]) for c in CONFIGS],
                         ids=[c[0] for c in CONFIGS])
def test_every_offset_and_width(kw: dict[str, Any], window: int) -> None:
    """A sweep of every byte offset and width of both regions, reads then writes,
    from a live state: the register decoders agree everywhere."""
    p = Pair(kw, window)
    n, nirq = kw["num_cpus"], kw["num_irqs"]
    for step in linux_like_init(n, nirq, 0x5A5A5A5A):
        p.apply(step)
    for irq in (16, 27, 31):
        p.apply(("line", irq, n - 1, True))
    for irq in (32, 33, nirq - 1):
        p.apply(("line", irq, 0, True))
    cpu = n - 1
    for size in (1, 2, 3, 4, 8):
        for off in range(0, 0x1008):
            p.apply(("read", DIST, cpu, off, size))
        for off in range(0, window + 8):
            p.apply(("read", CPU, cpu, off, size))
    pattern = 0x8040201008040201
    for size in (1, 2, 4, 8):
        for off in range(0, 0x1008, 3):
            p.apply(("write", DIST, cpu, off, size, pattern ^ off))
        for off in range(0, window + 8, 3):
            p.apply(("write", CPU, cpu, off, size, pattern >> off % 8))
    p.dump()


def test_native_gic_needs_a_fabric() -> None:
    from irqemu._core.gic import GICv2 as NativeGICv2

    with pytest.raises(ValueError, match="machine.fabric"):
        NativeGICv2(FakeMachine(2))


@pytest.mark.parametrize("num_irqs", [0, 16, 48, 1024])
def test_both_refuse_bad_num_irqs(num_irqs: int) -> None:
    for impl in ("python", "native"):
        with pytest.raises(ValueError, match="num_irqs"):
            make_gic(impl, FakeMachine(1), num_irqs=num_irqs)


def test_same_calls_across_a_burst() -> None:
    """A deterministic IAR/EOI burst on four CPUs with SGIs, PPIs and 1-of-N SPIs."""
    p = Pair(imx6q_gic(4, 160))
    for step in linux_like_init(4, 160, 0xFFFFFFFF):
        p.apply(step)
    p.apply(("write", DIST, 0, GICD_ITARGETSR + 40, 1, 0x0F))
    for round_ in range(20):
        p.apply(("write", DIST, round_ % 4, GICD_SGIR, 4, (1 << 24) | (1 << 15) | round_ % 16))
        p.apply(("line", 29, round_ % 4, True))
        p.apply(("line", 40, 0, round_ % 2 == 0))
        for cpu in range(4):
            p.apply(("read", CPU, cpu, GICC_IAR, 4))
        for cpu in range(4):
            while p.acked[cpu]:
                p.apply(("eoi", cpu, 0))
        p.apply(("line", 29, round_ % 4, False))
    assert sum(map(sum, p.nat.ack_counts.values())) > 40
    p.dump()


def test_native_register_maps_are_the_reference_declarations() -> None:
    """The native parts declare the Python model's register maps (names, offsets, widths),
    so tools that walk a device's registers (the forward-progress test) reach them all."""
    from irqemu._core import gic as native
    from irqemu.devices import gic as reference

    for part, ref in ((native.GICDistributor, reference.GICDistributor),
                      (native.GICCPUInterface, reference.GICCPUInterface)):
        assert part.REGISTERS == tuple((r.offset, r.name, r.width, r.count) for r in ref.REGS)
