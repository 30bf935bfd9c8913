"""ModelClient through the real openai SDK against the loopback ScriptedOpenAIServer."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from shturman.config import LlmSettings
from shturman.llm import (
    LlmBadOutput,
    LlmBudgetExceeded,
    LlmUnavailable,
    ModelClient,
    UsageMeter,
    build_model,
)
from shturman.observability import metrics
from tests.llm.scripted import GOOD, Diagnosis
from tests.llmserver import (
    Delay,
    HttpError,
    Reply,
    ScriptedOpenAIServer,
    ScriptItem,
    ToolCall,
)

KEY = "sk-test-0123456789-secret"


def connect(srv: ScriptedOpenAIServer, **overrides: Any) -> ModelClient:
    settings = LlmSettings(
        **(
            {
                "provider": "openai",
                "base_url": srv.base_url,
                "model": "scripted",
                "api_key": KEY,
                "max_retries": 2,
                "timeout": 5.0,
            }
            | overrides
        )
    )
    return ModelClient(build_model(settings), settings, UsageMeter(settings), backoff=0.001)


def retries() -> float:
    return float(metrics.LLM_REQUESTS.labels(result="retry")._value.get())


async def test_structured_through_a_tool_call() -> None:
    reply = Reply(tool_calls=[ToolCall.output(GOOD)], prompt_tokens=321, completion_tokens=45)
    with ScriptedOpenAIServer([reply]) as srv:
        client = connect(srv)
        answer = await client.structured(Diagnosis, system="You diagnose.", prompt="nginx?")
    assert answer == Diagnosis(**GOOD)
    body = srv.completions[0].json
    assert body["model"] == "scripted"
    assert [t["function"]["name"] for t in body["tools"]] == ["final_result"]
    assert body["tool_choice"] == "required"
    assert body["messages"][0] == {"role": "system", "content": "You diagnose."}
    assert body["messages"][-1] == {"role": "user", "content": "nginx?"}
    assert client.usage.as_json() == {
        "requests": 1,
        "input_tokens": 321,
        "output_tokens": 45,
        "cost": 0.0,
    }


async def test_structured_through_the_text_protocol() -> None:
    text = f"<think>nginx is down</think>\n```json\n{json.dumps(GOOD)}\n```"
    with ScriptedOpenAIServer([Reply(content=text)]) as srv:
        answer = await connect(srv).structured(
            Diagnosis, system="s", prompt="p", native_tools=False
        )
    assert answer.actions == ["restart nginx"]
    body = srv.completions[0].json
    assert "tools" not in body
    assert "JSON Schema" in body["messages"][0]["content"]


async def test_server_without_tools_falls_back_to_text() -> None:
    script: list[ScriptItem] = [
        HttpError(400, "registry.ollama.ai/library/gemma:2b does not support tools"),
        Reply(content=json.dumps(GOOD)),
    ]
    with ScriptedOpenAIServer(script) as srv:
        answer = await connect(srv).structured(Diagnosis, system="s", prompt="p")
    assert answer.service == "nginx"
    assert "tools" in srv.completions[0].json and "tools" not in srv.completions[1].json


async def test_validation_error_goes_back_to_the_model() -> None:
    script = [Reply(content='{"service": "nginx"}'), Reply(content=json.dumps(GOOD))]
    with ScriptedOpenAIServer(script) as srv:
        await connect(srv).structured(Diagnosis, system="s", prompt="p", native_tools=False)
    retry_turn = srv.completions[1].json["messages"][-1]
    assert retry_turn["role"] == "user" and "healthy" in retry_turn["content"]


async def test_garbage_twice_is_bad_output() -> None:
    script = [Reply(content="no idea"), Reply(content="sorry")]
    with ScriptedOpenAIServer(script) as srv, pytest.raises(LlmBadOutput):
        await connect(srv).structured(Diagnosis, system="s", prompt="p", native_tools=False)
    assert len(srv.completions) == 2


async def test_rate_limit_then_success_is_retried() -> None:
    before = retries()
    with ScriptedOpenAIServer([HttpError(429, "slow down"), Reply(content="fine")]) as srv:
        client = connect(srv)
        assert await client.text(system="s", prompt="p") == "fine"
    assert len(srv.completions) == 2
    assert retries() == before + 1
    assert client.usage.requests == 2


async def test_server_errors_exhaust_retries() -> None:
    with ScriptedOpenAIServer([HttpError(500) for _ in range(5)]) as srv:
        client = connect(srv, max_retries=2)
        with pytest.raises(LlmUnavailable) as caught:
            await client.text(system="s", prompt="p")
    assert len(srv.completions) == 3 and srv.remaining == 2
    assert KEY not in str(caught.value)


async def test_timeouts_are_retried_then_fail() -> None:
    with ScriptedOpenAIServer([Delay(1.0), Delay(1.0), Reply(content="never")]) as srv:
        client = connect(srv, max_retries=1, timeout=0.2)
        with pytest.raises(LlmUnavailable):
            await client.text(system="s", prompt="p")
    assert len(srv.completions) == 2


async def test_timeout_then_success() -> None:
    with ScriptedOpenAIServer([Delay(1.0), Reply(content="on time")]) as srv:
        client = connect(srv, max_retries=1, timeout=0.2)
        assert await client.text(system="s", prompt="p") == "on time"


async def test_text_strips_thinking() -> None:
    with ScriptedOpenAIServer([Reply(content="<think>plan</think>\nОтчёт готов.")]) as srv:
        assert await connect(srv).text(system="s", prompt="p") == "Отчёт готов."


async def test_api_key_goes_only_into_the_auth_header() -> None:
    with ScriptedOpenAIServer([Reply(tool_calls=[ToolCall.output(GOOD)]), HttpError(401)]) as srv:
        client = connect(srv, max_retries=0)
        answer = await client.structured(Diagnosis, system="s", prompt="p")
        with pytest.raises(Exception) as caught:
            await client.text(system="s", prompt="p")
    assert all(r.bearer == KEY for r in srv.completions)
    assert all(KEY not in json.dumps(r.json) for r in srv.requests)
    returned = [
        answer.model_dump_json(),
        json.dumps(client.usage.as_json()),
        repr(client.usage),
        str(caught.value),
        repr(caught.value),
    ]
    assert not any(KEY in text for text in returned)


async def test_dynamic_responder_acts_as_a_planner() -> None:
    def planner(request: dict[str, Any]) -> Reply:
        asked = request["messages"][-1]["content"]
        service = "redis" if "redis" in asked else "nginx"
        return Reply(tool_calls=[ToolCall.output(GOOD | {"service": service})])

    with ScriptedOpenAIServer(planner) as srv:
        client = connect(srv)
        first = await client.structured(Diagnosis, system="s", prompt="check redis")
        second = await client.structured(Diagnosis, system="s", prompt="check the web")
    assert (first.service, second.service) == ("redis", "nginx")


async def test_models_endpoint_and_unscripted_requests() -> None:
    with ScriptedOpenAIServer([], model="qwen3:8b") as srv:
        async with httpx.AsyncClient(timeout=5) as http:
            listing = (await http.get(f"{srv.base_url}/models")).json()
            over = await http.post(f"{srv.base_url}/chat/completions", json={"messages": []})
    assert listing["data"][0]["id"] == "qwen3:8b"
    assert over.status_code == 500 and srv.unscripted == 1


async def test_run_deadline_cuts_a_slow_request() -> None:
    with ScriptedOpenAIServer([Delay(2.0)]) as srv:
        settings = LlmSettings(provider="openai", base_url=srv.base_url, model="scripted")
        meter = UsageMeter.with_timeout(settings, 0.3)
        client = ModelClient(build_model(settings), settings, meter, backoff=0.001)
        with pytest.raises(LlmBudgetExceeded) as caught:
            await client.text(system="s", prompt="p")
    assert caught.value.limit == "wall_time"
    assert len(srv.completions) == 1
