"""Real `shturman worker` processes: kill -9 while a job runs (embedded, SQLite and PostgreSQL),
and the distributed backend (two workers, Redis + PostgreSQL, one killed mid-run)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shturman.domain.jobs import AttemptOutcome, JobSpec, JobStatus, Priority
from shturman.jobs.queue import JobDefaults, NoWaker, StoredJobQueue
from shturman.store.repositories.jobs import JobRepo
from tests.jobs import recording
from tests.jobs.test_worker import make_pool, until

SHTURMAN = str(Path(sys.executable).parent / "shturman")
ROOT = Path(__file__).resolve().parents[2]


def worker_env(tmp_path: Path, db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    (tmp_path / "shturman.yaml").write_text("language: en\n")
    env.update({
        "SHTURMAN_HOME": str(tmp_path / "home"),
        "SHTURMAN_CONFIG": str(tmp_path / "shturman.yaml"),
        "SHTURMAN_DATABASE_URL": db_url,
        "SHTURMAN_JOBS__HANDLER_MODULES": json.dumps(["tests.jobs.recording"]),
        "SHTURMAN_JOBS__HEARTBEAT_INTERVAL": "0.2",
        "SHTURMAN_JOBS__STALE_AFTER": "1.5",
        "SHTURMAN_JOBS__POLL_INTERVAL": "0.2",
        "PYTHONPATH": str(ROOT),
        **extra,
    })
    return env


def start_worker(env: dict[str, str], log: Path, command: str = "worker"
                 ) -> subprocess.Popen[bytes]:
    return subprocess.Popen([SHTURMAN, "--config", env["SHTURMAN_CONFIG"], command], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


async def test_kill_9_marks_the_running_job_interrupted(
        store: tuple[Any, JobRepo, str], tmp_path: Path) -> None:
    _, repo, url = store
    queue = StoredJobQueue(repo, JobDefaults(60, 3), NoWaker())
    acted = await queue.submit(JobSpec("record", {"log": url, "sleep": 3600}))
    idle = await queue.submit(JobSpec("hang_before_acting", {"log": url}))
    proc = start_worker(worker_env(tmp_path, url), tmp_path / "worker.log")
    try:
        async def both_running() -> bool:
            jobs = [await repo.get(acted.id), await repo.get(idle.id)]
            logged = [r.job_id for r in await recording.read_log(url)]
            return logged == [acted.id] and all(
                j is not None and j.status is JobStatus.RUNNING for j in jobs)

        await until(both_running, timeout=60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        stop(proc)
    # "restart": a new pool in this process reaps at start-up (the dead pid is on this host)
    pool, _ = make_pool(repo, workers=2)
    await pool.start()
    try:
        await until(lambda: _final(repo, idle.id), timeout=10)
    finally:
        await pool.stop()
    first = await repo.get(acted.id)
    assert first is not None and first.status is JobStatus.INTERRUPTED, first
    assert "not run again" in first.error and "recorded" in first.error
    assert [a.outcome for a in await repo.attempts(acted.id)] == [AttemptOutcome.INTERRUPTED]
    second = await repo.get(idle.id)  # it had done nothing: resumed, ran once
    assert second is not None and second.status is JobStatus.SUCCEEDED
    assert [a.outcome for a in await repo.attempts(idle.id)] == [AttemptOutcome.RESUMED,
                                                                 AttemptOutcome.SUCCEEDED]
    log = Counter(r.job_id for r in await recording.read_log(url))
    assert log == {acted.id: 1, idle.id: 1}, (tmp_path / "worker.log").read_text()


async def _final(repo: JobRepo, job_id: int) -> bool:
    job = await repo.get(job_id)
    return job is not None and job.status.final


@pytest.mark.postgres
async def test_distributed_two_workers_one_killed(
        postgres: Any, redis_url: str, tmp_path: Path) -> None:
    from shturman.jobs.distributed import TaskiqWaker
    from shturman.store import Database

    url = postgres.reset_url("distributed")
    db = Database(url)
    await db.migrate()
    await recording.create_log(url)
    repo = JobRepo(db.engine)
    env = worker_env(tmp_path, url, SHTURMAN_JOBS__BACKEND="taskiq",
                     SHTURMAN_JOBS__REDIS_URL=redis_url, SHTURMAN_JOBS__WORKERS="2")
    workers = [start_worker(env, tmp_path / f"w{i}.log") for i in range(2)]
    waker = TaskiqWaker(redis_url)
    queue = StoredJobQueue(repo, JobDefaults(60, 3), waker)
    try:
        priorities = [(Priority.LOW, Priority.MEDIUM, Priority.HIGH)[i % 3] for i in range(50)]
        ids = [(await queue.submit(JobSpec("record", {"log": url, "sleep": 0.15},
                                           priority=p))).id for p in priorities]
        submitted = time.time()

        async def some_ran() -> bool:
            return len(await recording.read_log(url)) >= 10

        await until(some_ran, timeout=60)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)

        async def everything_final() -> bool:
            return all(j is not None and j.status.final for j in
                       [await repo.get(i) for i in ids])

        await until(everything_final, timeout=90)
    finally:
        await waker.close()
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(20)
            except subprocess.TimeoutExpired:
                stop(w)
    jobs = [await repo.get(i) for i in ids]
    statuses = Counter(j.status for j in jobs)  # type: ignore[union-attr]
    assert set(statuses) <= {JobStatus.SUCCEEDED, JobStatus.INTERRUPTED}, statuses
    assert statuses[JobStatus.INTERRUPTED] <= 2  # at most the killed worker's two slots
    log = await recording.read_log(url)
    per_job = Counter(r.job_id for r in log)
    assert max(per_job.values()) == 1, "a job ran twice"
    assert set(per_job) == set(ids)  # every job ran once (interrupted ones had started)
    assert len({r.pid for r in log}) == 2  # both workers took work
    # priorities: a job claimed after every job was queued was the most urgent one waiting.
    # Claimers run concurrently and pass over rows another claimer has locked (SKIP LOCKED),
    # and a job the killed worker held but had not acted on is resumed later; so a more urgent
    # job may start a moment after a less urgent one — but only a few such, never a queue's
    # worth (in FIFO order each early job would be overtaken by a dozen or more urgent ones).
    cutoff = datetime.fromtimestamp(submitted, UTC)
    claimed = [j for j in jobs if j.started_at > cutoff]  # type: ignore[union-attr,operator]
    assert len(claimed) >= 25
    jumped = Counter(j.id for j in claimed for k in jobs  # type: ignore[union-attr]
                     if k.priority < j.priority and k.started_at > j.started_at)  # type: ignore[union-attr,operator]
    in_flight = 2 + 2  # the surviving worker's slots + the killed worker's resumed jobs
    assert max(jumped.values(), default=0) <= in_flight, jumped
    assert sum(jumped.values()) <= 2 * in_flight, jumped
    await recording.dispose()
    await db.close()


async def test_sigterm_stops_the_worker_and_records_its_jobs(
        store: tuple[Any, JobRepo, str], tmp_path: Path) -> None:
    _, repo, url = store
    queue = StoredJobQueue(repo, JobDefaults(60, 3), NoWaker())
    acted = await queue.submit(JobSpec("record", {"log": url, "sleep": 3600}))
    quick = await queue.submit(JobSpec("record", {"log": url, "sleep": 0.1}))
    proc = start_worker(worker_env(tmp_path, url, SHTURMAN_JOBS__STOP_GRACE="0.5"),
                        tmp_path / "worker.log")
    try:
        await until(lambda: _final(repo, quick.id), timeout=60)
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(proc.wait, 30)
    finally:
        stop(proc)
    assert code == 0, (tmp_path / "worker.log").read_text()
    job = await repo.get(acted.id)
    assert job is not None and job.status is JobStatus.INTERRUPTED
    assert "worker stopped" in job.error
    assert (await repo.get(quick.id)).status is JobStatus.SUCCEEDED  # type: ignore[union-attr]
