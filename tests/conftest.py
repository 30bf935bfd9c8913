"""Shared fixtures: settings in a temporary home, databases (SQLite and PostgreSQL), hosts."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from shturman.config import Settings, load_settings
from shturman.vault import create_key_file
from tests.hostlab.fixtures import hostlab  # noqa: F401
from tests.postgres import ThrowawayPostgres

_counter = itertools.count()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's config, home or model keys."""
    import os

    for key in list(os.environ):
        if key.startswith("SHTURMAN_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SHTURMAN_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def _no_real_model_requests() -> Iterator[None]:
    """No test may reach a real model provider by accident (the loopback scripted server
    lifts this for its own lifetime)."""
    import pydantic_ai.models

    from shturman.llm import forbid_real_model_requests

    before = pydantic_ai.models.ALLOW_MODEL_REQUESTS
    forbid_real_model_requests()
    yield
    pydantic_ai.models.ALLOW_MODEL_REQUESTS = before


@pytest.fixture(scope="session")
def postgres() -> Iterator[ThrowawayPostgres]:
    pg = ThrowawayPostgres()
    try:
        pg.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield pg
    pg.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    pg: ThrowawayPostgres = request.getfixturevalue("postgres")
    return pg.reset_url(f"t{next(_counter)}")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir(exist_ok=True)
    create_key_file(path / "vault.key")
    return path


@pytest.fixture
def settings(home: Path) -> Settings:
    return load_settings(home=home)


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[object]:
    from shturman.app import container as make

    async with make(settings) as c:
        yield c
