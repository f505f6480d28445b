"""Modelled Linux irqchip drivers: they reach their hardware only through ChipIO."""
