"""The audit log and the full (redacted, capped) output of each command."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shturman.domain.audit import AuditFilter
from shturman.domain.models import AuditEntry
from shturman.store import tables as t
from shturman.store.repositories._redaction import Redacts, or_default
from shturman.store.repositories._time import aware


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
    completed after; a crash in between leaves the row `running`: consistent, never lost.
    Commands, details and outputs are redacted on the way in and on the way out."""

    def __init__(self, engine: AsyncEngine, redactor: Redacts | None = None) -> None:
        self._engine = engine
        self._redactor = or_default(redactor)
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
                    insert(t.audit_log).values(**self._audit_values(entry))
                    .returning(t.audit_log.c.id)
                )
                audit_id = int(result.scalar_one())
                if output is not None:
                    await conn.execute(insert(t.command_outputs).values(
                        audit_id=audit_id, **self._output_values(output)))
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise
        return audit_id

    async def append_many(self, entries: Sequence[AuditEntry]) -> list[int]:
        """Rows without outputs (write-ahead rows), in one transaction; their ids in order."""
        ids: list[int] = []
        async with self._lock:
            conn = await self._connection()
            try:
                for entry in entries:
                    result = await conn.execute(
                        insert(t.audit_log).values(**self._audit_values(entry))
                        .returning(t.audit_log.c.id))
                    ids.append(int(result.scalar_one()))
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise
        return ids

    async def complete(self, completions: Sequence[AuditCompletion]) -> None:
        """Fill in results of write-ahead rows, in one transaction."""
        if not completions:
            return
        async with self._lock:
            conn = await self._connection()
            try:
                await self._write_completions(conn, completions)
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise

    async def _write_completions(self, conn: AsyncConnection,
                                 completions: Sequence[AuditCompletion]) -> None:
        for c in completions:
            await conn.execute(
                update(t.audit_log).where(t.audit_log.c.id == c.audit_id).values(
                    exit_code=c.exit_code, duration=c.duration, outcome=c.outcome,
                    detail=self._redactor.redact(c.detail)))
        outputs = [{"audit_id": c.audit_id, **self._output_values(c.output)}
                   for c in completions if c.output is not None]
        if outputs:
            await conn.execute(insert(t.command_outputs), outputs)

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
        r = self._redactor.redact
        return [replace(e, actor=r(e.actor), command=r(e.command), detail=r(e.detail))
                for e in (_audit_from_row(row._mapping) for row in reversed(rows))]

    async def search(self, f: AuditFilter) -> list[AuditEntry]:
        """Newest first, at most ``f.limit`` rows matching every given field."""
        c = t.audit_log.c
        query = select(t.audit_log)
        if f.server:
            query = query.where(c.server == f.server)
        if f.actor:
            query = query.where(c.actor.contains(f.actor, autoescape=True))
        if f.decision:
            query = query.where(c.decision == f.decision)
        if f.outcome:
            query = query.where(c.outcome == f.outcome)
        if f.since is not None:
            query = query.where(c.at >= f.since)
        if f.until is not None:
            query = query.where(c.at < f.until)
        if f.run_id:
            query = query.where(c.run_id == f.run_id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.order_by(c.id.desc()).limit(f.limit))).all()
        r = self._redactor.redact
        return [replace(e, actor=r(e.actor), command=r(e.command), detail=r(e.detail))
                for e in (_audit_from_row(row._mapping) for row in rows)]

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
        r = self._redactor.redact
        return StoredOutput(r(m["stdout"]), r(m["stderr"]), m["stdout_bytes"],
                            m["stderr_bytes"])

    def _audit_values(self, entry: AuditEntry) -> dict[str, Any]:
        r = self._redactor.redact
        return {
            "at": entry.at,
            "actor": r(entry.actor),
            "server": entry.server,
            "action": entry.action,
            "command": r(entry.command),
            "decision": entry.decision,
            "exit_code": entry.exit_code,
            "duration": entry.duration,
            "outcome": entry.outcome,
            "detail": r(entry.detail),
            "run_id": entry.run_id,
        }

    def _output_values(self, output: StoredOutput) -> dict[str, Any]:
        r = self._redactor.redact
        return {
            "stdout": r(output.stdout),
            "stderr": r(output.stderr),
            "stdout_bytes": output.stdout_bytes,
            "stderr_bytes": output.stderr_bytes,
        }


def _audit_from_row(m: Any) -> AuditEntry:
    return AuditEntry(
        id=m["id"],
        at=aware(m["at"]),
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
