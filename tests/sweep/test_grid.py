"""A sweep's grid: values and ranges per axis, the points' product in the target's
order, and every refusal one line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.sweep.grid import MAX_POINTS, Axis, GridError, points

RATE = Axis("--rate", "rate", float)
CPUS = Axis("--cpus", "cpus", int)
KERNEL = Axis("--kernel", "kernel", str, ("mainline", "threadirqs", "rt"))


def test_lists_and_ranges() -> None:
    assert KERNEL.parse("mainline,rt") == ["mainline", "rt"]
    assert RATE.parse("1e5,2e5") == [100_000.0, 200_000.0]
    assert RATE.parse("100000:1488095:5")[0] == 100_000.0
    assert RATE.parse("100000:1488095:5")[-1] == 1_488_095.0
    assert CPUS.parse("1:4:4") == [1, 2, 3, 4]
    assert CPUS.parse("0x2") == [2]
    assert RATE.parse("5:5:1") == [5.0]


@pytest.mark.parametrize(("axis", "spec", "why"), [
    (KERNEL, "mainline,linux", "'linux': not one of mainline, threadirqs, rt"),
    (KERNEL, "", "no values"),
    (RATE, "fast", "not a number"),
    (RATE, "inf", "not a finite number"),
    (RATE, "1:2", "a range is LO:HI:N"),
    (RATE, "1:2:x", "must be an integer"),
    (RATE, "1:2:1", "N must be from 2"),
    (RATE, "2:1:3", "HI is below LO"),
    (CPUS, "1.5", "not an integer"),
    (CPUS, "1:2:3", "given twice"),
    (KERNEL, "rt,rt", "given twice"),
])
def test_bad_specs(axis: Axis, spec: str, why: str) -> None:
    with pytest.raises(GridError) as info:
        axis.parse(spec)
    assert why in str(info.value) and "\n" not in str(info.value)


def test_points_are_the_product_in_axis_order() -> None:
    pts = points([(KERNEL, ["mainline", "rt"]), (CPUS, [1, 2, 3])])
    assert len(pts) == 6
    assert pts[0] == {"kernel": "mainline", "cpus": 1}
    assert pts[-1] == {"kernel": "rt", "cpus": 3}
    assert points([]) == [{}]


def test_too_many_points() -> None:
    with pytest.raises(GridError, match="at most"):
        points([(CPUS, list(range(1000))), (RATE, [float(x) for x in range(MAX_POINTS)])])


@settings(max_examples=60, derandomize=True, deadline=None)
@given(lo=st.integers(-10**6, 10**6), span=st.integers(0, 10**6), n=st.integers(2, 50))
def test_integer_range(lo: int, span: int, n: int) -> None:
    """LO:HI:N gives N increasing integers from LO to HI, or says a value repeats."""
    hi = lo + span
    try:
        v = CPUS.parse(f"{lo}:{hi}:{n}")
    except GridError as exc:
        assert "given twice" in str(exc) and span < n - 1  # fewer integers than points
        return
    assert len(v) == n and v[0] == lo and v[-1] == hi
    assert all(a < b for a, b in zip(v, v[1:], strict=False))


@settings(max_examples=60, derandomize=True, deadline=None)
@given(lo=st.floats(0, 1e7), span=st.floats(1, 1e7), n=st.integers(2, 50))
def test_float_range(lo: float, span: float, n: int) -> None:
    v = RATE.parse(f"{lo!r}:{lo + span!r}:{n}")
    assert len(v) == n and v[0] == lo and v[-1] == pytest.approx(lo + span)
    assert all(a < b for a, b in zip(v, v[1:], strict=False))
