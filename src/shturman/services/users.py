"""Users of every channel: add, list, change, check a password, act as one."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from shturman.domain.errors import UserError
from shturman.domain.models import Actor
from shturman.domain.users import Principal, Role, User
from shturman.store.repositories.users import UserRepo

LANGUAGES = ("ru", "en")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def parse_role(value: str, name: str = "") -> Role:
    try:
        return Role(value)
    except ValueError:
        raise UserError(name, "bad_role", value) from None


class UserService:
    """Passwords are hashed with argon2 (never stored or returned in clear)."""

    def __init__(self, repo: UserRepo) -> None:
        self._repo = repo

    async def add(self, name: str, role: str, *, telegram_id: int | None = None,
                  language: str = "ru", password: str | None = None) -> User:
        if not _NAME.match(name):
            raise UserError(name, "bad_name", name)
        user = User(name, parse_role(role, name), _language(name, language), telegram_id)
        if await self._repo.get(name) is not None:
            raise UserError(name, "exists")
        await self._check_telegram(name, telegram_id)
        hashed = await _hash(password) if password else None
        return await self._repo.add(user, hashed)

    async def all(self) -> list[User]:
        return await self._repo.all()

    async def get(self, name: str) -> User:
        user = await self._repo.get(name)
        if user is None:
            raise UserError(name, "unknown")
        return user

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        return await self._repo.by_telegram_id(telegram_id)

    async def set(self, name: str, *, role: str | None = None, telegram_id: int | None = None,
                  language: str | None = None, password: str | None = None,
                  settings: dict[str, Any] | None = None) -> User:
        """Change what is given; the rest stays as it is."""
        user = await self.get(name)
        values: dict[str, Any] = {}
        if role is not None:
            values["role"] = parse_role(role, name).value
        if language is not None:
            values["language"] = _language(name, language)
        if telegram_id is not None and telegram_id != user.telegram_id:
            await self._check_telegram(name, telegram_id)
            values["telegram_id"] = telegram_id
        if password is not None:
            values["password_hash"] = await _hash(password)
        if settings is not None:
            values["settings"] = {**user.settings, **settings}
        if values and not await self._repo.update(name, values):
            raise UserError(name, "unknown")
        return await self.get(name)

    async def check_password(self, name: str, password: str) -> bool:
        """True only for a user with a password that matches (constant-time, argon2)."""
        hashed = await self._repo.password_hash(name)
        if not hashed:
            return False
        return await asyncio.to_thread(_verify, hashed, password)

    async def principal(self, name: str, kind: str = "cli") -> Principal:
        """Act as this Shturman user (e.g. `approvals approve --as NAME`)."""
        user = await self.get(name)
        return Principal(Actor(kind, user.name), user.role)

    async def with_roles(self, roles: tuple[Role, ...]) -> list[User]:
        return [u for u in await self._repo.all() if u.role in roles]

    async def _check_telegram(self, name: str, telegram_id: int | None) -> None:
        if telegram_id is None:
            return
        owner = await self._repo.by_telegram_id(telegram_id)
        if owner is not None and owner.name != name:
            raise UserError(name, "telegram_taken", f"{telegram_id} ({owner.name})")


def local_principal() -> Principal:
    """The person at this machine's terminal, named by the OS (the effective uid, not a
    settable variable): whoever can read SHTURMAN_HOME (the database and the vault key)
    already holds every right, so the CLI acts as an admin in their name."""
    import os
    import pwd

    try:
        name = pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        name = f"uid{os.geteuid()}"
    return Principal(Actor("cli", name), Role.ADMIN)


def _language(name: str, value: str) -> str:
    if value not in LANGUAGES:
        raise UserError(name, "bad_lang", value)
    return value


async def _hash(password: str) -> str:
    from argon2 import PasswordHasher

    return await asyncio.to_thread(PasswordHasher().hash, password)


def _verify(hashed: str, password: str) -> bool:
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(PasswordHasher().verify(hashed, password))
    except (VerificationError, InvalidHashError):
        return False


__all__ = ["LANGUAGES", "UserService", "local_principal", "parse_role"]
