"""Reading a saved replay file: one shape check shared by ``fuzz run`` and ``fuzz genirq``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_replay(path: str | Path, fmt: str, what: str, keys: tuple[tuple[str, type], ...],
                error: type[Exception]) -> dict[str, Any]:
    """The file's JSON if it is a ``fmt`` file with every key of the right kind;
    otherwise ``error`` with one line naming the file and what is wrong."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    except json.JSONDecodeError as exc:
        raise error(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("format") != fmt:
        raise error(f"{path}: not an {what} file (no \"format\": \"{fmt}\")")
    for key, kind in keys:
        if not isinstance(data.get(key), kind):
            raise error(f"{path}: missing or bad {key!r}")
    return data


__all__ = ["read_replay"]
