"""Shared fixtures, and hypothesis made deterministic for the whole suite."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

# Tests are deterministic: hypothesis derives its examples from each test's name
# (derandomize) and keeps no example database between runs.
settings.register_profile("irqemu", derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("irqemu")


@pytest.fixture(params=["native", "reference"])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)
