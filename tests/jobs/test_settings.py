"""The jobs settings: one switch for the backend, from the file or the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from shturman.config import load_settings
from shturman.domain.errors import ConfigError
from shturman.jobs import HandlerRegistry, build_runtime
from shturman.store import Database


def test_backend_and_handlers_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHTURMAN_JOBS__BACKEND", "taskiq")
    monkeypatch.setenv("SHTURMAN_JOBS__REDIS_URL", "redis://127.0.0.1:6390/0")
    monkeypatch.setenv("SHTURMAN_JOBS__HANDLER_MODULES", '["tests.jobs.recording"]')
    jobs = load_settings().jobs
    assert (jobs.backend, jobs.redis_url, jobs.handler_modules) == (
        "taskiq", "redis://127.0.0.1:6390/0", ["tests.jobs.recording"])


def test_schedules_from_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "shturman.yaml"
    cfg.write_text("jobs:\n  workers: 3\n  schedules:\n"
                   "    - {name: nightly, kind: backup, cron: '30 2 * * *', priority: 10}\n"
                   "    - {name: health, kind: run, every: 300, payload: {text: health}}\n")
    jobs = load_settings(cfg).jobs
    assert jobs.workers == 3 and [s.name for s in jobs.schedules] == ["nightly", "health"]
    cfg.write_text("jobs:\n  backend: celery\n")
    with pytest.raises(ConfigError, match=r"jobs\.backend"):
        load_settings(cfg)


async def test_taskiq_needs_a_redis_url_and_handler_modules_must_import(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'j.db'}")
    try:
        with pytest.raises(ConfigError, match="redis_url"):
            build_runtime(db.engine, load_settings(jobs={"backend": "taskiq"}).jobs,
                          HandlerRegistry(), workers=True)
        with pytest.raises(ConfigError, match="no_such_module"):
            build_runtime(db.engine, load_settings(jobs={"handler_modules": ["no_such_module"]}
                                                   ).jobs, HandlerRegistry(), workers=True)
        with pytest.raises(ConfigError, match="cron"):
            build_runtime(db.engine, load_settings(jobs={"schedules": [
                {"name": "x", "kind": "check", "cron": "never"}]}).jobs, HandlerRegistry(),
                workers=True)
    finally:
        await db.close()
