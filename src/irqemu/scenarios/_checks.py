"""Checks the network-load scenarios share: every offered frame accounted for, and
the emulated cores really took the interrupts and switched tasks."""

from __future__ import annotations

from typing import Any


def delivery_problems(facts: dict[str, Any]) -> list[str]:
    """Frames neither received nor dropped, and cores that took no hard IRQ or made no
    context switch (``facts["cores"]`` is None or absent on ``--model-only``)."""
    out: list[str] = []
    lost = facts["arrived"] - facts["received"] - facts.get("dropped", 0)
    if lost:
        out.append(f"{lost} of {facts['arrived']} frames neither received nor dropped")
    cores = facts.get("cores")
    if cores is not None and not (cores["hard_irqs"] and cores["context_switches"]):
        out.append(f"the cores took {cores['hard_irqs']} hard IRQs and made "
                   f"{cores['context_switches']} context switches")
    return out


__all__ = ["delivery_problems"]
