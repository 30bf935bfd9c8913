"""How a person or a machine proves who it is to the web app: sessions and API tokens.

Only a token's SHA-256 digest is stored; the token itself is shown once (an API token) or lives
only in the browser's cookie (a session).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TokenKind(StrEnum):
    SESSION = "session"  # a browser's login; expires
    API = "api"  # a machine's bearer token (`shturman user token NAME`); until revoked
    SETUP = "setup"  # the one-time link that creates the first admin; expires, single use


@dataclass(frozen=True, slots=True)
class AccessToken:
    id: int
    user: str
    kind: TokenKind
    label: str
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
