"""A sweep's table: one row per point, the point's parameters then its ``--json``
facts flattened (nested dicts as dotted columns, lists as compact JSON), written as
CSV and, where pyarrow is installed, Parquet with a type per column.

Cells are written the same way every time (floats by ``repr``, the shortest text that
reads back as the same float), so equal results give equal bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

Row = dict[str, Any]


def flatten(facts: dict[str, Any], prefix: str = "") -> Row:
    """``{"a": {"b": 1}, "c": [1, 2], "d": [{"e": 3}]}`` -> ``{"a.b": 1, "c": "[1,2]",
    "d.0.e": 3}``: dicts and lists of dicts become columns, other lists JSON text."""
    out: Row = {}
    for key, value in facts.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, name + "."))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.update(flatten({str(i): v for i, v in enumerate(value)}, name + "."))
        elif isinstance(value, (list, tuple, dict)):
            out[name] = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
        else:
            out[name] = value
    return out


def row(index: int, point: dict[str, Any], facts: dict[str, Any] | None,
        error: str | None = None) -> Row:
    """The table row of point ``index``: its number, its parameters, then its facts (a
    fact with a parameter's name and the same value is the parameter's column; a
    different value goes to ``facts.NAME``) or its error."""
    out: Row = {"point": index, **point}
    if error is not None:
        out["error"] = error
    for key, value in flatten(facts or {}).items():
        if key in point or key in ("point", "error"):
            if point.get(key) == value:
                continue
            key = f"facts.{key}"
        out[key] = value
    return out


def columns(rows: Iterable[Row], first: list[str]) -> list[str]:
    """``first`` (point, the parameters) then every other column, sorted."""
    seen = set(first)
    rest = sorted({k for r in rows for k in r if k not in seen})
    return [*first, *rest]


def cell(value: Any) -> str:
    """A value as CSV text: empty for None, true/false, repr for floats."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def csv_text(rows: list[Row], cols: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([cell(r.get(c)) for c in cols])
    return buf.getvalue()


def write_csv(path: str | Path, rows: list[Row], cols: list[str]) -> None:
    Path(path).write_text(csv_text(rows, cols), encoding="utf-8")


def have_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _column_type(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "bool"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int64"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                       for v in present):
        return "float64"
    return "string"


def write_parquet(path: str | Path, rows: list[Row], cols: list[str]) -> None:
    """The table as Parquet: a column of ints is int64, of numbers float64, of bools
    bool, anything else the CSV text; a missing cell is null."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"bool": pa.bool_(), "int64": pa.int64(), "float64": pa.float64(),
             "string": pa.string()}
    arrays = []
    for c in cols:
        values = [r.get(c) for r in rows]
        kind = _column_type(values)
        if kind == "string":
            values = [None if v is None else cell(v) for v in values]
        elif kind == "float64":
            values = [None if v is None else float(v) for v in values]
        arrays.append(pa.array(values, type=types[kind]))
    pq.write_table(pa.table(arrays, names=cols), str(path))


__all__ = ["Row", "cell", "columns", "csv_text", "flatten", "have_pyarrow", "row",
           "write_csv", "write_parquet"]
