"""ModelClient against a scripted FunctionModel: both protocols, retries, budget, cache."""

from __future__ import annotations

import json

import pytest
from pydantic_ai.exceptions import ModelHTTPError

from shturman.llm import (
    LlmBadOutput,
    LlmBudgetExceeded,
    LlmError,
    LlmUnavailable,
    ModelClient,
    ResponseCache,
    UsageMeter,
)
from shturman.observability import metrics
from tests.llm.scripted import GOOD, Diagnosis, ScriptedModel, Tools, settings


def client(script: ScriptedModel, **kwargs: object) -> ModelClient:
    config = kwargs.pop("config", None) or settings()
    return ModelClient(script.model, config, backoff=0.001, **kwargs)  # type: ignore[arg-type]


def counter(result: str) -> float:
    return float(metrics.LLM_REQUESTS.labels(result=result)._value.get())


async def test_native_tool_output() -> None:
    script = ScriptedModel([Tools(GOOD)])
    answer = await client(script).structured(Diagnosis, system="You diagnose.", prompt="nginx?")
    assert answer == Diagnosis(**GOOD)
    assert [t.name for t in script.seen[0].output_tools] == ["final_result"]
    assert script.seen[0].instructions == "You diagnose."
    assert script.prompts == ["nginx?"]


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(GOOD),
        f"```json\n{json.dumps(GOOD, indent=2)}\n```",
        f'<think>The user wants {{"service": "x"}}. Let me check.</think>\n{json.dumps(GOOD)}',
        f"Sure! Here is the diagnosis:\n{json.dumps(GOOD)}\nLet me know if you need more.",
        f"<think>hmm</think>Result:\n```\n{json.dumps(GOOD)}\n```\nDone.",
    ],
    ids=["bare", "fenced", "think", "prose", "think+fence+prose"],
)
async def test_text_protocol_reads_wrapped_json(text: str) -> None:
    script = ScriptedModel([text])
    answer = await client(script).structured(
        Diagnosis, system="You diagnose.", prompt="nginx?", native_tools=False
    )
    assert answer == Diagnosis(**GOOD)
    info = script.seen[0]
    assert info.output_tools == [] and info.allow_text_output
    assert info.instructions is not None
    assert info.instructions.startswith("You diagnose.")
    assert '"healthy"' in info.instructions  # the JSON Schema is in the instructions


async def test_text_protocol_retries_once_with_the_error() -> None:
    script = ScriptedModel(['{"service": "nginx"}', json.dumps(GOOD)])
    answer = await client(script).structured(Diagnosis, system="s", prompt="p", native_tools=False)
    assert answer.healthy is False
    assert "healthy" in script.prompts[1] and "Field required" in script.prompts[1]


async def test_text_protocol_gives_up_after_one_retry() -> None:
    script = ScriptedModel(["not json at all", "{still: broken", "never asked"])
    c = client(script)
    with pytest.raises(LlmBadOutput):
        await c.structured(Diagnosis, system="s", prompt="p", native_tools=False)
    assert len(script.seen) == 2
    assert c.usage.requests == 2


async def test_native_failure_falls_back_to_text() -> None:
    # The model never calls the tool: pydantic-ai gives up after the retry, we switch protocols.
    script = ScriptedModel(["I think nginx is down", "still prose", json.dumps(GOOD)])
    c = client(script)
    answer = await c.structured(Diagnosis, system="s", prompt="p")
    assert answer == Diagnosis(**GOOD)
    assert script.seen[0].output_tools and not script.seen[2].output_tools
    assert c.usage.requests == 3


async def test_tools_unsupported_400_falls_back_to_text() -> None:
    refused = ModelHTTPError(400, "scripted-fn", {"error": "model does not support tools"})
    script = ScriptedModel([refused, json.dumps(GOOD)])
    answer = await client(script).structured(Diagnosis, system="s", prompt="p")
    assert answer.service == "nginx"


async def test_other_400_is_an_error_without_fallback() -> None:
    script = ScriptedModel([ModelHTTPError(400, "scripted-fn", {"error": "context too long"})])
    with pytest.raises(LlmError) as caught:
        await client(script).structured(Diagnosis, system="s", prompt="p")
    assert not isinstance(caught.value, LlmBadOutput | LlmUnavailable)
    assert len(script.seen) == 1


async def test_bad_tool_arguments_then_text_then_bad_output() -> None:
    script = ScriptedModel([Tools({"service": 1}), Tools("{}"), "nope", "nope again"])
    with pytest.raises(LlmBadOutput):
        await client(script).structured(Diagnosis, system="s", prompt="p")
    assert len(script.seen) == 4


async def test_transient_errors_are_retried_with_backoff() -> None:
    script = ScriptedModel(
        [
            ModelHTTPError(429, "scripted-fn", {"error": "slow down"}),
            ModelHTTPError(503, "scripted-fn", {"error": "busy"}),
            Tools(GOOD),
        ]
    )
    retries = counter("retry")
    c = client(script)
    assert (await c.structured(Diagnosis, system="s", prompt="p")).service == "nginx"
    assert counter("retry") == retries + 2
    assert c.usage.requests == 3  # failed requests count against the budget too


async def test_transient_errors_give_up_after_max_retries() -> None:
    script = ScriptedModel([ModelHTTPError(500, "scripted-fn", "boom") for _ in range(5)])
    c = client(script, config=settings(max_retries=2))
    with pytest.raises(LlmUnavailable):
        await c.text(system="s", prompt="p")
    assert len(script.seen) == 3
    assert len(script.steps) == 2


async def test_text_answer_strips_thinking() -> None:
    script = ScriptedModel(["<think>plan the report</think>\nВсё хорошо: nginx работает."])
    c = client(script)
    assert await c.text(system="s", prompt="p") == "Всё хорошо: nginx работает."
    assert c.usage.requests == 1 and c.usage.input_tokens == 100 and c.usage.output_tokens == 20


async def test_request_budget() -> None:
    script = ScriptedModel(["one", "two", "three"])
    meter = UsageMeter(settings(max_requests_per_run=2))
    c = client(script, meter=meter)
    await c.text(system="s", prompt="p")
    await c.text(system="s", prompt="p")
    with pytest.raises(LlmBudgetExceeded) as caught:
        await c.text(system="s", prompt="p")
    assert caught.value.limit == "requests"
    assert len(script.seen) == 2


async def test_request_budget_counts_output_retries_inside_one_call() -> None:
    script = ScriptedModel(["garbage", json.dumps(GOOD)])
    c = client(script, meter=UsageMeter(settings(max_requests_per_run=1)))
    with pytest.raises(LlmBudgetExceeded):
        await c.structured(Diagnosis, system="s", prompt="p", native_tools=False)
    assert len(script.seen) == 1


async def test_token_budget() -> None:
    script = ScriptedModel(["one", "two"], input_tokens=900, output_tokens=200)
    c = client(script, meter=UsageMeter(settings(max_tokens_per_run=1000)))
    assert await c.text(system="s", prompt="p") == "one"  # paid for: returned
    with pytest.raises(LlmBudgetExceeded) as caught:
        await c.text(system="s", prompt="p")
    assert caught.value.limit == "tokens"
    assert len(script.seen) == 1


async def test_wall_time_budget() -> None:
    now = [100.0]
    meter = UsageMeter.with_timeout(settings(), 5.0, clock=lambda: now[0])
    script = ScriptedModel(["one", "two"])
    c = client(script, meter=meter)
    await c.text(system="s", prompt="p")
    now[0] = 106.0
    with pytest.raises(LlmBudgetExceeded) as caught:
        await c.text(system="s", prompt="p")
    assert caught.value.limit == "wall_time"


async def test_cost_is_computed_from_prices() -> None:
    config = settings(price_per_1k_input=0.5, price_per_1k_output=2.0)
    script = ScriptedModel(["a"], input_tokens=2000, output_tokens=500)
    c = client(script, config=config)
    await c.text(system="s", prompt="p")
    assert c.usage.cost == pytest.approx(2.0)
    assert c.usage.as_json() == {
        "requests": 1,
        "input_tokens": 2000,
        "output_tokens": 500,
        "cost": 2.0,
    }


async def test_cache_hit_skips_the_model_and_expires() -> None:
    now = [0.0]
    cache = ResponseCache(ttl=60, clock=lambda: now[0])
    script = ScriptedModel([Tools(GOOD), Tools(GOOD | {"healthy": True})])
    c = client(script, cache=cache)
    cached = counter("cached")

    first = await c.structured(Diagnosis, system="s", prompt="p", cache_key="diag")
    first.actions.append("mutating my copy does not touch the cache")
    second = await c.structured(Diagnosis, system="s", prompt="p", cache_key="diag")
    assert second == Diagnosis(**GOOD)
    assert len(script.seen) == 1 and counter("cached") == cached + 1

    now[0] = 61.0
    third = await c.structured(Diagnosis, system="s", prompt="p", cache_key="diag")
    assert third.healthy is True and len(script.seen) == 2


async def test_cache_needs_a_key_and_distinguishes_prompts() -> None:
    cache = ResponseCache()
    script = ScriptedModel([Tools(GOOD), Tools(GOOD), Tools(GOOD)])
    c = client(script, cache=cache)
    await c.structured(Diagnosis, system="s", prompt="p")  # no cache_key: not cached
    await c.structured(Diagnosis, system="s", prompt="p", cache_key="k")
    await c.structured(Diagnosis, system="s", prompt="other", cache_key="k")
    assert len(script.seen) == 3 and len(cache) == 2
