"""Cores held in reset cost nothing until they are used: on the native engine their Unicorn
handle queues its set-up (CPU model, maps, the engine's hooks and MMIO maps) and replays it,
in order, on first use, so a released or touched core is exactly an eagerly set-up one."""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import firmware
from hypothesis import given, settings
from hypothesis import strategies as st

import irqemu.machine.machine as machine_mod
from irqemu._core import load_native, native_core_class
from irqemu._core.ucconst import UC_ARCH_ARM, UC_MODE_ARM, UC_PROT_ALL
from irqemu._core.ucconst import arm as A
from irqemu._core.ucconst import arm64 as A64
from irqemu._core.ucerror import UcError
from irqemu.boards import build_board
from irqemu.cli import boot

Uc = load_native("ucengine").Uc


class EagerUc(Uc):  # type: ignore[misc, valid-type]
    """A native handle that declines ``defer_setup``: every call reaches libunicorn now."""

    def defer_setup(self) -> None:
        pass


@pytest.fixture
def eager(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Machines built inside get eagerly set-up native handles (the behaviour before)."""
    real = machine_mod.open_uc

    def open_eager(engine: str, uc_arch: int, uc_mode: int) -> Any:
        handle = real(engine, uc_arch, uc_mode)
        return EagerUc(uc_arch, uc_mode) if isinstance(handle, Uc) else handle

    monkeypatch.setattr(machine_mod, "open_uc", open_eager)
    yield


def _dormant(m: Any) -> list[bool]:
    return [bool(s.core.uc.dormant) for s in m.cpus]


@pytest.mark.parametrize("board", ["imx6q", "virt-a53"])
def test_held_cores_are_not_initialised_by_board_construction(board: str) -> None:
    m = build_board(board, engine="native", num_cpus=4)
    assert [s.state for s in m.cpus] == ["running", "held", "held", "held"]
    assert _dormant(m) == [False, True, True, True]


def test_an_eager_machine_is_what_the_comparisons_compare_with(eager: None) -> None:
    m = build_board("imx6q", engine="native")
    assert _dormant(m) == [False] * len(m.cpus)


def _boot_json(fw: tuple[str, str]) -> tuple[dict[str, Any], list[bool]]:
    built: list[Any] = []
    machine_mod.MACHINE_CREATED.append(built.append)
    try:
        r = boot(str(firmware(*fw)), board=None, max_cycles=None, max_time_ms=None,
                 engine="native", quantum=10_000, echo=False)
    finally:
        machine_mod.MACHINE_CREATED.remove(built.append)
    r.pop("host")
    return r, _dormant(built[0])


# exceptions: no secondary ever runs; *_smp_counter: the SRC releases CPU1
@pytest.mark.parametrize("fw", [("armv7", "exceptions.elf"), ("armv7", "bug_smp_counter.elf"),
                                ("armv7", "fix_smp_counter.elf"),
                                ("aarch64", "exceptions.elf")])
def test_boot_json_is_the_eager_set_ups(fw: tuple[str, str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    lazy, dormant = _boot_json(fw)
    ran = [n > 0 for n in lazy["instructions"]]
    assert dormant == [not r for r in ran], "exactly the cores that never ran stay dormant"
    real = machine_mod.open_uc
    monkeypatch.setattr(machine_mod, "open_uc", lambda e, a, md: (
        EagerUc(a, md) if isinstance(h := real(e, a, md), Uc) else h))
    eager_json, eager_dormant = _boot_json(fw)
    assert not any(eager_dormant)
    assert lazy == eager_json


def _aarch64_cpu_on(num_cpus: int) -> Any:
    """virt-a53: CPU0 starts CPU1 with PSCI CPU_ON (context 0x55) and waits; CPU1 reads
    its MPIDR and exits (tests/machine/test_aarch64_boot.py's program)."""
    words = [0xD2800060, 0xF2B88000, 0xD2800021, 0xD2802002, 0xF2A80002, 0xD2800AA3,
             0xD4000002, 0xD503207F, 0x17FFFFFF]
    words += [0xD503201F] * (0x40 - len(words))
    words += [0xAA0003E6, 0xD53800A5, 0x52800300, 0xD2820001, 0xF2A80001, 0xD45E0000]
    m = build_board("virt-a53", engine="native", num_cpus=num_cpus)
    m.mem_write(0x40000000, b"".join(struct.pack("<I", w) for w in words))
    m.mem_write(0x40001000, struct.pack("<QQ", 0x20026, 0))
    m.arch.reset(m.cpus[0].core, 0x40000000)
    return m


def _a64_state(m: Any, cpu: int) -> list[int]:
    core = m.cpus[cpu].core
    regs = [A64.UC_ARM64_REG_X0 + i for i in range(29)]
    regs += [A64.UC_ARM64_REG_PC, A64.UC_ARM64_REG_SP, A64.UC_ARM64_REG_PSTATE]
    return [core.reg_read(r) for r in regs] + [core.cycles, core.instructions]


def _result(r: Any) -> tuple[Any, ...]:
    """A run's result without its host time."""
    return (r.stop_reason, r.exit_code, r.sim_time_ps, r.cycles, r.idle_cycles,
            r.instructions, r.interrupts, r.message)


def test_psci_cpu_on_of_a_dormant_core_matches_the_eager_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    lazy = _aarch64_cpu_on(4)
    r = lazy.run()
    assert r.stop_reason == "exit", r.message
    assert _dormant(lazy) == [False, False, True, True]
    real = machine_mod.open_uc
    monkeypatch.setattr(machine_mod, "open_uc", lambda e, a, md: (
        EagerUc(a, md) if isinstance(h := real(e, a, md), Uc) else h))
    eager_m = _aarch64_cpu_on(4)
    assert _result(eager_m.run()) == _result(r)
    state = [_a64_state(lazy, c) for c in range(2)]
    assert state[1][5] == 0x80000001 and state[1][6] == 0x55  # x5 = MPIDR, x6 = context
    assert state == [_a64_state(eager_m, c) for c in range(2)]


ARM_REGS = [A.UC_ARM_REG_R0 + i for i in range(13)] + [
    A.UC_ARM_REG_SP, A.UC_ARM_REG_LR, A.UC_ARM_REG_PC, A.UC_ARM_REG_CPSR]
# SCTLR, MIDR, MPIDR (Unicorn's, before irqemu's fix-up), VBAR, ACTLR
CP15 = [(15, 1, 0, 0, 0), (15, 0, 0, 0, 0), (15, 0, 0, 0, 5), (15, 12, 0, 0, 0),
        (15, 1, 0, 0, 1)]


def _arm_state(core: Any) -> list[int]:
    return [core.reg_read(r) for r in ARM_REGS] + [core.cp_read(*c) for c in CP15]


@pytest.mark.parametrize("touch", ["reg_read", "cp_read", "uc.mem_read", "uc._uch", "run"])
def test_touching_a_held_core_wakes_it_in_the_eager_reset_state(
        touch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lazy = build_board("imx6q", engine="native")
    core = lazy.cpus[2].core
    assert core.uc.dormant
    if touch == "reg_read":
        core.reg_read(A.UC_ARM_REG_R0)
    elif touch == "cp_read":
        core.cp_read(*CP15[0])
    elif touch == "uc.mem_read":
        core.uc.mem_read(0x10000000, 4)
    elif touch == "uc._uch":
        assert core.uc._uch.value
    else:
        core.run(0)
    assert not core.uc.dormant
    assert _dormant(lazy) == [False, True, False, True], "only the core touched"
    real = machine_mod.open_uc
    monkeypatch.setattr(machine_mod, "open_uc", lambda e, a, md: (
        EagerUc(a, md) if isinstance(h := real(e, a, md), Uc) else h))
    eager_m = build_board("imx6q", engine="native")
    if touch == "run":
        eager_m.cpus[2].core.run(0)
    assert _arm_state(core) == _arm_state(eager_m.cpus[2].core)
    assert core.uc.mem_read(0x10000000, 64) == eager_m.cpus[2].core.uc.mem_read(0x10000000, 64)


# -- any interleaving of set-up calls, then a wake, is the eager sequence -----------------
BASE = 0x20000000
PAGE = 0x1000
NPAGES = 8

_page = st.integers(0, NPAGES - 1)
_len = st.integers(1, 3)
_perms = st.sampled_from([1, 3, 5, 7])
OPS = st.one_of(
    st.tuples(st.just("map"), _page, _len, _perms),
    st.tuples(st.just("map_ptr"), _page, _len, _perms),
    st.tuples(st.just("unmap"), _page, _len),
    st.tuples(st.just("protect"), _page, _len, _perms),
    st.tuples(st.just("mmio"), _page, _len),
    st.tuples(st.just("remove_cache"), _page, _len),
    st.tuples(st.just("flush_tb")),
    st.tuples(st.just("stop_point"), _page),
    st.tuples(st.just("exits"), st.lists(_page, max_size=2)),
)


class _Log:
    """An MMIO handler that answers with the offset and logs each access."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int, int]] = []

    def mmio_read(self, cpu: int, offset: int, size: int) -> int:
        self.seen.append(("r", cpu, offset, size))
        return offset & 0xFF

    def mmio_write(self, cpu: int, offset: int, size: int, value: int) -> None:
        self.seen.append(("w", cpu, offset, size))


def _apply(uc: Any, core: Any, op: tuple[Any, ...], buf: mmap.mmap, log: _Log) -> None:
    import ctypes

    kind, args = op[0], op[1:]
    if kind in ("map", "map_ptr", "unmap", "protect", "mmio", "remove_cache"):
        lo, n = BASE + args[0] * PAGE, args[1] * PAGE
    if kind == "map":
        uc.mem_map(lo, n, args[2])
    elif kind == "map_ptr":
        ptr = ctypes.addressof(ctypes.c_char.from_buffer(buf)) + args[0] * PAGE
        uc.mem_map_ptr(lo, n, args[2], ptr)
    elif kind == "unmap":
        uc.mem_unmap(lo, n)
    elif kind == "protect":
        uc.mem_protect(lo, n, args[2])
    elif kind == "mmio":
        core.map_mmio(lo, n, log)
    elif kind == "remove_cache":
        uc.ctl_remove_cache(lo, lo + n)
    elif kind == "flush_tb":
        uc.ctl_flush_tb()
    elif kind == "stop_point":
        core.add_stop_point(BASE + args[0] * PAGE)
    else:
        uc.ctl_set_exits([BASE + p * PAGE for p in args[0]])


def _outcome(fn: Any) -> Any:
    try:
        return ("ok", fn())
    except (UcError, RuntimeError) as exc:
        return (type(exc).__name__, str(exc))


def _set_up(cls: type, ops: list[tuple[Any, ...]], defer: bool) -> tuple[Any, Any, Any, Any]:
    """A bare core given the machine's prefix and ``ops``: (outcome of the set-up, core,
    buffer, log); a dormant one is woken by a register read."""
    uc = cls(UC_ARCH_ARM, UC_MODE_ARM)
    if defer:
        uc.defer_setup()
    buf = mmap.mmap(-1, (NPAGES + 3) * PAGE)
    buf[:8] = b"irqemu!!"
    log = _Log()
    core = native_core_class()(uc, 1, None, pc_reg=A.UC_ARM_REG_PC, mask_reg=A.UC_ARM_REG_CPSR,
                               mask_shifts=[7, 6], host_range=(0xFFFE0000, 0xFFFE1000))

    def steps() -> None:
        uc.ctl_set_cpu_model(A.UC_CPU_ARM_CORTEX_A9)
        uc.ctl_set_tcg_buffer_size(1 << 20)
        uc.ctl_exits_enabled(True)
        uc.ctl_set_exits([])
        for op in ops:
            _apply(uc, core, op, buf, log)

    first = _outcome(steps)
    if defer:
        assert first == ("ok", None) and uc.dormant, "set-up calls only queue while dormant"
        first = _outcome(lambda: core.reg_read(A.UC_ARM_REG_PC))
        first = ("ok", None) if first[0] == "ok" else first
    return first, core, buf, log


def _probe(core: Any, log: _Log) -> list[Any]:
    """What the memory map answers, page by page: bytes, an error, MMIO accesses."""
    out = []
    for p in range(NPAGES + 2):
        out.append(_outcome(lambda p=p: bytes(core.uc.mem_read(BASE + p * PAGE, 8))))
        out.append(_outcome(lambda p=p: core.uc.mem_write(BASE + p * PAGE + 8, b"\1\2")))
    return out + [list(log.seen), core.reg_read(A.UC_ARM_REG_CPSR)]


@settings(max_examples=25, deadline=None)
@given(st.lists(OPS, max_size=8))
def test_queued_set_up_replays_as_the_eager_calls(ops: list[tuple[Any, ...]]) -> None:
    eager_first, eager_core, _, eager_log = _set_up(EagerUc, ops, defer=False)
    lazy_first, lazy_core, _, lazy_log = _set_up(Uc, ops, defer=True)
    assert lazy_first == eager_first
    assert not lazy_core.uc.dormant
    if eager_first[0] == "ok":
        assert _probe(lazy_core, lazy_log) == _probe(eager_core, eager_log)


def test_defer_setup_refuses_a_handle_already_used() -> None:
    uc = Uc(UC_ARCH_ARM, UC_MODE_ARM)
    uc.mem_map(BASE, PAGE, UC_PROT_ALL)
    with pytest.raises(RuntimeError, match="already been used"):
        uc.defer_setup()
