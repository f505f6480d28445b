"""model_stack's memo of the frames above a long-lived caller, and frame runs.

model_stack remembers the model names above the second model frame of its last
walk; these tests compare it with a plain walk of every frame, over random call
shapes, generators resumed from different stacks, frame runs whose frames move,
and the limit.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from irqemu.kernel.context import FRAME_RUN, KFUNC_CODES, frame_run, kfunc, model_stack


def plain_walk(limit: int = 64) -> list[str]:
    """model_stack without the memo: every frame, every time."""
    out: list[str] = []
    f = sys._getframe(1)
    while f is not None and len(out) < limit:
        name = KFUNC_CODES.get(f.f_code)
        if name is not None:
            out.extend(f.f_locals["frames"] if name is FRAME_RUN else (name,))
        f = f.f_back  # type: ignore[assignment]
    return out[:limit]


Probe = Callable[[], None]


@kfunc("fn_a", stack=True)
def fn_a(rest: list[int], probe: Probe) -> None:
    step(rest, probe)


@kfunc("fn_b", stack=True)
def fn_b(rest: list[int], probe: Probe) -> None:
    step(rest, probe)


def plain(rest: list[int], probe: Probe) -> None:
    step(rest, probe)


@frame_run
def run_ab(rest: list[int], probe: Probe) -> None:
    frames = ("run_inner", "run_outer")
    step(rest[:1], probe)
    frames = ("run_outer",)  # noqa: F841 (read through the frame's locals)
    step(rest[1:], probe)


def step(rest: list[int], probe: Probe) -> None:
    """Probe here (twice: the second walk may use the memo), then go deeper."""
    probe()
    probe()
    if rest:
        (fn_a, fn_b, plain, run_ab)[rest[0] % 4](rest[1:], probe)
        probe()


@given(st.lists(st.integers(0, 3), max_size=12), st.integers(1, 12))
def test_the_memo_gives_what_a_plain_walk_gives(shape: list[int], limit: int) -> None:
    seen: list[tuple[list[str], list[str]]] = []

    def probe() -> None:
        seen.append((model_stack(limit), plain_walk(limit)))
        seen.append((model_stack(), plain_walk()))

    for _ in range(2):  # and again, from the same place
        step(shape, probe)
    assert seen and all(got == want for got, want in seen)


@kfunc("gen_task", stack=True)
def gen_task(probe: Probe) -> Generator[None, None, None]:
    while True:
        inner(probe)
        yield


@kfunc("gen_inner", stack=True)
def inner(probe: Probe) -> None:
    probe()


@kfunc("resumer_x", stack=True)
def resumer_x(g: Generator[None, None, None]) -> None:
    next(g)


@kfunc("resumer_y", stack=True)
def resumer_y(g: Generator[None, None, None]) -> None:
    next(g)


def test_a_generator_resumed_from_another_stack_is_not_remembered() -> None:
    """gen_task is the second model frame of each walk; it lives on between
    resumptions, from resumer_x and then resumer_y: the names above it change."""
    got: list[list[str]] = []
    g = gen_task(lambda: got.append(model_stack()[:3]))
    resumer_x(g)
    resumer_y(g)
    resumer_x(g)
    assert got == [["gen_inner", "gen_task", "resumer_x"], ["gen_inner", "gen_task", "resumer_y"],
                   ["gen_inner", "gen_task", "resumer_x"]]


def test_a_frame_run_anchor_shows_its_frames_of_the_moment() -> None:
    """A frame run as the remembered frame: its own names are read each time."""
    got: list[Any] = []

    @kfunc("leaf_fn", stack=True)
    def leaf() -> None:
        got.append(model_stack()[:3])

    @frame_run
    def moving() -> None:
        frames = ("first",)
        leaf()
        leaf()
        frames = ("second", "first")  # noqa: F841 (read through the frame's locals)
        leaf()

    @kfunc("outer_fn", stack=True)
    def outer() -> None:
        moving()

    outer()
    assert got == [["leaf_fn", "first", "outer_fn"]] * 2 + [["leaf_fn", "second", "first"]]


def test_a_task_stack_ends_at_ret_from_fork() -> None:
    # a kthread run from inside a hard IRQ's frames (as the default runner and the
    # host call do) shows only its own frames, down to ret_from_fork
    from irqemu.kernel.context import Task, kfunc, model_stack, ret_from_fork

    seen: list[list[str]] = []

    @kfunc("gic_handle_irq")
    def outer() -> None:
        ret_from_fork(Task(99, "irq/9-x", fn=lambda: seen.append(model_stack())))

    outer()
    assert seen == [["kthread", "ret_from_fork"]]
