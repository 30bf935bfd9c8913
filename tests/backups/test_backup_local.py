"""The server `local`, the push retry and the `backup` job kind (no sshd needed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from shturman.domain.jobs import JobStatus
from tests.backups.conftest import Factory, backup_config, git


def _tree(tmp_path: Path) -> Path:
    etc = tmp_path / "srv" / "etc" / "app"
    etc.mkdir(parents=True)
    (etc / "app.conf").write_text("listen 8080\n")
    (etc / ".env").write_text("API_TOKEN=abc\n")
    return etc


async def test_failed_push_keeps_the_commit_and_is_retried(
        make_backups: Factory, tmp_path: Path) -> None:
    etc = _tree(tmp_path)
    remote = tmp_path / "later.git"
    c = await make_backups(backup_config(None, tmp_path / "b.git", remote,
                                         local_paths=[str(etc)]))
    first = await c.backups.run()
    assert [s.server for s in first.servers] == ["local"]
    assert first.servers[0].commit is not None
    assert not first.pushed and "later.git" in first.push_error and not first.ok
    assert {s.path: s.rule for s in first.servers[0].skipped} == {
        str(etc / ".env"): "secrets.credential_store"}
    git("init", "--bare", "-q", str(remote))
    second = await c.backups.run()
    assert second.servers[0].commit is None  # nothing new: only the push is retried
    assert second.pushed and second.ok
    assert git("-C", str(remote), "log", "--format=%H", "main").split() == [
        first.servers[0].commit]


async def test_backup_job_kind_runs_on_the_workers(make_backups: Factory,
                                                   tmp_path: Path) -> None:
    etc = _tree(tmp_path)
    config = backup_config(None, tmp_path / "b.git", None, local_paths=[str(etc)])
    c = await make_backups(config.replace("  every: null", "  every: 3600"))
    runtime = c.jobs_runtime(workers=True)
    assert runtime.scheduler is not None
    assert any(s.spec.kind == "backup" and s.every == 3600
               for s in runtime.scheduler._schedules)
    await runtime.start()
    try:
        job = await c.jobs.submit("backup", {"servers": ["local"]})
        for _ in range(200):
            current = (await c.jobs.show(job.id)).job
            if current.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
                break
            await asyncio.sleep(0.05)
    finally:
        await runtime.stop()
    assert current.status is JobStatus.SUCCEEDED, current
    assert len(await c.backups.history("local")) == 1
