"""Running a sweep's points: one after another, on local processes
(``concurrent.futures.ProcessPoolExecutor``) or on a Dask cluster
(``dask.distributed.Client``). A point goes out as plain data (the target's name,
its number and values) and comes back as its table row, so where it ran does not
show in the table; rows are put back in point order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from irqemu.sweep.table import Row, row

#: a callback after each finished point (the progress bar's update)
Done = Callable[[], None]


def run_point(target: str, index: int, point: dict[str, Any]) -> Row:
    """Run one point (in whatever process this is) and return its row; a point that
    fails gives a row with its ``error`` instead of facts."""
    from irqemu.progress import silenced
    from irqemu.sweep.targets import get

    try:
        with silenced():  # a scenario's own bars (napi-storm --sweep) stay off
            facts = get(target).run(dict(point))
    except Exception as exc:  # the point's failure is data in its row
        return row(index, point, None, f"{type(exc).__name__}: {exc}")
    return row(index, point, facts)


def _ordered(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: int(r["point"]))


def run_serial(target: str, points: list[dict[str, Any]], done: Done) -> list[Row]:
    """Every point in this process, in order."""
    out = []
    for i, p in enumerate(points):
        out.append(run_point(target, i, p))
        done()
    return out


def run_local(target: str, points: list[dict[str, Any]], jobs: int, done: Done) -> list[Row]:
    """The points on ``jobs`` fresh local processes (spawned: nothing of this
    process's state, such as a progress bar's thread, is inherited)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        futures = [pool.submit(run_point, target, i, p) for i, p in enumerate(points)]
        rows = []
        for f in as_completed(futures):
            rows.append(f.result())
            done()
    return _ordered(rows)


def connect(address: str, timeout_s: float = 10.0) -> Any:
    """A Dask client of the scheduler at ``address``, or a one-line ConnectionError."""
    from distributed import Client

    try:
        return Client(address, timeout=f"{timeout_s}s")
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(f"--dask {address}: cannot reach the scheduler "
                              f"({type(exc).__name__}: {exc})") from None


def run_dask(target: str, points: list[dict[str, Any]], client: Any, done: Done) -> list[Row]:
    """The points as tasks of the Dask cluster behind ``client``; every worker must
    have this irqemu installed (the task names the target, the worker runs it)."""
    from distributed import as_completed

    # pure: a point's row depends on its arguments alone, so Dask may share equal ones
    futures = client.map(run_point, [target] * len(points), list(range(len(points))),
                         points, pure=True)
    rows = []
    for f in as_completed(futures):
        rows.append(f.result())
        done()
    return _ordered(rows)


__all__ = ["connect", "run_dask", "run_local", "run_point", "run_serial"]
