"""Who is asking, and may they: sessions, API tokens, CSRF, roles.

- A browser logs in (routes/login.py) and gets a session cookie: a random token (HttpOnly,
  SameSite=Lax, Secure when configured); the server keeps only its digest (services/tokens).
- A machine sends ``Authorization: Bearer shtk_…`` (`shturman user token NAME`).
- Every unsafe request made with a session carries the session's CSRF token (form field
  ``csrf_token`` or header ``X-CSRF-Token``): an HMAC of the session token, so a page can show
  it without revealing the cookie, and another site can neither read nor forge it. Bearer
  requests carry no cookie, so they need none.
- Roles: viewer reads; operator also runs and answers approvals; admin also changes settings.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from shturman.domain.users import Role
from shturman.interfaces.web.deps import WebUser, services

SESSION_COOKIE = "shturman_session"
LOGIN_COOKIE = "shturman_login"  # the login form's CSRF token (double submit), before a session
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotAuthenticated(Exception):
    """No valid session or token: pages redirect to the login, the API answers 401."""


class Forbidden(Exception):
    """Authenticated, but the role does not allow it (403)."""

    def __init__(self, needed: Role) -> None:
        super().__init__(f"needs role {needed.value}")
        self.needed = needed


class CsrfRejected(Exception):
    """An unsafe request without this session's CSRF token (403)."""


def csrf_for(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"shturman-csrf", hashlib.sha256).hexdigest()


async def submitted_csrf(request: Request) -> str:
    """The CSRF token a request carries: the header, else the form field."""
    header = request.headers.get(CSRF_HEADER, "")
    if header:
        return header
    kind = request.headers.get("content-type", "")
    if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD, "")
        return value if isinstance(value, str) else ""
    return ""


def same(a: str, b: str) -> bool:
    return bool(a) and hmac.compare_digest(a.encode(), b.encode())


async def authenticated(request: Request) -> WebUser:
    """The user behind this request; checks CSRF on unsafe session requests."""
    cached: WebUser | None = getattr(request.state, "web_user", None)
    if cached is not None:
        return cached
    tokens = services(request).tokens
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        user = await tokens.bearer_user(header[7:].strip())
        if user is None:
            raise NotAuthenticated
        found = WebUser(user, "token")
    else:
        cookie = request.cookies.get(SESSION_COOKIE, "")
        user = await tokens.session_user(cookie) if cookie else None
        if user is None:
            raise NotAuthenticated
        found = WebUser(user, "session", csrf_for(cookie))
        if request.method not in SAFE_METHODS and not same(await submitted_csrf(request),
                                                           found.csrf):
            raise CsrfRejected
    request.state.web_user = found
    return found


def _needs(role: Role) -> Callable[[WebUser], Awaitable[WebUser]]:
    async def check(who: Annotated[WebUser, Depends(authenticated)]) -> WebUser:
        if not who.may(role):
            raise Forbidden(role)
        return who

    return check


operator = _needs(Role.OPERATOR)
admin = _needs(Role.ADMIN)

Viewer = Annotated[WebUser, Depends(authenticated)]
Operator = Annotated[WebUser, Depends(operator)]
Admin = Annotated[WebUser, Depends(admin)]
