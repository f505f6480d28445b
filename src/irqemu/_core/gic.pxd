# The native GICv2's C interface: its state, and the calls other native devices may make
# without Python (``GICv2.drive``; ``GICInput``, the IrqSink ``GICv2.input`` returns).

cimport cython
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t

from irqemu._core.fabric cimport Fabric, IrqSink, NativeDevice, FABRIC_MAX_CPUS

cdef enum:
    GIC_MAX_IRQS = 992              # 32..992 in multiples of 32, as the Python model
    GIC_MAX_WORDS = 32              # 32-ID words (31 used at most); word 0 is banked
    GIC_NUM_IDR = 12                # PIDR4-7, PIDR0-3, CIDR0-3
    GIC_APR_WORDS = 4               # active priorities: one bit per group priority (256)


cdef class GICv2


cdef class GICDistributor(NativeDevice):
    cdef readonly GICv2 gic


cdef class GICCPUInterface(NativeDevice):
    cdef readonly GICv2 gic


@cython.final
cdef class GICInput(IrqSink):
    cdef readonly GICv2 gic
    cdef readonly int irq
    cdef readonly int cpu


@cython.final
cdef class GICv2:
    # configuration (readonly ones mirror the Python model's attributes)
    cdef readonly object machine
    cdef readonly Fabric fabric
    cdef readonly str name
    cdef readonly int num_cpus
    cdef readonly int num_irqs
    cdef readonly bint security
    cdef readonly bint groups
    cdef readonly object ppi_icfgr
    cdef readonly object id_regs
    cdef readonly object gicd_iidr
    cdef readonly object gicc_iidr
    cdef readonly uint32_t priv_edge
    cdef readonly int prio_mask
    cdef readonly int min_bpr
    cdef readonly GICDistributor distributor
    cdef readonly GICCPUInterface cpu_interface
    cdef int nwords                 # num_irqs / 32
    cdef int prio_shift             # 8 - priority_bits
    cdef uint32_t all_cpus
    cdef uint32_t priv_level        # private IDs that are level-sensitive (~priv_edge)
    cdef uint32_t ppi_cfg           # GICD_ICFGR1 as read
    cdef uint32_t d_iidr
    cdef uint32_t c_iidr
    cdef uint32_t idr[GIC_NUM_IDR]
    cdef int n_idr

    # state: IDs 0-31 banked per CPU (p_*), 32.. shared by 32-ID word (s_*[w], w >= 1)
    cdef uint32_t p_en[FABRIC_MAX_CPUS]
    cdef uint32_t p_pend[FABRIC_MAX_CPUS]
    cdef uint32_t p_act[FABRIC_MAX_CPUS]
    cdef uint32_t p_grp[FABRIC_MAX_CPUS]
    cdef uint32_t p_lvl[FABRIC_MAX_CPUS]
    cdef uint32_t s_en[GIC_MAX_WORDS]
    cdef uint32_t s_pend[GIC_MAX_WORDS]
    cdef uint32_t s_act[GIC_MAX_WORDS]
    cdef uint32_t s_grp[GIC_MAX_WORDS]
    cdef uint32_t s_lvl[GIC_MAX_WORDS]
    cdef uint32_t s_edge[GIC_MAX_WORDS]
    cdef uint32_t tmask[FABRIC_MAX_CPUS][GIC_MAX_WORDS]   # SPIs whose ITARGETSR names the CPU
    cdef uint8_t prio_p[FABRIC_MAX_CPUS][32]
    cdef uint8_t prio_s[GIC_MAX_IRQS]
    cdef uint8_t targets[GIC_MAX_IRQS]
    cdef uint8_t sgi_src[FABRIC_MAX_CPUS][16]
    cdef readonly uint32_t dctlr
    cdef uint32_t c_ctlr[FABRIC_MAX_CPUS]
    cdef uint32_t c_pmr[FABRIC_MAX_CPUS]
    cdef int c_bpr[FABRIC_MAX_CPUS]
    cdef int c_abpr[FABRIC_MAX_CPUS]
    cdef uint64_t apr[FABRIC_MAX_CPUS][GIC_APR_WORDS]
    cdef uint8_t out[FABRIC_MAX_CPUS][2]
    cdef int best_irq[FABRIC_MAX_CPUS]     # the best candidate at the last update
    cdef int best_prio[FABRIC_MAX_CPUS]
    # statistics
    cdef uint64_t spurious[FABRIC_MAX_CPUS]
    cdef uint64_t *acks                    # [irq * num_cpus + cpu]
    cdef uint8_t acked[GIC_MAX_IRQS]
    cdef uint16_t ack_order[GIC_MAX_IRQS]  # IDs in the order of their first acknowledge
    cdef int n_acked

    cdef object _shared(self, uint32_t *words)

    cdef int drive(self, int irq, bint level, int cpu) except -1
    cdef int update(self, uint32_t cpus) except -1
    cdef int best(self, int cpu, int *prio) noexcept
    cdef int running_prio(self, int cpu) noexcept
    cdef int group_of(self, int irq, int cpu) noexcept
    cdef int prio_of(self, int irq, int cpu) noexcept
    cdef int visible(self, int cpu, int *prio) noexcept
    cdef uint32_t ack(self, int cpu) except? 0xFFFFFFFF
    cdef int eoi(self, int cpu, uint32_t value) except -1
    cdef uint32_t hppir(self, int cpu) noexcept
    cdef int sgi(self, int cpu, uint32_t value) except -1
    cdef void set_target(self, int irq, uint32_t value) noexcept
    cdef uint32_t* field(self, int kind, int cpu, int first, int *shift) noexcept
    cdef uint32_t dist_reg_read(self, int kind, int index, int cpu) noexcept
    cdef int dist_reg_write(self, int kind, int index, int cpu, uint32_t value) except -1
    cdef uint32_t cpu_reg_read(self, int kind, int cpu) except? 0xFFFFFFFF
    cdef int cpu_reg_write(self, int kind, int cpu, uint32_t value) except -1
    cdef int check_cpu(self, int cpu) except -1
    cdef int check_irq(self, int irq) except -1
    cdef uint64_t dist_read(self, int cpu, uint64_t offset, unsigned size) except? 0xFFFFFFFFFFFFFFFF
    cdef int dist_write(self, int cpu, uint64_t offset, unsigned size, uint64_t value) except -1
    cdef uint64_t cpu_read(self, int cpu, uint64_t offset, unsigned size) except? 0xFFFFFFFFFFFFFFFF
    cdef int cpu_write(self, int cpu, uint64_t offset, unsigned size, uint64_t value) except -1
