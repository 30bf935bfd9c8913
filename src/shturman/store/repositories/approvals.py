"""Stored approval requests. Only a ``pending`` row changes, once, by an atomic update."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shturman.domain.approval import ApprovalStatus, PendingApproval
from shturman.store import tables as t
from shturman.store.repositories._redaction import Redacts, or_default
from shturman.store.repositories._time import aware, now

_PENDING = ApprovalStatus.PENDING.value


class ApprovalRepo:
    """The command is stored redacted (for people to read); its sha256 ``digest`` is the
    binding the waiting side checks."""

    def __init__(self, engine: AsyncEngine, redactor: Redacts | None = None) -> None:
        self._engine = engine
        self._redactor = or_default(redactor)

    async def add(self, a: PendingApproval) -> None:
        r = self._redactor.redact
        async with self._engine.begin() as conn:
            await conn.execute(insert(t.approvals).values(
                id=a.id, created_at=a.created_at, expires_at=a.expires_at, server=a.server,
                command=r(a.command), digest=a.digest, reasons=[r(x) for x in a.reasons],
                reasons_ru=[r(x) for x in a.reasons_ru], diff=r(a.diff), run_id=a.run_id,
                requested_by=r(a.requested_by), roles=list(a.roles), waiter=a.waiter,
                status=a.status.value, decided_by="", note=""))

    async def get(self, approval_id: str) -> PendingApproval | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(
                select(t.approvals).where(t.approvals.c.id == approval_id))).first()
        return None if row is None else _from_row(row._mapping)

    async def pending(self, limit: int = 200) -> list[PendingApproval]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(
                select(t.approvals).where(t.approvals.c.status == _PENDING)
                .order_by(t.approvals.c.created_at).limit(limit))).all()
        return [_from_row(r._mapping) for r in rows]

    async def close(self, approval_id: str, status: ApprovalStatus, *, by: str = "",
                    note: str = "", unexpired: bool = False) -> bool:
        """pending → ``status``, atomically; False when the row was not pending any more (or,
        with ``unexpired``, had expired): the caller lost the race and nothing changed."""
        at = now()
        where = [t.approvals.c.id == approval_id, t.approvals.c.status == _PENDING]
        if unexpired:
            where.append(t.approvals.c.expires_at > at)
        async with self._engine.begin() as conn:
            result = await conn.execute(update(t.approvals).where(*where).values(
                status=status.value, decided_by=self._redactor.redact(by), decided_at=at,
                note=self._redactor.redact(note)))
        return int(result.rowcount or 0) == 1


def _from_row(m: Any) -> PendingApproval:
    decided: datetime | None = m["decided_at"]
    return PendingApproval(
        id=m["id"], server=m["server"], command=m["command"], digest=m["digest"],
        reasons=tuple(m["reasons"]), reasons_ru=tuple(m["reasons_ru"]), diff=m["diff"],
        run_id=m["run_id"], requested_by=m["requested_by"], roles=tuple(m["roles"]),
        created_at=aware(m["created_at"]), expires_at=aware(m["expires_at"]),
        status=ApprovalStatus(m["status"]), waiter=m["waiter"], decided_by=m["decided_by"],
        decided_at=aware(decided) if decided else None, note=m["note"])
