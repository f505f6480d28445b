"""``irqemu sweep``: a grid of runs (a scenario or a latency tool x kernel flavour x
version x rate x seed ...) written as one table, a row per point: the point's
parameters and its ``--json`` facts flattened.

Every point is deterministic, so the table is the same bytes whether the points ran
one after another, on local processes (``--jobs``) or on a Dask cluster (``--dask``).
"""
