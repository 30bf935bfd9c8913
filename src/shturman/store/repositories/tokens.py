"""Web sessions and API tokens, kept as SHA-256 digests (a stolen database opens nothing)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shturman.domain.access import AccessToken, TokenKind
from shturman.store import tables as t
from shturman.store.repositories._time import aware, now


class TokenRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, user: str, kind: TokenKind, digest: str, *, label: str = "",
                  expires_at: datetime | None = None) -> AccessToken:
        async with self._engine.begin() as conn:
            await conn.execute(insert(t.user_tokens).values(
                user=user, kind=kind.value, digest=digest, label=label, created_at=now(),
                expires_at=expires_at, last_used_at=None))
        found = await self.find(digest, kind)
        assert found is not None
        return found

    async def find(self, digest: str, kind: TokenKind) -> AccessToken | None:
        c = t.user_tokens.c
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(t.user_tokens).where(
                c.digest == digest, c.kind == kind.value))).first()
        return None if row is None else _from_row(row._mapping)

    async def touch(self, token_id: int) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(update(t.user_tokens).where(t.user_tokens.c.id == token_id)
                               .values(last_used_at=now()))

    async def for_user(self, user: str, kind: TokenKind) -> list[AccessToken]:
        c = t.user_tokens.c
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(t.user_tokens).where(
                c.user == user, c.kind == kind.value).order_by(c.id))).all()
        return [_from_row(r._mapping) for r in rows]

    async def remove(self, digest: str) -> int:
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(t.user_tokens).where(
                t.user_tokens.c.digest == digest))
        return int(result.rowcount or 0)

    async def remove_for_user(self, user: str, kind: TokenKind) -> int:
        c = t.user_tokens.c
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(t.user_tokens).where(
                c.user == user, c.kind == kind.value))
        return int(result.rowcount or 0)

    async def purge_expired(self) -> int:
        c = t.user_tokens.c
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(t.user_tokens).where(
                c.expires_at.is_not(None), c.expires_at < now()))
        return int(result.rowcount or 0)


def _from_row(m: Any) -> AccessToken:
    def maybe(value: datetime | None) -> datetime | None:
        return aware(value) if value is not None else None

    return AccessToken(id=m["id"], user=m["user"], kind=TokenKind(m["kind"]), label=m["label"],
                       created_at=aware(m["created_at"]), expires_at=maybe(m["expires_at"]),
                       last_used_at=maybe(m["last_used_at"]))
