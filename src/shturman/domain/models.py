"""Domain objects shared by every layer: servers, commands, results, audit entries, runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

LOCAL_SERVER = "local"


class AuthMethod(StrEnum):
    KEY = "key"
    PASSWORD = "password"
    AGENT = "agent"
    LOCAL = "local"


class AccessProfile(StrEnum):
    READONLY = "readonly"
    OPERATOR = "operator"
    ADMIN = "admin"


class Decision(StrEnum):
    ALLOW = "allow"
    CONFIRM = "confirm"
    BLOCK = "block"


class Risk(StrEnum):
    READ = "read"
    CHANGE = "change"
    DANGER = "danger"


class RunMode(StrEnum):
    INTERACTIVE = "interactive"
    AUTONOMOUS = "autonomous"
    DRY_RUN = "dry_run"
    READONLY = "readonly"


class RunStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ESCALATED = "escalated"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


class CommandOutcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    TIMEOUT = "timeout"
    DENIED = "denied"
    BLOCKED = "blocked"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Server:
    """A registered server. Never carries a secret: credentials live in the vault."""

    name: str
    host: str = ""
    port: int = 22
    user: str = "root"
    auth: AuthMethod = AuthMethod.KEY
    key_path: str | None = None
    aliases: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    profile: AccessProfile = AccessProfile.OPERATOR
    forbidden_commands: tuple[str, ...] = ()

    def answers_to(self, name: str) -> bool:
        """Is ``name`` this server's name or one of its aliases (case-insensitive)?"""
        wanted = name.strip().lower()
        return self.name.lower() == wanted or wanted in (a.lower() for a in self.aliases)

    @property
    def is_local(self) -> bool:
        return self.auth is AuthMethod.LOCAL

    @property
    def address(self) -> str:
        return "local" if self.is_local else f"{self.user}@{self.host}:{self.port}"


def server_fields(s: Server) -> dict[str, object]:
    """A server as plain JSON-ready values (lists, strings): a store row, a settings cache."""
    return {"name": s.name, "host": s.host, "port": s.port, "user": s.user,
            "auth": s.auth.value, "key_path": s.key_path, "aliases": list(s.aliases),
            "services": list(s.services), "tags": list(s.tags), "profile": s.profile.value,
            "forbidden_commands": list(s.forbidden_commands)}


def server_from_fields(m: Mapping[Any, Any]) -> Server:
    """The inverse of :func:`server_fields` (a store row's mapping, a cached entry)."""
    return Server(name=str(m["name"]), host=str(m["host"]), port=int(m["port"]),
                  user=str(m["user"]), auth=AuthMethod(m["auth"]),
                  key_path=None if m["key_path"] is None else str(m["key_path"]),
                  aliases=tuple(m["aliases"]), services=tuple(m["services"]),
                  tags=tuple(m["tags"]), profile=AccessProfile(m["profile"]),
                  forbidden_commands=tuple(m["forbidden_commands"]))


def local_server() -> Server:
    return Server(
        name=LOCAL_SERVER,
        auth=AuthMethod.LOCAL,
        aliases=("localhost", "this machine", "эта машина", "локально"),
        profile=AccessProfile.ADMIN,
    )


@dataclass(frozen=True, slots=True)
class Output:
    """Captured output of one stream: head and tail kept when it was too big to keep whole."""

    text: str
    total_bytes: int
    truncated: bool = False
    binary: bool = False


@dataclass(frozen=True, slots=True)
class CommandResult:
    """Shaped like subprocess.CompletedProcess, plus what Shturman needs to audit it."""

    server: str
    command: str
    exit_code: int | None
    stdout: Output
    stderr: Output
    duration: float
    outcome: CommandOutcome
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome is CommandOutcome.OK


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asked for something: a CLI user, a Telegram user, the agent on behalf of a run."""

    kind: str  # "cli" | "telegram" | "web" | "agent" | "scheduler"
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    server: str
    action: str  # "command" | "server_add" | "server_rm" | "vault_rotate" | "approval" …
    command: str = ""
    decision: str = ""
    exit_code: int | None = None
    duration: float | None = None
    outcome: str = ""
    detail: str = ""
    run_id: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class ServerFacts:
    """What `server test` learns: the facts later plans use."""

    os: str
    kernel: str
    service_manager: str
    disk: str
    memory: str
    uptime: str = ""
    extra: dict[str, str] = field(default_factory=dict)
