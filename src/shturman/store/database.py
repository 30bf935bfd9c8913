"""Engine set-up and migrations. SQLite (WAL) by default, PostgreSQL via asyncpg."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shturman.domain.errors import StoreError
from shturman.store.sqlite_light import MIGRATIONS, head_revision


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """Owns the async engine. Call :meth:`migrate` once before use; :meth:`close` at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite and "///" in url:
            path = url.split("///", 1)[1].split("?", 1)[0]
            if path and path != ":memory:" and not path.startswith("file:"):
                private_file(Path(path))
        self.engine: AsyncEngine = create_async_engine(url, pool_pre_ping=not self.is_sqlite)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)

    async def migrate(self) -> None:
        """Bring the schema to the newest migration (a cheap no-op when it already is)."""
        try:
            if await self._current() == head_revision():
                return
            async with self.engine.begin() as conn:
                # several processes may start on a fresh database at once (serve, workers):
                # one migrates, the others wait for it and then find the schema current
                await conn.run_sync(_migration_lock)
                if await conn.run_sync(_current_revision) == head_revision():
                    return
                await conn.run_sync(_upgrade)
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(f"database {self.safe_url}: {exc.__class__.__name__}: {exc}") from exc

    async def _current(self) -> str | None:
        async with self.engine.connect() as conn:
            return await conn.run_sync(_current_revision)

    @property
    def safe_url(self) -> str:
        """The URL without a password, for messages."""
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)

    async def close(self) -> None:
        await self.engine.dispose()


def private_file(path: Path) -> None:
    """Make the SQLite file (and its -wal/-shm/-journal side files) private to the owner.

    A missing directory is created 0700 and a missing database file 0600 *before* SQLite
    opens it (SQLite gives its side files the database file's mode); an existing file is
    tightened to 0600. Idempotent: `shturman init` may do the same again."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        for side in (path, *(path.with_name(path.name + s) for s in _SIDE_FILES)):
            if side.exists() and (side.stat().st_mode & 0o777) != 0o600:
                os.chmod(side, 0o600)
    except OSError:
        pass  # not ours to change (or not creatable): SQLite reports what it cannot open


_SIDE_FILES = ("-wal", "-shm", "-journal")


def _current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


def alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


MIGRATION_LOCK = 0x5368_7475_726D  # "Shturm": the advisory lock id on PostgreSQL


def _migration_lock(connection: Connection) -> None:
    """Held until the migrating transaction ends. PostgreSQL: an advisory lock; SQLite: the
    database's write lock, taken by a first write (a plain BEGIN takes it only at the first
    write, after the revision check — too late)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK})
    elif connection.dialect.name == "sqlite":
        connection.execute(text("CREATE TABLE IF NOT EXISTS shturman_migration_lock (x INTEGER)"))
        connection.execute(text("DELETE FROM shturman_migration_lock"))


def _upgrade(connection: Connection) -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")
