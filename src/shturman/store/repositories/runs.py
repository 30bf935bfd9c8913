"""Runs, their ordered events, and the incidents they become."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shturman.domain.runs import Incident, RunEvent, RunRecord
from shturman.store import tables as t
from shturman.store.repositories._redaction import Redacts, or_default
from shturman.store.repositories._time import aware, now


class RunRepo:
    """Runs and their ordered events. Events are persisted before they are shown, and what
    is stored (and read back) is redacted: the request, the summary, every event's data."""

    def __init__(self, engine: AsyncEngine, redactor: Redacts | None = None) -> None:
        self._engine = engine
        self._redactor = or_default(redactor)
        # called with each batch once it is stored (e.g. notifications on `run_finished`)
        self.listeners: list[Callable[[Sequence[RunEvent]], Awaitable[None]]] = []

    async def create(self, run: RunRecord) -> None:
        r = self._redactor.redact
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(t.runs).values(
                    id=run.id,
                    created_at=run.created_at,
                    actor=r(run.actor),
                    request=r(run.request),
                    mode=run.mode,
                    status=run.status,
                    route=run.route,
                    servers=list(run.servers),
                    summary=r(run.summary),
                    verified=run.verified,
                )
            )

    async def finish(
        self, run_id: str, status: str, summary: str, verified: bool, route: str = "",
        servers: Sequence[str] | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "status": status,
            "summary": self._redactor.redact(summary),
            "verified": verified,
            "finished_at": now(),
        }
        if route:
            values["route"] = route
        if servers is not None:
            values["servers"] = list(servers)
        async with self._engine.begin() as conn:
            await conn.execute(update(t.runs).where(t.runs.c.id == run_id).values(**values))

    async def begin(self, run_id: str) -> bool:
        """A run submitted as a job starts: `pending` → `running`. False when it is not
        pending (cancelled before its job started, or already started once: never twice)."""
        async with self._engine.begin() as conn:
            done = await conn.execute(update(t.runs).where(
                t.runs.c.id == run_id, t.runs.c.status == "pending").values(status="running"))
        return bool(done.rowcount)

    async def append_event(self, event: RunEvent) -> RunEvent:
        return (await self.append_events([event]))[0]

    async def append_events(self, events: Sequence[RunEvent]) -> list[RunEvent]:
        """Store events (in order) in one transaction; returns them as stored (redacted):
        what is shown is what was stored."""
        stored = [self._redacted(e) for e in events]
        if not stored:
            return stored
        async with self._engine.begin() as conn:
            await conn.execute(insert(t.run_events), [
                {"run_id": e.run_id, "seq": e.seq, "at": e.at, "type": e.type, "data": e.data}
                for e in stored
            ])
        for listener in self.listeners:
            await listener(stored)
        return stored

    def _redacted(self, event: RunEvent) -> RunEvent:
        data = self._redactor.redact_data(event.data)
        return RunEvent(event.run_id, event.seq, event.at, event.type, dict(data))

    def _record(self, m: Any) -> RunRecord:
        run = _run_from_row(m)
        r = self._redactor.redact
        return replace(run, actor=r(run.actor), request=r(run.request), summary=r(run.summary))

    async def get(self, run_id: str) -> RunRecord | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(t.runs).where(t.runs.c.id.startswith(run_id)))
            ).first()
        return None if row is None else self._record(row._mapping)

    async def ids_like(self, prefix: str, limit: int = 5) -> list[str]:
        """Run ids starting with ``prefix`` (an exact id first), at most ``limit``."""
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(t.runs.c.id).where(
                t.runs.c.id.startswith(prefix)).limit(limit + 1))).all()
        ids = sorted((r[0] for r in rows), key=lambda i: i != prefix)
        return ids[:limit]

    async def events(self, run_id: str) -> list[RunEvent]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(t.run_events)
                    .where(t.run_events.c.run_id == run_id)
                    .order_by(t.run_events.c.seq)
                )
            ).all()
        return [
            self._redacted(RunEvent(
                run_id=r.run_id, seq=r.seq, at=aware(r.at), type=r.type, data=dict(r.data)
            ))
            for r in rows
        ]

    async def recent(self, limit: int = 20) -> list[RunRecord]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(t.runs).order_by(t.runs.c.created_at.desc()).limit(limit)
                )
            ).all()
        return [self._record(r._mapping) for r in rows]

    async def mark_interrupted(self) -> int:
        """Runs left `running` by a crash become `interrupted`; nothing is re-run."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(t.runs)
                .where(t.runs.c.status.in_(("running", "pending")))
                .values(status="interrupted", finished_at=now())
            )
        return int(result.rowcount or 0)


def _run_from_row(m: Any) -> RunRecord:
    return RunRecord(
        id=m["id"],
        created_at=aware(m["created_at"]),
        finished_at=aware(m["finished_at"]) if m["finished_at"] else None,
        actor=m["actor"],
        request=m["request"],
        mode=m["mode"],
        status=m["status"],
        route=m["route"],
        servers=tuple(m["servers"]),
        summary=m["summary"],
        verified=bool(m["verified"]),
    )


class IncidentRepo:
    """Incidents (a run's symptom, commands and outcome), stored and read back redacted."""

    def __init__(self, engine: AsyncEngine, redactor: Redacts | None = None) -> None:
        self._engine = engine
        self._redactor = or_default(redactor)

    async def add(self, incident: Incident) -> None:
        incident = self._redacted(incident)
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(t.incidents).values(
                    run_id=incident.run_id,
                    created_at=incident.created_at,
                    server=incident.server,
                    query=incident.query,
                    intent=incident.intent,
                    commands=list(incident.commands),
                    outcome=incident.outcome,
                    summary=incident.summary,
                    duration=incident.duration,
                )
            )

    async def for_server(self, server: str, limit: int = 200) -> list[Incident]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(t.incidents)
                    .where(t.incidents.c.server == server)
                    .order_by(t.incidents.c.id.desc())
                    .limit(limit)
                )
            ).all()
        return [self._redacted(_incident_from_row(r._mapping)) for r in rows]

    async def recent(self, limit: int = 20) -> list[Incident]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(t.incidents).order_by(t.incidents.c.id.desc()).limit(limit)
                )
            ).all()
        return [self._redacted(_incident_from_row(r._mapping)) for r in rows]

    def _redacted(self, incident: Incident) -> Incident:
        r = self._redactor.redact
        return replace(incident, query=r(incident.query), summary=r(incident.summary),
                       commands=tuple(r(c) for c in incident.commands))

    async def count(self) -> int:
        async with self._engine.connect() as conn:
            result = await conn.execute(select(func.count()).select_from(t.incidents))
            return int(result.scalar_one())


def _incident_from_row(m: Any) -> Incident:
    return Incident(
        run_id=m["run_id"],
        created_at=aware(m["created_at"]),
        server=m["server"],
        query=m["query"],
        intent=m["intent"],
        commands=tuple(m["commands"]),
        outcome=m["outcome"],
        summary=m["summary"],
        duration=m["duration"],
    )
