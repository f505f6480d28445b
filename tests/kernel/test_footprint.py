"""The modelled kernel's footprint under --cache-model (kernel/footprint.py): each charged
function touches its text and data through the C model, only with the model on."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.kernel import Kernel
from irqemu.kernel import footprint as fpmod
from irqemu.kernel.context import StandaloneCpuOps
from irqemu.kernel.costs import KERNEL_COST_TABLES
from irqemu.kernel.footprint import (
    DATA,
    FOOTPRINTS,
    USES,
    Footprint,
    KernelFootprint,
    Layout,
    citations,
)
from irqemu.latency import costs as _latency_costs  # noqa: F401  (registers its tables)
from irqemu.timing.costmodel import citation
from irqemu.timing.hierarchy import load_hierarchy


def _world(ncpus: int = 2, core: str = "cortex-a9") -> tuple[Kernel, StandaloneCpuOps, Any,
                                                              KernelFootprint]:
    ops = StandaloneCpuOps(ncpus)
    k = Kernel("mainline", num_cpus=ncpus, ops=ops)
    model = load_hierarchy(core).build(ncpus)
    return k, ops, model, KernelFootprint(k, model, ncpus)


def test_every_size_follows_citation() -> None:
    for i, entry in enumerate(citations()):
        assert citation(entry, f"footprint {i}").estimated


def test_a_size_citing_a_project_file_is_refused() -> None:
    from irqemu.errors import CostModelError

    bad = [Footprint(64, (), "from docs/cache.md", "")]
    with pytest.raises(CostModelError):
        citation(citations(bad)[0], "bad")


def test_the_table_covers_the_charged_functions_and_names_known_objects() -> None:
    charged = {n for name, t in KERNEL_COST_TABLES.items()
               if not name.endswith("WORK_COSTS") and name not in ("PLATFORM_COSTS",)
               for n in t if "/" not in n}
    kernel_layer = {n for name in ("COST_TABLE", "HRTIMER_COSTS", "NAPI_COSTS", "TWD_COSTS",
                                   "ARCH_TIMER_COSTS", "TIMERLAT_COSTS", "CYCLICTEST_COSTS")
                    for n in KERNEL_COST_TABLES[name]}
    assert kernel_layer <= set(FOOTPRINTS) <= charged | kernel_layer
    assert set(USES) <= set(FOOTPRINTS)
    assert {u for fp in FOOTPRINTS.values() for u in fp.uses} <= set(DATA)
    for name, fp in FOOTPRINTS.items():  # text: 4 bytes an instruction, capped
        assert 0 < fp.text_bytes <= 4 * fpmod.TEXT_CAP_INSNS, name
    # the latency tools' cycles are copied (their tables are in a later layer)
    for name, cycles in fpmod._TOOL_CYCLES.items():
        table = KERNEL_COST_TABLES["TIMERLAT_COSTS"] | KERNEL_COST_TABLES["CYCLICTEST_COSTS"]
        assert table[name].cycles == cycles


@pytest.mark.parametrize("width", [4, 8])
def test_layout_regions_do_not_overlap_and_per_cpu_is_per_cpu(width: int) -> None:
    lay = Layout(FOOTPRINTS, 4, width)
    spans = [(lay.text[n], lay.text[n] + fp.text_bytes) for n, fp in FOOTPRINTS.items()]
    for name, obj in DATA.items():
        addrs = lay.data[name]
        assert (len(set(addrs)) == 4) == obj.per_cpu
        spans += [(a, a + obj.size) for a in sorted(set(addrs))]
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start
    # above every board's RAM: the guest's own code and data never share an address
    assert spans[0][0] >= 0xC0000000


def test_cold_costs_more_than_warm_by_exactly_the_reported_penalty() -> None:
    k, ops, model, kf = _world()
    for name in ("try_to_wake_up", "hrtimer_interrupt", "__schedule"):
        k.costs.setdefault(name, 1)
        cost = k.costs[name]
        before = model.stats(0)["penalty_cycles"]
        c0 = ops.cycles[0]
        k.enter(name)
        cold = ops.cycles[0] - c0
        penalty = model.stats(0)["penalty_cycles"] - before
        assert penalty > 0 and cold == cost + penalty
        c0 = ops.cycles[0]
        k.enter(name)
        warm = ops.cycles[0] - c0
        assert warm == cost
        assert cold - warm == penalty
        assert model.take(0) == 0  # charged to the core at once, none left pending
    assert sum(kf.penalty) == model.stats(0)["penalty_cycles"]


def test_shared_objects_move_between_cpus_per_cpu_ones_do_not() -> None:
    k, ops, model, _kf = _world()
    k.enter("handle_fasteoi_irq")  # writes the shared irq_desc on CPU 0
    with ops.on_cpu(1):
        k.enter("handle_fasteoi_irq")
    assert model.stats(1)["transfers"] >= 1
    before = model.stats(1)["transfers"]
    with ops.on_cpu(1):
        k.enter("try_to_wake_up")  # per-CPU task and rq: CPU 1's own copies
    assert model.stats(1)["transfers"] == before


def test_touch_regions_is_the_sum_of_its_touches() -> None:
    a = load_hierarchy("cortex-a9").build(2)
    b = load_hierarchy("cortex-a9").build(2)
    lay = Layout(FOOTPRINTS, 2)
    for name in ("irq_enter", "__schedule", "irq_exit"):
        regions = lay.regions(name, FOOTPRINTS[name], 1)
        got = a.touch_regions(1, regions)
        want = sum(b.touch(1, regions[i], regions[i + 1], regions[i + 2])
                   for i in range(0, len(regions), 3))
        assert got == want and a.stats(1) == b.stats(1) and a.take(1) == b.take(1)
    with pytest.raises(ValueError):
        a.touch(0, 0x1000, 4, 3)
    with pytest.raises(ValueError):
        a.touch(0, 0x1000, 0, 0)


@settings(max_examples=20, derandomize=True, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.sampled_from(sorted(FOOTPRINTS))),
                min_size=1, max_size=40))
def test_same_charges_same_penalties(calls: list[tuple[int, str]]) -> None:
    """Deterministic: the same sequence of charges gives the same penalties twice."""
    def run() -> tuple[list[int], list[dict[str, int]]]:
        k, ops, model, kf = _world()
        for cpu, name in calls:
            k.costs.setdefault(name, 1)
            with ops.on_cpu(cpu):
                k.enter(name)
        return kf.penalty, [model.stats(c) for c in range(2)]
    assert run() == run()


def test_one_probe_call_per_charge_and_none_per_guest_access() -> None:
    """With the model on, Python runs once per kernel-function charge (its kprobe), never
    per guest access: the guest's accesses are counted in C far more often."""
    from irqemu.latency import timerlat as tl
    from irqemu.machine.cachemodel import CacheModelOption

    calls = {"probe": 0, "charges": 0, "touches": 0}
    real = KernelFootprint._probe

    def counting(self: KernelFootprint, kernel: Any, name: str, *args: Any) -> None:
        calls["probe"] += 1
        calls["touches"] += len(self._regions[name][0]) // 3
        real(self, kernel, name, *args)

    def count_charge(kernel: Any, name: str, *args: Any) -> None:
        calls["charges"] += 1

    orig_init = KernelFootprint.__init__

    def init(self: KernelFootprint, kernel: Any, *a: Any, **kw: Any) -> None:
        orig_init(self, kernel, *a, **kw)
        for name in self.footprints:
            kernel.register_kprobe(name, count_charge)

    mp = pytest.MonkeyPatch()
    mp.setattr(KernelFootprint, "_probe", counting)
    mp.setattr(KernelFootprint, "__init__", init)
    try:
        with CacheModelOption() as opt:
            tl.measure("mainline", load="idle", arch="arm", rate=None, period_us=1000,
                       duration_ms=3, cpus=2, engine="native", version="4.6",
                       prio=tl.DEFAULT_TIMERLAT_PRIO, seed=0)
    finally:
        mp.undo()
    stats = opt.attached[0].stats()
    accesses = sum(s["fetches"] + s["reads"] + s["writes"] for s in stats)
    assert calls["probe"] == calls["charges"] > 0
    assert accesses - calls["touches"] > calls["probe"]  # the guest's own, all in C


def _timerlat(engine: str, cache: bool, footprint: bool = True) -> tuple[Any, Any]:
    from irqemu.latency import timerlat as tl
    from irqemu.machine.cachemodel import CacheModelOption

    def run() -> Any:
        return tl.measure("rt", load="idle", arch="arm", rate=None, period_us=1000,
                          duration_ms=4, cpus=2, engine=engine, version="4.6",
                          prio=tl.DEFAULT_TIMERLAT_PRIO, seed=0)

    mp = pytest.MonkeyPatch()
    if not footprint:
        import irqemu.kernel.platform as plat
        mp.setattr(plat, "attach_footprints", lambda k, m: None)
    try:
        if not cache:
            tr, oc, _ = run()
            return tr, oc
        with CacheModelOption():
            tr, oc, _ = run()
        return tr, oc
    finally:
        mp.undo()


def _samples(tr: Any) -> list[Any]:
    return [(c.irq.values("cycles"), c.thread.values("cycles")) for c in tr.cpus.values()]


def test_off_attaches_nothing() -> None:
    tr, oc = _timerlat("native", cache=False)
    assert oc.platform.footprint is None
    assert not any(fp in oc.kernel.probes for fp in FOOTPRINTS)


def test_on_identical_on_both_engines_and_costs_the_kernel_path() -> None:
    n, ocn = _timerlat("native", cache=True)
    r, ocr = _timerlat("reference", cache=True)
    assert _samples(n) == _samples(r)
    assert ocn.platform.footprint.penalty == ocr.platform.footprint.penalty
    assert sum(ocn.platform.footprint.penalty) > 0
    bare, _ = _timerlat("native", cache=True, footprint=False)
    # the first period runs the kernel's path cold: it costs more than without footprints
    assert n.cpus[0].irq.values("cycles")[0] > bare.cpus[0].irq.values("cycles")[0]
