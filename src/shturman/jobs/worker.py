"""Workers: claim jobs from the store, run their handlers, record every attempt.

One :class:`WorkerPool` per process (``workers`` slots). It claims atomically from the store
(see :mod:`shturman.store.repositories.jobs`), heartbeats its running jobs, and reaps jobs of
dead workers: a job whose owner's heartbeat went stale, or whose owner was a process on this
host that no longer exists, is queued again when it had not acted yet and is otherwise marked
``interrupted`` with what it had done — never silently run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from shturman.domain.errors import InfrastructureError, JobStateError, StoreError
from shturman.domain.jobs import AttemptOutcome, Job, JobStatus
from shturman.jobs.registry import HandlerRegistry, JobContext
from shturman.observability import metrics
from shturman.observability.logging import get_logger
from shturman.store.repositories._time import now
from shturman.store.repositories.jobs import JobRepo, ReapedJob

log = get_logger("shturman.jobs")

STORE_DOWN = (SQLAlchemyError, OSError, StoreError)


def worker_identity() -> str:
    """``host:pid:token`` — who holds a job (the token tells pools of one process apart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str | None) -> bool:
    """True only when the owner was a process on this host that is gone."""
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True, slots=True)
class PoolSettings:
    workers: int = 2
    per_server: int = 2
    heartbeat: float = 5.0
    stale_after: float = 30.0
    poll: float = 1.0
    retry_base: float = 2.0
    retry_cap: float = 300.0
    grace: float = 10.0  # on stop: how long running jobs may finish before they are interrupted
    kinds: tuple[str, ...] = ()  # claim only these kinds (`shturman monitor`); () = any


class WorkerPool:
    """A component with ``start()``/``stop()`` (the daemon and `shturman worker` run it)."""

    name = "jobs-workers"

    def __init__(self, repo: JobRepo, registry: HandlerRegistry, settings: PoolSettings,
                 owner: str | None = None) -> None:
        self._repo = repo
        self._registry = registry
        self._cfg = settings
        self.owner = owner or worker_identity()
        self._slots = asyncio.Semaphore(settings.workers)
        self._wake = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
        self._runners: set[asyncio.Task[None]] = set()
        self._handlers: dict[int, asyncio.Task[Any]] = {}
        self._cancelling: set[int] = set()
        self._stopping = False
        self._last_expiry = 0.0

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        await self.recover(startup=True)
        self._stopping = False
        self._loops = [asyncio.create_task(self._claim_loop(), name="jobs-claim"),
                       asyncio.create_task(self._heartbeat_loop(), name="jobs-heartbeat")]

    async def stop(self) -> None:
        """Stop claiming; let running jobs finish for ``grace`` seconds, then interrupt them
        (recorded: queued again if they had not acted, else ``interrupted``)."""
        self._stopping = True
        self._wake.set()
        claim = self._loops[0] if self._loops else None
        if claim is not None:
            claim.cancel()
            await asyncio.gather(claim, return_exceptions=True)
        if self._runners:
            await asyncio.wait(set(self._runners), timeout=self._cfg.grace)
        for task in list(self._handlers.values()):
            task.cancel()
        if self._runners:
            await asyncio.gather(*self._runners, return_exceptions=True)
        for loop in self._loops[1:]:
            loop.cancel()
        await asyncio.gather(*self._loops[1:], return_exceptions=True)
        self._loops = []

    def wake(self) -> None:
        self._wake.set()

    @property
    def busy(self) -> int:
        return len(self._handlers)

    # --- claiming -----------------------------------------------------------------------

    async def _claim_loop(self) -> None:
        while not self._stopping:
            await self._slots.acquire()
            try:
                job = await self._claim()
            except STORE_DOWN as exc:
                log.warning("jobs claim failed", error=repr(exc))
                job = None
            except BaseException:
                self._slots.release()
                raise
            if job is None:
                self._slots.release()
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._cfg.poll)
                continue
            self._spawn(job)

    async def take_one(self) -> bool:
        """Wait for a free slot, claim the most urgent job and run it to its end (the
        distributed feeder calls this per message). False: nothing was claimable."""
        async with self._slots:
            if self._stopping:
                return False
            job = await self._claim()
            if job is None:
                return False
            task = asyncio.create_task(self._run(job), name=f"job-{job.id}")
            self._runners.add(task)
            task.add_done_callback(self._runners.discard)
            await asyncio.shield(task)
            return True

    async def _claim(self) -> Job | None:
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._last_expiry >= self._cfg.poll:
            self._last_expiry = loop_time
            await self._repo.expire_overdue()
        return await self._repo.claim(self.owner, self._cfg.per_server, self._cfg.kinds)

    def _spawn(self, job: Job) -> None:
        async def run_and_release() -> None:
            try:
                await self._run(job)
            finally:
                self._slots.release()
                self._wake.set()  # a slot (and maybe a server's slot) is free again

        task = asyncio.create_task(run_and_release(), name=f"job-{job.id}")
        self._runners.add(task)
        task.add_done_callback(self._runners.discard)

    # --- running ------------------------------------------------------------------------

    async def _run(self, job: Job) -> None:
        if job.attempts == 1 and job.started_at is not None:
            metrics.JOB_WAIT_SECONDS.observe((job.started_at - job.created_at).total_seconds())
        handler = self._registry.get(job.kind)
        if handler is None:
            await self._finish(job, JobStatus.FAILED, AttemptOutcome.FAILED,
                                    error=f"no handler registered for kind {job.kind!r}")
            return
        ctx = JobContext(job, self._repo, self.owner)
        task: asyncio.Task[Any] = asyncio.create_task(handler(job.payload, ctx))
        self._handlers[job.id] = task
        try:
            done, _ = await asyncio.wait({task}, timeout=job.timeout)
        finally:
            self._handlers.pop(job.id, None)
        if not done:  # stuck: fail it and free the slot now; the task may finish later
            task.cancel()
            await self._finish(job, JobStatus.FAILED, AttemptOutcome.TIMEOUT,
                                    error=f"timeout: still running after {job.timeout:g} s")
            self._drain(task)
            return
        await self._record(job, ctx, task)

    async def _record(self, job: Job, ctx: JobContext, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            if job.id in self._cancelling:
                self._cancelling.discard(job.id)
                await self._finish(job, JobStatus.CANCELLED, AttemptOutcome.CANCELLED,
                                  error="cancelled while running")
            else:  # the worker is stopping
                await self._interrupt(job, ctx, "the worker stopped while the job ran")
            return
        exc = task.exception()
        if exc is None:
            result = task.result()
            await self._finish(job, JobStatus.SUCCEEDED, AttemptOutcome.SUCCEEDED,
                              result=dict(result) if isinstance(result, dict) else None)
        elif isinstance(exc, InfrastructureError) and not ctx.has_acted and (
                job.attempts < job.max_attempts):
            delay = min(self._cfg.retry_cap, self._cfg.retry_base * 2 ** (job.attempts - 1))
            await self._finish(job, JobStatus.QUEUED, AttemptOutcome.RETRY,
                              error=f"{type(exc).__name__}: {exc}",
                              retry_at=now() + timedelta(seconds=delay))
            asyncio.get_running_loop().call_later(delay, self._wake.set)
        elif isinstance(exc, JobStateError):
            pass  # the job is no longer ours (reaped or finished elsewhere): nothing to write
        else:
            await self._finish(job, JobStatus.FAILED, AttemptOutcome.FAILED,
                              error=f"{type(exc).__name__}: {exc}")

    async def _interrupt(self, job: Job, ctx: JobContext, reason: str) -> None:
        if not ctx.has_acted and job.attempts < job.max_attempts:
            await self._finish(job, JobStatus.QUEUED, AttemptOutcome.RESUMED,
                                    error=f"{reason}; nothing had run: queued again")
        else:
            done = "; ".join(ctx.done)
            await self._finish(job, JobStatus.INTERRUPTED,
                                    AttemptOutcome.INTERRUPTED,
                                    error=f"{reason}; not run again" + (
                                        f" (had done: {done})" if done else ""))

    async def _finish(self, job: Job, status: JobStatus, outcome: AttemptOutcome,
                      **details: Any) -> None:
        if await self._repo.finish(job, self.owner, status, outcome, **details):
            metrics.JOB_ATTEMPTS.labels(outcome=outcome.value).inc()

    def _drain(self, task: asyncio.Task[Any]) -> None:
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    # --- liveness -----------------------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        """Only jobs with a live handler here are kept alive: a job whose runner failed to
        record its end goes stale and is reaped like a dead worker's."""
        since_reap = 0.0
        while True:
            await asyncio.sleep(self._cfg.heartbeat)
            try:
                for job_id in await self._repo.heartbeat(self.owner, list(self._handlers)):
                    task = self._handlers.get(job_id)
                    if task is not None and job_id not in self._cancelling:
                        self._cancelling.add(job_id)
                        task.cancel()
                since_reap += self._cfg.heartbeat
                if since_reap >= self._cfg.stale_after / 2:
                    since_reap = 0.0
                    await self.recover()
            except STORE_DOWN as exc:  # the database is back in a moment, or reaping says so
                log.warning("jobs heartbeat failed", error=repr(exc))

    async def recover(self, *, startup: bool = False) -> list[ReapedJob]:
        """Reap running jobs whose worker is gone (stale heartbeat, or a dead local pid)."""
        cutoff = now() - timedelta(seconds=self._cfg.stale_after)
        reaped: list[ReapedJob] = []
        for job in await self._repo.running():
            if job.owner == self.owner and job.id in self._handlers:
                continue
            stale = job.heartbeat_at is None or job.heartbeat_at < cutoff
            dead = owner_is_dead(job.owner) and job.owner != self.owner
            if not (stale or dead):
                continue
            why = "its worker process died" if dead else "its worker stopped heartbeating"
            done = "; ".join(job.progress.get("done", []) or [])
            reason = (f"{why} ({job.owner}); not run again" + (f"; had done: {done}" if done
                                                                else "")
                      if job.may_have_acted else f"{why} ({job.owner}) before it acted")
            outcome = await self._repo.reap(job, reason)
            if outcome is not None:
                reaped.append(outcome)
                metrics.JOB_ATTEMPTS.labels(outcome=(
                    "interrupted" if outcome.status is JobStatus.INTERRUPTED else "resumed")).inc()
                log.warning("job reaped", job=job.id, status=outcome.status.value,
                            startup=startup)
        if reaped:
            self._wake.set()
        return reaped
