"""Web Push subscriptions, per user; one row per browser endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shturman.domain.push import PushSubscription
from shturman.store import tables as t
from shturman.store.repositories._time import aware, now


class PushSubscriptionRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, user: str, endpoint: str, p256dh: str, auth: str
                  ) -> PushSubscription | None:
        """Stores (or refreshes the keys of) ``user``'s subscription at ``endpoint``. None
        when that endpoint is another user's: it is never taken over."""
        c = t.push_subscriptions.c
        async with self._engine.begin() as conn:
            row = (await conn.execute(select(t.push_subscriptions).where(
                c.endpoint == endpoint))).first()
            if row is None:
                await conn.execute(insert(t.push_subscriptions).values(
                    user=user, endpoint=endpoint, p256dh=p256dh, auth=auth,
                    created_at=now(), last_sent_at=None))
            elif row._mapping["user"] != user:
                return None
            else:
                await conn.execute(update(t.push_subscriptions).where(
                    c.endpoint == endpoint).values(p256dh=p256dh, auth=auth))
        return await self.find(endpoint)

    async def find(self, endpoint: str) -> PushSubscription | None:
        c = t.push_subscriptions.c
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(t.push_subscriptions).where(
                c.endpoint == endpoint))).first()
        return None if row is None else _from_row(row._mapping)

    async def of(self, users: Sequence[str] | None = None) -> list[PushSubscription]:
        """The subscriptions of ``users`` (None: everyone's)."""
        c = t.push_subscriptions.c
        query = select(t.push_subscriptions).order_by(c.id)
        if users is not None:
            if not users:
                return []
            query = query.where(c.user.in_(list(users)))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_from_row(r._mapping) for r in rows]

    async def remove(self, endpoint: str, user: str | None = None) -> bool:
        """Deletes the subscription at ``endpoint`` (only ``user``'s, when given)."""
        c = t.push_subscriptions.c
        query = delete(t.push_subscriptions).where(c.endpoint == endpoint)
        if user is not None:
            query = query.where(c.user == user)
        async with self._engine.begin() as conn:
            result = await conn.execute(query)
        return bool(result.rowcount)

    async def sent(self, subscription_id: int) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(update(t.push_subscriptions).where(
                t.push_subscriptions.c.id == subscription_id).values(last_sent_at=now()))


def _from_row(m: Any) -> PushSubscription:
    sent = m["last_sent_at"]
    return PushSubscription(
        id=m["id"], user=m["user"], endpoint=m["endpoint"], p256dh=m["p256dh"],
        auth=m["auth"], created_at=aware(m["created_at"]),
        last_sent_at=aware(sent) if sent else None)
