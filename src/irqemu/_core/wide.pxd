# Exact 128-bit products for simulated time: picoseconds times clock rates overflow
# 64 bits after ~23 ms at 792 MHz. Plain C, so no 64-bit temporary can truncate them.

from libc.stdint cimport uint64_t

cdef extern from *:
    """
    #include <stdint.h>
    typedef unsigned __int128 irq_u128;
    /* floor(a * b / d) */
    static inline uint64_t irq_muldiv(uint64_t a, uint64_t b, uint64_t d) {
        return (uint64_t)(((irq_u128)a * b) / d);
    }
    /* ceil(a * b / d) */
    static inline uint64_t irq_muldiv_up(uint64_t a, uint64_t b, uint64_t d) {
        return (uint64_t)(((irq_u128)a * b + d - 1) / d);
    }
    /* ceil(a * b / d), or UINT64_MAX when that does not fit: a time never reached */
    static inline uint64_t irq_muldiv_up_sat(uint64_t a, uint64_t b, uint64_t d) {
        irq_u128 q = ((irq_u128)a * b + d - 1) / d;
        return q > (irq_u128)UINT64_MAX ? UINT64_MAX : (uint64_t)q;
    }
    /* ceil((k0 + n * step) * scale * ps_per_s / hz): the time of a periodic tick */
    static inline uint64_t irq_tick_ps(uint64_t k0, uint64_t n, uint64_t step,
                                       uint64_t scale, uint64_t ps_per_s, uint64_t hz) {
        irq_u128 k = (irq_u128)k0 + (irq_u128)n * step;
        return (uint64_t)((k * scale * ps_per_s + hz - 1) / hz);
    }
    /* floor(dt * hz / (scale * ps_per_s)): ticks elapsed in dt picoseconds */
    static inline uint64_t irq_ticks(uint64_t dt, uint64_t hz, uint64_t scale,
                                     uint64_t ps_per_s) {
        return (uint64_t)(((irq_u128)dt * hz) / ((irq_u128)scale * ps_per_s));
    }
    """
    uint64_t irq_muldiv(uint64_t a, uint64_t b, uint64_t d) noexcept nogil
    uint64_t irq_muldiv_up(uint64_t a, uint64_t b, uint64_t d) noexcept nogil
    uint64_t irq_muldiv_up_sat(uint64_t a, uint64_t b, uint64_t d) noexcept nogil
    uint64_t irq_tick_ps(uint64_t k0, uint64_t n, uint64_t step, uint64_t scale,
                         uint64_t ps_per_s, uint64_t hz) noexcept nogil
    uint64_t irq_ticks(uint64_t dt, uint64_t hz, uint64_t scale, uint64_t ps_per_s) noexcept nogil
