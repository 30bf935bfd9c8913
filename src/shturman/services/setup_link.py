"""The one-time setup link: how the first admin is created without a default password.

While no admin exists, `shturman serve --open` / `shturman web --open` ask :meth:`SetupLinks.issue`
for a token and print ``/setup?token=…``. The token is 32 random bytes; only its SHA-256 digest
is stored (``user_tokens``, kind ``setup``), it expires, and it is consumed by the first
successful use (the row is deleted before the admin is created, so two racing uses cannot both
win). Once any admin exists, every setup token is refused.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

from shturman.domain.access import TokenKind
from shturman.domain.errors import UserError
from shturman.domain.models import AuditEntry
from shturman.domain.users import Role, User
from shturman.services.admin import InvalidInput
from shturman.services.audit import AuditTrail
from shturman.services.tokens import digest
from shturman.services.users import UserService
from shturman.store.repositories.tokens import TokenRepo

SETUP_OWNER = "@setup"  # the user column of a setup token (no admin exists yet)
LIFETIME = 3600.0  # seconds a setup link stays valid
MIN_PASSWORD = 8
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")  # as services.users


class SetupLinks:
    def __init__(self, repo: TokenRepo, users: UserService, audit: AuditTrail) -> None:
        self._repo = repo
        self._users = users
        self._audit = audit

    async def needed(self) -> bool:
        """True while nobody could log in as an admin."""
        return not await self._users.with_roles((Role.ADMIN,))

    async def issue(self, lifetime: float = LIFETIME) -> str | None:
        """A new one-time token, or None when an admin exists already (then nothing is
        issued). Earlier setup tokens are revoked: only the newest link works."""
        if not await self.needed():
            return None
        await self._repo.remove_for_user(SETUP_OWNER, TokenKind.SETUP)
        token = secrets.token_urlsafe(32)
        await self._repo.add(SETUP_OWNER, TokenKind.SETUP, digest(token), label="first admin",
                             expires_at=datetime.now(UTC) + timedelta(seconds=lifetime))
        await self._log("setup_link_issued", "ok", f"valid {int(lifetime)} s")
        return token

    async def valid(self, token: str) -> bool:
        if not token or not await self.needed():
            return False
        found = await self._repo.find(digest(token), TokenKind.SETUP)
        return found is not None and (found.expires_at is None
                                      or found.expires_at > datetime.now(UTC))

    async def attempt(self, token: str) -> bool:
        """:meth:`valid` for a submitted form: a refusal is audited (a used, expired or
        forged link someone tried)."""
        if await self.valid(token):
            return True
        await self._log("setup_link_refused", "refused", "unknown, used or expired")
        return False

    async def redeem(self, token: str, name: str, password: str, language: str = "ru"
                     ) -> User | None:
        """Create the first admin (argon2 hash, as `shturman user add`) with a valid token;
        None when the token is unknown, used, expired or an admin exists already."""
        if not _NAME.match(name):
            raise UserError(name, "bad_name", name)
        if len(password) < MIN_PASSWORD:
            raise InvalidInput("admin.err.password_short", length=MIN_PASSWORD)
        if not await self.attempt(token):
            return None
        if any(u.name == name for u in await self._users.all()):  # before the link is spent
            raise UserError(name, "exists")
        if await self._repo.remove(digest(token)) != 1:  # somebody else used it just now
            return None
        user = await self._users.add(name, Role.ADMIN.value, language=language,
                                     password=password)
        await self._repo.remove_for_user(SETUP_OWNER, TokenKind.SETUP)
        await self._log("setup_admin_created", "ok", f"first admin {user.name}",
                        actor=f"web:{user.name}")
        return user

    async def _log(self, action: str, outcome: str, detail: str,
                   actor: str = "web:setup") -> None:
        await self._audit.record(AuditEntry(datetime.now(UTC), actor, "-", action,
                                            outcome=outcome, detail=detail))


__all__ = ["LIFETIME", "SETUP_OWNER", "SetupLinks"]
