"""Users shared by every channel. Password hashes stay here: a ``User`` never carries one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shturman.domain.errors import UserError
from shturman.domain.users import Role, User
from shturman.store import tables as t
from shturman.store.repositories._time import aware, now


class UserRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, user: User, password_hash: str | None = None) -> User:
        try:
            async with self._engine.begin() as conn:
                await conn.execute(insert(t.users).values(
                    name=user.name, role=user.role.value, language=user.language,
                    telegram_id=user.telegram_id, password_hash=password_hash,
                    settings=dict(user.settings), created_at=now()))
        except IntegrityError:  # a concurrent add won the name or the Telegram id
            raise UserError(user.name, "exists") from None
        added = await self.get(user.name)
        assert added is not None
        return added

    async def get(self, name: str) -> User | None:
        return await self._one(t.users.c.name == name)

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        return await self._one(t.users.c.telegram_id == telegram_id)

    async def _one(self, where: Any) -> User | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(t.users).where(where))).first()
        return None if row is None else _from_row(row._mapping)

    async def all(self) -> list[User]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(t.users).order_by(t.users.c.name))).all()
        return [_from_row(r._mapping) for r in rows]

    async def password_hash(self, name: str) -> str | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(t.users.c.password_hash)
                                      .where(t.users.c.name == name))).first()
        return None if row is None else row[0]

    async def update(self, name: str, values: dict[str, Any]) -> bool:
        """Change the given columns (``role``, ``language``, ``telegram_id``,
        ``password_hash``, ``settings``); False when there is no such user."""
        try:
            async with self._engine.begin() as conn:
                result = await conn.execute(
                    update(t.users).where(t.users.c.name == name).values(**values))
        except IntegrityError:
            raise UserError(name, "telegram_taken", str(values.get("telegram_id"))) from None
        return int(result.rowcount or 0) == 1


def _from_row(m: Any) -> User:
    return User(name=m["name"], role=Role(m["role"]), language=m["language"],
                telegram_id=m["telegram_id"], settings=dict(m["settings"] or {}),
                created_at=aware(m["created_at"]), has_password=m["password_hash"] is not None)
