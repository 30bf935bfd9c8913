"""Who may be heard, fail closed: the gate every update passes, and the per-user rate limit.

Only a Telegram user id linked to a Shturman user (``shturman user add … --telegram-id N``)
gets anything back. Anyone else gets nothing at all — no message, no callback answer — and
each attempt is written to the audit trail. Group chats are ignored unless allowed, and then
only linked users in them are heard.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, Message, TelegramObject, Update
from aiogram.types import User as TelegramUser

from shturman.domain.models import AuditEntry
from shturman.interfaces.i18n import t
from shturman.observability.logging import get_logger
from shturman.services.audit import AuditTrail
from shturman.services.users import UserService

log = get_logger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def origin(update: Update) -> tuple[str, TelegramUser | None, Chat | None] | None:
    """(kind, sender, chat) of the update kinds the bot serves; None for the rest."""
    if update.message is not None:
        return "message", update.message.from_user, update.message.chat
    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat if query.message is not None else None
        return "callback_query", query.from_user, chat
    return None


class Gate(BaseMiddleware):
    """Outer middleware on every update: the sender must be a linked user, the chat private
    (or groups allowed). The linked :class:`~shturman.domain.users.User` is handed on as
    ``user``; everything else ends here, silently."""

    def __init__(self, users: UserService, audit: AuditTrail, *, allow_groups: bool) -> None:
        self._users = users
        self._audit = audit
        self._allow_groups = allow_groups

    async def __call__(self, handler: Handler, event: TelegramObject,
                       data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return None
        found = origin(event)
        if found is None:
            return None  # edits, inline queries, membership changes …: not served
        kind, sender, chat = found
        if sender is None or sender.is_bot:
            return None
        if chat is not None and chat.type != "private" and not self._allow_groups:
            return None  # groups are not heard unless `telegram.allow_groups`
        user = await self._users.by_telegram_id(sender.id)
        if user is None:
            await self._refuse(kind, sender, chat)
            return None
        data["user"] = user
        return await handler(event, data)

    async def _refuse(self, kind: str, sender: TelegramUser, chat: Chat | None) -> None:
        where = f"{chat.type} chat {chat.id}" if chat is not None else "no chat"
        name = f" (@{sender.username})" if sender.username else ""
        await self._audit.record(AuditEntry(
            at=datetime.now(UTC), actor=f"telegram:{sender.id}", server="-",
            action="telegram_refused", outcome="refused",
            detail=f"{kind} from unlinked Telegram user {sender.id}{name} in {where}: "
                   "not answered"))
        log.info("telegram.refused", telegram_id=sender.id, kind=kind)


class SlidingWindow:
    """At most ``limit`` events per ``period`` seconds per key. :meth:`hit` says whether this
    one may pass and, when it may not, whether to tell the sender (once per window)."""

    def __init__(self, limit: int, period: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._period = period
        self._clock = clock
        self._hits: dict[int, deque[float]] = {}
        self._told_until: dict[int, float] = {}

    def hit(self, key: int) -> tuple[bool, float | None]:
        """(allowed, seconds until the next one passes — only when the sender should be
        told now)."""
        now = self._clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self._period:
            hits.popleft()
        if len(hits) < self._limit:
            hits.append(now)
            return True, None
        free_at = hits[0] + self._period
        if self._told_until.get(key, 0.0) > now:
            return False, None
        self._told_until[key] = free_at
        return False, max(1.0, free_at - now)


class RateLimit(BaseMiddleware):
    """Outer middleware on messages (after the gate): a polite notice once per window."""

    def __init__(self, per_minute: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = per_minute
        self._window = SlidingWindow(per_minute, 60.0, clock)

    async def __call__(self, handler: Handler, event: TelegramObject,
                       data: dict[str, Any]) -> Any:
        user = data.get("user")
        if not isinstance(event, Message) or event.from_user is None or user is None:
            return await handler(event, data)
        allowed, tell = self._window.hit(event.from_user.id)
        if allowed:
            return await handler(event, data)
        log.info("telegram.rate_limited", user=user.name)
        if tell is not None:
            await event.answer(t("tg.rate_limited", user.language, limit=self._limit,
                                   seconds=round(tell)))
        return None
