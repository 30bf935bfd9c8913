"""The one interface to background jobs, whichever backend runs them.

The database is the source of truth for a job's state in both backends; what differs is how
workers learn that there is work: in-process (embedded) or a taskiq message carrying the job
id over Redis (distributed). Both are a :class:`Waker`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shturman.domain.jobs import Job, JobAttempt, JobSpec, JobStatus
from shturman.store.repositories.jobs import JobRepo


class JobQueue(Protocol):
    """Submit, cancel and inspect jobs."""

    async def submit(self, spec: JobSpec) -> Job: ...

    async def cancel(self, job_id: int) -> Job: ...

    async def get(self, job_id: int) -> Job | None: ...

    async def for_run(self, run_id: str) -> Job | None: ...

    async def recent(self, status: JobStatus | None = None, limit: int = 100) -> list[Job]: ...

    async def attempts(self, job_id: int) -> list[JobAttempt]: ...


class Waker(Protocol):
    """Tells workers that a job is waiting (they also poll the store, so a lost word only
    delays a job by one poll interval)."""

    async def job_submitted(self, job_id: int) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class JobDefaults:
    timeout: float
    max_attempts: int


class NoWaker:
    """For a process without workers of its own (the CLI): workers find the job by polling."""

    async def job_submitted(self, job_id: int) -> None:
        return None

    async def close(self) -> None:
        return None


class StoredJobQueue:
    """:class:`JobQueue` over the jobs table."""

    def __init__(self, repo: JobRepo, defaults: JobDefaults, waker: Waker) -> None:
        self._repo = repo
        self._defaults = defaults
        self.waker = waker

    async def submit(self, spec: JobSpec) -> Job:
        job = await self._repo.add(spec, timeout=self._defaults.timeout,
                                   max_attempts=self._defaults.max_attempts)
        await self.waker.job_submitted(job.id)
        return job

    async def cancel(self, job_id: int) -> Job:
        return await self._repo.cancel(job_id)

    async def get(self, job_id: int) -> Job | None:
        return await self._repo.get(job_id)

    async def for_run(self, run_id: str) -> Job | None:
        return await self._repo.for_run(run_id)

    async def recent(self, status: JobStatus | None = None, limit: int = 100) -> list[Job]:
        return await self._repo.recent(status, limit)

    async def attempts(self, job_id: int) -> list[JobAttempt]:
        return await self._repo.attempts(job_id)
