"""Tasks: create (the analysis runs as a background ``analysis`` job), list, show, delegate to
the agent (by the user's ``delegate_ui`` setting: the chat or the task form) and start.

The flow (issue 11): a task is created → :meth:`TaskService.create` submits the ``analysis``
job → :func:`register` makes that job record its answer into the task
(:meth:`TaskService.analyse`, in the author's language; the analyzer sees the servers' names,
hosts and services, never a secret) → only when the agent can do it *and* a server matched,
the author gets an ``auto_execution_suggestion`` notification whose ``delegate`` action leads
to :meth:`TaskService.delegate`. A run started for a task (the form or the chat) is linked to
it; the run's end sets the task ``done`` or ``failed`` (:meth:`TaskService.on_run_events`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shturman.domain.events import RunFinished
from shturman.domain.jobs import Job, JobPayload, Priority
from shturman.domain.models import Actor, RunMode, Server
from shturman.domain.notifications import NotificationAction, NotificationKind
from shturman.domain.runs import RunEvent
from shturman.domain.tasks import (
    DELEGATE_UIS,
    DelegateUi,
    Task,
    TaskAnalysis,
    TaskError,
    TaskStatus,
)
from shturman.domain.texts import say
from shturman.domain.users import User
from shturman.store.repositories.tasks import TaskRepo

if TYPE_CHECKING:
    from shturman.jobs import HandlerRegistry, JobContext
    from shturman.services.inventory import Inventory
    from shturman.services.jobs import JobService
    from shturman.services.notifications import NotificationService
    from shturman.services.runs import RunService
    from shturman.services.users import UserService

ANALYSIS_KIND = "analysis"
# a task may be handed to the agent unless a run of it is under way or it is done
DELEGABLE = (TaskStatus.NEW, TaskStatus.ANALYSING, TaskStatus.ANALYSED, TaskStatus.DELEGATED,
             TaskStatus.FAILED)


class TaskService:
    """``planner_factory``: the composition root's (a model planner per server list, or
    None): its ``judge`` refines the rules' analysis when a model is configured."""

    def __init__(self, repo: TaskRepo, inventory: Inventory, jobs: Callable[[], JobService],
                 runs: Callable[[], RunService], notifications: NotificationService,
                 users: UserService, planner_factory: Callable[[list[Server]], Any]) -> None:
        self._repo = repo
        self._inventory = inventory
        self._jobs = jobs
        self._runs = runs
        self._notifications = notifications
        self._users = users
        self._planner_factory = planner_factory

    async def create(self, title: str, description: str, server: str | None, author: User,
                     actor: Actor) -> Task:
        """Stores the task and submits its analysis; an unknown ``server`` raises first."""
        name = (await self._inventory.get(server)).name if server else None
        task = await self._repo.add(title.strip(), description.strip(), name, author.name,
                                    author.language)
        await self._jobs().submit(ANALYSIS_KIND, {"text": task.text, "task_id": task.id,
                                                  "lang": task.lang},
                                  priority=Priority.HIGH, actor=actor)
        await self._repo.set_status(task.id, TaskStatus.ANALYSING, only_from=(TaskStatus.NEW,))
        return await self.get(task.id)

    async def get(self, task_id: int) -> Task:
        found = await self._repo.get(task_id)
        if found is None:
            raise TaskError(task_id, "unknown")
        return found

    async def list(self, limit: int = 100) -> list[Task]:
        return await self._repo.list(limit)

    async def analyse(self, task_id: int) -> JobPayload:
        """The ``analysis`` job of a task: analyse, record, suggest. Reads only (retry-safe)."""
        from shturman.agent.analyzer import analyze_with

        task = await self.get(task_id)
        servers = await self._inventory.all()
        planner = self._planner_factory(servers)
        judge = planner.judge if planner is not None and hasattr(planner, "judge") else None
        found = await analyze_with(judge, task.text, servers, task.lang)
        matched = task.server or (found.servers[0] if found.servers else None)
        analysis = TaskAnalysis(found.can_delegate_to_ai, found.reason, matched,
                                found.complexity, found.estimated_minutes,
                                found.recommended_mode.value, datetime.now(UTC))
        await self._repo.set_analysis(task.id, analysis)
        await self._repo.set_status(task.id, TaskStatus.ANALYSED, only_from=(
            TaskStatus.NEW, TaskStatus.ANALYSING, TaskStatus.FAILED))
        analysed = await self.get(task.id)
        if analysed.suggested:
            await self._suggest(analysed)
        return {**found.as_json(), "task_id": task.id, "matched_server": matched,
                "suggested": analysed.suggested}

    async def _suggest(self, task: Task) -> None:
        assert task.analysis is not None
        a, lang = task.analysis, task.lang
        await self._notifications.notify(
            NotificationKind.AUTO_EXECUTION_SUGGESTION, task.created_by,
            say("tasks.notify.title", lang, id=task.id, title=task.title[:80]),
            say("tasks.notify.body", lang, reason=a.reason, server=a.matched_server or "—",
                complexity=say(f"tasks.complexity.{a.complexity}", lang),
                minutes=f"{a.estimated_minutes:g}"),
            NotificationAction.DELEGATE,
            {"task_id": task.id, "text": task.text, "server": a.matched_server})

    async def analysis_failed(self, task_id: int) -> None:
        await self._repo.set_status(task_id, TaskStatus.FAILED,
                                    only_from=(TaskStatus.NEW, TaskStatus.ANALYSING))

    async def delegate(self, task_id: int, user: str) -> tuple[Task, DelegateUi]:
        """Hand the task to the agent; where its user continues: their ``delegate_ui``
        setting (``chat`` — the default — or ``task_form``)."""
        task = await self.get(task_id)
        if task.status not in DELEGABLE:
            raise TaskError(task.id, "state", task.status.value)
        await self._repo.set_status(task.id, TaskStatus.DELEGATED, only_from=DELEGABLE)
        return await self.get(task.id), await self.delegate_ui(user)

    async def delegate_ui(self, user: str) -> DelegateUi:
        chosen = (await self._users.get(user)).settings.get("delegate_ui", "chat")
        for ui in DELEGATE_UIS:
            if chosen == ui:
                return ui
        return "chat"

    async def plan(self, task: Task, server: str | None) -> dict[str, Any]:
        """What the agent would do (the no-model engine's plan, or the model's): executes
        nothing (``RunService.decide``)."""
        return await self._runs().decide(task.text, server or None)

    async def start(self, task_id: int, actor: Actor, *, server: str | None, mode: RunMode,
                    lang: str, text: str | None = None) -> Job:
        """Run the task (as a background job) and link the run to it."""
        task = await self.get(task_id)
        if task.status in (TaskStatus.RUNNING, TaskStatus.DONE):
            raise TaskError(task.id, "state", task.status.value)
        job = await self._jobs().submit_run(text or task.text, actor, server=server or None,
                                            mode=mode, lang=lang)
        await self.started(task.id, job.run_id)
        return job

    async def started(self, task_id: int, run_id: str | None) -> None:
        await self._repo.set_status(task_id, TaskStatus.RUNNING, run_id=run_id)

    async def on_run_events(self, events: Sequence[RunEvent]) -> None:
        """RunRepo listener: a task's run ended — the task is done (succeeded) or failed."""
        for event in events:
            if isinstance(done := event.payload, RunFinished):
                status = TaskStatus.DONE if done.status == "succeeded" else TaskStatus.FAILED
                for task in await self._repo.by_run(event.run_id):
                    await self._repo.set_status(task.id, status,
                                                only_from=(TaskStatus.RUNNING,))


def register(registry: HandlerRegistry, tasks: Callable[[], TaskService]) -> None:
    """The ``analysis`` job of a task (payload ``task_id``) records into the task; without
    one it answers as the built-in handler does (``shturman analyze`` in the background)."""
    builtin = registry.get(ANALYSIS_KIND)

    async def analysis(payload: JobPayload, ctx: JobContext) -> JobPayload:
        task_id = payload.get("task_id")
        if task_id is None:
            if builtin is None:
                raise TaskError(0, "unknown")
            return await builtin(payload, ctx) or {}
        try:
            return await tasks().analyse(int(task_id))
        except Exception:  # the card says so (a retry that succeeds records the analysis)
            await tasks().analysis_failed(int(task_id))
            raise

    registry.register(ANALYSIS_KIND, analysis)
