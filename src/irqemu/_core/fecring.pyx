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
from libc.string cimport memcpy

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
        """The uDMA receives ``data`` (the frame as written: FCS, pad) into the
        descriptor at ``addr``: BUSY (-1) if it is not EMPTY (nothing written);
        else the buffer and the descriptor are written (datlen, sc with LAST and
        ``flags``, and in enhanced mode esc (its INT bit kept, ``vlan``), prot 0,
        bdu BDU, ``ts``), and the result is the next descriptor's address, plus
        1 << 32 if the frame's descriptor asks for an interrupt (always in legacy
        mode) and 1 << 33 if the next descriptor is EMPTY."""
        cdef int64_t dsize = 32 if enhanced else 8
        cdef int64_t n = len(data)
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
            memcpy(self._p + (buf - self.base), <const char*>data, n)
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
