# cython: language_level=3
"""The memory hierarchy model (``--cache-model``): caches, TLBs and DRAM charged in C.

Per CPU an L1I, an L1D, an ITLB and a DTLB; outer levels (an L2, an L3) each either
private to a CPU or shared by all; DRAM behind the last. Every cache is set-associative
and fills an invalid way first (the lowest index); a full set loses the way its
replacement policy names: true LRU (a stamp per way, the lowest leaves), tree
pseudo-LRU, round-robin (a pointer per set) or pseudo-random (a xorshift64 generator per
cache, seeded from a constant and the cache's identity), so the same accesses give the
same figures on every run. TLBs use LRU. L1Ds are kept coherent
with MESI states: a miss that finds the line Modified or Exclusive in another CPU's
L1D is a cache-to-cache transfer, a write to a line others hold invalidates their
copies (and their private outer levels' copies). Misses fill every level they missed;
write-backs and evictions cost nothing (buffered). Exclusives and atomics are plain
accesses, so a contended line bounces between L1Ds.

Accesses reach the model from C hooks on each core's ``uc_engine *`` (data reads and
writes over RAM only; instruction fetch as a block hook added after the engine's, which
Unicorn calls only when the engine let the block run). Penalties (cycles beyond an L1
hit, which the cost model's instruction classes already include) accumulate per CPU in
``pending``; the engine adds them to the core's cycles at its next block boundary and
when a run returns. ``cacheref.py`` is the same model in Python (tests compare them).
"""

from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free
from libc.string cimport memset

from irqemu._core.uc cimport uc_engine, uc_hook, uc_err, UC_ERR_OK, UC_HOOK_BLOCK, \
    uc_hook_add, uc_strerror

DEF MAX_CPUS = 8
DEF MAX_OUTER = 2
DEF HOOK_MEM_READ = 1 << 10
DEF HOOK_MEM_WRITE = 1 << 11
DEF MEM_WRITE = 17
# MESI states of an L1D line (other caches use VALID)
DEF INVALID = 0
DEF SHARED = 1
DEF EXCLUSIVE = 2
DEF MODIFIED = 3
DEF VALID = 1
# replacement policies (POLICIES names them, in order)
DEF P_LRU = 0
DEF P_PLRU = 1
DEF P_RR = 2
DEF P_RANDOM = 3
# the random policy's generator: seed = (SEED_MUL * (identity + 1)) ^ SEED_XOR
DEF SEED_MUL = 0x9E3779B97F4A7C15
DEF SEED_XOR = 0x2545F4914F6CDD1D

# touch kinds (Hierarchy.touch): a kernel function's text fetch, data read, data write
DEF TOUCH_FETCH = 0
DEF TOUCH_READ = 1
DEF TOUCH_WRITE = 2

# counters per CPU: their names, in order, are STAT_NAMES
DEF S_FETCH = 0
DEF S_READ = 1
DEF S_WRITE = 2
DEF S_L1I_MISS = 3
DEF S_L1D_MISS = 4
DEF S_ITLB_MISS = 5
DEF S_DTLB_MISS = 6
DEF S_OUTER_HIT = 7      # + level
DEF S_OUTER_MISS = 9     # + level
DEF S_DRAM = 11
DEF S_TRANSFER = 12
DEF S_INVALIDATE = 13
DEF S_PENALTY = 14
DEF NSTATS = 15

STAT_NAMES = ("fetches", "reads", "writes", "l1i_misses", "l1d_misses", "itlb_misses",
              "dtlb_misses", "outer1_hits", "outer2_hits", "outer1_misses", "outer2_misses",
              "dram_accesses",
              "transfers", "invalidations", "penalty_cycles")

#: Hierarchy.touch's kinds, by their code
TOUCH_KINDS = ("fetch", "read", "write")

#: replacement policies by name; their index is the code the C model uses
POLICIES = ("lru", "plru", "round-robin", "random")
#: a cache's identity (what seeds its generator): its level's code, plus 16 x (CPU + 1)
#: for a per-CPU cache
LEVEL_CODES = {"l1i": 1, "l1d": 2, "outer1": 3, "outer2": 4}


cdef struct Cache:
    uint32_t sets
    uint32_t ways
    uint32_t shift          # log2 of the line (or page) size
    uint64_t *tag           # sets*ways: line number + 1, 0 = invalid
    uint64_t *stamp         # LRU: the way's last use
    uint64_t *meta          # per set: PLRU tree bits, or the round-robin pointer
    uint8_t *state
    uint64_t clock
    uint64_t rng            # the random policy's xorshift64 state
    uint64_t seed
    int policy


cdef struct Cpu:
    Cache l1i
    Cache l1d
    Cache itlb
    Cache dtlb
    Cache priv[MAX_OUTER]   # private outer levels (unused where the level is shared)
    uint64_t pending        # penalty cycles not yet added to the core's cycles
    uint64_t stats[NSTATS]
    void *model
    int index


cdef struct Model:
    int ncpus
    int nouter
    int shared[MAX_OUTER]
    uint32_t outer_hit[MAX_OUTER]
    Cache outer[MAX_OUTER]  # the shared outer levels
    uint32_t l1i_hit
    uint32_t l1d_hit
    uint32_t itlb_miss
    uint32_t dtlb_miss
    uint32_t dram
    uint32_t transfer
    uint32_t invalidate
    Cpu cpu[MAX_CPUS]


cdef int _log2(uint64_t v) except -1:
    cdef int n = 0
    if v == 0 or v & (v - 1):
        raise ValueError(f"{v} is not a power of two")
    while v > 1:
        v >>= 1
        n += 1
    return n


cdef uint64_t _seed(int identity) noexcept nogil:
    """The random policy's starting state for the cache ``identity`` (never 0)."""
    cdef uint64_t s = (<uint64_t>SEED_MUL * <uint64_t>(identity + 1)) ^ <uint64_t>SEED_XOR
    return s if s else 1


cdef int _policy(name) except -1:
    if name not in POLICIES:
        raise ValueError(f"unknown replacement {name!r} (known: {', '.join(POLICIES)})")
    return POLICIES.index(name)


cdef int _cache_init(Cache *c, uint64_t size, uint32_t ways, uint64_t line,
                     int policy=P_LRU, int identity=0) except -1:
    """``size`` bytes (entries x page for a TLB), ``ways``-way, ``line``-byte lines."""
    if ways == 0 or size % (ways * line) or size < ways * line:
        raise ValueError(f"{size} bytes do not make whole {ways}-way sets of {line}-byte lines")
    if policy == P_PLRU and (ways > 64 or ways & (ways - 1)):
        raise ValueError(f"tree pseudo-LRU needs a power-of-two number of ways up to 64, "
                         f"not {ways}")
    c.sets = <uint32_t>(size // (ways * line))
    c.ways = ways
    c.shift = _log2(line)
    c.policy = policy
    c.seed = _seed(identity)
    c.rng = c.seed
    c.tag = <uint64_t *>calloc(c.sets * ways, sizeof(uint64_t))
    c.stamp = <uint64_t *>calloc(c.sets * ways, sizeof(uint64_t))
    c.meta = <uint64_t *>calloc(c.sets, sizeof(uint64_t))
    c.state = <uint8_t *>calloc(c.sets * ways, sizeof(uint8_t))
    if c.tag == NULL or c.stamp == NULL or c.meta == NULL or c.state == NULL:
        raise MemoryError()
    return 0


cdef void _cache_free(Cache *c) noexcept nogil:
    free(c.tag)
    free(c.stamp)
    free(c.meta)
    free(c.state)
    c.tag = NULL
    c.stamp = NULL
    c.meta = NULL
    c.state = NULL


cdef void _cache_clear(Cache *c) noexcept nogil:
    if c.tag != NULL:
        memset(c.tag, 0, c.sets * c.ways * sizeof(uint64_t))
        memset(c.stamp, 0, c.sets * c.ways * sizeof(uint64_t))
        memset(c.meta, 0, c.sets * sizeof(uint64_t))
        memset(c.state, 0, c.sets * c.ways * sizeof(uint8_t))
    c.clock = 0
    c.rng = c.seed


cdef inline int _find(Cache *c, uint64_t ln) noexcept nogil:
    """The way index holding line number ``ln``, or -1."""
    cdef uint32_t base = <uint32_t>(ln % c.sets) * c.ways, w
    for w in range(c.ways):
        if c.tag[base + w] == ln + 1:
            return base + w
    return -1


cdef void _plru_touch(Cache *c, int i) noexcept nogil:
    """Point the set's tree bits away from way ``i`` (bit 1: the victim is on the right)."""
    cdef uint32_t s = <uint32_t>i // c.ways, w = <uint32_t>i % c.ways
    cdef uint32_t node = 0, lo = 0, n = c.ways, half
    cdef uint64_t bits = c.meta[s]
    while n > 1:
        half = n >> 1
        if w < lo + half:
            bits |= (<uint64_t>1) << node
            node = 2 * node + 1
        else:
            bits &= ~((<uint64_t>1) << node)
            node = 2 * node + 2
            lo += half
        n = half
    c.meta[s] = bits


cdef inline void _touch(Cache *c, int i) noexcept nogil:
    """A use of way ``i``: LRU stamps it, PLRU turns its tree; the others ignore uses."""
    if c.policy == P_LRU:
        c.clock += 1
        c.stamp[i] = c.clock
    elif c.policy == P_PLRU:
        _plru_touch(c, i)


cdef uint32_t _victim(Cache *c, uint32_t base) noexcept nogil:
    """The way a full set at ``base`` loses, by the cache's policy."""
    cdef uint32_t s = base // c.ways, w, node, lo, n, half, victim = base
    cdef uint64_t x
    if c.policy == P_LRU:
        for w in range(1, c.ways):
            if c.stamp[base + w] < c.stamp[victim]:
                victim = base + w
        return victim
    if c.policy == P_PLRU:
        node, lo, n = 0, 0, c.ways
        while n > 1:
            half = n >> 1
            if (c.meta[s] >> node) & 1:
                node = 2 * node + 2
                lo += half
            else:
                node = 2 * node + 1
            n = half
        return base + lo
    if c.policy == P_RR:
        w = <uint32_t>c.meta[s]
        c.meta[s] = (w + 1) % c.ways
        return base + w
    x = c.rng                      # xorshift64 (Marsaglia 2003: 13, 7, 17)
    x ^= x << 13
    x ^= x >> 7
    x ^= x << 17
    c.rng = x
    return base + <uint32_t>((x >> 32) % c.ways)


cdef int _fill(Cache *c, uint64_t ln, uint8_t state) noexcept nogil:
    """Install line ``ln`` over the set's first invalid way, else the policy's victim."""
    cdef uint32_t base = <uint32_t>(ln % c.sets) * c.ways, w, victim = base
    cdef int full = 1
    for w in range(c.ways):
        if c.tag[base + w] == 0:
            victim = base + w
            full = 0
            break
    if full:
        victim = _victim(c, base)
    c.tag[victim] = ln + 1
    c.state[victim] = state
    _touch(c, victim)
    return victim


cdef inline int _drop(Cache *c, uint64_t ln) noexcept nogil:
    cdef int i = _find(c, ln)
    if i < 0:
        return 0
    c.tag[i] = 0
    c.state[i] = INVALID
    c.stamp[i] = 0
    return 1


cdef inline Cache *_level(Model *m, Cpu *cpu, int k) noexcept nogil:
    return &m.outer[k] if m.shared[k] else &cpu.priv[k]


cdef inline uint32_t _over(uint32_t latency, uint32_t l1) noexcept nogil:
    return latency - l1 if latency > l1 else 0


cdef uint32_t _outer(Model *m, Cpu *cpu, uint64_t addr, uint32_t l1) noexcept nogil:
    """An L1 miss at byte ``addr``: the outer levels, then DRAM; fills what missed."""
    cdef int k, j
    cdef Cache *c
    cdef int found = -1
    cdef uint32_t latency = m.dram
    for k in range(m.nouter):
        c = _level(m, cpu, k)
        j = _find(c, addr >> c.shift)
        if j >= 0:
            _touch(c, j)
            cpu.stats[S_OUTER_HIT + k] += 1
            found = k
            latency = m.outer_hit[k]
            break
        cpu.stats[S_OUTER_MISS + k] += 1
    if found < 0:
        cpu.stats[S_DRAM] += 1
        found = m.nouter
    for k in range(found):
        c = _level(m, cpu, k)
        _fill(c, addr >> c.shift, VALID)
    return _over(latency, l1)


cdef int _tlb(Cache *t, uint64_t addr, uint64_t size) noexcept nogil:
    """Misses of the pages [addr, addr+size) touch (each installed)."""
    cdef uint64_t p = addr >> t.shift, last = (addr + size - 1) >> t.shift
    cdef int i, misses = 0
    while p <= last:
        i = _find(t, p)
        if i >= 0:
            _touch(t, i)
        else:
            _fill(t, p, VALID)
            misses += 1
        p += 1
    return misses


cdef int _drop_others(Model *m, int cpu, uint64_t ln, uint32_t l1shift) noexcept nogil:
    """Invalidate line ``ln`` (L1D numbering) in every other CPU's L1D and private outer
    levels; 1 if some L1D held it."""
    cdef int j, k, any = 0
    cdef Cache *c
    for j in range(m.ncpus):
        if j == cpu:
            continue
        if _drop(&m.cpu[j].l1d, ln):
            any = 1
            for k in range(m.nouter):
                if not m.shared[k]:
                    c = &m.cpu[j].priv[k]
                    _drop(c, (ln << l1shift) >> c.shift)
    return any


cdef uint32_t _data_line(Model *m, Cpu *cpu, int write, uint64_t ln) noexcept nogil:
    """One L1D line read or written: the penalty, with MESI coherence between L1Ds."""
    cdef Cache *d = &cpu.l1d
    cdef int i = _find(d, ln), j, k, owner = -1, sharers = 0
    cdef uint32_t pen = 0
    cdef uint8_t st
    if i >= 0:
        _touch(d, i)
        if write:
            if d.state[i] == SHARED and _drop_others(m, cpu.index, ln, d.shift):
                pen = m.invalidate
                cpu.stats[S_INVALIDATE] += 1
            d.state[i] = MODIFIED
        return pen
    cpu.stats[S_L1D_MISS] += 1
    for j in range(m.ncpus):
        if j == cpu.index:
            continue
        k = _find(&m.cpu[j].l1d, ln)
        if k >= 0:
            st = m.cpu[j].l1d.state[k]
            if st == MODIFIED or st == EXCLUSIVE:
                owner = j
            else:
                sharers += 1
    if owner >= 0:
        pen = _over(m.transfer, m.l1d_hit)
        cpu.stats[S_TRANSFER] += 1
        if write:
            _drop_others(m, cpu.index, ln, d.shift)
        else:
            k = _find(&m.cpu[owner].l1d, ln)
            m.cpu[owner].l1d.state[k] = SHARED
        _fill(d, ln, MODIFIED if write else SHARED)
        return pen
    pen = _outer(m, cpu, ln << d.shift, m.l1d_hit)
    if sharers and write:
        _drop_others(m, cpu.index, ln, d.shift)
        pen += m.invalidate
        cpu.stats[S_INVALIDATE] += 1
    if write:
        st = MODIFIED
    elif sharers:
        st = SHARED
    else:
        st = EXCLUSIVE
    _fill(d, ln, st)
    return pen


cdef uint64_t _data(Model *m, Cpu *cpu, int write, uint64_t addr, uint64_t size) noexcept nogil:
    cdef uint64_t pen = 0, ln, last
    cdef int misses
    cpu.stats[S_WRITE if write else S_READ] += 1
    misses = _tlb(&cpu.dtlb, addr, size)
    if misses:
        cpu.stats[S_DTLB_MISS] += misses
        pen += <uint64_t>misses * m.dtlb_miss
    ln = addr >> cpu.l1d.shift
    last = (addr + size - 1) >> cpu.l1d.shift
    while ln <= last:
        pen += _data_line(m, cpu, write, ln)
        ln += 1
    cpu.stats[S_PENALTY] += pen
    cpu.pending += pen
    return pen


cdef uint64_t _fetch(Model *m, Cpu *cpu, uint64_t addr, uint64_t size) noexcept nogil:
    cdef uint64_t pen = 0, ln, last
    cdef int misses, i
    cdef Cache *c = &cpu.l1i
    cpu.stats[S_FETCH] += 1
    misses = _tlb(&cpu.itlb, addr, size)
    if misses:
        cpu.stats[S_ITLB_MISS] += misses
        pen += <uint64_t>misses * m.itlb_miss
    ln = addr >> c.shift
    last = (addr + size - 1) >> c.shift
    while ln <= last:
        i = _find(c, ln)
        if i >= 0:
            _touch(c, i)
        else:
            cpu.stats[S_L1I_MISS] += 1
            pen += _outer(m, cpu, ln << c.shift, m.l1i_hit)
            _fill(c, ln, VALID)
        ln += 1
    cpu.stats[S_PENALTY] += pen
    cpu.pending += pen
    return pen


cdef void _mem_hook(uc_engine *uc, int type, uint64_t address, int size, long long value,
                    void *user) noexcept nogil:
    cdef Cpu *cpu = <Cpu *>user
    if size > 0:
        _data(<Model *>cpu.model, cpu, type == MEM_WRITE, address, <uint64_t>size)


cdef void _block_hook(uc_engine *uc, uint64_t address, uint32_t size, void *user) noexcept nogil:
    cdef Cpu *cpu = <Cpu *>user
    if size > 0:
        _fetch(<Model *>cpu.model, cpu, address, size)


def hook_add_address():
    """The address of the ``uc_hook_add`` this module calls (to check that a Unicorn
    handle made by the unicorn package belongs to the same libunicorn instance)."""
    return <size_t><void *>uc_hook_add


cdef class Hierarchy:
    """The memory hierarchy of one machine's ``ncpus`` CPUs.

    ``l1i``/``l1d`` are ``(size, ways, line, hit_cycles[, replacement])``,
    ``itlb``/``dtlb`` ``(entries, ways, page, miss_cycles)``, ``outer`` a list of
    ``(size, ways, line, hit_cycles, shared[, replacement])`` (the L2, then an L3); a
    replacement is one of ``POLICIES`` (``"lru"`` if left out); ``dram`` DRAM's load-to-use cycles,
    ``transfer`` a cache-to-cache transfer's, ``invalidate`` the extra cycles of a write
    that invalidates other CPUs' copies. Latencies are load-to-use; a penalty is what
    exceeds an L1 hit."""

    cdef Model *m
    cdef list _keep           # the Unicorn handles hooked (they outlive their hooks' user data)

    def __cinit__(self):
        self.m = <Model *>calloc(1, sizeof(Model))
        if self.m == NULL:
            raise MemoryError()
        self._keep = []

    def __init__(self, int ncpus, l1i, l1d, itlb, dtlb, outer, uint32_t dram,
                 uint32_t transfer, uint32_t invalidate):
        cdef Model *m = self.m
        cdef int i, k, pi, pd
        if not 1 <= ncpus <= MAX_CPUS:
            raise ValueError(f"the cache model takes 1 to {MAX_CPUS} CPUs, not {ncpus}")
        if len(outer) > MAX_OUTER:
            raise ValueError(f"at most {MAX_OUTER} outer cache levels")
        m.ncpus = ncpus
        m.nouter = len(outer)
        m.l1i_hit, m.l1d_hit = l1i[3], l1d[3]
        m.itlb_miss, m.dtlb_miss = itlb[3], dtlb[3]
        m.dram, m.transfer, m.invalidate = dram, transfer, invalidate
        pi = _policy(l1i[4] if len(l1i) > 4 else "lru")
        pd = _policy(l1d[4] if len(l1d) > 4 else "lru")
        po = [_policy(o[5] if len(o) > 5 else "lru") for o in outer]
        for k, o in enumerate(outer):
            size, ways, line, hit, shared = o[:5]
            m.shared[k] = 1 if shared else 0
            m.outer_hit[k] = hit
            if shared:
                _cache_init(&m.outer[k], size, ways, line, po[k], 3 + k)
        for i in range(ncpus):
            m.cpu[i].model = <void *>m
            m.cpu[i].index = i
            _cache_init(&m.cpu[i].l1i, l1i[0], l1i[1], l1i[2], pi, 1 + 16 * (i + 1))
            _cache_init(&m.cpu[i].l1d, l1d[0], l1d[1], l1d[2], pd, 2 + 16 * (i + 1))
            _cache_init(&m.cpu[i].itlb, <uint64_t>itlb[0] * itlb[2], itlb[1], itlb[2])
            _cache_init(&m.cpu[i].dtlb, <uint64_t>dtlb[0] * dtlb[2], dtlb[1], dtlb[2])
            for k, o in enumerate(outer):
                size, ways, line, hit, shared = o[:5]
                if not shared:
                    _cache_init(&m.cpu[i].priv[k], size, ways, line, po[k],
                                3 + k + 16 * (i + 1))

    def __dealloc__(self):
        cdef int i, k
        if self.m == NULL:
            return
        for i in range(MAX_CPUS):
            _cache_free(&self.m.cpu[i].l1i)
            _cache_free(&self.m.cpu[i].l1d)
            _cache_free(&self.m.cpu[i].itlb)
            _cache_free(&self.m.cpu[i].dtlb)
            for k in range(MAX_OUTER):
                _cache_free(&self.m.cpu[i].priv[k])
        for k in range(MAX_OUTER):
            _cache_free(&self.m.outer[k])
        free(self.m)
        self.m = NULL

    cdef Cpu *_cpu(self, int cpu) except NULL:
        if not 0 <= cpu < self.m.ncpus:
            raise ValueError(f"no CPU {cpu} in the cache model")
        return &self.m.cpu[cpu]

    @property
    def ncpus(self):
        return self.m.ncpus

    def access(self, int cpu, str kind, uint64_t addr, uint64_t size):
        """One access (``kind`` "fetch", "read" or "write") of ``size`` bytes by ``cpu``,
        as the hooks make it; returns its penalty cycles (also added to ``pending``)."""
        cdef Cpu *c = self._cpu(cpu)
        if size == 0:
            raise ValueError("an access has at least one byte")
        if kind == "fetch":
            return _fetch(self.m, c, addr, size)
        if kind == "read" or kind == "write":
            return _data(self.m, c, kind == "write", addr, size)
        raise ValueError(f"unknown access kind {kind!r} (fetch, read or write)")

    def attach(self, int cpu, size_t handle, ranges):
        """Hook CPU ``cpu``'s Unicorn instance (``uc_engine *`` ``handle``): data reads and
        writes, and fetches of blocks that start, in the guest address ``ranges`` (RAM:
        ``[(lo, hi)]``, hi exclusive). Add after the engine's block hook, so a block the
        engine stops before is not fetched."""
        cdef Cpu *c = self._cpu(cpu)
        cdef uc_hook hh
        cdef uc_err err
        cdef uint64_t lo, hi
        for lo, hi in ranges:
            if hi <= lo:
                continue
            err = uc_hook_add(<uc_engine *>handle, &hh, HOOK_MEM_READ | HOOK_MEM_WRITE,
                              <void *>_mem_hook, <void *>c, lo, hi - 1)
            if err == UC_ERR_OK:
                err = uc_hook_add(<uc_engine *>handle, &hh, UC_HOOK_BLOCK,
                                  <void *>_block_hook, <void *>c, lo, hi - 1)
            if err != UC_ERR_OK:
                raise RuntimeError(f"uc_hook_add (cache model): {uc_strerror(err).decode()}")

    cpdef uint64_t touch(self, int cpu, uint64_t addr, uint64_t size, int kind):
        """``size`` bytes at ``addr`` touched by CPU ``cpu`` as one access of ``kind``
        (``TOUCH_FETCH``, ``TOUCH_READ``, ``TOUCH_WRITE``): a modelled kernel function's
        text or data (``kernel.footprint``). Its penalty is returned and added to
        ``pending``, as a guest access's is."""
        cdef Cpu *c = self._cpu(cpu)
        if size == 0:
            raise ValueError("a touch has at least one byte")
        if kind == TOUCH_FETCH:
            return _fetch(self.m, c, addr, size)
        if kind == TOUCH_READ or kind == TOUCH_WRITE:
            return _data(self.m, c, kind == TOUCH_WRITE, addr, size)
        raise ValueError(f"unknown touch kind {kind} (0 fetch, 1 read, 2 write)")

    cpdef uint64_t touch_regions(self, int cpu, const uint64_t[::1] regions):
        """Several touches in one call: ``regions`` is flat ``(addr, size, kind)`` triples
        (a kernel function's text and data, one call per charge); the summed penalty."""
        cdef Cpu *c = self._cpu(cpu)
        cdef Py_ssize_t i, n = regions.shape[0]
        cdef uint64_t pen = 0, size, kind
        if n % 3:
            raise ValueError("regions are (addr, size, kind) triples")
        for i in range(0, n, 3):
            size = regions[i + 1]
            kind = regions[i + 2]
            if size == 0 or kind > TOUCH_WRITE:
                raise ValueError(f"bad region {i // 3}: size {size}, kind {kind}")
            if kind == TOUCH_FETCH:
                pen += _fetch(self.m, c, regions[i], size)
            else:
                pen += _data(self.m, c, kind == TOUCH_WRITE, regions[i], size)
        return pen

    def keep(self, obj):
        """Keep ``obj`` (a hooked Unicorn instance) alive as long as this model."""
        self._keep.append(obj)

    def pending_address(self, int cpu):
        """The address of CPU ``cpu``'s pending penalty (a ``uint64_t`` the native engine
        adds to its cycles and clears at each block boundary)."""
        return <size_t>&self._cpu(cpu).pending

    cpdef uint64_t take(self, int cpu):
        """CPU ``cpu``'s pending penalty cycles, cleared (the reference engine, per block)."""
        cdef Cpu *c = &self.m.cpu[cpu]
        cdef uint64_t v = c.pending
        c.pending = 0
        return v

    def stats(self, int cpu):
        """CPU ``cpu``'s counters by name (``STAT_NAMES``)."""
        cdef Cpu *c = self._cpu(cpu)
        return {name: c.stats[i] for i, name in enumerate(STAT_NAMES)}

    def invalidate_all(self):
        """Empty every cache and TLB (as after reset); counters and pending stay."""
        cdef int i, k
        for i in range(self.m.ncpus):
            _cache_clear(&self.m.cpu[i].l1i)
            _cache_clear(&self.m.cpu[i].l1d)
            _cache_clear(&self.m.cpu[i].itlb)
            _cache_clear(&self.m.cpu[i].dtlb)
            for k in range(self.m.nouter):
                _cache_clear(&self.m.cpu[i].priv[k])
        for k in range(self.m.nouter):
            _cache_clear(&self.m.outer[k])
