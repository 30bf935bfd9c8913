"""The scheduler on a real store: one job per tick across schedulers, overruns skipped, cron."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shturman.domain.errors import ConfigError
from shturman.domain.jobs import JobSpec, JobStatus
from shturman.jobs import Schedule, Scheduler
from shturman.jobs.queue import JobDefaults, NoWaker
from shturman.store.repositories.jobs import JobRepo
from tests.jobs.test_worker import make_pool, until

DEFAULTS = JobDefaults(timeout=30, max_attempts=1)


def scheduler(repo: JobRepo, schedule: Schedule, holder: str, tick: float = 0.05
              ) -> Scheduler:
    return Scheduler(repo, [schedule], DEFAULTS, NoWaker(), tick=tick, lease=0.5,
                     holder=holder)


async def schedule_jobs(repo: JobRepo, name: str) -> list[Any]:
    return [j for j in await repo.recent(limit=1000) if j.schedule == name]


async def test_two_schedulers_one_job_per_tick(store: tuple[Any, JobRepo, str]) -> None:
    _, repo, url = store
    every = Schedule("check-disk", JobSpec("record", {"log": url}), every=0.4)
    await repo.ensure_schedule("check-disk", datetime.now(UTC) - timedelta(seconds=1))
    a, b = scheduler(repo, every, "a"), scheduler(repo, every, "b")
    for _ in range(5):  # both race for the same due tick, five times over
        await asyncio.gather(a.tick(), b.tick(), a.tick(), b.tick())
    assert len(await schedule_jobs(repo, "check-disk")) == 1
    pool, _ = make_pool(repo, workers=2)
    await pool.start()  # the jobs finish, so later ticks are not skipped as overruns
    try:
        await a.start()
        await b.start()
        await asyncio.sleep(1.7)  # ticks at ~0.4 s intervals: about four more
        await a.stop()
        await b.stop()
        await until(lambda: _all_final(repo, "check-disk"))
    finally:
        await pool.stop()
    jobs = sorted(await schedule_jobs(repo, "check-disk"), key=lambda j: j.created_at)
    runs, skipped = await repo.schedule_counts("check-disk")
    # about four more ticks in 1.7 s; on a loaded machine a job may outlast its 0.4 s interval,
    # and then its next tick is skipped as an overrun (counted, never started twice)
    assert 4 <= runs + skipped <= 6 and len(jobs) >= 3, (len(jobs), skipped)
    ticks = sorted(datetime.fromisoformat(j.payload["scheduled_for"]) for j in jobs)
    gaps = [(y - x).total_seconds() for x, y in itertools.pairwise(ticks)]
    assert min(gaps) >= 0.399, gaps  # never two jobs for one tick (whatever the machine's load)
    assert a.fired + b.fired == len(jobs)
    assert runs == len(jobs)  # every tick that fired is exactly one job


async def _all_final(repo: JobRepo, name: str) -> bool:
    return all(j.status.final for j in await schedule_jobs(repo, name))


async def test_overrunning_job_is_not_started_twice(store: tuple[Any, JobRepo, str]) -> None:
    _, repo, url = store
    every = Schedule("slow", JobSpec("record", {"log": url, "sleep": 1.2}), every=0.2)
    await repo.ensure_schedule("slow", datetime.now(UTC) - timedelta(seconds=1))
    pool, _ = make_pool(repo, workers=4)
    s = scheduler(repo, every, "only")
    await pool.start()
    try:
        await s.start()
        await asyncio.sleep(1.0)  # five ticks while the first job still runs
        await s.stop()
    finally:
        await pool.stop()
    jobs = await schedule_jobs(repo, "slow")
    assert len(jobs) == 1
    runs, skipped = await repo.schedule_counts("slow")
    assert runs == 1 and skipped >= 3


async def test_holder_that_died_is_taken_over(store: tuple[Any, JobRepo, str]) -> None:
    _, repo, url = store
    every = Schedule("beat", JobSpec("record", {"log": url}), every=0.2)
    await repo.ensure_schedule("beat", datetime.now(UTC) - timedelta(seconds=1))
    dead = scheduler(repo, every, "dead")
    await dead.tick()  # holds the lease (0.5 s), then never ticks again
    alive = scheduler(repo, every, "alive")
    await asyncio.sleep(0.25)
    await alive.tick()
    assert alive.fired == 0  # the lease is still the dead holder's
    for job in await schedule_jobs(repo, "beat"):
        if not job.status.final:
            await repo.cancel(job.id)
    await asyncio.sleep(0.4)
    await alive.tick()
    assert alive.fired == 1


def test_cron_expressions() -> None:
    cron = Schedule("nightly", JobSpec("backup"), cron="30 2 * * *")
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert cron.first(at) == datetime(2026, 3, 2, 2, 30, tzinfo=UTC)
    assert cron.following(datetime(2026, 3, 2, 2, 30, tzinfo=UTC), at) == datetime(
        2026, 3, 3, 2, 30, tzinfo=UTC)
    five = Schedule("five", JobSpec("check"), cron="*/5 * * * *")
    assert five.following(at, at) == datetime(2026, 3, 1, 12, 5, tzinfo=UTC)
    with pytest.raises(ConfigError):
        Schedule("bad", JobSpec("check"), cron="every tuesday")
    with pytest.raises(ConfigError):
        Schedule("both", JobSpec("check"), cron="* * * * *", every=5)


async def test_cron_schedule_fires_and_moves_to_the_next_slot(
        store: tuple[Any, JobRepo, str]) -> None:
    _, repo, url = store
    cron = Schedule("cron", JobSpec("record", {"log": url}), cron="*/5 * * * *")
    await repo.ensure_schedule("cron", datetime.now(UTC) - timedelta(seconds=1))
    s = scheduler(repo, cron, "c")
    await s.tick()
    await s.tick()
    jobs = await schedule_jobs(repo, "cron")
    assert len(jobs) == 1 and jobs[0].status is JobStatus.QUEUED
    nxt = await repo.ensure_schedule("cron", datetime.now(UTC))
    assert nxt > datetime.now(UTC) and nxt.minute % 5 == 0 and nxt.second == 0
