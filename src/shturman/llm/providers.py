"""Provider setup: a pydantic-ai model from :class:`LlmSettings`, and the test-time guard.

The SDK clients are built here, explicitly, so nothing falls back to ``OPENAI_*`` /
``ANTHROPIC_*`` environment variables: the only source of settings is ``config.py``. The SDKs'
own retries are off (``max_retries=0``); :class:`~shturman.llm.client.ModelClient` retries with
backoff and counts every attempt.
"""

from __future__ import annotations

import pydantic_ai.models
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI
from pydantic_ai.models import Model
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.providers.openai_compatible import OpenAICompatibleProvider

from shturman.config import LlmSettings
from shturman.llm.errors import LlmNotConfigured

OPENAI_URL = "https://api.openai.com/v1"
ANTHROPIC_URL = "https://api.anthropic.com"
KEYLESS = "not-needed"  # local OpenAI-compatible servers (Ollama, llama.cpp) ignore the key


def build_model(settings: LlmSettings) -> Model:
    """The configured model. Raises :class:`LlmNotConfigured` when settings are incomplete."""
    if settings.provider is None or not settings.model:
        missing = "provider" if settings.provider is None else "model"
        raise LlmNotConfigured(f"llm.{missing} is not set.")
    key = settings.api_key.get_secret_value() if settings.api_key is not None else None
    if settings.provider == "openai":
        return _openai(settings.model, settings.base_url, key, settings.timeout)
    return _anthropic(settings.model, settings.base_url, key, settings.timeout)


def _openai(model: str, base_url: str | None, key: str | None, timeout: float) -> Model:
    if base_url is None and not key:
        raise LlmNotConfigured("llm.api_key is required for api.openai.com.")
    client = AsyncOpenAI(
        base_url=base_url or OPENAI_URL, api_key=key or KEYLESS, timeout=timeout, max_retries=0
    )
    if base_url is None:
        return OpenAIChatModel(model, provider=OpenAIProvider(openai_client=client))
    # Another server speaking the OpenAI API: a generic profile, not OpenAI-only features.
    provider = OpenAICompatibleProvider("openai-compatible", openai_client=client)
    return OpenAIChatModel(model, provider=provider)


def _anthropic(model: str, base_url: str | None, key: str | None, timeout: float) -> Model:
    if base_url is None and not key:
        raise LlmNotConfigured("llm.api_key is required for api.anthropic.com.")
    client = AsyncAnthropic(
        api_key=key or KEYLESS, base_url=base_url or ANTHROPIC_URL, timeout=timeout, max_retries=0
    )
    return AnthropicModel(model, provider=AnthropicProvider(anthropic_client=client))


def forbid_real_model_requests() -> None:
    """Make any request through a real provider model fail at once (tests call this).

    ``FunctionModel``/``TestModel`` keep working; pydantic-ai's provider models raise
    ``RuntimeError`` before touching the network.
    """
    pydantic_ai.models.ALLOW_MODEL_REQUESTS = False
