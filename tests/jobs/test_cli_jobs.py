"""`shturman jobs list|show|cancel` as a user runs them (real processes, real SQLite)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from shturman.domain.jobs import JobSpec, JobStatus, Priority
from shturman.jobs.queue import JobDefaults, NoWaker, StoredJobQueue
from shturman.store import Database
from shturman.store.repositories.jobs import JobRepo
from tests.jobs.test_processes import SHTURMAN, worker_env


def sh(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHTURMAN, *args], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


async def test_jobs_list_show_cancel(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}"
    db = Database(url)
    await db.migrate()
    repo = JobRepo(db.engine)
    queue = StoredJobQueue(repo, JobDefaults(60, 3), NoWaker())
    first = await queue.submit(JobSpec("check", {"what": "disk"}, priority=Priority.HIGH))
    second = await queue.submit(JobSpec("backup", priority=Priority.LOW, server="web-1"))
    done = await queue.submit(JobSpec("analysis"))
    await queue.cancel(done.id)
    await db.close()
    env = worker_env(tmp_path, url)

    listed = sh(env, "jobs", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["id"] for r in rows] == [done.id, second.id, first.id]
    for row in rows:
        assert {"id", "kind", "status", "priority", "created_at", "run_id"} <= set(row)
    assert rows[2]["kind"] == "check" and rows[2]["priority"] == 1
    assert rows[2]["status"] == "queued" and rows[2]["run_id"] is None

    queued = json.loads(sh(env, "jobs", "list", "--json", "--status", "queued").stdout)
    assert [r["id"] for r in queued] == [second.id, first.id]
    bad = sh(env, "jobs", "list", "--status", "sleeping")
    assert bad.returncode != 0

    shown = sh(env, "jobs", "show", str(second.id), "--json")
    assert shown.returncode == 0, shown.stderr
    detail = json.loads(shown.stdout)
    assert detail["server"] == "web-1" and detail["attempt_log"] == []

    cancelled = sh(env, "jobs", "cancel", str(first.id))
    assert cancelled.returncode == 0, cancelled.stderr
    assert f"Job {first.id} cancelled" in cancelled.stdout
    again = sh(env, "jobs", "cancel", str(first.id))
    assert again.returncode != 0 and "already finished (cancelled)" in again.stderr
    unknown = sh(env, "jobs", "cancel", "424242")
    assert unknown.returncode != 0 and "No job 424242" in unknown.stderr
    missing = sh(env, "jobs", "show", "424242")
    assert missing.returncode != 0 and "No job 424242" in missing.stderr

    ru = {**env, "SHTURMAN_LANGUAGE": "ru"}
    unknown_ru = sh(ru, "jobs", "cancel", "424242")
    assert unknown_ru.returncode != 0 and "Задание 424242 не найдено" in unknown_ru.stderr

    db = Database(url)
    after = await JobRepo(db.engine).get(first.id)
    await db.close()
    assert after is not None and after.status is JobStatus.CANCELLED
