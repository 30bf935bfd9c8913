"""The peer watchdog's actions (``peer_actions``): the storm guard reads its cool-down and
hourly cap from here, in the same transaction that records the next action, so they hold
across restarts and between processes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shturman.domain.peers import (
    IN_FLIGHT,
    Claim,
    HoldReason,
    Limits,
    PeerAction,
    PeerActionKind,
    PeerActionStatus,
)
from shturman.store import tables as t
from shturman.store.repositories._redaction import Redacts, or_default
from shturman.store.repositories._time import aware, now
from shturman.store.repositories._writes import Writes

HOUR = timedelta(hours=1)


class PeerRepo:
    def __init__(self, engine: AsyncEngine, redactor: Redacts | None = None) -> None:
        self._engine = engine
        self._r = or_default(redactor)
        self._begin = Writes(engine).begin

    async def claim(self, peer: str, server: str, action: PeerActionKind, limits: Limits, *,
                    provider: str = "", actor: str = "", detail: str = "",
                    at: datetime | None = None) -> Claim:
        """Record ``action`` as ``requested`` unless the storm guard holds it; then record
        it ``held`` with the reason (once per streak of the same reason)."""
        at = at or now()
        async with self._begin() as conn:
            hold = await self._hold(conn, peer, action, limits, at)
            if hold is not None:
                reason, until = hold
                last = await self._last(conn, peer)
                if last is not None and last.held and last.reason == reason.value \
                        and last.action is action:
                    return Claim(last, new=False, until=until)
                values = dict(status=PeerActionStatus.HELD.value, reason=reason.value)
            else:
                until = None
                values = dict(status=PeerActionStatus.REQUESTED.value, reason="")
            result = await conn.execute(insert(t.peer_actions).values(
                peer=peer, server=server, action=action.value, provider=provider,
                detail=self._r.redact(detail), actor=actor, requested_at=at, **values))
            row_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            stored = await self._get(conn, row_id)
        assert stored is not None
        return Claim(stored, new=True, until=until)

    async def hold(self, peer: str, server: str, action: PeerActionKind, reason: HoldReason,
                   detail: str = "", *, at: datetime | None = None) -> Claim:
        """Record a hold the guard does not decide (no power provider), once per streak."""
        async with self._begin() as conn:
            last = await self._last(conn, peer)
            if last is not None and last.held and last.reason == reason.value:
                return Claim(last, new=False)
            result = await conn.execute(insert(t.peer_actions).values(
                peer=peer, server=server, action=action.value, provider="",
                status=PeerActionStatus.HELD.value, reason=reason.value,
                detail=self._r.redact(detail), actor="", requested_at=at or now()))
            stored = await self._get(conn, int(result.inserted_primary_key[0]))  # type: ignore[index]
        assert stored is not None
        return Claim(stored, new=True)

    async def _hold(self, conn: AsyncConnection, peer: str, action: PeerActionKind,
                    limits: Limits, at: datetime) -> tuple[HoldReason, datetime | None] | None:
        c = t.peer_actions.c
        acted = [c.peer == peer, c.status != PeerActionStatus.HELD.value]
        flying = (await conn.execute(select(c.requested_at).where(
            *acted, c.action == PeerActionKind.POWER.value,
            c.status.in_([s.value for s in IN_FLIGHT]),
            c.requested_at > at - timedelta(seconds=limits.stale)).order_by(
            c.requested_at.desc()).limit(1))).scalar()
        if flying is not None:
            return HoldReason.IN_PROGRESS, aware(flying) + timedelta(seconds=limits.stale)
        last = (await conn.execute(select(func.max(c.requested_at)).where(*acted))).scalar()
        if last is not None and aware(last) + timedelta(seconds=limits.cooldown) > at:
            return HoldReason.COOLDOWN, aware(last) + timedelta(seconds=limits.cooldown)
        if action is PeerActionKind.POWER:
            recent = [aware(v) for v in (await conn.execute(select(c.requested_at).where(
                *acted, c.action == PeerActionKind.POWER.value,
                c.status != PeerActionStatus.DENIED.value,
                c.requested_at > at - HOUR).order_by(c.requested_at))).scalars()]
            if len(recent) >= limits.per_hour:
                until = recent[-limits.per_hour] + HOUR if limits.per_hour else None
                return HoldReason.HOURLY, until
        return None

    async def update(self, action_id: int, *, status: PeerActionStatus | None = None,
                     detail: str | None = None, job_id: int | None = None,
                     run_id: str | None = None, approval_id: str | None = None,
                     finished: bool = False) -> PeerAction | None:
        values: dict[str, Any] = {}
        if status is not None:
            values["status"] = status.value
        if detail is not None:
            values["detail"] = self._r.redact(detail)
        for name, value in (("job_id", job_id), ("run_id", run_id),
                            ("approval_id", approval_id)):
            if value is not None:
                values[name] = value
        if finished:
            values["finished_at"] = now()
        async with self._begin() as conn:
            if values:
                await conn.execute(update(t.peer_actions).where(
                    t.peer_actions.c.id == action_id).values(**values))
            return await self._get(conn, action_id)

    async def get(self, action_id: int) -> PeerAction | None:
        async with self._engine.connect() as conn:
            return await self._get(conn, action_id)

    async def recent(self, peer: str | None = None, *, limit: int = 50) -> list[PeerAction]:
        c = t.peer_actions.c
        query = select(t.peer_actions).order_by(c.id.desc()).limit(limit)
        if peer is not None:
            query = query.where(c.peer == peer)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [self._action(r._mapping) for r in rows]

    async def _last(self, conn: AsyncConnection, peer: str) -> PeerAction | None:
        c = t.peer_actions.c
        row = (await conn.execute(select(t.peer_actions).where(c.peer == peer).order_by(
            c.id.desc()).limit(1))).first()
        return None if row is None else self._action(row._mapping)

    async def _get(self, conn: AsyncConnection, action_id: int) -> PeerAction | None:
        row = (await conn.execute(select(t.peer_actions).where(
            t.peer_actions.c.id == action_id))).first()
        return None if row is None else self._action(row._mapping)

    def _action(self, m: Any) -> PeerAction:
        return PeerAction(
            id=m["id"], peer=m["peer"], server=m["server"],
            action=PeerActionKind(m["action"]), status=PeerActionStatus(m["status"]),
            requested_at=aware(m["requested_at"]), provider=m["provider"], reason=m["reason"],
            detail=self._r.redact(m["detail"]), actor=m["actor"], job_id=m["job_id"],
            run_id=m["run_id"], approval_id=m["approval_id"],
            finished_at=aware(m["finished_at"]) if m["finished_at"] else None)
