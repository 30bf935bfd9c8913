"""Jobs: the use-cases every interface calls (submit, list, show, cancel) and the built-in
handlers (``run``: a task for the agent, run in the background through RunService)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from shturman.domain.errors import JobError, UnknownJobError, UnknownRunError
from shturman.domain.events import RunFinished
from shturman.domain.jobs import Job, JobAttempt, JobPayload, JobSpec, JobStatus, Priority
from shturman.domain.models import Actor, RunMode
from shturman.jobs import HandlerRegistry, JobContext, JobQueue

if TYPE_CHECKING:
    from shturman.hosts.guarded import Approver
    from shturman.services.runs import RunService

# Built in: "run" and "analysis". "check" and "backup" are registered by the monitoring and
# backup services when they land; a kind without a handler fails with a message saying so.


@dataclass(frozen=True, slots=True)
class JobDetail:
    job: Job
    attempts: list[JobAttempt]

    def as_json(self) -> JobPayload:
        return {**self.job.as_json(), "attempt_log": [a.as_json() for a in self.attempts]}


class JobService:
    """``runs``: the run service, for runs submitted as jobs (reserved at submission, so they
    can be followed at once). Without it a run job's id is known once a worker starts it."""

    def __init__(self, queue: JobQueue, runs: Callable[[], RunService] | None = None) -> None:
        self._queue = queue
        self._runs = runs

    async def submit(self, kind: str, payload: JobPayload | None = None, *,
                     priority: int = Priority.MEDIUM, server: str | None = None,
                     deadline: datetime | None = None, timeout: float | None = None,
                     max_attempts: int | None = None, actor: Actor | None = None,
                     run_id: str | None = None) -> Job:
        return await self._queue.submit(JobSpec(
            kind=kind, payload=dict(payload or {}), priority=int(priority), server=server,
            deadline=deadline, timeout=timeout, max_attempts=max_attempts,
            actor=str(actor) if actor is not None else "system", run_id=run_id))

    async def submit_run(self, text: str, actor: Actor, *, server: str | None = None,
                         mode: RunMode = RunMode.INTERACTIVE,
                         priority: int = Priority.MEDIUM, lang: str | None = None) -> Job:
        """A run in the background. Its ``run_id`` is set at once (when the service knows
        the run service): follow it with ``EventService.subscribe(job.run_id)``; an unknown
        ``server`` raises here, before anything is queued."""
        payload: JobPayload = {"text": text, "server": server, "mode": mode.value,
                               "actor": {"kind": actor.kind, "id": actor.id}, "lang": lang}
        run_id = None
        if self._runs is not None:
            from shturman.services.runs import RunRequest

            run_id = await self._runs().reserve(RunRequest(text, actor, mode, server, lang))
            payload["run_id"] = run_id
        return await self.submit("run", payload, priority=priority, server=server,
                                 actor=actor, run_id=run_id)

    async def for_run(self, run_id: str) -> Job | None:
        return await self._queue.for_run(run_id)

    async def recent(self, status: JobStatus | None = None, limit: int = 100) -> list[Job]:
        return await self._queue.recent(status, limit)

    async def show(self, job_id: int) -> JobDetail:
        job = await self._queue.get(job_id)
        if job is None:
            raise UnknownJobError(job_id)
        return JobDetail(job, await self._queue.attempts(job_id))

    async def cancel(self, job_id: int) -> Job:
        """Raises UnknownJobError / JobStateError when there is nothing to cancel. A queued
        run job's reserved run ends `cancelled` with it; a running one is stopped by its
        worker (the run records that itself)."""
        job = await self._queue.cancel(job_id)
        if job.run_id and job.status is JobStatus.CANCELLED and self._runs is not None:
            server = job.payload.get("server")
            await self._runs().not_started(job.run_id, "cancelled before it started",
                                           str(server) if server else None)
        return job

    async def cancel_run(self, run_id: str) -> Job:
        """Cancel the job running ``run_id``. UnknownRunError when no job runs it (a run in
        a terminal is stopped with Ctrl-C there)."""
        job = await self._queue.for_run(run_id)
        if job is None:
            raise UnknownRunError(run_id)
        return await self.cancel(job.id)


class RunNotSucceeded(JobError):
    pass


def register_builtin(registry: HandlerRegistry, runs: Callable[[], RunService],
                     approver: Callable[[], Approver | None] = lambda: None) -> None:
    """The ``run`` kind: payload ``{"text", "server"?, "mode"?, "actor"?}``. A background run
    has no terminal: a command needing approval goes to ``approver()`` (the inbox any channel
    answers) — without one it is denied (fail closed) unless the mode pre-approves it."""
    from shturman.services.runs import RunRequest

    async def run(payload: JobPayload, ctx: JobContext) -> JobPayload:
        who = payload.get("actor") or {}
        request = RunRequest(
            text=str(payload["text"]),
            actor=Actor(str(who.get("kind", "job")), str(who.get("id", ctx.job.id))),
            mode=RunMode(payload.get("mode", RunMode.INTERACTIVE.value)),
            server=payload.get("server"), lang=payload.get("lang"))
        await ctx.acted("run started")  # from here on, never run it again on a crash
        status, verified = "", False
        async for event in runs().stream(request, approver(), run_id=payload.get("run_id")):
            if ctx.run_id is None:
                await ctx.set_run(event.run_id)
            if isinstance(done := event.payload, RunFinished):
                status, verified = done.status, done.verified
        if status != "succeeded":
            raise RunNotSucceeded(f"run {ctx.run_id} ended {status or 'without a result'}")
        return {"run_id": ctx.run_id, "status": status, "verified": verified}

    async def analysis(payload: JobPayload, ctx: JobContext) -> JobPayload:
        """Can this task be delegated? Reads only, so it may be retried freely."""
        return dict(await runs().analyze(str(payload["text"])))

    registry.register("run", run)
    registry.register("analysis", analysis)
