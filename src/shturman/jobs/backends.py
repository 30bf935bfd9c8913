"""The two backends behind one :class:`~shturman.jobs.queue.JobQueue`, chosen by one setting
(``jobs.backend: embedded|taskiq``). Same store, same handlers, same worker code."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from shturman.domain.errors import ConfigError
from shturman.domain.jobs import JobSpec
from shturman.jobs.queue import JobDefaults, NoWaker, StoredJobQueue, Waker
from shturman.jobs.registry import HandlerRegistry
from shturman.jobs.scheduler import Schedule, Scheduler
from shturman.jobs.worker import PoolSettings, WorkerPool
from shturman.store.repositories._redaction import Redacts
from shturman.store.repositories.jobs import JobRepo

if TYPE_CHECKING:
    from shturman.config import JobsSettings


class Component(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class LocalWaker:
    """Embedded: a submitted job wakes this process's pool at once."""

    def __init__(self, pool: WorkerPool) -> None:
        self._pool = pool

    async def job_submitted(self, job_id: int) -> None:
        self._pool.wake()

    async def close(self) -> None:
        return None


@dataclass
class JobsRuntime:
    queue: StoredJobQueue
    registry: HandlerRegistry
    repo: JobRepo
    pool: WorkerPool | None = None
    scheduler: Scheduler | None = None
    components: list[Component] = field(default_factory=list)

    async def start(self) -> None:
        """Start the components in order (pool, feeder, scheduler)."""
        for component in self.components:
            await component.start()

    async def stop(self) -> None:
        """Stop them in reverse: no new ticks, no new messages, then the workers."""
        for component in reversed(self.components):
            await component.stop()
        await self.queue.waker.close()


def pool_settings(cfg: JobsSettings) -> PoolSettings:
    return PoolSettings(workers=cfg.workers, per_server=cfg.per_server_concurrency,
                        heartbeat=cfg.heartbeat_interval, stale_after=cfg.stale_after,
                        poll=cfg.poll_interval, retry_base=cfg.retry_backoff,
                        retry_cap=cfg.retry_backoff_max, grace=cfg.stop_grace)


def schedules(cfg: JobsSettings) -> list[Schedule]:
    return [Schedule(s.name, JobSpec(kind=s.kind, payload=dict(s.payload), priority=s.priority,
                                     server=s.server, timeout=s.timeout, actor="scheduler"),
                     every=s.every, cron=s.cron)
            for s in cfg.schedules]


def build_runtime(engine: AsyncEngine, cfg: JobsSettings, registry: HandlerRegistry, *,
                  workers: bool, scheduler: bool | None = None,
                  redactor: Redacts | None = None, extra_schedules: Sequence[Schedule] = (),
                  kinds: Sequence[str] = ()) -> JobsRuntime:
    """``workers``: this process runs jobs (`serve`, `worker`); otherwise it only submits and
    inspects (the CLI). ``scheduler`` (default: with workers) runs the configured schedules
    and ``extra_schedules`` (the monitoring checks). ``kinds``: the workers claim only these
    job kinds (`shturman monitor`)."""
    registry.load_modules(cfg.handler_modules)
    repo = JobRepo(engine, redactor)
    defaults = JobDefaults(cfg.default_timeout, cfg.max_attempts)
    distributed = cfg.backend == "taskiq"
    if distributed and not cfg.redis_url:
        raise ConfigError("jobs.backend is taskiq but jobs.redis_url is not set "
                          "(SHTURMAN_JOBS__REDIS_URL) / не задан jobs.redis_url")
    waker: Waker = NoWaker()
    if distributed:
        from shturman.jobs.distributed import TaskiqWaker

        assert cfg.redis_url is not None
        waker = TaskiqWaker(cfg.redis_url)
    runtime = JobsRuntime(StoredJobQueue(repo, defaults, waker), registry, repo)
    if not workers:
        return runtime
    pool = WorkerPool(repo, registry, dataclasses.replace(pool_settings(cfg),
                                                          kinds=tuple(kinds)))
    runtime.pool = pool
    runtime.components.append(pool)
    if distributed:
        from shturman.jobs.distributed import TaskiqFeeder

        assert cfg.redis_url is not None
        if not kinds:  # a pool for some kinds only takes no messages: it polls the store
            runtime.components.append(TaskiqFeeder(pool, cfg.redis_url, cfg.workers))
    else:
        runtime.queue.waker = LocalWaker(pool)
    if scheduler is None or scheduler:
        runtime.scheduler = Scheduler(repo, [*schedules(cfg), *extra_schedules], defaults,
                                      runtime.queue.waker,
                                      tick=cfg.scheduler_tick, lease=cfg.schedule_lease)
        runtime.components.append(runtime.scheduler)
    return runtime
