"""Shared bits of the model-layer tests: output types, settings and a scripted FunctionModel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    TextPart,
    ToolCallPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.usage import RequestUsage

from shturman.config import LlmSettings


class Diagnosis(BaseModel):
    service: str
    healthy: bool
    actions: list[str] = Field(default_factory=list)


GOOD: dict[str, Any] = {"service": "nginx", "healthy": False, "actions": ["restart nginx"]}


def settings(**overrides: Any) -> LlmSettings:
    base: dict[str, Any] = {"provider": "openai", "model": "scripted", "max_retries": 2}
    return LlmSettings(**(base | overrides))


class Tools:
    """Marker: answer with a call of the offered output tool, with these arguments."""

    def __init__(self, arguments: dict[str, Any] | str) -> None:
        self.arguments = arguments


Step = str | Tools | Exception


@dataclass
class ScriptedModel:
    """A FunctionModel fed from a list: text, an output-tool call, or an exception to raise.

    Records what each request looked like: offered output tools, instructions, last user text.
    """

    steps: list[Step]
    input_tokens: int = 100
    output_tokens: int = 20
    seen: list[AgentInfo] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)

    @property
    def model(self) -> FunctionModel:
        return FunctionModel(self._answer, model_name="scripted-fn")

    def _answer(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.seen.append(info)
        self.prompts.append(_last_user_text(messages))
        if not self.steps:
            raise AssertionError("the model was asked more often than the test scripted")
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        usage = RequestUsage(input_tokens=self.input_tokens, output_tokens=self.output_tokens)
        if isinstance(step, Tools):
            name = info.output_tools[0].name if info.output_tools else "final_result"
            part = ToolCallPart(name, step.arguments)
            return ModelResponse(parts=[part], usage=usage)
        return ModelResponse(parts=[TextPart(step)], usage=usage)


def _last_user_text(messages: Sequence[ModelMessage]) -> str:
    request = messages[-1]
    assert isinstance(request, ModelRequest)
    texts = []
    for part in request.parts:
        if isinstance(part, UserPromptPart) and isinstance(part.content, str):
            texts.append(part.content)
        elif isinstance(part, RetryPromptPart):
            texts.append(part.model_response())
    return "\n".join(texts)
