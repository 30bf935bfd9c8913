"""What the agent HTTP API (interfaces/web/routes/agent.py) asks of this instance beyond the
shared web services: who a bearer token is without writing (the health call peers make every
minute), the queue depth, this instance's view of its servers, and a service's recent log
lines (read-only, through the GuardedExecutor like every command)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shturman.domain.access import TokenKind
from shturman.domain.errors import UserError
from shturman.domain.jobs import JobStatus
from shturman.domain.models import Actor, RunMode
from shturman.domain.users import User
from shturman.hosts.guarded import GuardedExecutor
from shturman.services.inventory import Inventory
from shturman.services.tokens import API_PREFIX, digest
from shturman.services.users import UserService
from shturman.tools.base import ToolContext
from shturman.tools.services import read_logs

if TYPE_CHECKING:
    from shturman.services.jobs import JobService
    from shturman.services.monitoring.service import MonitoringService
    from shturman.store.repositories.tokens import TokenRepo

QUEUE_SCAN = 1000  # jobs counted at most per status in /agent/health


def restart_text(service: str, server: str) -> str:
    """The request that restarts ``service`` on ``server`` (the no-model engine's
    ``service_restart``). A bare name gets its unit suffix, so the engine reads it as the
    service whatever the word is (``shturman`` alone reads as the agent's own name)."""
    unit = service if "." in service or "@" in service else f"{service}.service"
    return f"restart {unit} on {server}"


@dataclass(frozen=True, slots=True)
class AgentHealth:
    instance: str
    version: str
    queued: int
    running: int

    def as_json(self) -> dict[str, Any]:
        return {"status": "ok", "version": self.version, "instance": self.instance,
                "queue": {"queued": self.queued, "running": self.running}}


@dataclass(frozen=True, slots=True)
class LogLines:
    server: str
    service: str
    ok: bool
    text: str
    summary: str

    def as_json(self) -> dict[str, Any]:
        return {"server": self.server, "service": self.service, "ok": self.ok,
                "lines": self.text.splitlines(), "summary": self.summary}


class AgentApi:
    def __init__(self, *, instance: str, version: str, tokens: TokenRepo, users: UserService,
                 jobs: Callable[[], JobService], monitoring: Callable[[], MonitoringService],
                 inventory: Inventory, guarded: GuardedExecutor,
                 command_timeout: float = 30.0) -> None:
        self.instance = instance
        self.version = version
        self._tokens = tokens
        self._users = users
        self._jobs = jobs
        self._monitoring = monitoring
        self._inventory = inventory
        self._guarded = guarded
        self._timeout = command_timeout

    async def identify(self, token: str) -> User | None:
        """The user of an API token, read only (no ``last_used_at`` update)."""
        if not token.startswith(API_PREFIX):
            return None
        found = await self._tokens.find(digest(token), TokenKind.API)
        if found is None:
            return None
        try:
            return await self._users.get(found.user)
        except UserError:
            return None

    async def health(self) -> AgentHealth:
        jobs = self._jobs()
        queued = await jobs.recent(JobStatus.QUEUED, QUEUE_SCAN)
        running = await jobs.recent(JobStatus.RUNNING, QUEUE_SCAN)
        return AgentHealth(self.instance, self.version, len(queued), len(running))

    async def servers(self) -> list[dict[str, Any]]:
        """Every server of the inventory with its checks' stored states."""
        states = await self._monitoring().health()
        shown = []
        for server in await self._inventory.all():
            own = [s for s in states if s.server == server.name]
            shown.append({"server": server.name, "healthy": all(s.state.healthy for s in own),
                          "checks": [s.as_json() for s in own]})
        return shown

    async def logs(self, server: str, service: str, lines: int, actor: Actor) -> LogLines:
        target = await self._inventory.get(server)
        ctx = ToolContext(self._guarded, {target.name: target}, actor, mode=RunMode.READONLY,
                          command_timeout=self._timeout, lang="en")
        found = await read_logs(ctx, target.name, service=service, lines=lines)
        text = "\n".join(r.stdout.rstrip("\n") for r in found.commands if r.stdout)
        return LogLines(target.name, service, found.ok, text, found.summary)
