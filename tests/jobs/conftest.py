"""Fixtures for the job tests: a store (SQLite and PostgreSQL), a throwaway Redis."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from shturman.store import Database
from shturman.store.repositories.jobs import JobRepo
from tests.jobs import recording


class ThrowawayRedis:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="shturman-redis-", dir="/tmp"))
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: apt-get install redis-server")
        from tests.postgres import _free_port

        self.port = _free_port()
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import socket

        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self.url
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    server = ThrowawayRedis()
    try:
        url = server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield url
    server.stop()


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[tuple[Database, JobRepo, str]]:
    db = Database(db_url)
    await db.migrate()
    await recording.create_log(db_url)
    yield db, JobRepo(db.engine), db_url
    await recording.dispose()
    await db.close()
