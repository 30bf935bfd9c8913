"""The model layer: provider set-up, typed answers, per-run budgets, a response cache.

``build_model(settings)`` makes a pydantic-ai model; ``ModelClient`` asks it for pydantic objects
(tool output, with a plain-text JSON fallback) or plain text, retrying transient failures and
counting every request into a ``UsageMeter``. Errors: see :mod:`shturman.llm.errors`.
"""

from shturman.llm.cache import ResponseCache
from shturman.llm.client import ModelClient
from shturman.llm.errors import (
    LlmBadOutput,
    LlmBudgetExceeded,
    LlmError,
    LlmNotConfigured,
    LlmUnavailable,
)
from shturman.llm.loose_json import LooseJsonError, parse_json_loose, strip_thinking
from shturman.llm.metered import MeteredModel
from shturman.llm.providers import build_model, forbid_real_model_requests
from shturman.llm.usage import Usage, UsageMeter

__all__ = [
    "LlmBadOutput",
    "LlmBudgetExceeded",
    "LlmError",
    "LlmNotConfigured",
    "LlmUnavailable",
    "LooseJsonError",
    "MeteredModel",
    "ModelClient",
    "ResponseCache",
    "Usage",
    "UsageMeter",
    "build_model",
    "forbid_real_model_requests",
    "parse_json_loose",
    "strip_thinking",
]
