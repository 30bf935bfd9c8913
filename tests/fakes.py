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
