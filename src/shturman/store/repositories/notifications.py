"""Notifications for users (or for everyone who may act: ``user`` NULL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shturman.domain.notifications import Notification, NotificationAction, NotificationKind
from shturman.store import tables as t
from shturman.store.repositories._redaction import Redacts, or_default
from shturman.store.repositories._time import aware, now


class NotificationRepo:
    def __init__(self, engine: AsyncEngine, redactor: Redacts | None = None) -> None:
        self._engine = engine
        self._redactor = or_default(redactor)

    async def add(self, items: Sequence[Notification]) -> list[int]:
        r = self._redactor
        ids: list[int] = []
        async with self._engine.begin() as conn:
            for n in items:
                result = await conn.execute(insert(t.notifications).values(
                    kind=n.kind.value, user=n.user, title=r.redact(n.title),
                    body=r.redact(n.body), action=n.action.value,
                    data=r.redact_data(dict(n.data)), created_at=n.created_at or now(),
                    read_at=None))
                key = result.inserted_primary_key
                ids.append(int(key[0]) if key else 0)
        return ids

    async def get(self, notification_id: int) -> Notification | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(t.notifications).where(
                t.notifications.c.id == notification_id))).first()
        return None if row is None else _from_row(row._mapping)

    async def list(self, user: str | None = None, *, unread: bool = False,
                   kind: NotificationKind | None = None, limit: int = 50
                   ) -> list[Notification]:
        """Newest first. With ``user``: theirs and those for everyone."""
        c = t.notifications.c
        query = select(t.notifications)
        if user is not None:
            query = query.where(or_(c.user == user, c.user.is_(None)))
        if unread:
            query = query.where(c.read_at.is_(None))
        if kind is not None:
            query = query.where(c.kind == kind.value)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.order_by(c.id.desc()).limit(limit))).all()
        return [_from_row(r._mapping) for r in rows]

    async def mark_read(self, ids: Sequence[int]) -> int:
        if not ids:
            return 0
        c = t.notifications.c
        async with self._engine.begin() as conn:
            result = await conn.execute(update(t.notifications).where(
                c.id.in_(list(ids)), c.read_at.is_(None)).values(read_at=now()))
        return int(result.rowcount or 0)


def _from_row(m: Any) -> Notification:
    read = m["read_at"]
    return Notification(
        id=m["id"], kind=NotificationKind(m["kind"]), user=m["user"], title=m["title"],
        body=m["body"], action=NotificationAction(m["action"]), data=dict(m["data"] or {}),
        created_at=aware(m["created_at"]), read_at=aware(read) if read else None)
