"""The built-in `run` kind: a background run through RunService, via the container; and
`shturman serve` running the job workers."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import pytest

from shturman.domain.errors import RunStateError, UnknownRunError, UnknownServerError
from shturman.domain.events import RunFinished, RunStarted
from shturman.domain.jobs import JobSpec, JobStatus
from shturman.domain.models import Actor, RunMode
from shturman.jobs.queue import JobDefaults, NoWaker, StoredJobQueue
from shturman.services.runs import RunRequest
from shturman.store.repositories.jobs import JobRepo
from tests.jobs.test_processes import SHTURMAN, start_worker, stop, worker_env
from tests.jobs.test_worker import until


async def test_run_job_runs_the_agent_and_links_the_run(container: Any) -> None:
    job = await container.jobs.submit_run("uptime", Actor("cli", "test"), server="local",
                                          mode=RunMode.READONLY)
    analysis = await container.jobs.submit("analysis", {"text": "почисти диск на local"})
    runtime = container.jobs_runtime(workers=True)
    await runtime.start()
    try:
        async def done() -> bool:
            found = [await container.jobs.show(i) for i in (job.id, analysis.id)]
            return all(f.job.status.final for f in found)

        await until(done, timeout=60)
    finally:
        await runtime.stop()
    detail = await container.jobs.show(job.id)
    assert detail.job.status is JobStatus.SUCCEEDED, detail.job.error
    assert detail.job.run_id and detail.job.result == {
        "run_id": detail.job.run_id, "status": "succeeded", "verified": False}
    record, events = await container.runs.replay(detail.job.run_id)
    assert record is not None and record.status == "succeeded"
    assert any(e.type == "command_finished" for e in events)
    assert detail.job.progress["acted"] is True  # a crash now would never re-run it
    analysed = (await container.jobs.show(analysis.id)).job
    assert analysed.status is JobStatus.SUCCEEDED and analysed.result, analysed.error


async def test_serve_runs_job_workers(store: tuple[Any, JobRepo, str], tmp_path: Path) -> None:
    _, repo, url = store
    job = await StoredJobQueue(repo, JobDefaults(60, 1), NoWaker()).submit(
        JobSpec("record", {"log": url}))
    env = worker_env(tmp_path, url)
    proc = start_worker(env, tmp_path / "serve.log", "serve")
    try:
        async def finished() -> bool:
            found = await repo.get(job.id)
            return found is not None and found.status.final

        await until(finished, timeout=60)
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    finally:
        stop(proc)
    assert (await repo.get(job.id)).status is JobStatus.SUCCEEDED  # type: ignore[union-attr]


async def test_run_job_waits_for_an_approval_answered_from_another_process(
        container: Any, settings: Any, tmp_path: Path) -> None:
    import asyncio
    import json
    import os
    import subprocess

    marker = tmp_path / "approved-marker"
    job = await container.jobs.submit_run(f"выполни `touch {marker}` на local",
                                          Actor("cli", "test"), server="local")
    runtime = container.jobs_runtime(workers=True)
    await runtime.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    (tmp_path / "cfg.yaml").write_text("language: en\n")
    env.update({"SHTURMAN_HOME": str(settings.home),
                "SHTURMAN_CONFIG": str(tmp_path / "cfg.yaml")})

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([SHTURMAN, *args], env=env, capture_output=True, text=True,
                              timeout=60, check=False)

    try:
        pending: list[Any] = []

        async def asked() -> bool:
            listed = await asyncio.to_thread(cli, "approvals", "list", "--json")
            pending[:] = json.loads(listed.stdout or "[]")
            return bool(pending)

        await until(asked, timeout=60)
        assert not marker.exists()  # nothing ran before the answer
        assert pending[0]["command"] == f"touch {marker}"
        answered = await asyncio.to_thread(cli, "approvals", "approve", str(pending[0]["id"]))
        assert answered.returncode == 0, answered.stderr

        async def done() -> bool:
            return bool((await container.jobs.show(job.id)).job.status.final)

        await until(done, timeout=60)
    finally:
        await runtime.stop()
    assert marker.exists()
    detail = await container.jobs.show(job.id)
    assert detail.job.run_id is not None
    _, events = await container.runs.replay(detail.job.run_id)
    assert [e.type for e in events].count("command_started") == 1


async def test_a_submitted_run_is_followed_from_before_it_starts(container: Any) -> None:
    """start → subscribe → render: the run id exists at submission, a follower that starts
    before any worker sees every event from the first, in order, and stops at the end."""
    job = await container.jobs.submit_run("uptime", Actor("telegram", "42"), server="local",
                                          mode=RunMode.READONLY)
    assert job.run_id is not None
    record, _ = await container.runs.replay(job.run_id)
    assert record is not None and record.status == "pending" and record.actor == "telegram:42"
    assert await container.jobs.for_run(job.run_id) == job

    async def follow() -> list[Any]:
        return [e async for e in container.events.subscribe(job.run_id)]

    follower = asyncio.create_task(follow())
    await asyncio.sleep(0.3)
    assert not follower.done()  # pending: it waits for the worker
    runtime = container.jobs_runtime(workers=True)
    await runtime.start()
    try:
        events = await asyncio.wait_for(follower, 60)
    finally:
        await runtime.stop()
    assert [e.seq for e in events] == list(range(len(events)))
    assert isinstance(events[0].payload, RunStarted)
    assert isinstance(events[-1].payload, RunFinished)
    assert events[-1].payload.status == "succeeded"
    with pytest.raises(RunStateError):  # a reserved run starts once
        [e async for e in container.runs.stream(RunRequest("uptime", Actor("t", "1")),
                                                run_id=job.run_id)]


async def test_cancelling_a_queued_run_job_ends_its_run_and_its_followers(
        container: Any) -> None:
    job = await container.jobs.submit_run("uptime", Actor("cli", "test"), server="local")
    follower = asyncio.create_task(_events(container, job.run_id))
    await asyncio.sleep(0.3)
    cancelled = await container.jobs.cancel_run(job.run_id)
    assert cancelled.status is JobStatus.CANCELLED
    assert await asyncio.wait_for(follower, 30) == []  # ends: nothing will ever run
    record, _ = await container.runs.replay(job.run_id)
    assert record is not None and record.status == "cancelled"
    assert record.servers == ("local",)  # `history` says where it would have run
    with pytest.raises(UnknownRunError):
        await container.jobs.cancel_run("no-such-run")
    with pytest.raises(UnknownServerError):  # refused before anything is queued
        await container.jobs.submit_run("uptime", Actor("cli", "test"), server="nope")


async def _events(container: Any, run_id: str) -> list[Any]:
    return [e async for e in container.events.subscribe(run_id)]


async def test_a_run_stopped_after_it_started_keeps_its_targets_in_history(
        container: Any) -> None:
    stream = container.runs.stream(RunRequest("uptime", Actor("cli", "test"), server="local"))
    first = await anext(stream)
    assert isinstance(first.payload, RunStarted)
    await stream.aclose()  # the terminal's Ctrl-C: the consumer goes away mid-run
    record = (await container.runs.history(1))[0]
    assert record.id == first.run_id and record.status == "cancelled"
    assert record.servers == ("local",)
