"""Web Push: a browser's subscription of a user, and what one push says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class PushSubscription:
    """What the browser's ``PushManager.subscribe()`` gave: where to post (``endpoint``, the
    push service's URL for this browser) and the keys the payload is encrypted to."""

    id: int
    user: str
    endpoint: str
    p256dh: str  # the browser's P-256 public key, base64url (uncompressed point)
    auth: str  # the browser's 16-byte auth secret, base64url
    created_at: datetime | None = None
    last_sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PushMessage:
    """The payload a push carries (JSON in the encrypted body; ``sw.js`` shows it)."""

    title: str
    body: str
    url: str  # a page of the web app, opened on click
    tag: str  # the notification it is about: a newer push with one tag replaces the older
