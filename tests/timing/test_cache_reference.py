"""The C memory hierarchy model against its Python reference, and its invariants."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from irqemu._core.cache import POLICIES, STAT_NAMES, Hierarchy

from irqemu._core.cacheref import POLICIES as REF_POLICIES
from irqemu._core.cacheref import STAT_NAMES as REF_STAT_NAMES
from irqemu._core.cacheref import Hierarchy as RefHierarchy

KINDS = ("fetch", "read", "write")


@st.composite
def hierarchies(draw: st.DrawFn) -> tuple:
    """Small hierarchies (so that streams evict): L1s, TLBs, one or two outer levels."""
    ncpus = draw(st.integers(1, 4))
    line = draw(st.sampled_from([16, 32, 64]))

    def cache(max_sets: int) -> tuple:
        policy = draw(st.sampled_from(POLICIES))
        ways = draw(st.sampled_from([1, 2, 4, 8]) if policy == "plru" else st.integers(1, 5))
        sets = draw(st.integers(1, max_sets))
        return (sets * ways * line, ways, line, draw(st.integers(0, 5)), policy)

    def tlb() -> tuple[int, int, int, int]:
        ways = draw(st.integers(1, 4))
        return (ways * draw(st.integers(1, 4)), ways, draw(st.sampled_from([256, 4096])),
                draw(st.integers(0, 30)))

    outer = []
    for _ in range(draw(st.integers(1, 2))):
        size, ways, _line, _, policy = cache(16)
        outer.append((size * 2, ways, line * draw(st.sampled_from([1, 2])),
                      draw(st.integers(0, 40)), draw(st.booleans()), policy))
    return (ncpus, cache(4), cache(4), tlb(), tlb(), outer, draw(st.integers(0, 200)),
            draw(st.integers(0, 100)), draw(st.integers(0, 50)))


accesses = st.lists(st.tuples(st.integers(0, 3), st.sampled_from(KINDS),
                              st.integers(0, 0x3000), st.sampled_from([1, 2, 4, 8, 24, 100])),
                    max_size=300)


def test_stat_names_agree() -> None:
    assert STAT_NAMES == REF_STAT_NAMES
    assert POLICIES == REF_POLICIES


@settings(max_examples=100, deadline=None, derandomize=True)
@given(hierarchies(), accesses)
def test_c_model_matches_reference(params: tuple, stream: list) -> None:
    """Every policy at every level (drawn per level): identical penalties and counters."""
    c, ref = Hierarchy(*params), RefHierarchy(*params)
    ncpus = params[0]
    for cpu, kind, addr, size in stream:
        cpu %= ncpus
        assert c.access(cpu, kind, addr, size) == ref.access(cpu, kind, addr, size)
    for cpu in range(ncpus):
        assert c.stats(cpu) == ref.stats(cpu)
        assert c.take(cpu) == ref.take(cpu)


def _a9_like(ncpus: int) -> Hierarchy:
    return Hierarchy(ncpus, (32768, 4, 32, 4), (32768, 4, 32, 4), (32, 32, 4096, 20),
                     (32, 32, 4096, 20), [(1 << 20, 16, 32, 30, True)], 100, 40, 10)


@given(st.integers(0, 1 << 20), st.sampled_from(KINDS))
@settings(max_examples=30, deadline=None, derandomize=True)
def test_cold_costs_dram_warm_costs_nothing(addr: int, kind: str) -> None:
    """A cold access pays the TLB walk and DRAM over an L1 hit; the same access warm, 0."""
    h = _a9_like(1)
    cold = h.access(0, kind, addr * 4, 4)
    tlb = 20
    assert cold == tlb + 100 - 4
    assert h.access(0, kind, addr * 4, 4) == 0


def test_contended_line_bounces() -> None:
    """Two CPUs writing one line in turn: every write after the first is a transfer."""
    h = _a9_like(2)
    h.access(0, "write", 0x1000, 4)
    for i in range(10):
        pen = h.access((i + 1) % 2, "write", 0x1000, 4)
        assert pen == 40 - 4 + (20 if i == 0 else 0)
    assert h.stats(0)["transfers"] + h.stats(1)["transfers"] == 10


def test_read_sharing_then_write_invalidates() -> None:
    """Readers share a line; a write by one of them invalidates the others at a cost."""
    h = _a9_like(3)
    h.access(0, "read", 0x2000, 4)          # E in CPU 0
    h.access(1, "read", 0x2000, 4)          # transfer: S in both
    h.access(2, "read", 0x2000, 4)          # S: from L2
    assert h.stats(2)["outer1_hits"] == 1
    assert h.access(0, "write", 0x2000, 4) == 10
    assert h.stats(0)["invalidations"] == 1
    assert h.access(1, "read", 0x2000, 4) == 40 - 4   # CPU 0 holds it Modified
