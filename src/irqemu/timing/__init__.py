"""Cost models: instruction class -> modelled cycles, per core type, with sources."""

from irqemu.timing.costmodel import BlockCoster, CostModel, CostModelError, load_cost_model

__all__ = ["BlockCoster", "CostModel", "CostModelError", "load_cost_model"]
