"""The pure-Python reference engine: ``engine.pyx``'s semantics with Python hooks.

It exists to be read and to check the native engine: tests run the same
firmware on both and require identical cycle counts and stop points. It is
about ten times slower; nothing else differs.
"""

from __future__ import annotations

from typing import Any

import unicorn as uc_mod
import unicorn.arm64_const
import unicorn.arm_const

from irqemu._core.common import UNMASKABLE, BlockCoster, MmioHandler, StopReason
from irqemu._core.ucerror import load_unicorn

load_unicorn()  # the package's UcError is caught by irqemu's ``except UcError``

_READS = (uc_mod.UC_MEM_READ_UNMAPPED, uc_mod.UC_MEM_READ_PROT)
_WRITES = (uc_mod.UC_MEM_WRITE_UNMAPPED, uc_mod.UC_MEM_WRITE_PROT)


class Core:
    """One emulated CPU driven by Python hooks (see the native ``Core``)."""

    def __init__(
        self,
        uc: uc_mod.Uc,
        cpu_index: int,
        coster: BlockCoster,
        *,
        pc_reg: int,
        mask_reg: int,
        mask_shifts: list[int],
        host_range: tuple[int, int],
        mmio_cost: int = 0,
        thumb_reg: int = -1,
        thumb_shift: int = -1,
        mask_invert: int = 0,
    ) -> None:
        self.uc = uc
        self.cpu_index = cpu_index
        self._coster = coster
        self._exc: BaseException | None = None
        self._pc_reg = pc_reg
        self._mask_reg = mask_reg
        self._mask_invert = mask_invert
        self._shifts = list(mask_shifts) + [UNMASKABLE] * (4 - len(mask_shifts))
        self._host_lo, self._host_hi = host_range
        self._thumb_reg = thumb_reg
        self._thumb_shift = thumb_shift
        self._table: dict[tuple[int, int], tuple[int, int]] = {}
        self._inline_slots: set[int] = set()
        self._inline: Any = None
        self._stop_requested = False
        self.cycles = 0
        self.instructions = 0
        self.deadline = 0
        self.insn_budget = 0
        self._insn_limit = 0
        self.pending = 0
        self.intno = 0
        self.fault_access = 0
        self.fault_addr = 0
        self.mmio_cost = mmio_cost
        self.last_error = 0
        self._reason = StopReason.NONE
        #: ``stop_address(address, size, budget)`` of an ``InsnSplitter``: where a deadline
        #: inside a block stops it (None: at the next block boundary)
        self.splitter: Any = None
        self._split = (0, 0, 0)  # the block to split (start, end) and the stop address
        self._splitting = False
        self._cache: Any = None  # the cache model, whose pending penalty a block adds
        uc.hook_add(uc_mod.UC_HOOK_BLOCK, self._block_hook)
        uc.hook_add(uc_mod.UC_HOOK_INTR, self._intr_hook)
        uc.hook_add(
            uc_mod.UC_HOOK_MEM_READ_UNMAPPED
            | uc_mod.UC_HOOK_MEM_WRITE_UNMAPPED
            | uc_mod.UC_HOOK_MEM_FETCH_UNMAPPED
            | uc_mod.UC_HOOK_MEM_FETCH_PROT
            | uc_mod.UC_HOOK_MEM_WRITE_PROT,
            self._unmapped_hook,
        )

    # -- hooks -------------------------------------------------------------
    def _stop(self, reason: StopReason) -> None:
        self._reason = reason
        self.uc.emu_stop()

    def _deliverable_now(self) -> bool:
        v = self.uc.reg_read(self._mask_reg) if self._mask_reg >= 0 else 0
        v ^= self._mask_invert
        for i, sh in enumerate(self._shifts):
            if self.pending & (1 << i) and (sh == UNMASKABLE or not (v >> sh) & 1):
                return True
        return False

    def _block_hook(self, uc: Any, address: int, size: int, _ud: Any) -> None:
        if self._cache is not None:  # the penalty of the accesses since the last block
            self.cycles += self._cache.take(self.cpu_index)
        if self._host_lo <= address < self._host_hi:
            if address in self._inline_slots:
                try:
                    self._inline(address)
                except BaseException as exc:  # noqa: BLE001
                    self._exc = exc
                    return self._stop(StopReason.ERROR)
                return None
            return self._stop(StopReason.HOSTCALL)
        if self.pending and self._deliverable_now():
            return self._stop(StopReason.IRQ)
        if self._stop_requested:
            self._stop_requested = False
            return self._stop(StopReason.STOP)
        if self.cycles >= self.deadline or self.instructions >= self._insn_limit:
            return self._stop(StopReason.DEADLINE)
        info = self._table.get((address, size))
        if info is None:
            try:
                info = self._coster.block_info(address, size)
            except uc_mod.UcError:  # the block's code cannot be read: a fetch fault
                self.fault_access = 3
                self.fault_addr = address
                return self._stop(StopReason.FAULT)
            except BaseException as exc:  # noqa: BLE001 - reported by run()
                self._exc = exc
                return self._stop(StopReason.ERROR)
            self._table[(address, size)] = info
            if self._stop_requested:  # the coster wants the block retranslated first
                self._stop_requested = False
                return self._stop(StopReason.STOP)
        if self.cycles + info[0] > self.deadline and info[1] > 1 and not self._splitting:
            if self.splitter is not None:
                return self._split_block(address, size)
        self.cycles += info[0]
        self.instructions += info[1]
        return None

    def _split_block(self, address: int, size: int) -> None:
        """The deadline falls inside this block: stop before it (uncharged) to run it up
        to the splitter's stop address, or charge it whole if there is none."""
        try:
            stop = self.splitter.stop_address(address, size, self.deadline - self.cycles)
        except BaseException as exc:  # noqa: BLE001 - reported by run()
            self._exc = exc
            return self._stop(StopReason.ERROR)
        if not stop:
            info = self._table[(address, size)]
            self.cycles += info[0]
            self.instructions += info[1]
            return None
        self._split = (address, address + size, stop)
        return self._stop(StopReason.SPLIT)

    def _run_to_split(self) -> None:
        """Run the split block to its stop address: an exit there, the block's cached
        translation dropped before (so the exit is seen) and after (so later runs get
        the whole block again). The truncated block is costed as a block of its own."""
        lo, hi, stop = self._split
        self._reason = StopReason.NONE
        self.uc.ctl_remove_cache(lo, hi)
        self.uc.ctl_set_exits([stop])
        self._splitting = True
        try:
            self._emu_start()
        finally:
            self._splitting = False
            self.uc.ctl_set_exits([])
            self.uc.ctl_remove_cache(lo, hi)
        if (self._reason == StopReason.NONE and not self.last_error
                and self.uc.reg_read(self._pc_reg) == stop):
            # the stop address is a block boundary: a stop requested meanwhile (whose
            # stop point the exit replaced) is honoured here, before the deadline
            self._reason = StopReason.STOP if self._stop_requested else StopReason.DEADLINE
            self._stop_requested = False

    def _stop_point_hook(self, uc: Any, address: int, size: int, _ud: Any) -> None:
        if self._stop_requested:
            self._stop_requested = False
            self._stop(StopReason.STOP)

    def _intr_hook(self, uc: Any, intno: int, _ud: Any) -> None:
        self.intno = intno
        self._stop(StopReason.EXCEPTION)

    def _unmapped_hook(self, uc: Any, kind: int, address: int, size: int, value: int,
                       _ud: Any) -> bool:
        self.fault_access = 1 if kind in _READS else 2 if kind in _WRITES else 3
        self.fault_addr = address
        return False

    def fail(self, exc: BaseException) -> None:
        """As the native engine: stop the core; ``run`` returns ERROR with ``exc``."""
        if self._exc is None:
            self._exc = exc
        self._stop(StopReason.ERROR)

    # -- interface ---------------------------------------------------------
    def map_mmio(self, base: int, size: int, handler: MmioHandler, offset: int = 0) -> None:
        """Route accesses to [base, base+size) to ``handler``."""

        def read(uc: Any, off: int, sz: int, _ud: Any) -> int:
            self.cycles += self.mmio_cost
            try:
                return handler.mmio_read(self.cpu_index, offset + off, sz)
            except BaseException as exc:  # noqa: BLE001
                self.fail(exc)
                return 0

        def write(uc: Any, off: int, sz: int, value: int, _ud: Any) -> None:
            self.cycles += self.mmio_cost
            try:
                handler.mmio_write(self.cpu_index, offset + off, sz, value)
            except BaseException as exc:  # noqa: BLE001
                self.fail(exc)

        self.uc.mmio_map(base, size, read, None, write, None)

    def run(self, deadline: int) -> int:
        """Execute until ``cycles >= deadline`` or something else stops the core."""
        self.deadline = deadline
        self._insn_limit = (self.instructions + self.insn_budget if self.insn_budget
                            else 1 << 64)
        self._reason = StopReason.NONE
        self.fault_access = 0
        self._emu_start()
        if self._reason == StopReason.SPLIT:
            self._run_to_split()
        if self._cache is not None:
            self.cycles += self._cache.take(self.cpu_index)
        if self._exc is not None:
            return StopReason.ERROR
        if self._reason == StopReason.NONE:
            self._reason = StopReason.FAULT if self.last_error else StopReason.WFI
        return int(self._reason)

    def _emu_start(self) -> None:
        """One ``emu_start`` at the current PC (Thumb state in bit 0)."""
        pc = self.uc.reg_read(self._pc_reg)
        if self._thumb_reg >= 0:
            pc |= (self.uc.reg_read(self._thumb_reg) >> self._thumb_shift) & 1
        self.last_error = 0
        try:
            self.uc.emu_start(pc, 0)
        except uc_mod.UcError as err:
            self.last_error = err.errno

    @property
    def error_text(self) -> str:
        return uc_mod.UcError(self.last_error).__str__() if self.last_error else "OK"

    def take_error(self) -> BaseException | None:
        exc, self._exc = self._exc, None
        return exc

    def set_inline_hostcall(self, address: int, handler: Any) -> None:
        """As the native engine: ``handler(address)`` runs from the block hook."""
        if not self._host_lo <= address < self._host_hi:
            raise ValueError(f"{address:#x} is not in the host-call page")
        self._inline_slots.add(address & ~3)
        self._inline = handler

    def attach_cache(self, hierarchy: Any) -> None:
        """As the native engine: add the cache model's pending penalty at each block
        boundary (once per block, never per access) and when a run returns."""
        self._cache = hierarchy

    def request_stop(self) -> None:
        self._stop_requested = True

    def add_stop_point(self, address: int) -> None:
        """As the native engine: a stop request is honoured before ``address`` too."""
        self.uc.hook_add(uc_mod.UC_HOOK_CODE, self._stop_point_hook, None, address, address)

    def reg_read(self, reg: int) -> int:
        return int(self.uc.reg_read(reg))

    def reg_write(self, reg: int, value: int) -> None:
        self.uc.reg_write(reg, value)

    def trap_sysregs(self, encodings: Any, handler: Any) -> None:
        """As the native engine: only the listed MRS/MSR reach ``handler``."""
        keys = {tuple(e) for e in encodings}

        def hook(is_msr: int) -> Any:
            def cb(uc: Any, reg: int, cp: Any, _ud: Any) -> int:
                enc = (cp.op0, cp.op1, cp.crn, cp.crm, cp.op2)
                if enc not in keys:
                    return 0
                try:
                    return 1 if handler(is_msr, reg, enc, int(cp.val)) else 0
                except BaseException as exc:  # noqa: BLE001
                    self.fail(exc)
                    return 1
            return cb

        self.uc.hook_add(uc_mod.UC_HOOK_INSN, hook(0), None, 1, 0,
                         uc_mod.arm64_const.UC_ARM64_INS_MRS)
        self.uc.hook_add(uc_mod.UC_HOOK_INSN, hook(1), None, 1, 0,
                         uc_mod.arm64_const.UC_ARM64_INS_MSR)

    def cp_read(self, cp: int, crn: int, crm: int, opc1: int, opc2: int, sec: int = 1) -> int:
        return int(self.uc.reg_read(uc_mod.arm_const.UC_ARM_REG_CP_REG,
                                    (cp, 0, sec, crn, crm, opc1, opc2)))

    def cp_write(self, cp: int, crn: int, crm: int, opc1: int, opc2: int, value: int,
                 sec: int = 1) -> None:
        self.uc.reg_write(uc_mod.arm_const.UC_ARM_REG_CP_REG,
                          (cp, 0, sec, crn, crm, opc1, opc2, value))

    def sys_read(self, op0: int, op1: int, crn: int, crm: int, op2: int) -> int:
        return int(self.uc.reg_read(uc_mod.arm64_const.UC_ARM64_REG_CP_REG,
                                    (crn, crm, op0, op1, op2)))

    def sys_write(self, op0: int, op1: int, crn: int, crm: int, op2: int, value: int) -> None:
        self.uc.reg_write(uc_mod.arm64_const.UC_ARM64_REG_CP_REG,
                          (crn, crm, op0, op1, op2, value))

    def flush_costs(self) -> None:
        self._table.clear()

    def deliverable(self) -> bool:
        return bool(self.pending) and self._deliverable_now()

    @property
    def cached_blocks(self) -> int:
        return len(self._table)
