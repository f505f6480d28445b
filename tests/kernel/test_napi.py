"""NAPI rules (net/core/dev.c, 4.6) and the FEC driver (fec_main.c) at model level."""

from __future__ import annotations

from typing import Any

import pytest

from irqemu.devices.imx_fec import ImxFEC
from irqemu.hw.imx_fec import FEC_DEFAULT_IMASK_4_6, FEC_NAPI_IMASK
from irqemu.kernel import Kernel, StandaloneCpuOps
from irqemu.kernel.context import DeviceChipIO
from irqemu.kernel.drivers.fec import DMA_BASE, ENET_BASE, fec_enet_open, fec_probe
from irqemu.kernel.napi import (
    NAPI_STATE_DISABLE,
    NAPI_STATE_SCHED,
    NapiStruct,
    napi_complete_done,
    napi_enable,
    napi_layer,
    napi_schedule,
    napi_schedule_prep,
    netif_napi_add,
    proc_softnet_stat,
)
from irqemu.kernel.softirq import NET_RX_SOFTIRQ, kernel_softirq
from irqemu.scenarios.model_board import ModelBoard
from irqemu.sim.events import Event, EventQueue
from irqemu.trace.kprobes import Kprobe


def _kernel(flavour: str = "mainline", version: str = "4.6") -> Kernel:
    return Kernel(flavour, 1, version=version, ops=StandaloneCpuOps(1))


def _napi(k: Kernel, work: list[int] | int, name: str = "n", complete: bool = True
          ) -> NapiStruct:
    """An instance whose poll returns the next of ``work`` (or always ``work``), and
    completes when it returns less than its budget."""
    seq = list(work) if isinstance(work, list) else None

    def poll(n: NapiStruct, budget: int) -> int:
        w = (seq.pop(0) if seq else 0) if seq is not None else int(work)  # type: ignore[arg-type]
        w = min(w, budget)
        if w < budget and complete:
            napi_complete_done(k, n, w)
        return w

    n = netif_napi_add(k, None, poll, 64, name)
    napi_enable(k, n)
    return n


def _pending(k: Kernel) -> bool:
    return bool(kernel_softirq(k).local_softirq_pending(0) >> NET_RX_SOFTIRQ & 1)


def test_schedule_prep_takes_sched_once_and_not_when_disabled() -> None:
    k = _kernel()
    n = _napi(k, 0)
    assert n.weight == 64 and not n.test_bit(NAPI_STATE_SCHED)
    assert napi_schedule_prep(k, n) and n.test_bit(NAPI_STATE_SCHED)
    assert not napi_schedule_prep(k, n)
    m = _napi(k, 0, "m")
    m.set_bit(NAPI_STATE_DISABLE)
    assert not napi_schedule_prep(k, m) and not m.test_bit(NAPI_STATE_SCHED)


def test_napi_schedule_lists_the_instance_and_raises_net_rx() -> None:
    k = _kernel()
    n = _napi(k, 0)
    assert napi_schedule(k, n)
    assert list(napi_layer(k).softnet[0].poll_list) == [n]
    assert _pending(k)
    assert not napi_schedule(k, n)  # already scheduled: not listed twice
    assert len(napi_layer(k).softnet[0].poll_list) == 1


def test_poll_under_weight_completes_and_is_not_reraised() -> None:
    k = _kernel()
    hits = Kprobe(k, "napi_complete_done").register()
    n = _napi(k, [10])
    napi_schedule(k, n)
    kernel_softirq(k).run_pending()
    sd = napi_layer(k).softnet[0]
    assert n.polls == 1 and n.work == 10 and hits.hits == 1
    assert not n.test_bit(NAPI_STATE_SCHED) and not sd.poll_list and not _pending(k)
    assert sd.time_squeeze == 0


def test_one_instance_using_its_weight_is_polled_once_then_reraised() -> None:
    """4.6: an instance on repoll ends the loop; it goes back on the list, NET_RX raised."""
    k = _kernel()
    n = _napi(k, 64)
    napi_schedule(k, n)
    layer = napi_layer(k)
    from irqemu.kernel.napi import net_rx_action

    k.preempt_count[0] += 0x100  # as in __do_softirq
    net_rx_action(layer)
    k.preempt_count[0] -= 0x100
    sd = layer.softnet[0]
    assert n.polls == 1 and list(sd.poll_list) == [n] and _pending(k)
    assert n.test_bit(NAPI_STATE_SCHED) and sd.time_squeeze == 0 and sd.reraises == 1


def test_budget_of_300_squeezes_and_leaves_the_rest_listed() -> None:
    k = _kernel()
    ns = [_napi(k, 64, f"n{i}") for i in range(6)]
    for n in ns:
        napi_schedule(k, n)
    layer = napi_layer(k)
    from irqemu.kernel.napi import net_rx_action

    net_rx_action(layer)
    sd = layer.softnet[0]
    # 300 - 4 * 64 = 44 > 0; the 5th poll takes it to -20: time_squeeze, stop
    assert [n.polls for n in ns] == [1, 1, 1, 1, 1, 0]
    assert sd.time_squeeze == 1
    assert list(sd.poll_list) == [ns[5], *ns[:5]]  # unpolled first, then the repoll list
    assert _pending(k)


def test_two_jiffy_time_limit_squeezes() -> None:
    k = _kernel()
    ops = k.ops
    assert isinstance(ops, StandaloneCpuOps)
    jiffy = 10**12 // k.config.hz

    def slow(n: NapiStruct, budget: int) -> int:
        ops.advance_ps(2 * jiffy)
        return 1  # under the weight, but does not complete (work left in the model)

    a = netif_napi_add(k, None, slow, 64, "slow")
    napi_enable(k, a)
    b = _napi(k, 5, "b")
    napi_schedule(k, a)
    napi_schedule(k, b)
    from irqemu.kernel.napi import net_rx_action

    net_rx_action(napi_layer(k))
    sd = napi_layer(k).softnet[0]
    assert a.polls == 1 and b.polls == 0 and sd.time_squeeze == 1
    assert b in sd.poll_list and _pending(k)


def test_6x_time_limit_comes_from_netdev_budget_usecs() -> None:
    k = _kernel(version="6.x")
    layer = napi_layer(k)
    assert layer.netdev_budget_usecs == 2 * 10**6 // k.config.hz
    assert layer.time_limit_jiffies() == 2
    layer.netdev_budget_usecs = 100_000
    assert layer.time_limit_jiffies() == 10


@pytest.mark.parametrize("flavour,ksoft", [("mainline", 0), ("threadirqs", 0), ("rt", 1)])
def test_rt_reraises_leftovers_with_raise_softirq_irqoff_ksoft(flavour: str, ksoft: int) -> None:
    k = _kernel(flavour)
    probe = Kprobe(k, "__raise_softirq_irqoff_ksoft").register()
    n = _napi(k, 64)
    napi_schedule(k, n)
    from irqemu.kernel.napi import net_rx_action

    net_rx_action(napi_layer(k))
    assert probe.hits == ksoft
    s = kernel_softirq(k)
    if flavour == "rt":
        assert s.ksoftirqd[0].softirqs_raised >> NET_RX_SOFTIRQ & 1
        assert s.ksoftirqd[0].state == "R"  # woken


def test_softnet_stat_columns() -> None:
    k = _kernel()
    sd = napi_layer(k).softnet[0]
    sd.processed, sd.time_squeeze = 0x1234, 3
    line = proc_softnet_stat(k).splitlines()[0].split()
    assert len(line) == 11 and line[0] == "00001234" and line[2] == "00000003"
    k6 = _kernel(version="6.x")
    assert len(proc_softnet_stat(k6).split()) == 13


# -- the FEC driver on the FEC device model (no cores) ----------------------------------
class _Ctx:
    """MachineContext for the FEC model: RAM for the DMA region, a clock, events."""

    def __init__(self) -> None:
        self.time = 0
        self.events = EventQueue()
        self.ram = bytearray(4 << 20)
        self.num_cpus = 1

    def now(self, cpu: int | None = None) -> int:
        return self.time

    def schedule(self, when: int, fn: Any, name: str = "") -> Event:
        return self.events.schedule(when, fn, name)

    def mem_read(self, address: int, size: int) -> bytes:
        off = address - DMA_BASE
        return bytes(self.ram[off: off + size])

    def mem_write(self, address: int, data: bytes) -> None:
        off = address - DMA_BASE
        self.ram[off: off + len(data)] = data


class _Mem:
    def __init__(self, ctx: _Ctx) -> None:
        self.ctx = ctx

    def read(self, cpu: int, addr: int, size: int) -> bytes:
        return self.ctx.mem_read(addr, size)

    def write(self, cpu: int, addr: int, data: bytes) -> None:
        self.ctx.mem_write(addr, data)


def _fec_board(flavour: str = "mainline") -> tuple[ModelBoard, ImxFEC, Any]:
    board = ModelBoard(flavour, 1, with_gpc=False)
    ctx = _Ctx()
    fec = ImxFEC(ctx, ENET_BASE)  # type: ignore[arg-type]
    fec.irq.connect(board.gic_dev.input(150))
    io = DeviceChipIO({0x00A01000: board.gic_dev.distributor,
                       0x00A00100: board.gic_dev.cpu_interface, ENET_BASE: fec},
                      {0x00A01000: 0x1000, 0x00A00100: 0x100, ENET_BASE: 0x4000})
    irq = board.gic.map_spi(118)
    with board.kernel.on_cpu(0):
        fep = fec_probe(board.kernel, io, _Mem(ctx), irq, rx_ring_size=128)
        fec_enet_open(fep)
    return board, fec, fep


def _frame(fec: ImxFEC, seq: int) -> bytes:
    return fec.mac_address + b"\x02\0\0\0\0\1" + b"\x88\xb5" + seq.to_bytes(4, "big") + \
        bytes(42)


def test_driver_masks_on_schedule_and_unmasks_on_completion() -> None:
    board, fec, fep = _fec_board()
    k = board.kernel
    seen: dict[str, int] = {}
    k.register_kprobe("__napi_schedule",
                      lambda *_a: seen.setdefault("eimr_at_schedule", fec.reg("ENET_EIMR")))
    k.register_kprobe("napi_complete_done",
                      lambda *_a: seen.setdefault("eimr_at_complete", fec.reg("ENET_EIMR")))
    assert fec.reg("ENET_EIMR") == FEC_DEFAULT_IMASK_4_6
    got: list[bytes] = []
    napi_layer(k).deliver = lambda dev, skb: got.append(skb)
    assert fec.receive(_frame(fec, 7))
    assert board.fire(0) == 1
    assert seen == {"eimr_at_schedule": FEC_NAPI_IMASK, "eimr_at_complete": FEC_NAPI_IMASK}
    assert fec.reg("ENET_EIMR") == FEC_DEFAULT_IMASK_4_6  # unmasked after completion
    assert fep.stats.interrupts == 1 and fep.stats.rx_packets == 1
    assert len(got) == 1 and got[0] == _frame(fec, 7)  # FCS stripped (length - 4)
    assert not fec.irq.level


def test_driver_polls_a_full_ring_in_weight_sized_bites() -> None:
    board, fec, fep = _fec_board()
    for i in range(100):
        assert fec.receive(_frame(fec, i))
    assert board.fire(0) == 1  # one interrupt for a hundred frames
    assert list(fep.stats.recent_poll_work) == [64, 36]
    assert fep.stats.poll_work == {64: 1, 36: 1}
    assert fep.stats.completes == 1 and fep.stats.rx_packets == 100
    assert fec.reg("ENET_EIMR") == FEC_DEFAULT_IMASK_4_6
    # the descriptors went back to the uDMA: the ring takes frames again
    assert all(fec.receive(_frame(fec, 200 + i)) for i in range(128))
    assert not fec.receive(_frame(fec, 999))  # ... until it is full
    assert fec.rx_drop_reasons["no_descriptor"] == 1


def test_driver_irq_none_without_events() -> None:
    board, fec, fep = _fec_board()
    from irqemu.kernel.drivers.fec import fec_enet_interrupt

    with board.kernel.on_cpu(0):
        assert fec_enet_interrupt(fep.irq, fep) == 0
    assert fep.stats.irq_none == 1
