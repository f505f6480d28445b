"""Hypothesis' ``find`` made a function of its seed alone, whatever ran before it.

Hypothesis (6.131 and later) draws some integers from a pool of constants it
collects from the source of every *local* module imported so far (irqemu's own
modules count). That pool grows as a process imports more of irqemu, so the same
search with the same seed drew other schedules after, say, a ``fuzz genirq``
campaign than in a fresh process. :func:`find_seeded` runs ``find`` with that
pool empty and a private cache of it, and puts both back afterwards: only the
seed decides (the constants hypothesis ships with still apply).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def no_local_constants() -> Iterator[None]:
    """Within: hypothesis draws no constant collected from imported modules."""
    try:
        from hypothesis.internal.conjecture import providers as prov
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # a hypothesis without the pool: nothing depends on imports
        yield
        return
    if not (hasattr(prov, "_get_local_constants") and hasattr(prov, "CONSTANTS_CACHE")):
        yield
        return
    saved = prov._get_local_constants, prov.CONSTANTS_CACHE
    empty = Constants()
    prov._get_local_constants = lambda: empty
    prov.CONSTANTS_CACHE = type(saved[1])(1024)  # no entry made from the shared pool
    try:
        yield
    finally:
        prov._get_local_constants, prov.CONSTANTS_CACHE = saved


def find_seeded(strategy: Any, condition: Callable[[Any], bool], settings: Any,
                seed: int) -> Any:
    """``hypothesis.find`` driven by ``random.Random(seed)`` and nothing else."""
    from hypothesis import find

    with no_local_constants():
        return find(strategy, condition, settings=settings, random=random.Random(seed))


__all__ = ["find_seeded", "no_local_constants"]
