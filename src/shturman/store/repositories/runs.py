"""Runs, their ordered events, and the incidents they become."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shturman.domain.runs import Incident, RunEvent, RunRecord
from shturman.store import tables as t
from shturman.store.repositories._time import aware, now


class RunRepo:
    """Runs and their ordered events. Events are persisted before they are shown."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create(self, run: RunRecord) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(t.runs).values(
                    id=run.id,
                    created_at=run.created_at,
                    actor=run.actor,
                    request=run.request,
                    mode=run.mode,
                    status=run.status,
                    route=run.route,
                    servers=list(run.servers),
                    summary=run.summary,
                    verified=run.verified,
                )
            )

    async def finish(
        self, run_id: str, status: str, summary: str, verified: bool, route: str = "",
        servers: Sequence[str] | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "status": status,
            "summary": summary,
            "verified": verified,
            "finished_at": now(),
        }
        if route:
            values["route"] = route
        if servers is not None:
            values["servers"] = list(servers)
        async with self._engine.begin() as conn:
            await conn.execute(update(t.runs).where(t.runs.c.id == run_id).values(**values))

    async def append_event(self, event: RunEvent) -> None:
        await self.append_events([event])

    async def append_events(self, events: Sequence[RunEvent]) -> None:
        """Store events (in order) in one transaction."""
        if not events:
            return
        async with self._engine.begin() as conn:
            await conn.execute(insert(t.run_events), [
                {"run_id": e.run_id, "seq": e.seq, "at": e.at, "type": e.type, "data": e.data}
                for e in events
            ])

    async def get(self, run_id: str) -> RunRecord | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(t.runs).where(t.runs.c.id.startswith(run_id)))
            ).first()
        return None if row is None else _run_from_row(row._mapping)

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
            RunEvent(
                run_id=r.run_id, seq=r.seq, at=aware(r.at), type=r.type, data=dict(r.data)
            )
            for r in rows
        ]

    async def recent(self, limit: int = 20) -> list[RunRecord]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(t.runs).order_by(t.runs.c.created_at.desc()).limit(limit)
                )
            ).all()
        return [_run_from_row(r._mapping) for r in rows]

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
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, incident: Incident) -> None:
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
        return [_incident_from_row(r._mapping) for r in rows]

    async def recent(self, limit: int = 20) -> list[Incident]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(t.incidents).order_by(t.incidents.c.id.desc()).limit(limit)
                )
            ).all()
        return [_incident_from_row(r._mapping) for r in rows]

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
