"""The memory hierarchy model of ``cache.pyx`` in plain Python, to be read and to check it.

Same caches, same replacement policies (and the same random generator), same MESI
coherence between L1Ds, same fills and counters:
tests feed both the same random access streams and require identical penalties and
counters. It is not used to run firmware (that would be Python per access).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

INVALID, SHARED, EXCLUSIVE, MODIFIED = 0, 1, 2, 3
VALID = 1

STAT_NAMES = ("fetches", "reads", "writes", "l1i_misses", "l1d_misses", "itlb_misses",
              "dtlb_misses", "outer1_hits", "outer2_hits", "outer1_misses", "outer2_misses",
              "dram_accesses",
              "transfers", "invalidations", "penalty_cycles")
POLICIES = ("lru", "plru", "round-robin", "random")
SEED_MUL, SEED_XOR, MASK64 = 0x9E3779B97F4A7C15, 0x2545F4914F6CDD1D, (1 << 64) - 1


def seed(identity: int) -> int:
    """The random policy's starting state for cache ``identity`` (never 0)."""
    return ((SEED_MUL * (identity + 1)) & MASK64) ^ SEED_XOR or 1


def xorshift64(x: int) -> int:
    """Marsaglia's xorshift64 (13, 7, 17): the random policy's generator."""
    x ^= (x << 13) & MASK64
    x ^= x >> 7
    x ^= (x << 17) & MASK64
    return x


class Cache:
    """A set-associative cache (or TLB) of line numbers; ``policy`` picks a full set's
    victim, ``identity`` seeds the random policy's generator."""

    def __init__(self, size: int, ways: int, line: int, policy: str = "lru",
                 identity: int = 0) -> None:
        if ways <= 0 or size % (ways * line) or size < ways * line:
            raise ValueError(f"{size} bytes do not make whole {ways}-way sets of "
                             f"{line}-byte lines")
        if line & (line - 1):
            raise ValueError(f"{line} is not a power of two")
        if policy not in POLICIES:
            raise ValueError(f"unknown replacement {policy!r} (known: {', '.join(POLICIES)})")
        if policy == "plru" and (ways > 64 or ways & (ways - 1)):
            raise ValueError(f"tree pseudo-LRU needs a power-of-two number of ways up to 64, "
                             f"not {ways}")
        self.policy = policy
        self.rng = seed(identity)
        self.sets = size // (ways * line)
        self.ways = ways
        self.shift = line.bit_length() - 1
        n = self.sets * ways
        self.tag = [0] * n        # line number + 1; 0 = invalid
        self.stamp = [0] * n
        self.state = [INVALID] * n
        self.meta = [0] * self.sets   # PLRU tree bits, or the round-robin pointer
        self.clock = 0

    def find(self, ln: int) -> int:
        base = (ln % self.sets) * self.ways
        for i in range(base, base + self.ways):
            if self.tag[i] == ln + 1:
                return i
        return -1

    def touch(self, i: int) -> None:
        """A use of way ``i``: LRU stamps it, PLRU turns its tree; the others ignore uses."""
        if self.policy == "lru":
            self.clock += 1
            self.stamp[i] = self.clock
        elif self.policy == "plru":
            s, w = divmod(i, self.ways)
            node, lo, n = 0, 0, self.ways
            while n > 1:
                half = n >> 1
                if w < lo + half:               # used on the left: the victim is right
                    self.meta[s] |= 1 << node
                    node = 2 * node + 1
                else:
                    self.meta[s] &= ~(1 << node)
                    node, lo = 2 * node + 2, lo + half
                n = half

    def victim(self, base: int) -> int:
        """The way a full set at ``base`` loses."""
        s = base // self.ways
        if self.policy == "lru":
            return min(range(base, base + self.ways), key=lambda i: self.stamp[i])
        if self.policy == "plru":
            node, lo, n = 0, 0, self.ways
            while n > 1:
                half = n >> 1
                if (self.meta[s] >> node) & 1:
                    node, lo = 2 * node + 2, lo + half
                else:
                    node = 2 * node + 1
                n = half
            return base + lo
        if self.policy == "round-robin":
            w = self.meta[s]
            self.meta[s] = (w + 1) % self.ways
            return base + w
        self.rng = xorshift64(self.rng)
        return base + (self.rng >> 32) % self.ways

    def fill(self, ln: int, state: int) -> int:
        """Install ``ln`` over the set's first invalid way, else the policy's victim."""
        base = (ln % self.sets) * self.ways
        empty = [i for i in range(base, base + self.ways) if self.tag[i] == 0]
        victim = empty[0] if empty else self.victim(base)
        self.tag[victim] = ln + 1
        self.state[victim] = state
        self.touch(victim)
        return victim

    def drop(self, ln: int) -> bool:
        i = self.find(ln)
        if i < 0:
            return False
        self.tag[i], self.state[i], self.stamp[i] = 0, INVALID, 0
        return True


def _policy(entry: Sequence[Any], at: int) -> str:
    """The replacement named at ``entry[at]``, LRU if the tuple stops before it."""
    return str(entry[at]) if len(entry) > at else "lru"


class Cpu:
    """One CPU's L1I, L1D, TLBs, private outer levels, pending penalty and counters."""

    def __init__(self, index: int, l1i: Sequence[Any], l1d: Sequence[Any],
                 itlb: Sequence[int], dtlb: Sequence[int],
                 outer: Sequence[Sequence[Any]]) -> None:
        self.index = index
        own = 16 * (index + 1)
        self.l1i = Cache(l1i[0], l1i[1], l1i[2], _policy(l1i, 4), 1 + own)
        self.l1d = Cache(l1d[0], l1d[1], l1d[2], _policy(l1d, 4), 2 + own)
        self.itlb = Cache(itlb[0] * itlb[2], itlb[1], itlb[2])
        self.dtlb = Cache(dtlb[0] * dtlb[2], dtlb[1], dtlb[2])
        self.priv = [None if o[4] else Cache(o[0], o[1], o[2], _policy(o, 5), 3 + k + own)
                     for k, o in enumerate(outer)]
        self.pending = 0
        self.stats = dict.fromkeys(STAT_NAMES, 0)


class Hierarchy:
    """As ``irqemu._core.cache.Hierarchy`` (same arguments, same ``access``/``stats``)."""

    def __init__(self, ncpus: int, l1i: Sequence[Any], l1d: Sequence[Any],
                 itlb: Sequence[int], dtlb: Sequence[int], outer: Sequence[Sequence[Any]],
                 dram: int, transfer: int, invalidate: int) -> None:
        self.ncpus = ncpus
        self.l1i_hit, self.l1d_hit = l1i[3], l1d[3]
        self.itlb_miss, self.dtlb_miss = itlb[3], dtlb[3]
        self.outer_hit = [o[3] for o in outer]
        self.shared = [Cache(o[0], o[1], o[2], _policy(o, 5), 3 + k) if o[4] else None
                       for k, o in enumerate(outer)]
        self.dram, self.transfer, self.invalidate = dram, transfer, invalidate
        self.cpus = [Cpu(i, l1i, l1d, itlb, dtlb, outer) for i in range(ncpus)]

    def _level(self, cpu: Cpu, k: int) -> Cache:
        c = self.shared[k] or cpu.priv[k]
        assert c is not None
        return c

    def _outer(self, cpu: Cpu, addr: int, l1: int) -> int:
        """An L1 miss at byte ``addr``: outer levels, then DRAM; fills what missed."""
        names = ("outer1", "outer2")
        found, latency = len(self.outer_hit), self.dram
        for k in range(len(self.outer_hit)):
            c = self._level(cpu, k)
            i = c.find(addr >> c.shift)
            if i >= 0:
                c.touch(i)
                cpu.stats[f"{names[k]}_hits"] += 1
                found, latency = k, self.outer_hit[k]
                break
            cpu.stats[f"{names[k]}_misses"] += 1
        else:
            cpu.stats["dram_accesses"] += 1
        for k in range(found):
            c = self._level(cpu, k)
            c.fill(addr >> c.shift, VALID)
        return max(0, latency - l1)

    @staticmethod
    def _tlb(t: Cache, addr: int, size: int) -> int:
        misses = 0
        for p in range(addr >> t.shift, ((addr + size - 1) >> t.shift) + 1):
            i = t.find(p)
            if i >= 0:
                t.touch(i)
            else:
                t.fill(p, VALID)
                misses += 1
        return misses

    def _drop_others(self, cpu: int, ln: int, shift: int) -> bool:
        found = False
        for other in self.cpus:
            if other.index == cpu or not other.l1d.drop(ln):
                continue
            found = True
            for c in other.priv:
                if c is not None:
                    c.drop((ln << shift) >> c.shift)
        return found

    def _data_line(self, cpu: Cpu, write: bool, ln: int) -> int:
        d = cpu.l1d
        i = d.find(ln)
        if i >= 0:
            d.touch(i)
            pen = 0
            if write:
                if d.state[i] == SHARED and self._drop_others(cpu.index, ln, d.shift):
                    pen = self.invalidate
                    cpu.stats["invalidations"] += 1
                d.state[i] = MODIFIED
            return pen
        cpu.stats["l1d_misses"] += 1
        owner, sharers = -1, 0
        for other in self.cpus:
            if other is cpu:
                continue
            k = other.l1d.find(ln)
            if k >= 0:
                if other.l1d.state[k] in (MODIFIED, EXCLUSIVE):
                    owner = other.index
                else:
                    sharers += 1
        if owner >= 0:
            cpu.stats["transfers"] += 1
            if write:
                self._drop_others(cpu.index, ln, d.shift)
            else:
                o = self.cpus[owner].l1d
                o.state[o.find(ln)] = SHARED
            d.fill(ln, MODIFIED if write else SHARED)
            return max(0, self.transfer - self.l1d_hit)
        pen = self._outer(cpu, ln << d.shift, self.l1d_hit)
        if sharers and write:
            self._drop_others(cpu.index, ln, d.shift)
            pen += self.invalidate
            cpu.stats["invalidations"] += 1
        d.fill(ln, MODIFIED if write else SHARED if sharers else EXCLUSIVE)
        return pen

    def _fetch(self, cpu: Cpu, addr: int, size: int) -> int:
        cpu.stats["fetches"] += 1
        misses = self._tlb(cpu.itlb, addr, size)
        cpu.stats["itlb_misses"] += misses
        pen = misses * self.itlb_miss
        c = cpu.l1i
        for ln in range(addr >> c.shift, ((addr + size - 1) >> c.shift) + 1):
            i = c.find(ln)
            if i >= 0:
                c.touch(i)
            else:
                cpu.stats["l1i_misses"] += 1
                pen += self._outer(cpu, ln << c.shift, self.l1i_hit)
                c.fill(ln, VALID)
        return pen

    def _data(self, cpu: Cpu, write: bool, addr: int, size: int) -> int:
        cpu.stats["writes" if write else "reads"] += 1
        misses = self._tlb(cpu.dtlb, addr, size)
        cpu.stats["dtlb_misses"] += misses
        pen = misses * self.dtlb_miss
        shift = cpu.l1d.shift
        for ln in range(addr >> shift, ((addr + size - 1) >> shift) + 1):
            pen += self._data_line(cpu, write, ln)
        return pen

    def access(self, cpu: int, kind: str, addr: int, size: int) -> int:
        """One access by ``cpu``; its penalty cycles (also added to ``pending``)."""
        if not 0 <= cpu < self.ncpus:
            raise ValueError(f"no CPU {cpu} in the cache model")
        if size <= 0:
            raise ValueError("an access has at least one byte")
        c = self.cpus[cpu]
        if kind == "fetch":
            pen = self._fetch(c, addr, size)
        elif kind in ("read", "write"):
            pen = self._data(c, kind == "write", addr, size)
        else:
            raise ValueError(f"unknown access kind {kind!r} (fetch, read or write)")
        c.stats["penalty_cycles"] += pen
        c.pending += pen
        return pen

    def take(self, cpu: int) -> int:
        v, self.cpus[cpu].pending = self.cpus[cpu].pending, 0
        return v

    def stats(self, cpu: int) -> dict[str, int]:
        return dict(self.cpus[cpu].stats)
