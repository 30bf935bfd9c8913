"""`exec` as a use-case: which servers a target list names, whether a person must answer
first, and one server's result as a JSON-safe row — the same code for the CLI in-process,
the daemon behind its socket, and later the bot and the web app."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shturman.domain.models import Actor, Decision, Server
from shturman.hosts.guarded import Approver
from shturman.services.commands import CommandService, FanOutResult

if TYPE_CHECKING:  # the inventory loads the store (SQLAlchemy): `exec`'s fast path must not
    from shturman.services.inventory import Inventory


@dataclass(frozen=True, slots=True)
class ExecOutcome:
    """What an exec did: one row per server (in order) and the host keys pinned on the way."""

    rows: list[dict[str, Any]]
    pinned: list[tuple[str, str]]  # (server, fingerprint)


class ExecService:
    def __init__(self, inventory: Inventory, commands: CommandService) -> None:
        self._inventory = inventory
        self._commands = commands

    async def resolve(self, targets: Sequence[str]) -> list[Server]:
        """Names, aliases, `@tag` and `all` (every server but `local`), deduplicated in order.
        An unknown or ambiguous name raises before anything runs."""
        everyone = await self._inventory.all()
        chosen: list[Server] = []
        for target in targets:
            if target == "all":
                matched = [s for s in everyone if s.name != "local"]
            elif target.startswith("@"):
                matched = [s for s in everyone if target[1:] in s.tags]
            else:
                matched = [await self._inventory.get(target)]
            chosen.extend(s for s in matched if s not in chosen)
        return chosen

    def needs_person(self, servers: Sequence[Server], command: str, *, preapproved: bool) -> bool:
        """Would this exec stop to ask someone? (A process with no terminal to ask in — the
        daemon — hands such work back before anything runs.)"""
        if preapproved:
            return False
        return any(self._commands.judge(s, command).decision is Decision.CONFIRM
                   for s in servers)

    async def run(self, servers: Sequence[Server], command: str, *, actor: Actor,
                  approver: Approver | None, timeout: float | None) -> ExecOutcome:
        with self._inventory.pins() as pinned:
            results = await self._commands.fan_out(servers, command, actor=actor,
                                                   approver=approver, timeout=timeout)
        return ExecOutcome([result_row(r) for r in results],
                           [(p.server, p.fingerprint) for p in pinned])


def result_row(r: FanOutResult) -> dict[str, Any]:
    """One server's result as a JSON-safe row (the `exec --json` line, also the daemon's wire)."""
    g = r.guarded
    data: dict[str, Any] = {"server": r.server, "error": r.error}
    if g is not None:
        res = g.result
        data.update(
            decision=g.verdict.decision.value,
            reasons=[f"{x.rule_id}: {x.en}" for x in g.verdict.reasons],
            reasons_ru=[f"{x.rule_id}: {x.ru}" for x in g.verdict.reasons],
            outcome=res.outcome.value, exit_code=res.exit_code,
            duration=round(res.duration, 4), stdout=res.stdout.text, stderr=res.stderr.text,
            stdout_bytes=res.stdout.total_bytes, truncated=res.stdout.truncated,
            error=res.error or r.error,
        )
    else:
        data.update(outcome="error", exit_code=None)
    return data
