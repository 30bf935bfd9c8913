"""What a tool is: a typed async function with a risk level, run with a ToolContext.

Tools receive server NAMES only; the context resolves them. Every command a tool builds goes
through the GuardedExecutor (policy → approval → run → audit). Expected failures come back as
data in a :class:`ToolResult`; only bugs and infrastructure failures raise.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from shturman.domain.errors import HostError, UnknownServerError
from shturman.domain.events import CommandFinished, CommandProposed, EventSink
from shturman.domain.models import (
    Actor,
    CommandOutcome,
    CommandResult,
    Risk,
    RunMode,
    Server,
)
from shturman.hosts.facts import PROBES, ServiceManager, parse_manager
from shturman.hosts.guarded import Approver, GuardedExecutor, GuardedResult
from shturman.tools.history import ConfigHistory, RemedySettings


@dataclass(frozen=True, slots=True)
class CommandRecord:
    """One command a tool ran (or tried to), as the loop and the report see it."""

    server: str
    command: str
    decision: str
    outcome: str
    exit_code: int | None
    stdout: str
    stderr: str
    reasons: tuple[str, ...] = ()
    error: str = ""
    reasons_ru: tuple[str, ...] = ()  # the same reasons in Russian, for the user's report

    def why(self, lang: str) -> tuple[str, ...]:
        """The policy's reasons in the user's language."""
        return self.reasons_ru if lang == "ru" and self.reasons_ru else self.reasons

    @property
    def refused(self) -> bool:
        return self.outcome in (CommandOutcome.BLOCKED.value, CommandOutcome.DENIED.value)


@dataclass(frozen=True, slots=True)
class ToolResult:
    tool: str
    server: str
    ok: bool
    summary: str
    commands: tuple[CommandRecord, ...] = ()
    changed: bool = False
    data: Mapping[str, str | int | bool | None] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return any(c.refused for c in self.commands)

    @property
    def blocked(self) -> bool:
        return any(c.outcome == CommandOutcome.BLOCKED.value for c in self.commands)

    def output(self, limit: int | None = None) -> str:
        """Commands with their output; past ``limit`` chars only head and tail are kept
        (the full output stays in the audit store)."""
        text = self._output()
        return text if limit is None else clip(text, limit)

    def _output(self) -> str:
        parts = []
        for c in self.commands:
            parts.append(f"$ {c.command}  [{c.outcome}, exit {c.exit_code}]")
            if c.stdout:
                parts.append(c.stdout.rstrip("\n"))
            if c.stderr:
                parts.append(c.stderr.rstrip("\n"))
            if c.error:
                parts.append(c.error)
        return "\n".join(parts)


def clip(text: str, limit: int) -> str:
    """Head and tail of a long text, with a note of what was cut."""
    if len(text) <= limit:
        return text
    half = limit // 2
    cut = len(text) - 2 * half
    return (f"{text[:half]}\n… [{cut} chars cut; full output in the audit log] …\n"
            f"{text[-half:]}")


@dataclass
class ToolContext:
    guarded: GuardedExecutor
    servers: Mapping[str, Server]
    actor: Actor
    mode: RunMode = RunMode.INTERACTIVE
    approver: Approver | None = None
    run_id: str | None = None
    events: EventSink | None = None
    command_timeout: float = 120.0
    managers: dict[str, ServiceManager] = field(default_factory=dict)
    records: list[CommandRecord] = field(default_factory=list)
    lang: str = "ru"
    history: ConfigHistory | None = None  # Shturman's config backups (None: not configured)
    remedy: RemedySettings = field(default_factory=RemedySettings)

    def say(self, ru: str, en: str) -> str:
        """A user-facing sentence in the run's language."""
        return ru if self.lang == "ru" else en

    def server(self, name: str) -> Server:
        for server in self.servers.values():
            if server.answers_to(name):
                return server
        raise UnknownServerError(name)

    async def sh(self, server: str, command: str, *, timeout: float | None = None,
                 diff: str = "", touches: tuple[str, ...] = ()) -> CommandRecord:
        """Run one command through the GuardedExecutor; never raises for host trouble."""
        target = self.server(server)
        if self.events is not None:
            await self.events(CommandProposed(server=target.name, command=command))
        try:
            guarded: GuardedResult = await self.guarded.run(
                target, command, actor=self.actor, mode=self.mode, approver=self.approver,
                run_id=self.run_id, timeout=timeout or self.command_timeout,
                events=self.events, diff=diff, touches=touches,
            )
        except HostError as exc:
            record = CommandRecord(target.name, command, "allow", CommandOutcome.ERROR.value,
                                   None, "", "", error=exc.detail)
        else:
            record = _record(guarded)
        self.records.append(record)
        if self.events is not None:
            await self.events(CommandFinished(
                server=record.server, command=record.command, decision=record.decision,
                outcome=record.outcome, exit_code=record.exit_code,
                stdout=record.stdout[-4000:], stderr=record.stderr[-2000:],
                error=record.error))
        return record

    async def manager(self, server: str) -> ServiceManager:
        name = self.server(server).name
        if name not in self.managers:
            version = await self.sh(name, PROBES["manager"], timeout=20)
            tools = await self.sh(name, PROBES["tools"], timeout=20)
            self.managers[name] = parse_manager(version.stdout, tools.stdout)
        return self.managers[name]


def _record(g: GuardedResult) -> CommandRecord:
    r: CommandResult = g.result
    return CommandRecord(
        server=r.server, command=r.command, decision=g.verdict.decision.value,
        outcome=r.outcome.value, exit_code=r.exit_code, stdout=r.stdout.text,
        stderr=r.stderr.text, reasons=tuple(f"{x.rule_id}: {x.en}" for x in g.verdict.reasons),
        error=r.error, reasons_ru=tuple(f"{x.rule_id}: {x.ru}" for x in g.verdict.reasons),
    )


ToolFn = Callable[..., Awaitable[ToolResult]]
F = TypeVar("F", bound=ToolFn)


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    risk: Risk
    description: str
    fn: ToolFn
    args_model: type[BaseModel]

    def schema(self) -> dict[str, Any]:
        return {"name": self.name, "risk": self.risk.value, "description": self.description,
                "parameters": self.args_model.model_json_schema()}

    async def __call__(self, ctx: ToolContext, args: Mapping[str, Any]) -> ToolResult:
        try:
            parsed = self.args_model.model_validate(dict(args))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                 for e in exc.errors())
            return ToolResult(self.name, str(args.get("server", "")), False,
                              f"invalid arguments: {problems}")
        try:
            return await self.fn(ctx, **parsed.model_dump())
        except UnknownServerError as exc:
            return ToolResult(self.name, exc.name, False,
                              f"unknown server '{exc.name}' / неизвестный сервер")
        except ValueError as exc:  # bad service name, bad path …
            return ToolResult(self.name, str(args.get("server", "")), False, str(exc))


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


def tool(*, risk: Risk) -> Callable[[F], F]:
    """Mark an async function ``fn(ctx, server, …) -> ToolResult`` as a tool."""

    def mark(fn: F) -> F:
        sig = inspect.signature(fn, eval_str=True)
        fields: dict[str, Any] = {}
        for name, param in list(sig.parameters.items())[1:]:
            default = ... if param.default is inspect.Parameter.empty else param.default
            fields[name] = (param.annotation, default)
        model = create_model(f"{fn.__name__}_args", __base__=_Args, **fields)
        doc = inspect.cleandoc(fn.__doc__ or "").split("\n\n")[0]
        spec = ToolSpec(fn.__name__, risk, doc, fn, model)
        cast(Any, fn).spec = spec
        return fn

    return mark


def spec_of(fn: ToolFn) -> ToolSpec:
    return cast(ToolSpec, cast(Any, fn).spec)
