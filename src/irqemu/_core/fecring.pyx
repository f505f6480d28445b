# cython: language_level=3
"""Typed access to a DMA buffer-descriptor ring in one guest RAM region, native.

A ``DescRing`` holds a RAM region (the machine's host buffer for it, from
``Machine.ram_view``) and the layout of an i.MX6 ENET ring, given at
construction by the caller from ``irqemu.hw.imx_fec`` (this engine-layer module
knows no device): the cbd_sc bits EMPTY, WRAP, LAST and the software-owned bits
the MAC keeps, cbd_esc's interrupt-enable bit and cbd_bdu's BDU. It offers the
two per-frame walks of a receive storm as one call each, with no Python objects
per access:

* ``dma``: the MAC's uDMA receiving one frame that fits one buffer (fetch the
  descriptor, write the frame and the descriptor back, advance the ring, fetch
  the next descriptor), the work of ``ImxFEC._receive_one`` and ``_received``;
* ``take`` / ``give_back``: fec_enet_rx_queue's loads of cbd_datlen+cbd_sc and
  cbd_bufaddr, and its stores giving a descriptor back.

Every method first checks that what it touches lies inside the region and
returns ``OUTSIDE`` (-2) without writing anything when not, so the caller runs
its Python reference path, which reports the access as that path does.
Little-endian fields, as the ENET's descriptors are (DBSWP clear).
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, int64_t
from libc.string cimport memcpy, memcmp
cimport cython

DEF OUTSIDE = -2
DEF BUSY = -1

cdef inline uint16_t _ld16(const uint8_t* p) noexcept nogil:
    return <uint16_t>(p[0] | (p[1] << 8))

cdef inline uint32_t _ld32(const uint8_t* p) noexcept nogil:
    return <uint32_t>p[0] | (<uint32_t>p[1] << 8) | (<uint32_t>p[2] << 16) | (<uint32_t>p[3] << 24)

cdef inline void _st16(uint8_t* p, uint32_t v) noexcept nogil:
    p[0] = v & 0xFF
    p[1] = (v >> 8) & 0xFF

cdef inline void _st32(uint8_t* p, uint32_t v) noexcept nogil:
    p[0] = v & 0xFF
    p[1] = (v >> 8) & 0xFF
    p[2] = (v >> 16) & 0xFF
    p[3] = (v >> 24) & 0xFF


cdef class DescRing:
    """A descriptor ring's typed view of the RAM region at ``base`` (``ram``: a
    writable buffer of the region's size). ``enhanced``: 32-byte ``bufdesc_ex``
    records, else 8-byte ``bufdesc``."""

    cdef uint8_t[::1] _ram
    cdef uint8_t* _p
    cdef readonly int64_t base
    cdef readonly int64_t size
    cdef uint32_t empty, wrap, last, keep, esc_int, bdu

    def __init__(self, ram, int64_t base, *, uint32_t empty, uint32_t wrap, uint32_t last,
                 uint32_t keep, uint32_t esc_int, uint32_t bdu):
        self._ram = ram
        self._p = &self._ram[0]
        self.base = base
        self.size = self._ram.shape[0]
        self.empty, self.wrap, self.last, self.keep = empty, wrap, last, keep
        self.esc_int, self.bdu = esc_int, bdu

    cdef inline bint _inside(self, int64_t addr, int64_t n) noexcept:
        return addr >= self.base and n >= 0 and addr - self.base + n <= self.size

    def covers(self, int64_t addr, int64_t n):
        """Is [addr, addr+n) inside the region?"""
        return self._inside(addr, n)

    def dma(self, int64_t addr, bytes data not None, uint32_t flags, int64_t ring_start,
            bint enhanced, uint32_t vlan, uint32_t ts):
        return self._dma(addr, <const uint8_t*><const char*>data, len(data), flags, ring_start,
                         enhanced, vlan, ts)

    cdef int64_t _dma(self, int64_t addr, const uint8_t* data, int64_t n, uint32_t flags,
                      int64_t ring_start, bint enhanced, uint32_t vlan, uint32_t ts) noexcept:
        """The uDMA receives ``data`` (the frame as written: FCS, pad) into the
        descriptor at ``addr``: BUSY (-1) if it is not EMPTY (nothing written);
        else the buffer and the descriptor are written (datlen, sc with LAST and
        ``flags``, and in enhanced mode esc (its INT bit kept, ``vlan``), prot 0,
        bdu BDU, ``ts``), and the result is the next descriptor's address, plus
        1 << 32 if the frame's descriptor asks for an interrupt (always in legacy
        mode) and 1 << 33 if the next descriptor is EMPTY."""
        cdef int64_t dsize = 32 if enhanced else 8
        if not self._inside(addr, dsize):
            return OUTSIDE
        cdef uint8_t* d = self._p + (addr - self.base)
        cdef uint32_t sc = _ld16(d + 2)
        if not sc & self.empty:
            return BUSY
        cdef int64_t buf = _ld32(d + 4)
        cdef int64_t nxt = ring_start if sc & self.wrap else addr + dsize
        if not self._inside(buf, n) or not self._inside(nxt, dsize):
            return OUTSIDE
        if n:
            memcpy(self._p + (buf - self.base), data, n)
        _st16(d, <uint32_t>n)
        _st16(d + 2, (sc & self.keep) | self.last | flags)
        cdef int64_t irq = 1
        if enhanced:
            irq = 1 if _ld32(d + 8) & self.esc_int else 0
            _st32(d + 8, (self.esc_int if irq else 0) | vlan)
            _st32(d + 12, 0)
            _st32(d + 16, self.bdu)
            _st32(d + 20, ts)
        cdef int64_t next_empty = 1 if _ld16(self._p + (nxt - self.base) + 2) & self.empty else 0
        return nxt | (irq << 32) | (next_empty << 33)

    def sc(self, int64_t addr):
        """cbd_sc of the descriptor at ``addr`` (OUTSIDE if not in the region)."""
        if not self._inside(addr, 4):
            return OUTSIDE
        return _ld16(self._p + (addr - self.base) + 2)

    def take(self, int64_t addr):
        """fec_enet_rx_queue's first load: cbd_datlen << 16 | cbd_sc."""
        if not self._inside(addr, 4):
            return OUTSIDE
        cdef const uint8_t* d = self._p + (addr - self.base)
        return (<int64_t>_ld16(d) << 16) | _ld16(d + 2)

    def frame(self, int64_t addr, int64_t n):
        """The ``n`` bytes at the buffer cbd_bufaddr of the descriptor at ``addr``
        points to (None if the descriptor or the bytes are outside the region)."""
        if not self._inside(addr, 8) or n < 0:
            return None
        cdef int64_t buf = _ld32(self._p + (addr - self.base) + 4)
        if not self._inside(buf, n):
            return None
        return (<char*>(self._p + (buf - self.base)))[:n]

    def give_back(self, int64_t addr, uint32_t esc, uint32_t sc):
        """rx_processing_done: cbd_esc = ``esc``, cbd_prot = cbd_bdu = 0, then cbd_sc =
        ``sc`` (an enhanced descriptor). 0, or OUTSIDE with nothing written."""
        if not self._inside(addr, 20):
            return OUTSIDE
        cdef uint8_t* d = self._p + (addr - self.base)
        _st32(d + 8, esc)
        _st32(d + 12, 0)
        _st32(d + 16, 0)
        _st16(d + 2, sc & 0xFFFF)
        return 0


# -- a receive storm's arrivals, one call per event --------------------------------
cdef extern from *:
    ctypedef long long i128 "__int128"

cdef uint32_t _CRC[256]

cdef void _crc_init() noexcept:
    cdef uint32_t c, i, j
    for i in range(256):
        c = i
        for j in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        _CRC[i] = c

_crc_init()

cdef inline uint32_t _crc32(const uint8_t* p, int64_t n) noexcept:
    """zlib's crc32 (the Ethernet FCS), from 0."""
    cdef uint32_t c = 0xFFFFFFFF
    cdef int64_t i
    for i in range(n):
        c = _CRC[(c ^ p[i]) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


cdef class ConstantArrivals:
    """End-of-frame times of frames nominally starting at start + ceil(k * num / den),
    each waiting for the line to be free, on a wire of ``wire`` ps, until ``stop``
    (None: never): traffic's ``_ConstantArrivals`` in C (128-bit products)."""

    cdef int64_t _num, _den, _start, _wire, _stop, _free, _k
    cdef bint _has_stop, _done, _spaced

    def __init__(self, int64_t num, int64_t den, int64_t start, int64_t wire, stop):
        if num <= 0 or den <= 0:
            raise ValueError("rate must be positive")
        self._num, self._den, self._start, self._wire = num, den, start, wire
        self._has_stop = stop is not None
        self._stop = stop if stop is not None else 0
        self._free = start
        self._k = 0
        self._done = False
        self._spaced = num // den >= wire

    cdef inline int64_t _at(self, int64_t k) noexcept:
        """start + ceil(k * num / den), k >= 0."""
        return self._start + <int64_t>(((<i128>k) * self._num + self._den - 1) // self._den)

    cdef bint _next(self, int64_t* out) noexcept:
        if self._done:
            return False
        cdef int64_t start = self._at(self._k)
        cdef int64_t end = (start if start > self._free else self._free) + self._wire
        if self._has_stop and end > self._stop:
            self._done = True
            return False
        self._free = end
        self._k += 1
        out[0] = end
        return True

    def next(self):
        cdef int64_t t
        return t if self._next(&t) else None

    cdef int64_t _skip(self, int64_t limit, int64_t* last) noexcept:
        """Consume every arrival at or before ``limit``: how many (the last in *last)."""
        cdef int64_t n = 0, t, x, last_k, k0
        if not self._spaced or self._done:
            while True:
                k0 = self._k
                free = self._free
                if not self._next(&t):
                    return n
                if t > limit:  # put it back: the caller's next() returns it
                    self._k, self._free = k0, free
                    return n
                n += 1
                last[0] = t
        x = (limit if not self._has_stop or limit < self._stop else self._stop) - self._start - self._wire
        last_k = <int64_t>((<i128>x) * self._den // self._num) if x >= 0 else -1
        if last_k >= self._k:
            n = last_k - self._k + 1
            last[0] = self._at(last_k) + self._wire
            self._k, self._free = last_k + 1, last[0]
        return n

    def skip_until(self, int64_t limit):
        """(how many arrivals at or before ``limit`` were consumed, the last of them,
        the first one after it or None when the pattern has ended)."""
        cdef int64_t last = 0, t
        cdef int64_t n = self._skip(limit, &last)
        return n, (last if n else None), (t if self._next(&t) else None)


cdef class RxRun:
    """A traffic generator's event on an i.MX6 ENET in one call: the frames of the run
    (a template and a sequence number, the FCS appended as the MAC writes it),
    the FEC's admission, DMA through its ring view, the run of drops counted at once,
    the next arrival. The common case is inline; every other case calls the FEC's
    Python method ``receive``/``drops``/``drop``/``_receive_one`` the reference
    ``TrafficGenerator._fire`` calls, at the same point. Register bits come from
    the caller (``irqemu.hw.imx_fec``)."""

    cdef object fec
    cdef dict v  #: the FEC's register cells by name (a reset replaces the cells, not this)
    cdef uint32_t etheren, en1588, mib_off, prom, crcfwd, shift16, atcr_en, rxf, eir_1588
    cdef uint32_t lg, vlan_bit
    cdef uint8_t tmpl[1536]
    cdef uint8_t data[1544]
    cdef int64_t flen
    cdef bint follow_mac
    cdef object tmpl_mac

    def __init__(self, fec, bytes template not None, bint follow_mac, *, uint32_t etheren,
                 uint32_t en1588, uint32_t mib_off, uint32_t prom, uint32_t crcfwd,
                 uint32_t shift16, uint32_t atcr_en, uint32_t rxf, uint32_t eir_1588,
                 uint32_t lg, uint32_t vlan_bit):
        if len(template) > 1536:
            raise ValueError("frame too long")
        v = fec._v
        self.fec = fec
        self.v = v
        self.etheren, self.en1588, self.mib_off, self.prom = etheren, en1588, mib_off, prom
        self.crcfwd, self.shift16, self.atcr_en, self.rxf = crcfwd, shift16, atcr_en, rxf
        self.eir_1588, self.lg, self.vlan_bit = eir_1588, lg, vlan_bit
        self.flen = len(template)
        memcpy(self.tmpl, <const char*>template, self.flen)
        self.follow_mac = follow_mac
        self.tmpl_mac = None

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef inline uint32_t _r(self, str name) except? 0xFFFFFFFF:
        return <uint32_t>(<list>self.v[name])[0]

    cdef void _build(self, int64_t seq):
        """Frame ``seq``: the template with the station address (when it follows it)
        and the sequence number, as ``TrafficGenerator.frame`` makes it."""
        if self.follow_mac:
            mac = self.fec.mac_address
            if mac is not self.tmpl_mac:
                memcpy(self.tmpl, <const char*><bytes>mac, 6)
                self.tmpl_mac = mac
        cdef uint32_t s = <uint32_t>(seq & 0xFFFFFFFF)
        self.tmpl[14] = s >> 24
        self.tmpl[15] = (s >> 16) & 0xFF
        self.tmpl[16] = (s >> 8) & 0xFF
        self.tmpl[17] = s & 0xFF

    cdef inline object _frame(self):
        return (<char*>self.tmpl)[:self.flen]

    cdef inline bint _to_station(self):
        """Addressed to the station (dst == PALR/PAUR) and RCR.PROM clear."""
        return (memcmp(self.tmpl, <const char*><bytes>self.fec._mac, 6) == 0
                and not self._r("ENET_RCR") & self.prom)

    cdef bint _drops(self) except -1:
        if not self._r("ENET_ECR") & self.etheren or not self._r("ENET_RDAR"):
            return True
        if memcmp(self.tmpl, <const char*><bytes>self.fec._mac, 6) == 0:
            return False
        return bool(self.fec.drops(self._frame()))

    cdef int _drop(self, int64_t count) except -1:
        fec = self.fec
        if (not self._r("ENET_RDAR") and self._r("ENET_ECR") & self.etheren
                and self._r("ENET_MIBC") & self.mib_off and self._to_station()):
            fec.rx_offered += count
            fec.rx_dropped += count
            fec.rx_drop_reasons["no_descriptor"] += count
            return 0
        fec.drop(self._frame(), count)
        return 0

    cdef bint _receive(self) except -1:
        fec = self.fec
        cdef uint32_t ecr = self._r("ENET_ECR"), rcr = self._r("ENET_RCR")
        if not (self._r("ENET_RDAR") and ecr & self.etheren and self._r("ENET_MIBC") & self.mib_off
                and self._to_station()):
            return bool(fec.receive(self._frame()))
        ring = fec._ring
        cdef int64_t n = self.flen + 4, frame_len = self.flen + 4, off = 0
        cdef uint32_t emrbr = self._r("ENET_EMRBR") & 0x3FF0
        if rcr & self.crcfwd:
            n -= 4
        if self._r("ENET_RACC") & self.shift16:
            n += 2
            off = 2
        if (type(ring) is not DescRing or n > (self._r("ENET_FTRL") & 0x3FFF)
                or n > (emrbr if emrbr else 0x3FF0)):
            return bool(fec.receive(self._frame()))
        fec.rx_offered += 1
        cdef uint32_t flags = self.lg if frame_len > (rcr >> 16) & 0x3FFF else 0
        self.data[0] = self.data[1] = 0
        memcpy(self.data + off, self.tmpl, self.flen)
        cdef uint32_t fcs
        if not rcr & self.crcfwd:
            fcs = _crc32(self.tmpl, self.flen)
            _st32(self.data + off + self.flen, fcs)
        cdef bint enhanced = ecr & self.en1588 != 0
        cdef uint32_t vlan = 0, ts = 0
        if enhanced:
            vlan = self.vlan_bit if self.tmpl[12] == 0x81 and self.tmpl[13] == 0 else 0
            if self._r("ENET_ATCR") & self.atcr_en:
                ts = <uint32_t>((fec.machine.now() // 1000) & 0xFFFFFFFF)
        cdef int64_t addr = fec._rx_ptr
        cdef int64_t r = (<DescRing>ring)._dma(addr, self.data, n, flags, self._r("ENET_ERDSR"),
                                                enhanced, vlan, ts)
        if r < 0:  # not EMPTY, or outside the view: the reference from here
            return bool(fec._receive_one(self._frame(), (<char*>self.data)[:n], frame_len, flags))
        fec._rx_ptr = r & 0xFFFFFFFF
        fec.rx_frames += 1
        fec.rx_bytes += frame_len
        if not (r >> 33) & 1:
            (<list>self.v["ENET_RDAR"])[0] = 0
        cdef uint32_t pending
        if (r >> 32) & 1:
            (<list>self.v["ENET_EIR"])[0] = self._r("ENET_EIR") | self.rxf
            pending = self._r("ENET_EIR") & self._r("ENET_EIMR")
            if ((pending != 0) != bool(fec.irq.level)
                    or ((pending & self.eir_1588) != 0) != bool(fec.irq_1588.level)):
                fec._update_irq()
        return True

    def fire(self, gen, ConstantArrivals times not None):
        """``TrafficGenerator._fire`` for ``gen`` (whose ``_times`` is ``times``): the
        next arrival time to schedule, None when the pattern has ended, or False when
        the receiver stopped the generator."""
        cdef int64_t t = gen._next_time, limit = gen.machine.now(), nxt_t, last = 0, n
        peek = gen._peek
        nxt = None if peek is None else peek()
        if nxt is not None and nxt <= limit:
            limit = nxt - 1
        cdef int64_t offered = gen.offered, accepted = gen.accepted
        cdef bint have_t = True
        self._build(offered)
        cdef bint dropping = self._drops()
        while True:
            gen.last_arrival = t
            if dropping:
                n = times._skip(limit, &last)
                self._drop(1 + n)
                offered += 1 + n
                if n:
                    gen.last_arrival = last
                have_t = times._next(&t)
                break
            offered += 1
            gen.offered = offered
            if self._receive():
                accepted += 1
                gen.accepted = accepted
            if gen._times is not times:
                return False
            have_t = times._next(&t)
            if not have_t or t > limit:
                break
            nxt = None if peek is None else peek()
            if nxt is not None:
                nxt_t = nxt
                if nxt_t <= limit:
                    limit = nxt_t - 1
                    if t > limit:
                        break
            dropping = self._drops()
            if not dropping:
                self._build(offered)
        gen.offered = offered
        gen.accepted = accepted
        return t if have_t else None
