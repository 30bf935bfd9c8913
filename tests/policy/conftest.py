from __future__ import annotations

import pytest

from shturman.policy import Policy


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy.load()
