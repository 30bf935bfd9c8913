"""The embedded backend on a real store (SQLite and PostgreSQL): priorities, timeouts, retries,
per-server limits, cancel, deadlines — one test body per behaviour, both databases."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shturman.domain.errors import JobStateError, UnknownJobError
from shturman.domain.jobs import AttemptOutcome, JobSpec, JobStatus, Priority
from shturman.jobs import HandlerRegistry, PoolSettings, WorkerPool
from shturman.jobs.backends import LocalWaker
from shturman.jobs.queue import JobDefaults, StoredJobQueue
from shturman.store.repositories.jobs import JobRepo
from tests.jobs import recording


def make_pool(repo: JobRepo, **overrides: Any) -> tuple[WorkerPool, StoredJobQueue]:
    registry = HandlerRegistry()
    recording.register(registry)
    cfg = PoolSettings(**{"workers": 1, "per_server": 2, "heartbeat": 0.1, "stale_after": 1.0,
                          "poll": 0.05, "retry_base": 0.2, "grace": 0.5, **overrides})
    pool = WorkerPool(repo, registry, cfg)
    return pool, StoredJobQueue(repo, JobDefaults(timeout=30, max_attempts=3), LocalWaker(pool))


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def all_final(repo: JobRepo, ids: list[int]) -> bool:
    jobs = [await repo.get(i) for i in ids]
    return all(j is not None and j.status.final for j in jobs)


async def test_priorities_respected(store: tuple[Any, JobRepo, str]) -> None:
    _, repo, url = store
    pool, queue = make_pool(repo, workers=1)
    order = [Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.LOW, Priority.HIGH,
             Priority.MEDIUM]
    ids = [(await queue.submit(JobSpec("record", {"log": url}, priority=p))).id for p in order]
    await pool.start()
    try:
        await until(lambda: all_final(repo, ids))
    finally:
        await pool.stop()
    ran = [row.priority for row in await recording.read_log(url)]
    assert ran == sorted(order)
    statuses = [(await repo.get(i)).status for i in ids]  # type: ignore[union-attr]
    assert statuses == [JobStatus.SUCCEEDED] * len(ids)


async def test_timeout_fails_the_job_and_frees_its_slot(store: tuple[Any, JobRepo, str]) -> None:
    _, repo, url = store
    pool, queue = make_pool(repo, workers=1)
    stuck = await queue.submit(JobSpec("stuck", {"log": url, "linger": 5}, timeout=0.3,
                                       priority=Priority.HIGH))
    after = await queue.submit(JobSpec("record", {"log": url}, priority=Priority.LOW))
    await pool.start()
    try:
        await until(lambda: all_final(repo, [stuck.id, after.id]), timeout=20)
    finally:
        await pool.stop()
    failed = await repo.get(stuck.id)
    assert failed is not None and failed.status is JobStatus.FAILED
    assert "timeout" in failed.error
    attempts = await repo.attempts(stuck.id)
    assert [a.outcome for a in attempts] == [AttemptOutcome.TIMEOUT]
    done = await repo.get(after.id)
    assert done is not None and done.status is JobStatus.SUCCEEDED
    # the second job started while the stuck handler was still lingering (slot freed)
    assert done.started_at is not None and failed.finished_at is not None
    assert done.started_at - failed.started_at < timedelta(seconds=2)  # type: ignore[operator]


async def test_retries_only_infrastructure_failures_with_backoff(
        store: tuple[Any, JobRepo, str]) -> None:
    _, repo, url = store
    pool, queue = make_pool(repo, workers=2, retry_base=0.2)
    flaky = await queue.submit(JobSpec("flaky", {"log": url, "fail": 2}))
    acted = await queue.submit(JobSpec("flaky", {"log": url, "act_then_fail": True}))
    bug = await queue.submit(JobSpec("flaky", {"log": url, "bug": True}))
    await pool.start()
    try:
        await until(lambda: all_final(repo, [flaky.id, acted.id, bug.id]))
    finally:
        await pool.stop()
    ok = await repo.get(flaky.id)
    assert ok is not None and ok.status is JobStatus.SUCCEEDED and ok.attempts == 3
    tries = await repo.attempts(flaky.id)
    assert [a.outcome for a in tries] == [AttemptOutcome.RETRY, AttemptOutcome.RETRY,
                                          AttemptOutcome.SUCCEEDED]
    gaps = [(b.started_at - a.finished_at).total_seconds()  # type: ignore[operator]
            for a, b in itertools.pairwise(tries)]
    assert gaps[0] >= 0.18 and gaps[1] >= 0.38, gaps  # 0.2 s, then 0.4 s
    for job_id in (acted.id, bug.id):  # may have run something / a bug: never retried
        job = await repo.get(job_id)
        assert job is not None and job.status is JobStatus.FAILED and job.attempts == 1
    runs = [r.job_id for r in await recording.read_log(url)]
    assert runs.count(flaky.id) == 3 and runs.count(acted.id) == 1 and runs.count(bug.id) == 1


async def test_per_server_concurrency(store: tuple[Any, JobRepo, str]) -> None:
    _, repo, url = store
    pool, queue = make_pool(repo, workers=4, per_server=1)
    ids = [(await queue.submit(JobSpec("record", {"log": url, "sleep": 0.25},
                                       server=server))).id
           for server in ("a", "a", "a", "b", "b", "b")]
    await pool.start()
    try:
        await until(lambda: all_final(repo, ids))
    finally:
        await pool.stop()
    jobs = [await repo.get(i) for i in ids]
    for server in ("a", "b"):
        spans = sorted((j.started_at, j.finished_at) for j in jobs  # type: ignore[union-attr]
                       if j.server == server)  # type: ignore[union-attr]
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end, f"two jobs on {server} overlapped"
    a_start = min(j.started_at for j in jobs if j.server == "a")  # type: ignore[union-attr,type-var]
    b_start = min(j.started_at for j in jobs if j.server == "b")  # type: ignore[union-attr,type-var]
    assert abs((a_start - b_start).total_seconds()) < 0.2  # the servers ran side by side


async def test_cancel_deadline_and_errors(store: tuple[Any, JobRepo, str]) -> None:
    _, repo, url = store
    pool, queue = make_pool(repo, workers=1)
    running = await queue.submit(JobSpec("record", {"log": url, "sleep": 30},
                                         priority=Priority.HIGH))
    queued = await queue.submit(JobSpec("record", {"log": url}, priority=Priority.LOW))
    late = await queue.submit(JobSpec("record", {"log": url}, priority=Priority.MEDIUM,
                                      deadline=datetime.now(UTC) + timedelta(seconds=0.3)))
    assert (await queue.cancel(queued.id)).status is JobStatus.CANCELLED
    await pool.start()
    try:
        await until(lambda: _status(repo, running.id, JobStatus.RUNNING))
        await asyncio.sleep(0.4)  # the deadline passes while the only slot is busy
        asked = await queue.cancel(running.id)
        assert asked.status is JobStatus.RUNNING and asked.cancel_requested
        await until(lambda: all_final(repo, [running.id, late.id]), timeout=20)
    finally:
        await pool.stop()
    assert (await repo.get(running.id)).status is JobStatus.CANCELLED  # type: ignore[union-attr]
    assert (await repo.get(late.id)).status is JobStatus.EXPIRED  # type: ignore[union-attr]
    with pytest.raises(JobStateError):
        await queue.cancel(running.id)
    with pytest.raises(UnknownJobError):
        await queue.cancel(999_999)
    assert [r.job_id for r in await recording.read_log(url)] == [running.id]


async def _status(repo: JobRepo, job_id: int, status: JobStatus) -> bool:
    job = await repo.get(job_id)
    return job is not None and job.status is status


async def test_stop_interrupts_or_requeues(store: tuple[Any, JobRepo, str]) -> None:
    """SIGTERM path: a job that acted is recorded interrupted; one that had not is queued."""
    _, repo, url = store
    pool, queue = make_pool(repo, workers=2, grace=0.2)
    acted = await queue.submit(JobSpec("record", {"log": url, "sleep": 30}))
    idle = await queue.submit(JobSpec("hang_before_acting", {"log": url}))
    await pool.start()
    await until(lambda: _status(repo, acted.id, JobStatus.RUNNING))
    await until(lambda: _status(repo, idle.id, JobStatus.RUNNING))
    await pool.stop()
    first = await repo.get(acted.id)
    second = await repo.get(idle.id)
    assert first is not None and first.status is JobStatus.INTERRUPTED
    assert "recorded" in first.error
    assert second is not None and second.status is JobStatus.QUEUED


async def test_payloads_and_errors_are_stored_redacted(store: tuple[Any, JobRepo, str]) -> None:
    from shturman.policy.redaction import Redactor

    db, _, _ = store
    repo = JobRepo(db.engine, Redactor(["hunter2-very-secret"]))
    job = await repo.add(JobSpec("run", {"text": "login with hunter2-very-secret"}),
                         timeout=5, max_attempts=1)
    stored = await repo.get(job.id)
    assert stored is not None and "hunter2-very-secret" not in str(stored.payload)


async def test_stale_heartbeat_of_another_host_is_reaped(store: tuple[Any, JobRepo, str]) -> None:
    """A worker on another machine is judged by its heartbeat alone."""
    from sqlalchemy import update

    from shturman.store import tables as t

    db, repo, url = store
    queue = StoredJobQueue(repo, JobDefaults(60, 3), LocalWaker(make_pool(repo)[0]))
    fresh = await queue.submit(JobSpec("record", {"log": url}, priority=Priority.HIGH))
    stale = await queue.submit(JobSpec("record", {"log": url}, priority=Priority.HIGH))
    for owner in ("far-away-host:4242:aaaa", "far-away-host:4243:bbbb"):
        claimed = await repo.claim(owner, 2)
        assert claimed is not None
        if claimed.id == stale.id:
            await repo.checkpoint(claimed.id, owner, {"acted": True, "done": ["sent"]})
    async with db.engine.begin() as conn:
        await conn.execute(update(t.jobs).where(t.jobs.c.id == stale.id).values(
            heartbeat_at=datetime.now(UTC) - timedelta(seconds=5)))
    pool, _ = make_pool(repo, stale_after=1.0)
    reaped = await pool.recover()
    assert [(r.job.id, r.status) for r in reaped] == [(stale.id, JobStatus.INTERRUPTED)]
    assert (await repo.get(fresh.id)).status is JobStatus.RUNNING  # type: ignore[union-attr]
    job = await repo.get(stale.id)
    assert job is not None and "stopped heartbeating" in job.error and "sent" in job.error
