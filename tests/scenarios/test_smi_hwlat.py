"""SMIs steal time invisibly; the hwlat-style firmware finds the gaps."""

from __future__ import annotations

import pytest

from irqemu.boards import build_board
from irqemu.devices.smi import SmiSource
from irqemu.scenarios import smi_hwlat

US = 10**6


def test_smi_advances_the_tsc_and_runs_no_guest_code(engine: str) -> None:
    m = build_board("pc", engine=engine, num_cpus=1)
    m.mem_write(0x1000, bytes.fromhex("ebfe"))  # jmp . : a spin
    m.arch.reset(m.cpus[0].core, 0x1000)
    smi = SmiSource(m, duration_ps=50 * US, times_ps=[10 * US])
    m.run(max_time_ps=10 * US)
    core = m.cpus[0].core
    assert len(smi.records) == 1
    rec = smi.records[0]
    assert rec.stolen_cycles == 50 * 4000 and not rec.halted
    assert core.cycles == rec.tsc_before + rec.stolen_cycles, "the TSC jumped"
    frozen = core.instructions
    m.run(max_time_ps=59 * US)
    assert core.instructions == frozen, "no guest code runs during the SMI"
    m.run(max_time_ps=70 * US)
    assert core.instructions > frozen, "after RSM the core runs on"
    assert m.cpus[0].interrupts == {}, "an SMI is no interrupt the OS can see"


def test_smi_source_rejects_nonsense() -> None:
    m = build_board("pc", num_cpus=1)
    with pytest.raises(ValueError):
        SmiSource(m, duration_ps=0)
    with pytest.raises(ValueError):
        SmiSource(m, duration_ps=10, period_ps=5, count=2)


def test_hwlat_finds_every_smi_inside_its_samples() -> None:
    text, facts = smi_hwlat.run()
    assert smi_hwlat.check(facts) == [], text
    assert facts["smis_in_samples"] == 4
    assert sorted(max(i, o) for _, i, o in facts["printed"]) == [50, 50, 50, 50]
    assert {i for _, i, o in facts["printed"]} == {0, 50}, "both inner and outer gaps seen"
    assert "inner/outer(us):" in text


def test_hwlat_without_smis_reports_nothing() -> None:
    _text, facts = smi_hwlat.run(first_us=10**6, nsamples=2)
    assert facts["printed"] == []
    assert all(not r["reported"] for r in facts["samples"])


def test_hwlat_engines_agree() -> None:
    a = smi_hwlat.run(engine="native", nsamples=2)[1]
    b = smi_hwlat.run(engine="reference", nsamples=2)[1]
    assert smi_hwlat.check(b) == []
    a.pop("engine")
    b.pop("engine")
    assert a == b


def test_hwlat_table_names_the_trace_line_of_each_sample() -> None:
    # trace_hwlat's seqnum counts only samples over threshold; the table shows which
    # trace line (#seqnum) each sample produced, so the two numberings can be read together
    text, facts = smi_hwlat.run()
    rows = facts["samples"]
    assert [r["seqnum"] for r in rows if r["reported"]] == [p[0] for p in facts["printed"]]
    assert any(not r["reported"] for r in rows), "some sample saw no SMI"
    for i, r in enumerate(rows):
        line = next(ln for ln in text.splitlines() if ln.split()[:1] == [str(i + 1)])
        assert line.split()[1] == ("-" if r["seqnum"] is None else f"#{r['seqnum']}")
