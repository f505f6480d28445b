"""Device unit tests get a fresh FakeMachine (devfakes.py) as ``machine``."""

from __future__ import annotations

import pytest
from devfakes import FakeMachine


@pytest.fixture
def machine() -> FakeMachine:
    return FakeMachine()
