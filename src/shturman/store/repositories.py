"""Repositories: the only code that touches tables. They take and return domain objects."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shturman.domain.errors import ServerExistsError
from shturman.domain.models import AccessProfile, AuditEntry, AuthMethod, Server
from shturman.domain.runs import Incident, RunEvent, RunRecord
from shturman.store import tables as t


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class ServerRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, server: Server) -> None:
        values = _server_values(server)
        values["created_at"] = _now()
        try:
            async with self._engine.begin() as conn:
                await conn.execute(insert(t.servers).values(**values))
        except IntegrityError as exc:
            raise ServerExistsError(server.name) from exc

    async def update(self, server: Server) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(t.servers)
                .where(t.servers.c.name == server.name)
                .values(**_server_values(server))
            )

    async def host_key(self, name: str) -> tuple[str, str] | None:
        """The pinned (key line, fingerprint) of a server, if any."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(t.host_keys.c.key_line, t.host_keys.c.fingerprint).where(
                        t.host_keys.c.server == name
                    )
                )
            ).first()
        return None if row is None else (row[0], row[1])

    async def pin_host_key(
        self, name: str, host: str, port: int, key_line: str, fingerprint: str
    ) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(delete(t.host_keys).where(t.host_keys.c.server == name))
            await conn.execute(
                insert(t.host_keys).values(
                    server=name,
                    host=host,
                    port=port,
                    key_line=key_line,
                    fingerprint=fingerprint,
                    pinned_at=_now(),
                )
            )

    async def forget_host_key(self, name: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(delete(t.host_keys).where(t.host_keys.c.server == name))

    async def get(self, name: str) -> Server | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(t.servers).where(t.servers.c.name == name))
            ).first()
        return None if row is None else _server_from_row(row._mapping)

    async def list(self) -> list[Server]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(t.servers).order_by(t.servers.c.id))).all()
        return [_server_from_row(r._mapping) for r in rows]

    async def remove(self, name: str) -> bool:
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(t.servers).where(t.servers.c.name == name))
        return bool(result.rowcount)


def _server_values(s: Server) -> dict[str, Any]:
    return {
        "name": s.name,
        "host": s.host,
        "port": s.port,
        "user": s.user,
        "auth": s.auth.value,
        "key_path": s.key_path,
        "aliases": list(s.aliases),
        "services": list(s.services),
        "tags": list(s.tags),
        "profile": s.profile.value,
        "forbidden_commands": list(s.forbidden_commands),
    }


def _server_from_row(m: Any) -> Server:
    return Server(
        name=m["name"],
        host=m["host"],
        port=m["port"],
        user=m["user"],
        auth=AuthMethod(m["auth"]),
        key_path=m["key_path"],
        aliases=tuple(m["aliases"]),
        services=tuple(m["services"]),
        tags=tuple(m["tags"]),
        profile=AccessProfile(m["profile"]),
        forbidden_commands=tuple(m["forbidden_commands"]),
    )


class CredentialRepo:
    """Encrypted blobs only; implements vault.SecretStore."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def put(self, server: str, kind: str, blob: bytes) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(t.credentials).where(
                    (t.credentials.c.server == server) & (t.credentials.c.kind == kind)
                )
            )
            await conn.execute(
                insert(t.credentials).values(
                    server=server, kind=kind, blob=blob, updated_at=_now()
                )
            )

    async def get(self, server: str, kind: str) -> bytes | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(t.credentials.c.blob).where(
                        (t.credentials.c.server == server) & (t.credentials.c.kind == kind)
                    )
                )
            ).first()
        return None if row is None else bytes(row[0])

    async def all_blobs(self) -> list[tuple[str, str, bytes]]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(t.credentials.c.server, t.credentials.c.kind, t.credentials.c.blob)
                )
            ).all()
        return [(r[0], r[1], bytes(r[2])) for r in rows]

    async def delete_for(self, server: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(delete(t.credentials).where(t.credentials.c.server == server))


@dataclass(frozen=True, slots=True)
class StoredOutput:
    stdout: str
    stderr: str
    stdout_bytes: int
    stderr_bytes: int


@dataclass(frozen=True, slots=True)
class AuditCompletion:
    """The result half of a write-ahead audit row."""

    audit_id: int
    exit_code: int | None
    duration: float | None
    outcome: str
    detail: str
    output: StoredOutput | None


class AuditRepo:
    """Audit rows. A command's row is written before it runs (outcome `running`) and
    completed after; a crash in between leaves the row `running`: consistent, never lost."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None
        self._lock = asyncio.Lock()

    async def _connection(self) -> AsyncConnection:
        if self._conn is None or self._conn.closed:
            self._conn = await self._engine.connect()
        return self._conn

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def append(self, entry: AuditEntry, output: StoredOutput | None = None) -> int:
        async with self._lock:
            conn = await self._connection()
            try:
                result = await conn.execute(
                    insert(t.audit_log).values(**_audit_values(entry))
                    .returning(t.audit_log.c.id)
                )
                audit_id = int(result.scalar_one())
                if output is not None:
                    await conn.execute(insert(t.command_outputs).values(
                        audit_id=audit_id, **_output_values(output)))
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise
        return audit_id

    async def complete(self, completions: Sequence[AuditCompletion]) -> None:
        """Fill in results of write-ahead rows, in one transaction."""
        if not completions:
            return
        async with self._lock:
            conn = await self._connection()
            try:
                for c in completions:
                    await conn.execute(
                        update(t.audit_log).where(t.audit_log.c.id == c.audit_id).values(
                            exit_code=c.exit_code, duration=c.duration, outcome=c.outcome,
                            detail=c.detail))
                outputs = [{"audit_id": c.audit_id, **_output_values(c.output)}
                           for c in completions if c.output is not None]
                if outputs:
                    await conn.execute(insert(t.command_outputs), outputs)
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise

    async def recent(
        self, limit: int = 50, server: str | None = None, run_id: str | None = None
    ) -> list[AuditEntry]:
        query = select(t.audit_log).order_by(t.audit_log.c.id.desc()).limit(limit)
        if server:
            query = query.where(t.audit_log.c.server == server)
        if run_id:
            query = query.where(t.audit_log.c.run_id == run_id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_audit_from_row(r._mapping) for r in reversed(rows)]

    async def output(self, audit_id: int) -> StoredOutput | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(t.command_outputs).where(t.command_outputs.c.audit_id == audit_id)
                )
            ).first()
        if row is None:
            return None
        m = row._mapping
        return StoredOutput(m["stdout"], m["stderr"], m["stdout_bytes"], m["stderr_bytes"])


def _audit_values(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at,
        "actor": entry.actor,
        "server": entry.server,
        "action": entry.action,
        "command": entry.command,
        "decision": entry.decision,
        "exit_code": entry.exit_code,
        "duration": entry.duration,
        "outcome": entry.outcome,
        "detail": entry.detail,
        "run_id": entry.run_id,
    }


def _output_values(output: StoredOutput) -> dict[str, Any]:
    return {
        "stdout": output.stdout,
        "stderr": output.stderr,
        "stdout_bytes": output.stdout_bytes,
        "stderr_bytes": output.stderr_bytes,
    }


def _audit_from_row(m: Any) -> AuditEntry:
    return AuditEntry(
        id=m["id"],
        at=_aware(m["at"]),
        actor=m["actor"],
        server=m["server"],
        action=m["action"],
        command=m["command"],
        decision=m["decision"],
        exit_code=m["exit_code"],
        duration=m["duration"],
        outcome=m["outcome"],
        detail=m["detail"],
        run_id=m["run_id"],
    )


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
        self, run_id: str, status: str, summary: str, verified: bool, route: str = ""
    ) -> None:
        values: dict[str, Any] = {
            "status": status,
            "summary": summary,
            "verified": verified,
            "finished_at": _now(),
        }
        if route:
            values["route"] = route
        async with self._engine.begin() as conn:
            await conn.execute(update(t.runs).where(t.runs.c.id == run_id).values(**values))

    async def set_route(self, run_id: str, route: str, servers: Sequence[str]) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(t.runs)
                .where(t.runs.c.id == run_id)
                .values(route=route, servers=list(servers))
            )

    async def append_event(self, event: RunEvent) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(t.run_events).values(
                    run_id=event.run_id,
                    seq=event.seq,
                    at=event.at,
                    type=event.type,
                    data=event.data,
                )
            )

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
                run_id=r.run_id, seq=r.seq, at=_aware(r.at), type=r.type, data=dict(r.data)
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
                .values(status="interrupted", finished_at=_now())
            )
        return int(result.rowcount or 0)


def _run_from_row(m: Any) -> RunRecord:
    return RunRecord(
        id=m["id"],
        created_at=_aware(m["created_at"]),
        finished_at=_aware(m["finished_at"]) if m["finished_at"] else None,
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
        created_at=_aware(m["created_at"]),
        server=m["server"],
        query=m["query"],
        intent=m["intent"],
        commands=tuple(m["commands"]),
        outcome=m["outcome"],
        summary=m["summary"],
        duration=m["duration"],
    )
