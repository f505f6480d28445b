"""Replacement policies of the cache model: what each one keeps and evicts, on both
models (C and reference), and the hierarchy files' ``replacement`` field."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from irqemu._core.cache import POLICIES, Hierarchy

from irqemu._core import cacheref
from irqemu._core.cacheref import Hierarchy as RefHierarchy
from irqemu.errors import CostModelError
from irqemu.timing.hierarchy import _SHIPPED, load_hierarchy, parse_hierarchy, shipped

LINE, SETS, WAYS = 32, 4, 4
MODELS = (Hierarchy, RefHierarchy)


def _l1_only(model: type, policy: str, ways: int = WAYS) -> object:
    """One CPU; an L1D of SETS x ``ways`` lines with ``policy``; a big LRU L2 behind it
    (so an L1D miss costs 30 - 4 cycles); TLBs big enough never to miss after warm-up."""
    size = SETS * ways * LINE
    return model(1, (size, ways, LINE, 4, "lru"), (size, ways, LINE, 4, policy),
                 (64, 64, 4096, 0), (64, 64, 4096, 0),
                 [(1 << 20, 16, LINE, 30, True, "lru")], 100, 40, 10)


def _l1d_misses(h: object, addrs: list[int]) -> list[int]:
    """The L1D misses of each access of ``addrs`` (reads), one by one."""
    out = []
    for a in addrs:
        before = h.stats(0)["l1d_misses"]  # type: ignore[attr-defined]
        h.access(0, "read", a, 4)  # type: ignore[attr-defined]
        out.append(h.stats(0)["l1d_misses"] - before)  # type: ignore[attr-defined]
    return out


def _set_stream(lines_per_set: int, rounds: int, order: list[int]) -> list[int]:
    """``rounds`` passes over ``lines_per_set`` lines in each of the SETS sets, in the
    permutation ``order`` of those lines within a pass."""
    stride = SETS * LINE   # the next line that maps to the same set
    return [s * LINE + order[k] * stride for _ in range(rounds) for k in range(lines_per_set)
            for s in range(SETS)]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.integers(1, WAYS), st.permutations(range(WAYS)), st.integers(2, 6))
def test_a_working_set_of_ways_lines_stays(model: type, policy: str, n: int,
                                           order: list[int], rounds: int) -> None:
    """Every policy: up to ``ways`` lines per set, in any order, miss once each and
    never again (an invalid way is filled before anything is evicted)."""
    h = _l1_only(model, policy)
    misses = _l1d_misses(h, _set_stream(n, rounds, list(order)))
    first = n * SETS
    assert sum(misses[:first]) == first
    assert sum(misses[first:]) == 0


def _reuse_distances(lines: list[int]) -> list[int | None]:
    """Per access, how many distinct other lines of its set came since its last use
    (None: first use)."""
    out: list[int | None] = []
    for i, ln in enumerate(lines):
        prev = [j for j in range(i) if lines[j] == ln]
        if not prev:
            out.append(None)
            continue
        between = {x for x in lines[prev[-1] + 1:i] if x % SETS == ln % SETS}
        out.append(len(between))
    return out


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("policy,kept", [("lru", WAYS), ("plru", 3)])
@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 4 * SETS * WAYS), min_size=1, max_size=200))
def test_recent_lines_are_kept(model: type, policy: str, kept: int, lines: list[int]) -> None:
    """LRU hits exactly the accesses with fewer than ``ways`` distinct lines of their set
    in between; tree PLRU at least those with fewer than log2(ways) + 1 (its minimum life
    span: Reineke et al., 'Timing predictability of cache replacement policies',
    Real-Time Systems 37(2), 2007, section 4)."""
    h = _l1_only(model, policy)
    misses = _l1d_misses(h, [ln * LINE for ln in lines])
    for miss, dist in zip(misses, _reuse_distances(lines), strict=True):
        if dist is None:
            assert miss
        elif dist < kept:
            assert not miss
        elif policy == "lru":
            assert miss


@pytest.mark.parametrize("model", MODELS)
def test_lru_thrashes_on_a_cycle_of_ways_plus_one(model: type) -> None:
    """The classic LRU pathology the other policies escape: ways + 1 lines per set,
    cyclically, miss every time."""
    h = _l1_only(model, "lru")
    misses = _l1d_misses(h, _set_stream(WAYS + 1, 8, list(range(WAYS + 1))))
    assert all(misses)


@pytest.mark.parametrize("model", MODELS)
def test_random_survives_a_cycle_of_ways_plus_one(model: type) -> None:
    """Random replacement keeps some of a cyclic ways + 1 stream: not every access misses
    (with LRU every one does), and not one in the first pass hits."""
    h = _l1_only(model, "random")
    stream = _set_stream(WAYS + 1, 20, list(range(WAYS + 1)))
    misses = _l1d_misses(h, stream)
    first = (WAYS + 1) * SETS
    assert all(misses[:first])
    assert 0 < sum(misses[first:]) < len(stream) - first


@pytest.mark.parametrize("model", MODELS)
def test_round_robin_evicts_in_fill_order_whatever_is_used(model: type) -> None:
    """Round-robin ignores hits: after filling ways 0..3 of a set, reusing line 0 does not
    save it, the next new line evicts it (LRU would evict line 1)."""
    stride = SETS * LINE
    for policy, lost in (("round-robin", 0), ("lru", 1)):
        h = _l1_only(model, policy)
        _l1d_misses(h, [k * stride for k in range(WAYS)] + [0])   # fill, then reuse line 0
        _l1d_misses(h, [WAYS * stride])                              # a fifth line
        kept = [_l1d_misses(h, [k * stride])[0] == 0 for k in range(WAYS)]
        assert kept.index(False) == lost, policy


@pytest.mark.parametrize("policy", ["random", "round-robin", "plru"])
@settings(max_examples=10, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 1), st.sampled_from(["fetch", "read", "write"]),
                          st.integers(0, 0x4000)), min_size=50, max_size=400))
def test_same_stream_same_counts(policy: str, stream: list) -> None:
    """Two models built alike give the same figures for the same stream (the generator is
    seeded from a constant and the cache's identity, not from the host)."""
    def run() -> list[dict[str, int]]:
        h = Hierarchy(2, (1024, 2, 32, 4, policy), (1024, 4, 32, 4, policy),
                      (8, 4, 4096, 5), (8, 4, 4096, 5),
                      [(8192, 4, 32, 20, True, policy)], 100, 40, 10)
        for cpu, kind, addr in stream:
            h.access(cpu, kind, addr, 4)
        return [h.stats(c) for c in range(2)]

    assert run() == run()


def test_random_seeds_differ_per_cache_and_restart_after_invalidate_all() -> None:
    """Each cache draws from its own generator (seeded by its identity); emptying the
    caches restarts them, so the same stream after ``invalidate_all`` counts the same."""
    assert len({cacheref.seed(i) for i in range(200)}) == 200
    h = _l1_only(Hierarchy, "random")
    stream = _set_stream(WAYS + 1, 10, list(range(WAYS + 1)))
    first = _l1d_misses(h, stream)
    h.invalidate_all()
    assert _l1d_misses(h, stream) == first


def test_plru_needs_power_of_two_ways() -> None:
    for model in MODELS:
        with pytest.raises(ValueError, match="power-of-two"):
            _l1_only(model, "plru", ways=3)
        with pytest.raises(ValueError, match="unknown replacement 'mru'"):
            _l1_only(model, "mru")


# -- the hierarchy files' ``replacement`` field ---------------------------------------

def _a9() -> str:
    return (_SHIPPED / "cortex-a9.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("core", shipped())
def test_shipped_files_name_every_cache_levels_policy(core: str) -> None:
    spec = load_hierarchy(core)
    assert set(spec.replacement) == {"l1i", "l1d", *spec.outer_levels}
    assert set(spec.replacement.values()) <= set(POLICIES)
    for name in spec.replacement:
        assert f"{name}.replacement" in spec.citations


def test_a9_replaces_as_linux_leaves_it() -> None:
    """SCTLR.RR = 0 (random) on the A9's L1s; the PL310's reset round-robin."""
    spec = load_hierarchy("cortex-a9")
    assert spec.replacement == {"l1i": "random", "l1d": "random", "l2": "round-robin"}


def test_a_file_without_replacement_means_lru() -> None:
    text = re.sub(r"(?m)^replacement.*\n", "", _a9())
    spec = parse_hierarchy(text, "mine.toml")
    assert set(spec.replacement.values()) == {"lru"}
    assert not any(k.endswith(".replacement") for k in spec.citations)


@pytest.mark.parametrize("old,new,match", [
    ('replacement = "round-robin"', 'replacement = "fifo"', "must be one of"),
    ('replacement = "round-robin"', 'replacement = "plru"', None),
    ('replacement = "random"', 'replacement = 3', "must be one of"),
])
def test_bad_replacement_is_rejected(old: str, new: str, match: str | None) -> None:
    text = _a9().replace(old, new, 1)
    if match is None:   # the PL310 is 16-way: PLRU fits
        assert parse_hierarchy(text, "x.toml").replacement["l2"] == "plru"
        text = text.replace("ways = 16\n", "ways = 12\n", 1).replace(
            "size = 1048576\n", "size = 786432\n", 1)
        match = "power-of-two"
    with pytest.raises(CostModelError, match=match):
        parse_hierarchy(text, "x.toml")


def test_a_replacement_without_a_source_is_rejected() -> None:
    text = re.sub(r"(?m)^replacement_source = .*\n", "", _a9(), count=1)
    with pytest.raises(CostModelError, match=r"\[l1i\] replacement: has no replacement_source"):
        parse_hierarchy(text, "x.toml")
