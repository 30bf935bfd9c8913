"""Periodic jobs from the config: every N seconds or a cron expression (croniter).

Any number of processes may run a :class:`Scheduler`; each schedule fires once per tick in
all of them together. The tick is claimed in the database (``job_schedules``): one guarded
update moves the schedule's ``next_run_at`` on and takes (or renews) its lease, in the same
transaction that submits the job — so two schedulers never both submit a tick, and a
scheduler whose holder died takes over when the lease expires. A tick whose previous job is
still queued or running is skipped (counted), never doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from shturman.domain.errors import ConfigError
from shturman.domain.jobs import JobSpec
from shturman.jobs.queue import JobDefaults, Waker
from shturman.jobs.worker import worker_identity
from shturman.observability.logging import get_logger
from shturman.store.repositories._time import now
from shturman.store.repositories.jobs import JobRepo

log = get_logger("shturman.jobs")


@dataclass(frozen=True, slots=True)
class Schedule:
    name: str
    spec: JobSpec
    every: float | None = None
    cron: str | None = None

    def __post_init__(self) -> None:
        if (self.every is None) == (self.cron is None):
            raise ConfigError(f"schedule {self.name!r}: give exactly one of every / cron")
        if self.cron is not None:
            from croniter import croniter

            if not croniter.is_valid(self.cron):
                raise ConfigError(f"schedule {self.name!r}: invalid cron expression "
                                  f"{self.cron!r} / неверное cron-выражение")

    def first(self, at: datetime) -> datetime:
        return self.following(at, at)

    def following(self, due: datetime, at: datetime) -> datetime:
        """The next tick after ``due``; ticks missed while nobody ran are not caught up."""
        if self.every is not None:
            step = timedelta(seconds=self.every)
            nxt = due + step
            return nxt if nxt > at else at + step
        from croniter import croniter

        assert self.cron is not None
        result: datetime = croniter(self.cron, max(due, at)).get_next(datetime)
        return result


class Scheduler:
    """A component with ``start()``/``stop()``."""

    name = "jobs-scheduler"

    def __init__(self, repo: JobRepo, schedules: list[Schedule], defaults: JobDefaults,
                 waker: Waker, *, tick: float = 1.0, lease: float = 15.0,
                 holder: str | None = None) -> None:
        self._repo = repo
        self._schedules = schedules
        self._defaults = defaults
        self._waker = waker
        self._tick = tick
        self._lease = max(lease, 3 * tick)
        self.holder = holder or worker_identity()
        self._task: asyncio.Task[None] | None = None
        self.fired = 0
        self.skipped = 0

    async def start(self) -> None:
        if not self._schedules:
            return
        at = now()
        for schedule in self._schedules:
            await self._repo.ensure_schedule(schedule.name, schedule.first(at))
        self._task = asyncio.create_task(self._loop(), name="jobs-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
            with contextlib.suppress(Exception):  # best effort: the lease also just expires
                await self._repo.release_leases(self.holder)

    async def _loop(self) -> None:
        while True:
            await self.tick()
            await asyncio.sleep(self._tick)

    async def tick(self) -> None:
        """Fire every schedule that is due (and whose tick this process wins)."""
        for schedule in self._schedules:
            at = now()
            due = await self._repo.ensure_schedule(schedule.name, schedule.first(at))
            if due > at:
                continue
            outcome, job = await self._repo.fire_schedule(
                schedule.name, self.holder, self._lease, due, schedule.following(due, at),
                dataclasses.replace(schedule.spec, schedule=schedule.name, payload={
                    **schedule.spec.payload, "scheduled_for": due.isoformat()}),
                timeout=self._defaults.timeout, max_attempts=self._defaults.max_attempts)
            if outcome == "fired" and job is not None:
                self.fired += 1
                await self._waker.job_submitted(job.id)
            elif outcome == "skipped":
                self.skipped += 1
                log.info("schedule tick skipped: previous job still active",
                         schedule=schedule.name)
        await self._repo.renew_leases(self.holder, self._lease)
