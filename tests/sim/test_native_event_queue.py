"""The native event queue (irqemu._core.fabric) against irqemu.sim.events, call for call."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from irqemu._core.fabric import EventQueue as NativeQueue

from irqemu.errors import LivelockError
from irqemu.sim.events import EventQueue

_ops = st.lists(st.one_of(
    st.tuples(st.just("schedule"), st.integers(0, 50), st.integers(0, 3)),
    st.tuples(st.just("cancel"), st.integers(0, 40), st.just(0)),
    st.tuples(st.just("pop"), st.integers(0, 60), st.just(0)),
    st.tuples(st.just("peek"), st.just(0), st.just(0)),
), max_size=80)


def _run(queue: object, ops: list[tuple[str, int, int]]) -> list[object]:
    out: list[object] = []
    handles = []
    scheduled: list[int] = []
    q = queue
    q.on_schedule = scheduled.append  # type: ignore[attr-defined]
    for op, a, b in ops:
        if op == "schedule":
            handles.append(q.schedule(a, lambda a=a, b=b: out.append(("fired", a, b)), f"e{b}"))
        elif op == "cancel" and handles:
            handles[a % len(handles)].cancel()
        elif op == "pop":
            ev = q.pop_due(a)  # type: ignore[attr-defined]
            out.append(None if ev is None else (ev.when, ev.name))
            if ev is not None:
                ev.fn()
        else:
            out.append(q.peek_time())  # type: ignore[attr-defined]
        out.append(len(q))  # type: ignore[arg-type]
    out.append(scheduled)
    return out


@settings(max_examples=300, deadline=None)
@given(ops=_ops)
def test_native_queue_orders_cancels_and_counts_as_the_python_one(ops: list) -> None:
    assert _run(NativeQueue(), ops) == _run(EventQueue(), ops)


def test_native_queue_livelock_message_is_the_python_one() -> None:
    msgs = []
    for q in (NativeQueue(), EventQueue()):
        def again(q: object = q) -> None:
            q.schedule(7, again, "spin")  # type: ignore[attr-defined]

        q.schedule(7, again, "spin")
        try:
            while (ev := q.pop_due(7)) is not None:
                ev.fn()
        except LivelockError as exc:
            msgs.append(str(exc))
    assert len(msgs) == 2 and msgs[0] == msgs[1]
