"""Errors of the model layer, all under :class:`shturman.domain.errors.ShturmanError`.

LlmError                  the model could not give an answer
├── LlmNotConfigured      no provider/model set: the message says which settings to fill in
├── LlmBudgetExceeded     a per-run limit was hit (requests, tokens, wall time)
├── LlmBadOutput          the model kept answering something that is not the requested shape
└── LlmUnavailable        the provider kept failing (429, 5xx, timeouts, connection) after retries

Messages never contain the API key.
"""

from __future__ import annotations

from shturman.domain.errors import ShturmanError


class LlmError(ShturmanError):
    """The model could not give an answer."""


class LlmNotConfigured(LlmError):
    """No usable model settings."""

    def __init__(self, detail: str = "") -> None:
        hint = (
            "Модель не настроена: задайте SHTURMAN_LLM__PROVIDER (openai|anthropic), "
            "SHTURMAN_LLM__MODEL, SHTURMAN_LLM__BASE_URL (для OpenAI-совместимых серверов: "
            "Ollama, vLLM, …) и SHTURMAN_LLM__API_KEY, или раздел `llm:` в shturman.yaml. / "
            "No model is configured: set SHTURMAN_LLM__PROVIDER (openai|anthropic), "
            "SHTURMAN_LLM__MODEL, SHTURMAN_LLM__BASE_URL (for OpenAI-compatible servers: "
            "Ollama, vLLM, …) and SHTURMAN_LLM__API_KEY, or the `llm:` section of shturman.yaml."
        )
        super().__init__(f"{detail} {hint}".strip() if detail else hint)
        self.detail = detail


class LlmBudgetExceeded(LlmError):
    """A per-run limit was hit; ``limit`` names which one."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


class LlmBadOutput(LlmError):
    """The model's answer could not be turned into the requested type, even after a retry."""


class LlmUnavailable(LlmError):
    """The provider kept failing with transient errors until retries ran out."""
