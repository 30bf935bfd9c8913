"""build_model from settings, and the switch that stops real provider requests in tests."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.openai import OpenAIChatModel

from shturman.config import LlmSettings
from shturman.llm import LlmNotConfigured, ModelClient, build_model
from shturman.llm.errors import LlmError


@pytest.mark.parametrize(
    ("settings", "missing"),
    [
        (LlmSettings(), "provider"),
        (LlmSettings(provider="openai"), "model"),
        (LlmSettings(provider="openai", model="gpt-4o-mini"), "api_key"),
        (LlmSettings(provider="anthropic", model="claude-sonnet-4-5"), "api_key"),
    ],
    ids=["nothing", "no model", "openai without key", "anthropic without key"],
)
def test_not_configured_says_what_to_set(settings: LlmSettings, missing: str) -> None:
    with pytest.raises(LlmNotConfigured) as caught:
        build_model(settings)
    message = str(caught.value)
    assert missing in message
    for name in (
        "SHTURMAN_LLM__PROVIDER",
        "SHTURMAN_LLM__MODEL",
        "SHTURMAN_LLM__BASE_URL",
        "SHTURMAN_LLM__API_KEY",
        "llm:",
    ):
        assert name in message
    assert "Модель не настроена" in message and "No model is configured" in message
    assert isinstance(caught.value, LlmError)


def test_openai_compatible_server_without_key() -> None:
    model = build_model(
        LlmSettings(
            provider="openai", model="qwen3:8b", base_url="http://127.0.0.1:11434/v1", timeout=7
        )
    )
    assert isinstance(model, OpenAIChatModel)
    assert model.model_name == "qwen3:8b"
    assert str(model.client.base_url) == "http://127.0.0.1:11434/v1/"
    assert model.client.api_key == "not-needed"
    assert model.client.timeout == 7
    assert model.client.max_retries == 0  # ModelClient retries, counting each attempt


def test_openai_ignores_openai_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://evil.invalid/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    model = build_model(LlmSettings(provider="openai", model="gpt-4o-mini", api_key="sk-config"))
    assert isinstance(model, OpenAIChatModel)
    assert str(model.client.base_url) == "https://api.openai.com/v1/"
    assert model.client.api_key == "sk-config"
    with pytest.raises(LlmNotConfigured):
        build_model(LlmSettings(provider="openai", model="gpt-4o-mini"))


def test_anthropic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://evil.invalid")
    model = build_model(
        LlmSettings(provider="anthropic", model="claude-sonnet-4-5", api_key="sk-ant", timeout=12)
    )
    assert isinstance(model, AnthropicModel)
    assert str(model.client.base_url) == "https://api.anthropic.com"
    assert model.client.api_key == "sk-ant"
    assert model.client.timeout == 12 and model.client.max_retries == 0


class Answer(BaseModel):
    ok: bool


@pytest.mark.parametrize(
    "settings",
    [
        LlmSettings(provider="openai", model="gpt-4o-mini", api_key="sk-fake"),
        LlmSettings(provider="anthropic", model="claude-sonnet-4-5", api_key="sk-ant-fake"),
    ],
    ids=["openai", "anthropic"],
)
async def test_real_provider_requests_are_forbidden_in_tests(settings: LlmSettings) -> None:
    # conftest.py calls forbid_real_model_requests(); nothing may reach the network.
    client = ModelClient(build_model(settings), settings, backoff=0.001)
    with pytest.raises(RuntimeError, match="ALLOW_MODEL_REQUESTS"):
        await client.structured(Answer, system="s", prompt="p")
    with pytest.raises(RuntimeError, match="ALLOW_MODEL_REQUESTS"):
        await client.text(system="s", prompt="p")
