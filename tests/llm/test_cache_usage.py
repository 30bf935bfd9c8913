"""ResponseCache (TTL, LRU) and UsageMeter on their own."""

from __future__ import annotations

import pytest
from pydantic_ai.usage import RequestUsage, RunUsage

from shturman.llm import LlmBudgetExceeded, ResponseCache, Usage, UsageMeter
from shturman.observability import metrics
from tests.llm.scripted import settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cache_ttl() -> None:
    clock = Clock()
    cache = ResponseCache(ttl=10, clock=clock)
    cache.put("k", "v")
    clock.now += 9.9
    assert cache.get("k") == "v"
    clock.now += 0.1
    assert cache.get("k") is None and len(cache) == 0


def test_cache_evicts_least_recently_used() -> None:
    cache = ResponseCache(max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3


def test_cache_key_covers_every_part() -> None:
    base = {"model": "m", "system": "s", "prompt": "p", "output_type": "T", "namespace": "n"}
    keys = {ResponseCache.key(**base)}
    for field in base:
        keys.add(ResponseCache.key(**(base | {field: base[field] + "x"})))
    assert len(keys) == 1 + len(base)
    assert ResponseCache.key(**base) == ResponseCache.key(**base)
    assert len(ResponseCache.key(**base)) == 64  # sha256 hex


def test_cache_rejects_nonsense_limits() -> None:
    with pytest.raises(ValueError):
        ResponseCache(ttl=0)


def test_meter_counts_pydantic_ai_usage_and_tokens_metric() -> None:
    before = metrics.LLM_TOKENS.labels(direction="input")._value.get()
    meter = UsageMeter(settings(price_per_1k_input=1.0, price_per_1k_output=3.0))
    meter.add(RunUsage(requests=2, input_tokens=1500, output_tokens=500))
    meter.add(RequestUsage(input_tokens=500, output_tokens=0))
    meter.add_failed_request()
    assert meter.usage == Usage(requests=4, input_tokens=2000, output_tokens=500, cost=3.5)
    assert meter.remaining_requests == 40 - 4
    assert metrics.LLM_TOKENS.labels(direction="input")._value.get() == before + 2000


def test_meter_limits() -> None:
    meter = UsageMeter(settings(max_requests_per_run=2, max_tokens_per_run=1000))
    meter.check()
    meter.add(RequestUsage(input_tokens=400, output_tokens=100))
    meter.check()
    meter.add(RequestUsage(input_tokens=400, output_tokens=100))
    with pytest.raises(LlmBudgetExceeded) as caught:
        meter.check()
    assert caught.value.limit == "requests"


def test_meter_deadline() -> None:
    clock = Clock()
    meter = UsageMeter.with_timeout(settings(), 30, clock=clock)
    assert meter.remaining_time == 30
    clock.now += 31
    assert meter.remaining_time == 0
    with pytest.raises(LlmBudgetExceeded, match="time"):
        meter.check()
    assert UsageMeter(settings()).remaining_time is None
