"""One transaction at a time per process on SQLite (it has one writer): queue this process's
writes here instead of letting them collide on the file lock, whose busy handler sleeps up to
100 ms a try. PostgreSQL takes them concurrently."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class Writes:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._lock = None if engine.dialect.name == "postgresql" else asyncio.Lock()

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        if self._lock is None:
            async with self._engine.begin() as conn:
                yield conn
        else:
            async with self._lock, self._engine.begin() as conn:
                yield conn
