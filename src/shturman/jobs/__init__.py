"""Background jobs: one interface (:class:`JobQueue`), two backends (embedded: the queue in
the database and workers in this process; taskiq: Redis carries job ids to `shturman worker`
processes anywhere), a scheduler for periodic jobs. The database is the truth for job state.

Components (:class:`WorkerPool`, :class:`Scheduler`, the taskiq feeder) have
``async start()`` / ``async stop()``; :func:`build_runtime` assembles them from settings.
"""

from shturman.jobs.backends import Component, JobsRuntime, build_runtime
from shturman.jobs.queue import JobQueue, StoredJobQueue, Waker
from shturman.jobs.registry import Handler, HandlerRegistry, JobContext
from shturman.jobs.scheduler import Schedule, Scheduler
from shturman.jobs.worker import PoolSettings, WorkerPool

__all__ = [
    "Component",
    "Handler",
    "HandlerRegistry",
    "JobContext",
    "JobQueue",
    "JobsRuntime",
    "PoolSettings",
    "Schedule",
    "Scheduler",
    "StoredJobQueue",
    "Waker",
    "WorkerPool",
    "build_runtime",
]
