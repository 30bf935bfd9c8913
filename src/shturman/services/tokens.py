"""Sessions (the web app's logins) and API tokens (machines), for any interface.

A token is 32 random bytes, URL-safe; only its SHA-256 digest is stored (a slow hash adds
nothing for a random secret of that size, and every request checks one). A token names a user;
the user's role is read on every request, so a role change or removal takes effect at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from shturman.domain.access import AccessToken, TokenKind
from shturman.domain.errors import UserError
from shturman.domain.models import AuditEntry
from shturman.domain.users import User
from shturman.services.audit import AuditTrail
from shturman.services.users import UserService
from shturman.store.repositories.tokens import TokenRepo

API_PREFIX = "shtk_"  # tells a Shturman API token apart in a config file or a leak scan


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


class TokenService:
    def __init__(self, repo: TokenRepo, users: UserService, audit: AuditTrail) -> None:
        self._repo = repo
        self._users = users
        self._audit = audit

    # --- sessions ---

    async def open_session(self, name: str, lifetime: float) -> str:
        """A new login for ``name``, valid ``lifetime`` seconds. Returns the cookie value."""
        user = await self._users.get(name)
        await self._repo.purge_expired()
        token = secrets.token_urlsafe(32)
        await self._repo.add(user.name, TokenKind.SESSION, digest(token),
                             expires_at=datetime.now(UTC) + timedelta(seconds=lifetime))
        return token

    async def session_user(self, token: str) -> User | None:
        found = await self._repo.find(digest(token), TokenKind.SESSION)
        if found is None or (found.expires_at is not None
                             and found.expires_at <= datetime.now(UTC)):
            return None
        return await self._user(found.user)

    async def close_session(self, token: str) -> None:
        await self._repo.remove(digest(token))

    # --- API tokens ---

    async def issue(self, name: str, label: str = "", *, actor: str = "system") -> str:
        """A new API token for ``name``: returned once, never retrievable again."""
        user = await self._users.get(name)
        token = API_PREFIX + secrets.token_urlsafe(32)
        stored = await self._repo.add(user.name, TokenKind.API, digest(token), label=label)
        await self._log(actor, "api_token_issued", f"token {stored.id} for {user.name}"
                        + (f" ({label})" if label else ""))
        return token

    async def bearer_user(self, token: str) -> User | None:
        if not token.startswith(API_PREFIX):
            return None
        found = await self._repo.find(digest(token), TokenKind.API)
        if found is None:
            return None
        await self._repo.touch(found.id)
        return await self._user(found.user)

    async def api_tokens(self, name: str) -> list[AccessToken]:
        return await self._repo.for_user(name, TokenKind.API)

    async def revoke_all(self, name: str, *, actor: str = "system") -> int:
        """Every API token and session of ``name``; how many were removed."""
        removed = (await self._repo.remove_for_user(name, TokenKind.API)
                   + await self._repo.remove_for_user(name, TokenKind.SESSION))
        await self._log(actor, "api_token_revoked", f"{removed} tokens of {name} revoked")
        return removed

    async def _user(self, name: str) -> User | None:
        try:
            return await self._users.get(name)
        except UserError:
            return None

    async def _log(self, actor: str, action: str, detail: str) -> None:
        await self._audit.record(AuditEntry(datetime.now(UTC), actor, "-", action,
                                            outcome="ok", detail=detail))


__all__ = ["API_PREFIX", "TokenService", "digest"]
