"""Runs: start a task, persist every event before it is shown, stream or collect, remember.

`stream()` is the one way to run; `run()` collects the stream. Both drive the same
`agent.loop.Agent.run` coroutine.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shturman.agent.loop import Agent, Outcome, Planner, Task
from shturman.agent.memory import rank
from shturman.config import Settings
from shturman.domain.errors import RunStateError, ShturmanError
from shturman.domain.events import Event, RunFinished, RunStarted, as_data, kind_of
from shturman.domain.models import Actor, RunMode, RunStatus, Server
from shturman.domain.runs import Incident, RunEvent, RunRecord
from shturman.domain.texts import half
from shturman.hosts.guarded import Approver, GuardedExecutor
from shturman.observability import metrics
from shturman.services.audit import AuditTrail
from shturman.services.inventory import Inventory
from shturman.store.repositories import IncidentRepo, RunRepo
from shturman.tools.history import ConfigHistory


@dataclass(frozen=True, slots=True)
class RunRequest:
    """``lang``: the language of the run's report (the asker's; default: the settings')."""

    text: str
    actor: Actor
    mode: RunMode = RunMode.INTERACTIVE
    server: str | None = None
    lang: str | None = None


class IncidentMemory:
    """agent.loop.Memory over the incident store."""

    def __init__(self, repo: IncidentRepo) -> None:
        self._repo = repo

    async def similar(self, servers: Sequence[str], query: str, limit: int = 3
                      ) -> list[Incident]:
        pool: list[Incident] = []
        for server in servers:
            pool.extend(await self._repo.for_server(server))
        return rank(pool, query, limit)


class EventJournal:
    """A run's events: numbered, stored in order in batches (off the loop's critical path),
    and published to the stream only once stored — persisted before shown, and shown exactly
    as stored (the repository redacts commands, outputs and texts in every event)."""

    def __init__(self, repo: RunRepo, run_id: str,
                 queue: asyncio.Queue[RunEvent | None]) -> None:
        self._repo = repo
        self._run_id = run_id
        self._queue = queue
        self._seq = 0
        self._pending: list[RunEvent] = []
        self._writer: asyncio.Task[None] | None = None

    async def emit(self, event: Event) -> None:
        self._pending.append(RunEvent(self._run_id, self._seq, datetime.now(UTC),
                                      kind_of(event), _json_safe(as_data(event))))
        self._seq += 1
        if self._writer is None or self._writer.done():
            if self._writer is not None:
                self._writer.result()  # a failed write stops the run here
            self._writer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            for event in await self._repo.append_events(batch):  # as stored: redacted
                await self._queue.put(event)

    async def close(self) -> None:
        """Wait until every event is stored and published (re-raises a storage failure)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)
        if self._writer is not None:
            self._writer.result()
        if self._pending:
            await self._drain()


class RunService:
    def __init__(self, settings: Settings, inventory: Inventory, guarded: GuardedExecutor,
                 runs: RunRepo, incidents: IncidentRepo,
                 planner_factory: Callable[[list[Server]], Planner | None],
                 audit: AuditTrail, history: ConfigHistory | None = None) -> None:
        self._audit = audit
        self._history = history  # the config backups, for remedies that restore a file
        self._settings = settings
        self._inventory = inventory
        self._guarded = guarded
        self._runs = runs
        self._incidents = incidents
        self._planner_factory = planner_factory

    async def reserve(self, request: RunRequest) -> str:
        """Record a run that a job will start (`pending`): its id can be followed at once
        (:meth:`EventService.subscribe`) and is handed to :meth:`stream` by the job."""
        await self._check_server(request)
        run_id = str(uuid.uuid4())
        await self._runs.create(RunRecord(run_id, datetime.now(UTC), str(request.actor),
                                          request.text, request.mode.value,
                                          RunStatus.PENDING.value))
        return run_id

    async def not_started(self, run_id: str, why: str, server: str | None = None) -> None:
        """A reserved run whose job ended before starting it (cancelled, expired); ``server``:
        the one it asked for, so `history` still says where it would have run."""
        if await self._runs.begin(run_id):
            await self._runs.finish(run_id, RunStatus.CANCELLED.value, why, False,
                                    servers=(server,) if server else None)

    async def _check_server(self, request: RunRequest) -> RunRequest:
        if request.server:  # an unknown or ambiguous --server fails before anything runs
            chosen = await self._inventory.get(request.server)
            request = dataclasses.replace(request, server=chosen.name)
        return request

    async def stream(self, request: RunRequest, approver: Approver | None = None, *,
                     run_id: str | None = None) -> AsyncIterator[RunEvent]:
        """Run the task; yield each event after it has been persisted. ``run_id``: a run
        :meth:`reserve`d earlier (started once only: a second start raises)."""
        request = await self._check_server(request)
        await self._recover_stale()
        servers = await self._inventory.all()
        if run_id is None:
            run_id = str(uuid.uuid4())
            await self._runs.create(RunRecord(run_id, datetime.now(UTC), str(request.actor),
                                              request.text, request.mode.value,
                                              RunStatus.RUNNING.value))
        elif not await self._runs.begin(run_id):
            raise RunStateError(run_id)
        stored = await self._runs.get(run_id)
        # the agent (and so the model) gets the request as stored: redacted, so a password
        # typed into a request never reaches a model, a prompt or an event
        text = stored.request if stored is not None else ""
        queue: asyncio.Queue[RunEvent | None] = asyncio.Queue()
        journal = EventJournal(self._runs, run_id, queue)
        emit = journal.emit

        agent = Agent(self._guarded, servers, self._settings.agent,
                      request.lang or self._settings.language,
                      self._planner_factory(servers), IncidentMemory(self._incidents), approver,
                      self._settings.ssh.command_timeout, history=self._history)
        task = Task(text, request.actor, request.mode, request.server, run_id)

        async def drive() -> None:
            started = asyncio.get_running_loop().time()
            try:
                outcome = await agent.run(task, emit)
            except Exception as exc:  # a bug must still leave a consistent record
                said = (half(str(exc), request.lang or self._settings.language)
                        if isinstance(exc, ShturmanError) else f"internal error: {exc!r}")
                outcome = Outcome(RunStatus.FAILED, "", None, (), said)
                await self._finish(run_id, outcome, journal, request, 0.0)
                raise
            else:
                duration = asyncio.get_running_loop().time() - started
                await self._finish(run_id, outcome, journal, request, duration)
            finally:
                await journal.close()
                await queue.put(None)

        runner = asyncio.create_task(drive())
        # where a run stopped early was going: its resolved targets once it has started,
        # before that the server it asked for
        targets: tuple[str, ...] = (request.server,) if request.server else ()
        try:
            while (event := await queue.get()) is not None:
                if event.type == RunStarted.kind and isinstance(
                        started := event.payload, RunStarted):
                    targets = started.servers or targets
                yield event
        finally:
            if not runner.done():
                runner.cancel()
                await asyncio.gather(runner, return_exceptions=True)
                await self._runs.finish(run_id, RunStatus.CANCELLED.value, "cancelled", False,
                                        servers=targets or None)
        await runner  # re-raise a crash of the loop after the events were delivered

    async def run(self, request: RunRequest, approver: Approver | None = None
                  ) -> tuple[RunRecord, list[RunEvent]]:
        events = [e async for e in self.stream(request, approver)]
        record = await self._runs.get(events[0].run_id)
        assert record is not None
        return record, events

    async def _finish(self, run_id: str, outcome: Outcome, journal: EventJournal,
                      request: RunRequest, duration: float) -> None:
        await self._audit.flush()  # the audit is complete when the run says it is done
        await journal.emit(RunFinished(status=outcome.status.value, verified=outcome.verified,
                               changed=outcome.changed, report=outcome.report,
                               route=outcome.route, intent=outcome.intent,
                               servers=tuple(outcome.servers)))
        # `run_finished` is stored before the status turns final: a follower that sees a final
        # status with nothing left to read has really seen the end
        await journal.close()
        await self._runs.finish(run_id, outcome.status.value, outcome.report, outcome.verified,
                                outcome.route, outcome.servers)
        metrics.count_run(outcome.status.value, duration)
        if outcome.route in ("intent", "llm") and outcome.commands:
            for server in outcome.servers:
                await self._incidents.add(Incident(
                    run_id, datetime.now(UTC), server, request.text, outcome.intent or "",
                    outcome.commands[:50], outcome.status.value,
                    outcome.report.splitlines()[0] if outcome.report else "", duration))

    async def _recover_stale(self) -> None:
        """Runs still `running` past the wall-time limit died with their process."""
        limit = timedelta(seconds=self._settings.agent.max_wall_time * 2)
        for run in await self._runs.recent(50):
            if run.status == RunStatus.RUNNING.value and (
                    datetime.now(UTC) - run.created_at > limit):
                await self._runs.finish(run.id, RunStatus.INTERRUPTED.value,
                                        "interrupted: the process stopped mid-run; "
                                        "nothing was re-run", False)

    async def decide(self, text: str, server: str | None = None) -> dict[str, Any]:
        """`plan --json`: how the request would be handled. Executes nothing."""
        from shturman.agent.intents import Route, understand
        from shturman.domain.texts import say

        servers = await self._inventory.all()
        u = understand(text, servers)
        targets = list(u.servers)
        steps = [c.as_json() for c in u.steps]
        if server:
            target = await self._inventory.get(server)
            targets = [target.name]
            steps = [{**s, "server": target.name} for s in steps]
            steps = list({json_key(s): s for s in steps}.values())
        decided: dict[str, Any] = {
            "route": u.route.value, "intent": u.intent.value if u.intent else None,
            "servers": targets, "args": u.args.as_json(), "steps": steps,
        }
        if u.unresolved:
            decided["unresolved"] = list(u.unresolved)
        if u.ask is not None:  # the engine would ask this before running anything
            decided["ask"] = u.ask.as_json()
        if u.route is Route.LLM:
            planner = self._planner_factory(servers)
            if planner is None:
                decided["message"] = say("report.no_model", self._settings.language)
            else:
                from shturman.agent.loop import plan_values

                plan = await planner.plan(plan_values(servers, targets, text,
                                                      self._settings.language))
                decided["summary"] = plan.summary
                decided["steps"] = [{"tool": a.tool, "server": a.server, "args": a.args,
                                     "step": st.id} for st in plan.ordered()
                                    for a in st.actions]
        return decided

    async def changes_state(self, text: str, server: str | None = None) -> bool:
        """Would this request change anything? Judged by what its plan does, not by its
        words: every step a tool that only reads, an explicit command the policy allows —
        False; anything else (a change, a repair, a request only a model could plan) — True.
        Executes nothing. (A voice request that changes state is confirmed first.)"""
        from shturman.agent.intents import Route, understand
        from shturman.domain.models import Decision, Risk
        from shturman.tools import TOOLS

        servers = await self._inventory.all()
        u = understand(text, servers)
        if u.route is Route.NONE:
            return False
        if u.route is not Route.INTENT or not u.steps:
            return True
        fallback = (await self._inventory.get(server)) if server else None
        for step in u.steps:
            call = step.as_json()
            spec = TOOLS.get(str(call["tool"]))
            if spec is None:
                return True  # a runbook (repair) or anything else this does not know
            if call["tool"] == "run_command":
                target = fallback or await self._inventory.get(str(call["server"]))
                args = call.get("args")
                command = str(args.get("command", "")) if isinstance(args, dict) else ""
                verdict = self._guarded.judge(target, command)
                if verdict.decision is not Decision.ALLOW:
                    return True
            elif spec.risk is not Risk.READ:
                return True
        return False

    async def analyze(self, text: str) -> dict[str, Any]:
        """Can the task be delegated to the agent? (rules, refined by a model if configured)"""
        from shturman.agent.analyzer import analyze_with

        servers = await self._inventory.all()
        planner = self._planner_factory(servers)
        judge = planner.judge if planner is not None and hasattr(planner, "judge") else None
        return (await analyze_with(judge, text, servers,
                                   self._settings.language)).as_json()

    async def history(self, limit: int = 20) -> list[RunRecord]:
        return await self._runs.recent(limit)

    async def incidents(self, limit: int = 20) -> list[Incident]:
        return await self._incidents.recent(limit)

    async def replay(self, run_id: str) -> tuple[RunRecord | None, list[RunEvent]]:
        record = await self._runs.get(run_id)
        if record is None:
            return None, []
        return record, await self._runs.events(record.id)


def json_key(step: dict[str, Any]) -> str:
    import json

    return json.dumps(step, sort_keys=True, default=str)


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    import json

    return dict(json.loads(json.dumps(data, default=str, ensure_ascii=False)))


__all__ = ["IncidentMemory", "RunRequest", "RunService"]
