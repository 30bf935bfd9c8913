"""ModelClient: typed answers from a model, with retries, a budget, a cache and a text fallback.

``structured()`` first asks through pydantic-ai's tool output (the model calls a
``final_result`` tool whose arguments are the object). Models or servers without tool calling
fail that path with ``UnexpectedModelBehavior`` or an HTTP 400 naming tools; the client then
switches to a plain-text protocol: the JSON Schema goes into the instructions, the answer is
read with :func:`parse_json_loose` and validated, and a failed validation is sent back to the
model once before :class:`LlmBadOutput` is raised.

Transient provider failures (HTTP 429 and 5xx, timeouts, broken connections) are retried with
exponential backoff, up to ``settings.max_retries`` extra attempts; then :class:`LlmUnavailable`.
Each request first passes the :class:`UsageMeter` (see :mod:`shturman.llm.metered`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_ai import Agent, ModelRetry, UsageLimits
from pydantic_ai.exceptions import (
    ModelAPIError,
    ModelConnectionError,
    ModelHTTPError,
    ModelQuotaExceededError,
    ModelRequestTimeout,
    RunTimedOut,
    UnexpectedModelBehavior,
    UsageLimitExceeded,
)
from pydantic_ai.models import Model
from pydantic_ai.output import OutputSpec, TextOutput, ToolOutput
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from shturman.config import LlmSettings
from shturman.llm.cache import ResponseCache
from shturman.llm.errors import LlmBadOutput, LlmBudgetExceeded, LlmError, LlmUnavailable
from shturman.llm.loose_json import parse_json_loose, strip_thinking
from shturman.llm.metered import MeteredModel
from shturman.llm.usage import Usage, UsageMeter
from shturman.observability import metrics
from shturman.observability.logging import get_logger

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")

JSON_PROTOCOL = (
    "Answer with exactly one JSON object and nothing else: no explanations, no Markdown. "
    "It must be valid JSON that conforms to this JSON Schema:\n{schema}"
)
RETRY_FEEDBACK = (
    "The answer is not a valid JSON object of the required shape: {error}. "
    "Reply again with only the corrected JSON object."
)
OUTPUT_RETRIES = 1  # a rejected answer goes back to the model once, with the error


class _ToolsUnsupported(LlmError):
    """The server refused the request because of its tools (no function calling)."""


class ModelClient:
    """Typed and plain-text answers from one model, within one run's budget."""

    def __init__(
        self,
        model: Model,
        settings: LlmSettings,
        meter: UsageMeter | None = None,
        cache: ResponseCache | None = None,
        *,
        backoff: float = 1.0,
        backoff_max: float = 30.0,
    ) -> None:
        self.settings = settings
        self.meter = meter if meter is not None else UsageMeter(settings)
        self.cache = cache
        self.model = model
        self._metered = MeteredModel(model, self.meter)
        self._backoff = backoff
        self._backoff_max = backoff_max
        self._log = get_logger(__name__)

    @property
    def usage(self) -> Usage:
        return self.meter.usage

    async def structured(
        self,
        output_type: type[T],
        *,
        system: str,
        prompt: str,
        cache_key: str | None = None,
        native_tools: bool = True,
    ) -> T:
        """An instance of ``output_type`` answering ``prompt``; see the module docstring."""
        key = None
        if cache_key is not None and self.cache is not None:
            key = ResponseCache.key(
                model=self.model.model_name,
                system=system,
                prompt=prompt,
                output_type=f"{output_type.__module__}.{output_type.__qualname__}",
                namespace=cache_key,
            )
            hit = self.cache.get(key)
            if isinstance(hit, output_type):
                metrics.LLM_REQUESTS.labels(result="cached").inc()
                return hit.model_copy(deep=True)
        result = await self._structured(output_type, system, prompt, native_tools)
        if key is not None and self.cache is not None:
            self.cache.put(key, result.model_copy(deep=True))
        return result

    async def text(self, *, system: str, prompt: str) -> str:
        """A plain-text answer (reports), without ``<think>`` blocks."""
        answer = await self._run(str, system, prompt)
        return strip_thinking(answer)

    # -- the two protocols ---------------------------------------------------------------------

    async def _structured(
        self, output_type: type[T], system: str, prompt: str, native_tools: bool
    ) -> T:
        if native_tools:
            try:
                return await self._run(
                    ToolOutput(output_type, max_retries=OUTPUT_RETRIES), system, prompt
                )
            except (LlmBadOutput, _ToolsUnsupported) as exc:
                self._log.info(
                    "llm.fallback_to_text",
                    model=self.model.model_name,
                    output_type=output_type.__name__,
                    reason=type(exc).__name__,
                )
        schema = json.dumps(output_type.model_json_schema(), ensure_ascii=False)
        instructions = f"{system}\n\n{JSON_PROTOCOL.format(schema=schema)}"
        return await self._run(TextOutput(_json_reader(output_type)), instructions, prompt)

    async def _run(self, output: OutputSpec[R], system: str, prompt: str) -> R:
        """One agent run, retried on transient failures; pydantic-ai errors become LlmErrors."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception(_is_transient),
            before_sleep=_count_retry,
            reraise=True,
        )
        try:
            result: R = await retrying(self._attempt, output, system, prompt)
        except LlmError:
            metrics.LLM_REQUESTS.labels(result="error").inc()
            raise
        except (ModelAPIError, RunTimedOut, UnexpectedModelBehavior, UsageLimitExceeded) as exc:
            metrics.LLM_REQUESTS.labels(result="error").inc()
            raise _translate(exc) from exc
        metrics.LLM_REQUESTS.labels(result="ok").inc()
        return result

    async def _attempt(self, output: OutputSpec[R], system: str, prompt: str) -> R:
        self.meter.check()
        agent: Agent[None, R] = Agent(
            self._metered,
            output_type=output,
            instructions=system,
            retries={"output": OUTPUT_RETRIES},
        )
        result = await agent.run(
            prompt,
            usage_limits=UsageLimits(request_limit=None),  # the meter is the one budget
            timeout=self.meter.remaining_time,
        )
        return result.output

    def _wait(self, state: RetryCallState) -> float:
        exponential = wait_exponential(multiplier=self._backoff, max=self._backoff_max)(state)
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        asked = exc.retry_after if isinstance(exc, ModelAPIError) else None
        return min(max(exponential, asked or 0.0), self._backoff_max)


def _json_reader(output_type: type[T]) -> Callable[[str], Awaitable[T]]:
    """The text-output function: loose JSON → validated model, or ModelRetry with the error."""

    async def read(text: str) -> T:
        try:
            return output_type.model_validate(parse_json_loose(text))
        except ValidationError as exc:
            raise ModelRetry(RETRY_FEEDBACK.format(error=_brief(exc))) from exc
        except ValueError as exc:
            raise ModelRetry(RETRY_FEEDBACK.format(error=exc)) from exc

    return read


def _brief(exc: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
        for err in exc.errors(include_url=False, include_input=False)
    ]
    return "; ".join(problems[:10])


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, ModelQuotaExceededError):
        return False  # waiting does not refill an empty account
    if isinstance(exc, ModelHTTPError):
        return exc.status_code == 429 or exc.status_code >= 500
    return isinstance(exc, ModelConnectionError | ModelRequestTimeout)


def _count_retry(state: RetryCallState) -> None:
    metrics.LLM_REQUESTS.labels(result="retry").inc()


def _translate(exc: Exception) -> LlmError:
    if isinstance(exc, RunTimedOut):
        return LlmBudgetExceeded("wall_time", "run time limit reached / время выполнения исчерпано")
    if isinstance(exc, UsageLimitExceeded):
        return LlmBudgetExceeded("requests", str(exc))
    if isinstance(exc, UnexpectedModelBehavior):
        return LlmBadOutput(f"the model's answer was unusable: {exc.message}")
    if _is_transient(exc):
        return LlmUnavailable(f"model provider kept failing: {exc}")
    if isinstance(exc, ModelHTTPError) and exc.status_code in (400, 404, 422) and _names_tools(exc):
        return _ToolsUnsupported(str(exc))
    return LlmError(f"model request failed: {exc}")


def _names_tools(exc: ModelHTTPError) -> bool:
    return "tool" in f"{exc.body} {exc.message}".lower()
