"""napi-storm's per-frame fast paths (the FEC's receive and fec_enet_rx_queue on the
native ring view, the per-poll stackcount) against their Python references: the
same run gives the same facts, every figure and stack count."""

from __future__ import annotations

from typing import Any

import pytest

from irqemu.devices import imx_fec
from irqemu.kernel.drivers import fec
from irqemu.scenarios import _rxstorm
from irqemu.scenarios._rxstorm import reference_rx_paths
from irqemu.scenarios.napi_storm import run

pytest.importorskip("irqemu._core.fecring")


def _facts(flavour: str, rate: float) -> dict[str, Any]:
    return run(flavour, rate=rate, duration_ms=2.0, calm_rate=20_000, calm_ms=0.5)[1]


@pytest.mark.parametrize(("flavour", "rate"), [("rt", 1_488_095), ("mainline", 1_488_095),
                                               ("threadirqs", 300_000)])
def test_fast_paths_match_the_reference(flavour: str, rate: float) -> None:
    fast = _facts(flavour, rate)
    with reference_rx_paths():
        assert imx_fec.RX_PATH == fec.RX_PATH == "reference"
        ref = _facts(flavour, rate)
    assert fec.RX_PATH == "native" and _rxstorm.STACKCOUNT is _rxstorm.PollStackCount
    assert fast["delivered"] > 500
    assert (fast["dropped"] > 0) == (rate > 1e6)  # line rate overflows the ring
    assert fast == ref


def test_the_fast_paths_are_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside reference_rx_paths the Python loops do not run on the board."""

    def refuse(*args: object) -> Any:
        raise AssertionError("a reference path ran")

    polls: list[int] = []
    view_loop = fec._rx_queue_view

    def counted(fep: Any, budget: int, view: Any) -> int:
        polls.append(budget)
        return view_loop(fep, budget, view)

    monkeypatch.setattr(imx_fec.ImxFEC, "_receive_one_ref", refuse)
    # the traffic's events are RxRun's one call: the FEC's Python receive runs once
    # (the first frame makes the ring view), its drops/drop never
    receives: list[bytes] = []
    receive = imx_fec.ImxFEC.receive

    def counted_receive(dev: Any, frame: bytes) -> bool:
        receives.append(frame)
        return receive(dev, frame)

    monkeypatch.setattr(imx_fec.ImxFEC, "receive", counted_receive)
    monkeypatch.setattr(imx_fec.ImxFEC, "drops", refuse)
    monkeypatch.setattr(imx_fec.ImxFEC, "drop", refuse)
    monkeypatch.setattr(_rxstorm.StackCount, "_hit", refuse)
    monkeypatch.setattr(fec, "_rx_queue_view", counted)
    facts = _facts("rt", 1_488_095)
    assert facts["delivered"] > 500 and len(polls) == facts["polls"]
    assert len(receives) == 1 and facts["dropped"] > 0
