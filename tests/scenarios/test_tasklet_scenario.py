"""The tasklet scenario: a UART driver's hard IRQ schedules a tasklet, on the cores."""

from __future__ import annotations

import json

import pytest

from irqemu.scenarios import get
from irqemu.scenarios import tasklet as T


@pytest.fixture(scope="module")
def runs() -> dict[str, tuple[str, dict]]:
    return {fl: T.run(fl, bursts=12) for fl in ("mainline", "threadirqs", "rt")}


def test_every_flavour_shows_its_tasklet(runs) -> None:
    for fl, (text, f) in runs.items():
        assert T.check(f) == [], (fl, text)
        assert f["sent"] == f["received"] == f["read"] == 12 * 24
        assert 1 <= f["tasklet_runs"] <= f["handled"] and f["tasklet_softirqs"] >= 1
        assert f["mpstat"]["cpus"][0]["per_s"]["TASKLET"] > 0
        assert "TASKLET/s" in text


def test_where_the_tasklet_runs(runs) -> None:
    ml = runs["mainline"][1]
    assert set(ml["ran_in"]) == {"irq_exit"} and ml["thread"] is None
    (frames, _n), = ml["stacks"]
    assert frames[:4] == ["serial_rx_tasklet", "tasklet_action", "__do_softirq", "irq_exit"]
    for fl in ("threadirqs", "rt"):
        f = runs[fl][1]
        assert f["thread"] == f"irq/{f['irq']}-uart1" and set(f["ran_in"]) == {f["thread"]}
        (frames, _n), = f["stacks"]
        assert frames[-3:] == ["irq_thread", "kthread", "ret_from_fork"]
    rt = runs["rt"][1]["stacks"][0][0]
    assert rt[1:4] == ["tasklet_action", "do_current_softirqs", "__local_bh_enable"]


def test_engines_agree() -> None:
    a = T.run("rt", bursts=4)[1]
    b = T.run("rt", bursts=4, engine="reference")[1]
    for f in (a, b):
        f.pop("engine")
        f["cores"].pop("engine")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_registered_with_its_options() -> None:
    sc = get("tasklet")
    assert sc.name == "tasklet" and "tasklet" in sc.summary
    assert "model_only" not in sc.honours and "emulated core" in sc.refusal("model_only")
