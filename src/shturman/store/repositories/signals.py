"""Wake-ups from the database: another process stored something a reader waits for.

On PostgreSQL one connection per process LISTENs (triggers from migration 0003 NOTIFY
``shturman_events`` with a run id and ``shturman_approvals`` with an approval id) and wakes
the readers watching that key. Elsewhere (SQLite) nothing can notify: readers poll. Either
way a wake-up only says "read again": the rows are the truth, so a lost or duplicated
notification can neither skip nor repeat anything.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

EVENTS = "shturman_events"
APPROVALS = "shturman_approvals"


class Wakeup:
    """One reader's doorbell."""

    def __init__(self) -> None:
        self._rung = asyncio.Event()

    def ring(self) -> None:
        self._rung.set()

    async def wait(self, timeout: float) -> None:
        """Return when rung, or after ``timeout`` seconds (then the reader polls)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._rung.wait(), timeout)
        self._rung.clear()


class Signals:
    """``watch(channel, key)`` gives a :class:`Wakeup`; ``interval`` is how long a reader
    sleeps between reads when nothing rings (short when polling, a safety net when
    listening)."""

    def __init__(self, engine: AsyncEngine, *, poll_interval: float = 0.1,
                 listen_fallback: float = 2.0) -> None:
        self._engine = engine
        self.listening = engine.dialect.name == "postgresql"
        self.interval = listen_fallback if self.listening else poll_interval
        self._waiters: dict[tuple[str, str], set[Wakeup]] = defaultdict(set)
        self._channels: set[str] = set()
        self._conn: AsyncConnection | None = None
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def watch(self, channel: str, key: str) -> AsyncIterator[Wakeup]:
        wakeup = Wakeup()
        if self.listening:
            await self._listen(channel)
        self._waiters[(channel, key)].add(wakeup)
        try:
            yield wakeup
        finally:
            waiting = self._waiters.get((channel, key))
            if waiting is not None:
                waiting.discard(wakeup)
                if not waiting:
                    del self._waiters[(channel, key)]

    async def _listen(self, channel: str) -> None:
        async with self._lock:
            if channel in self._channels:
                return
            if self._conn is None:
                self._conn = await self._engine.connect()
            raw = await self._conn.get_raw_connection()
            driver: Any = raw.driver_connection
            await asyncio.wait_for(driver.add_listener(channel, self._notified), 10)
            self._channels.add(channel)

    def _notified(self, _conn: Any, _pid: int, channel: str, payload: str) -> None:
        for wakeup in self._waiters.get((channel, payload), ()):
            wakeup.ring()

    async def close(self) -> None:
        """Drop the listening connection (never handed back to the pool still listening)."""
        async with self._lock:
            if self._conn is not None:
                await self._conn.invalidate()
                await self._conn.close()
                self._conn = None
            self._channels.clear()
