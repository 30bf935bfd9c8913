"""Notifications: what a user should see, listed, marked read and acted on by any channel.

Created here for approvals waiting for an answer (one per operator/admin, in their language)
and for finished runs (a listener on stored run events); monitoring and the analyzer add
``alert`` and ``delegation_suggested`` through :meth:`NotificationService.notify`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from shturman.domain.approval import PendingApproval
from shturman.domain.events import RunFinished
from shturman.domain.notifications import Notification, NotificationAction, NotificationKind
from shturman.domain.runs import RunEvent
from shturman.domain.users import ANSWERING_ROLES
from shturman.store.repositories.notifications import NotificationRepo
from shturman.store.repositories.runs import RunRepo
from shturman.store.repositories.users import UserRepo


class Texts(Protocol):
    """The interfaces' message catalogue (``i18n.t``), handed in by the composition root."""

    def __call__(self, key: str, lang: str = "ru", **values: object) -> str: ...


class NotificationService:
    def __init__(self, repo: NotificationRepo, users: UserRepo, runs: RunRepo, texts: Texts,
                 language: str = "ru") -> None:
        self._repo = repo
        self._users = users
        self._runs = runs
        self._t = texts
        self._lang = language
        # told of each new notification as stored (redacted): the Web Push sender
        self.listeners: list[Callable[[Sequence[Notification]], None]] = []

    async def notify(self, kind: NotificationKind, user: str | None, title: str, body: str,
                     action: NotificationAction = NotificationAction.NONE,
                     data: dict[str, Any] | None = None) -> Notification:
        ids = await self._repo.add([Notification(0, kind, user, title, body, action,
                                                 dict(data or {}))])
        stored = await self._repo.get(ids[0])
        assert stored is not None
        self._tell([stored])
        return stored

    def _tell(self, stored: Sequence[Notification]) -> None:
        for listener in self.listeners:
            listener(stored)

    async def list(self, user: str | None = None, *, unread: bool = False,
                   limit: int = 50) -> list[Notification]:
        return await self._repo.list(user, unread=unread, limit=limit)

    async def mark_read(self, notification_id: int, user: str | None = None) -> bool:
        """False when there is no such notification (for this user) or it was read already."""
        if await self._visible(notification_id, user) is None:
            return False
        return await self._repo.mark_read([notification_id]) == 1

    async def act(self, notification_id: int, user: str | None = None
                  ) -> tuple[NotificationAction, dict[str, Any]] | None:
        """What acting on it means (the channel then does it: answer the approval, show the
        run …); marks it read. None when it is not there for this user."""
        found = await self._visible(notification_id, user)
        if found is None:
            return None
        await self._repo.mark_read([notification_id])
        return found.action, dict(found.data)

    async def _visible(self, notification_id: int, user: str | None) -> Notification | None:
        found = await self._repo.get(notification_id)
        if found is None or (user is not None and found.user not in (user, None)):
            return None
        return found

    async def approval_requested(self, approval: PendingApproval) -> None:
        """One notification per user who may answer (each in their language); with no users
        registered, one for everyone (the local operator)."""
        recipients: list[tuple[str | None, str]] = [
            (u.name, u.language) for u in await self._users.all() if u.role in ANSWERING_ROLES]
        data = {"approval_id": approval.id, "server": approval.server,
                "command": approval.command, "run_id": approval.run_id,
                "expires_at": approval.expires_at.isoformat()}
        items = []
        for user, lang in recipients or [(None, self._lang)]:
            reasons = approval.reasons_ru if lang == "ru" else approval.reasons
            items.append(Notification(
                0, NotificationKind.APPROVAL_REQUESTED, user,
                self._t("notify.approval.title", lang, server=approval.server),
                self._t("notify.approval.body", lang, command=approval.command,
                        reasons="; ".join(reasons), id=approval.id,
                        expires=approval.expires_at.strftime("%H:%M:%S UTC")),
                NotificationAction.ANSWER_APPROVAL, data))
        ids = await self._repo.add(items)
        if self.listeners:
            self._tell([n for i in ids if (n := await self._repo.get(i)) is not None])

    async def approval_closed(self, approval_id: str) -> None:
        """The request was answered or closed: its notifications are done with."""
        waiting = await self._repo.list(unread=True, kind=NotificationKind.APPROVAL_REQUESTED,
                                        limit=500)
        await self._repo.mark_read([n.id for n in waiting
                                    if n.data.get("approval_id") == approval_id])

    async def on_run_events(self, events: Sequence[RunEvent]) -> None:
        """RunRepo listener: a `run_finished` event becomes a notification for whoever
        started the run (a registered user of that name), or for everyone."""
        for event in events:
            if isinstance(done := event.payload, RunFinished):
                await self._run_finished(event, done)

    async def _run_finished(self, event: RunEvent, done: RunFinished) -> None:
        record = await self._runs.get(event.run_id)
        name = record.actor.split(":", 1)[-1] if record is not None else ""
        user = await self._users.get(name) if name else None
        lang = user.language if user is not None else self._lang
        status, report = done.status, done.report or ""
        await self._repo.add([Notification(
            0, NotificationKind.RUN_FINISHED, user.name if user is not None else None,
            self._t("notify.run.title", lang, status=status,
                    request=(record.request[:80] if record is not None else "")),
            self._t("notify.run.body", lang, report=report[:1000], id=event.run_id),
            NotificationAction.SHOW_RUN, {"run_id": event.run_id, "status": status})])
