"""Latency tools on the emulated cores: irqemu timerlat (rtla timerlat) and irqemu cyclictest."""
