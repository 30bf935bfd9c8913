"""Test doubles that implement our protocols. The one place fakes live."""

from __future__ import annotations

from dataclasses import dataclass, field

from shturman.domain.approval import ApprovalDecision, ApprovalOutcome, ApprovalRequest
from shturman.domain.models import CommandOutcome, CommandResult, Output, Server


@dataclass
class StaticApprover:
    """Answers every approval request the same way and remembers what it was asked."""

    approve: bool = True
    asked: list[ApprovalRequest] = field(default_factory=list)

    async def decide(self, request: ApprovalRequest) -> ApprovalDecision:
        self.asked.append(request)
        outcome = ApprovalOutcome.APPROVED if self.approve else ApprovalOutcome.DENIED
        return ApprovalDecision(outcome, "test", request.server, request.command)


@dataclass
class RecordingExecutor:
    """Records commands and answers from a script {command: (exit_code, stdout)}."""

    script: dict[str, tuple[int, str]] = field(default_factory=dict)
    ran: list[tuple[str, str]] = field(default_factory=list)

    async def run(self, server: Server, command: str, *, timeout: float) -> CommandResult:
        self.ran.append((server.name, command))
        code, stdout = self.script.get(command, (0, ""))
        data = stdout.encode()
        return CommandResult(server.name, command, code, Output(stdout, len(data)),
                             Output("", 0), 0.001,
                             CommandOutcome.OK if code == 0 else CommandOutcome.FAILED)

    async def close(self) -> None:
        return None


@dataclass
class MemoryPins:
    """HostKeyPins kept in a dict."""

    keys: dict[str, str] = field(default_factory=dict)

    async def pinned(self, server: Server) -> str | None:
        return self.keys.get(server.name)

    async def pin(self, server: Server, key_line: str, fingerprint: str) -> None:
        self.keys[server.name] = key_line


@dataclass
class MemoryCredentials:
    """CredentialSource kept in dicts."""

    passwords: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    async def password(self, server: str) -> str | None:
        return self.passwords.get(server)

    async def private_key(self, server: str) -> str | None:
        return self.keys.get(server)

    async def passphrase(self, server: str) -> str | None:
        return None


class ScriptedModel:
    """A pydantic-ai FunctionModel that answers from a script, and records what it was sent.

    Each answer is a dict (returned as the structured output: a tool call when the request
    offers an output tool, JSON text otherwise) or a str (returned as plain text). When the
    script runs out, the last answer repeats (a model that loops forever).
    """

    def __init__(self, answers: list[object]) -> None:
        from pydantic_ai.models.function import FunctionModel

        self.answers = list(answers)
        self.prompts: list[str] = []
        self.calls = 0
        self.model = FunctionModel(self._answer, model_name="scripted")

    def _answer(self, messages: list[object], info: object) -> object:
        import json

        from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart

        self.prompts.append(repr(messages))
        answer = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        output_tools = getattr(info, "output_tools", None) or []
        if isinstance(answer, dict) and output_tools:
            return ModelResponse(parts=[ToolCallPart(output_tools[0].name, answer)])
        text = json.dumps(answer) if isinstance(answer, dict) else str(answer)
        return ModelResponse(parts=[TextPart(text)])

    def saw(self, text: str) -> bool:
        return any(text in p for p in self.prompts)
