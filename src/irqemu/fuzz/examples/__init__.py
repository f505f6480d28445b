"""Example drivers for ``irqemu fuzz genirq``, each with a bug the search finds and a
fixed version that survives the same search (``irqemu fuzz genirq
irqemu.fuzz.examples.ring:buggy``)."""
