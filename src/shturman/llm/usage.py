"""Per-run accounting of model use: requests, tokens, cost, and the run's limits."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Protocol

from shturman.config import LlmSettings
from shturman.llm.errors import LlmBudgetExceeded
from shturman.observability import metrics


class TokenUsage(Protocol):
    """What pydantic-ai's ``RunUsage``/``RequestUsage`` have in common and we read."""

    @property
    def input_tokens(self) -> int: ...

    @property
    def output_tokens(self) -> int: ...


@dataclass(frozen=True)
class Usage:
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def as_json(self) -> dict[str, int | float]:
        return asdict(self)


class UsageMeter:
    """Counts one run's model use and enforces its limits.

    Limits come from :class:`LlmSettings` (``max_requests_per_run``, ``max_tokens_per_run``) and
    an optional wall-time ``deadline`` on the ``clock`` (``time.monotonic`` by default). Every
    request sent counts, including ones the provider answered with an error.
    """

    def __init__(
        self,
        settings: LlmSettings,
        *,
        deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_requests = settings.max_requests_per_run
        self.max_tokens = settings.max_tokens_per_run
        self.price_in = settings.price_per_1k_input
        self.price_out = settings.price_per_1k_output
        self.deadline = deadline
        self._clock = clock
        self.requests = 0
        self.input_tokens = 0
        self.output_tokens = 0

    @classmethod
    def with_timeout(
        cls, settings: LlmSettings, seconds: float, *, clock: Callable[[], float] = time.monotonic
    ) -> UsageMeter:
        """A meter whose deadline is ``seconds`` from now."""
        return cls(settings, deadline=clock() + seconds, clock=clock)

    # -- counting ------------------------------------------------------------------------------

    def add(self, usage: TokenUsage, *, requests: int | None = None) -> None:
        """Add a pydantic-ai usage object; ``requests`` defaults to its own ``requests`` (or 1)."""
        count = requests if requests is not None else int(getattr(usage, "requests", 1))
        self.requests += count
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        if usage.input_tokens:
            metrics.LLM_TOKENS.labels(direction="input").inc(usage.input_tokens)
        if usage.output_tokens:
            metrics.LLM_TOKENS.labels(direction="output").inc(usage.output_tokens)

    def add_failed_request(self) -> None:
        """A request that got an error instead of an answer still counts against the limit."""
        self.requests += 1

    # -- reading -------------------------------------------------------------------------------

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def cost(self) -> float:
        return (self.input_tokens * self.price_in + self.output_tokens * self.price_out) / 1000

    @property
    def usage(self) -> Usage:
        return Usage(self.requests, self.input_tokens, self.output_tokens, round(self.cost, 6))

    @property
    def remaining_requests(self) -> int:
        return max(self.max_requests - self.requests, 0)

    @property
    def remaining_tokens(self) -> int:
        return max(self.max_tokens - self.total_tokens, 0)

    @property
    def remaining_time(self) -> float | None:
        """Seconds until the deadline (never negative), or None without one."""
        return None if self.deadline is None else max(self.deadline - self._clock(), 0.0)

    def check(self) -> None:
        """Raise :class:`LlmBudgetExceeded` if another request would break a limit."""
        if self.requests >= self.max_requests:
            raise LlmBudgetExceeded(
                "requests",
                f"model request limit reached: {self.requests}/{self.max_requests} per run "
                f"/ лимит запросов к модели исчерпан",
            )
        if self.total_tokens >= self.max_tokens:
            raise LlmBudgetExceeded(
                "tokens",
                f"model token limit reached: {self.total_tokens}/{self.max_tokens} per run "
                f"/ лимит токенов модели исчерпан",
            )
        if self.deadline is not None and self._clock() >= self.deadline:
            raise LlmBudgetExceeded(
                "wall_time", "run time limit reached / время выполнения исчерпано"
            )
