"""Hypothesis properties of the GIC: outputs, masking and edge delivery, on the Python
reference and the native GICv2 (``impl``)."""

from __future__ import annotations

import pytest
from devfakes import GIC_IMPLS, FakeMachine
from hypothesis import given, settings
from hypothesis import strategies as st
from test_gic import (
    C_CTLR,
    CTLR,
    IGROUPR,
    IPRIORITYR,
    ISACTIVER,
    ISENABLER,
    ISPENDR,
    ITARGETSR,
    PMR,
    RPR,
    Gic,
)

from irqemu.devices.base import CPU_FIQ, CPU_IRQ

SPIS = (32, 33, 34, 35)
EDGE_SPIS = (32, 33)
NCPU = 2

op = st.one_of(
    st.tuples(st.just("line"), st.sampled_from(SPIS + (29,)), st.booleans(), st.integers(0, 1)),
    st.tuples(st.just("ack"), st.integers(0, NCPU - 1)),
    st.tuples(st.just("eoi"), st.integers(0, NCPU - 1)),
    st.tuples(st.just("prio"), st.sampled_from(SPIS + (29, 1)), st.integers(0, 255)),
    st.tuples(st.just("enable"), st.sampled_from(SPIS + (29,)), st.booleans(), st.integers(0, 1)),
    st.tuples(st.just("pmr"), st.integers(0, NCPU - 1), st.integers(0, 255)),
    st.tuples(st.just("target"), st.sampled_from(SPIS), st.integers(0, 3)),
    st.tuples(st.just("sgi"), st.integers(0, NCPU - 1), st.integers(0, 3)),
    st.tuples(st.just("group"), st.integers(0, NCPU - 1), st.integers(0, 0xFFFF_FFFF)),
    st.tuples(st.just("cctlr"), st.integers(0, NCPU - 1), st.integers(0, 0x1F)),
)


def make(impl: str) -> Gic:
    g = Gic(FakeMachine(NCPU), impl, num_irqs=64)
    g.setup()
    for irq in EDGE_SPIS:
        g.edge(irq)
    return g


def expected_outputs(g: Gic, cpu: int) -> tuple[bool, bool]:
    """Recompute ``cpu``'s IRQ/FIQ from register reads alone."""
    bits = {
        name: g.dr(off, cpu) | (g.dr(off + 4, cpu) << 32)
        for name, off in (
            ("en", ISENABLER),
            ("pend", ISPENDR),
            ("act", ISACTIVER),
            ("grp", IGROUPR),
        )
    }
    cctlr, dctlr = g.cr(C_CTLR, cpu), g.dr(CTLR, cpu)
    best = None
    for irq in range(64):
        if not (bits["en"] >> irq & 1 and bits["pend"] >> irq & 1) or bits["act"] >> irq & 1:
            continue
        if irq >= 32 and not g.dr(ITARGETSR + irq, cpu, size=1) >> cpu & 1:
            continue
        grp = bits["grp"] >> irq & 1
        if not (dctlr >> grp & 1 and cctlr >> grp & 1):
            continue
        key = (g.dr(IPRIORITYR + irq, cpu, size=1), irq)
        best = key if best is None or key < best else best
    if best is None:
        return False, False
    rpr = g.cr(RPR, cpu)
    running = 0x100 if rpr == 0xFF else rpr
    if best[0] >= g.cr(PMR, cpu) or best[0] >= running:
        return False, False
    fiq = not (bits["grp"] >> best[1] & 1) and bool(cctlr & 8)
    return not fiq, fiq


def run(g: Gic, ops: list[tuple], check: bool = True) -> dict[int, bool]:
    """Apply ops; check invariants after each; return which edge SPIs are owed a delivery."""
    stacks: list[list[int]] = [[] for _ in range(NCPU)]
    owed: dict[int, bool] = dict.fromkeys(EDGE_SPIS, False)
    for o in ops:
        kind = o[0]
        if kind == "line":
            _, irq, level, cpu = o
            rising = (
                level and not g.g._priv["level"][cpu] >> irq & 1
                if irq < 32
                else (level and not g.g._spi["level"] >> irq & 1)
            )
            g.g.set_irq(irq, level, cpu if irq < 32 else None)
            if rising and irq in owed:
                owed[irq] = True
        elif kind == "ack":
            cpu = o[1]
            pmr = g.cr(PMR, cpu)
            val = g.ack(cpu)
            irq = val & 0x3FF
            if irq < 1022:
                stacks[cpu].append(val)
                assert g.dr(IPRIORITYR + irq, cpu, size=1) < pmr  # never a masked one
                assert g.dr(ISENABLER + 4 * (irq // 32), cpu) >> (irq % 32) & 1  # nor disabled
                owed[irq] = False if irq in owed else False
        elif kind == "eoi":
            if stacks[o[1]]:
                g.eoi(stacks[o[1]].pop(), o[1])
        elif kind == "prio":
            g.prio(o[1], o[2])
        elif kind == "enable":
            _, irq, on, cpu = o
            off = (ISENABLER if on else ISENABLER + 0x80) + 4 * (irq // 32)
            g.dw(off, 1 << (irq % 32), cpu)
        elif kind == "pmr":
            g.cw(PMR, o[2], o[1])
        elif kind == "target":
            g.target(o[1], o[2])
        elif kind == "sgi":
            g.dw(0xF00, (1 << 24) | (1 << 15) | o[2], o[1])
        elif kind == "group":
            g.dw(IGROUPR, o[2], o[1])
        elif kind == "cctlr":
            g.cw(C_CTLR, o[2], o[1])
        if check:
            for cpu in range(NCPU):
                got = (g.m.level(cpu, CPU_IRQ), g.m.level(cpu, CPU_FIQ))
                assert got == expected_outputs(g, cpu), (o, cpu)
                # the cached best candidate IAR uses is never stale
                assert g.g._best_of[cpu] == g.g._best(cpu), (o, cpu)
    return owed


@pytest.mark.parametrize("impl", GIC_IMPLS)
@settings(max_examples=150, deadline=None)
@given(st.lists(op, max_size=40))
def test_outputs_match_recomputation_and_iar_respects_masks(impl: str, ops: list[tuple]) -> None:
    run(make(impl), ops)


edge_op = st.one_of(
    st.tuples(st.just("line"), st.sampled_from(EDGE_SPIS), st.booleans(), st.just(0)),
    st.tuples(st.just("ack"), st.integers(0, NCPU - 1)),
    st.tuples(st.just("eoi"), st.integers(0, NCPU - 1)),
    st.tuples(st.just("prio"), st.sampled_from(EDGE_SPIS), st.integers(0, 255)),
    st.tuples(st.just("pmr"), st.integers(0, NCPU - 1), st.integers(0, 255)),
    st.tuples(st.just("target"), st.sampled_from(EDGE_SPIS), st.integers(1, 3)),
)


@pytest.mark.parametrize("impl", GIC_IMPLS)
@settings(max_examples=150, deadline=None)
@given(st.lists(edge_op, max_size=40))
def test_enabled_edges_are_never_lost(impl: str, ops: list[tuple]) -> None:
    g = make(impl)
    for irq in EDGE_SPIS:
        g.enable(irq)
        g.target(irq, 1)
    owed = run(g, ops, check=False)
    # drain: open the masks, finish whatever is active, then take everything pending
    for cpu in range(NCPU):
        g.cw(PMR, 0xFF, cpu)
        while g.cr(RPR, cpu) != 0xFF:
            g.eoi(0, cpu)  # any EOI drops the top active priority
    for irq in EDGE_SPIS:
        g.dw(ISACTIVER + 0x80 + 4, 1 << (irq - 32))
        g.prio(irq, 0)  # 0xF8 is never signalled with 5 priority bits: that is not a loss
    for cpu in range(NCPU):
        while (val := g.ack(cpu)) < 1022:
            owed[val] = False
            g.eoi(val, cpu)
    assert not any(owed.values()), owed
