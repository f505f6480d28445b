"""The kernel-model tests run with the fentry check (kfakes.checked_fentry)."""

from kfakes import checked_fentry

__all__ = ["checked_fentry"]
