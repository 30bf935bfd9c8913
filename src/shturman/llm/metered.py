"""A model wrapper that checks and counts every single request against a :class:`UsageMeter`.

Wrapping the model (rather than reading the usage of a finished run) means requests inside one
agent run — output-validation retries, tool round-trips — are each checked before they are sent,
and requests that failed still count. The agent's own loops can wrap their model the same way
to share one run's budget with :class:`~shturman.llm.client.ModelClient`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models import Model, ModelRequestParameters, StreamedResponse
from pydantic_ai.models.wrapper import WrapperModel
from pydantic_ai.settings import ModelSettings
from pydantic_ai.tools import RunContext

from shturman.llm.usage import UsageMeter


class MeteredModel(WrapperModel):
    """``wrapped``, but each request first passes ``meter.check()`` and is then counted."""

    def __init__(self, wrapped: Model, meter: UsageMeter) -> None:
        super().__init__(wrapped)
        self.meter = meter

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        self.meter.check()
        try:
            response = await self.wrapped.request(
                messages, model_settings, model_request_parameters
            )
        except BaseException:  # an error or a cancelled run: the request was still made
            self.meter.add_failed_request()
            raise
        self.meter.add(response.usage, requests=1)
        return response

    @asynccontextmanager
    async def request_stream(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
        run_context: RunContext[Any] | None = None,
    ) -> AsyncGenerator[StreamedResponse]:
        self.meter.check()
        stream: StreamedResponse | None = None
        try:
            async with self.wrapped.request_stream(
                messages, model_settings, model_request_parameters, run_context
            ) as stream:
                yield stream
        finally:
            if stream is None:
                self.meter.add_failed_request()
            else:
                self.meter.add(stream.usage, requests=1)
