"""Running commands on servers for a person (`shturman exec`) and probing server facts."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from shturman.domain.errors import HostError
from shturman.domain.models import (
    Actor,
    CommandOutcome,
    CommandResult,
    Output,
    RunMode,
    Server,
    ServerFacts,
)
from shturman.domain.verdict import Verdict
from shturman.hosts.facts import PROBES, facts_from
from shturman.hosts.guarded import Approver, GuardedExecutor, GuardedResult


@dataclass(frozen=True, slots=True)
class FanOutResult:
    server: str
    guarded: GuardedResult | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.guarded is not None and self.guarded.result.ok


class CommandService:
    def __init__(self, guarded: GuardedExecutor, concurrency: int = 32) -> None:
        self._guarded = guarded
        self._concurrency = concurrency

    def judge(self, server: Server, command: str) -> Verdict:
        return self._guarded.judge(server, command)

    async def fan_out(
        self,
        servers: Sequence[Server],
        command: str,
        *,
        actor: Actor,
        mode: RunMode = RunMode.INTERACTIVE,
        approver: Approver | None = None,
        timeout: float | None = None,
    ) -> list[FanOutResult]:
        """Run one command on many servers concurrently; one result per server, in order."""
        limit = asyncio.Semaphore(self._concurrency)

        async def one(server: Server) -> FanOutResult:
            async with limit:
                try:
                    guarded = await self._guarded.run(
                        server, command, actor=actor, mode=mode, approver=approver,
                        timeout=timeout,
                    )
                except HostError as exc:
                    return FanOutResult(server.name, None, exc.detail)
                return FanOutResult(server.name, guarded)

        tasks = [asyncio.ensure_future(one(s)) for s in servers]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException as exc:
            # Ctrl-C / SIGTERM (gather has cancelled every child: a second cancel would cut
            # a remote stop short) or an error on one server: gather gives up at the first
            # child to end; every other server's command is stopped and its audit row closed
            # before this returns, so the caller can say what became of each one.
            if not isinstance(exc, asyncio.CancelledError):
                for task in tasks:
                    task.cancel()
            await asyncio.wait(tasks)
            raise

    async def facts(self, server: Server, *, actor: Actor) -> ServerFacts:
        """Probe OS, kernel, service manager, disk and memory (read-only commands)."""
        outputs: dict[str, str] = {}
        for key, command in PROBES.items():
            guarded = await self._guarded.run(server, command, actor=actor,
                                              mode=RunMode.READONLY, timeout=20)
            outputs[key] = _text(guarded.result)
        return facts_from(outputs)


def _text(result: CommandResult) -> str:
    if result.outcome in (CommandOutcome.BLOCKED, CommandOutcome.DENIED):
        return ""
    return result.stdout.text


__all__ = ["CommandService", "FanOutResult", "Output"]
