"""Model-layer tests: no real provider request may leave the process.

Tests against the loopback :class:`tests.llmserver.ScriptedOpenAIServer` lift the switch for
the server's lifetime.
"""

from __future__ import annotations

from collections.abc import Iterator

import pydantic_ai.models
import pytest

from shturman.llm import forbid_real_model_requests


@pytest.fixture(autouse=True)
def _no_real_model_requests() -> Iterator[None]:
    before = pydantic_ai.models.ALLOW_MODEL_REQUESTS
    forbid_real_model_requests()
    yield
    pydantic_ai.models.ALLOW_MODEL_REQUESTS = before
