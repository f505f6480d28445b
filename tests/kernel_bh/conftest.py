"""The bottom-half tests share tests/kernel's helpers (kfakes) and its fentry check."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "kernel"))

from kfakes import checked_fentry  # noqa: E402

__all__ = ["checked_fentry"]
