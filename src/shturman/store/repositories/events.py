"""A run's stored events read forward from a sequence number (for live followers)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shturman.domain.runs import RunEvent
from shturman.store import tables as t
from shturman.store.repositories._redaction import Redacts, or_default
from shturman.store.repositories._time import aware


class EventFeed:
    """Reads ``run_events`` after a given ``seq``, in order, redacted like every read."""

    def __init__(self, engine: AsyncEngine, redactor: Redacts | None = None) -> None:
        self._engine = engine
        self._redactor = or_default(redactor)

    async def after(self, run_id: str, after_seq: int, limit: int = 500) -> list[RunEvent]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(
                select(t.run_events)
                .where(t.run_events.c.run_id == run_id, t.run_events.c.seq > after_seq)
                .order_by(t.run_events.c.seq)
                .limit(limit)
            )).all()
        return [RunEvent(r.run_id, r.seq, aware(r.at), r.type,
                         dict(self._redactor.redact_data(dict(r.data)))) for r in rows]

    async def status(self, run_id: str) -> str | None:
        """The run's status, or None when there is no such run. A run submitted as a job is
        `pending` only while its job may still start it; after that (cancelled, expired, its
        worker gone) it is `not_started`."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(
                select(t.runs.c.status).where(t.runs.c.id == run_id))).first()
            if row is None or row[0] != "pending":
                return None if row is None else str(row[0])
            waiting = (await conn.execute(select(t.jobs.c.id).where(
                t.jobs.c.run_id == run_id,
                t.jobs.c.status.in_(("queued", "running"))).limit(1))).first()
        return "pending" if waiting is not None else "not_started"
