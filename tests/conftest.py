"""Shared fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["native", "reference"])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)
