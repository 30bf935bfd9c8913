"""Alerts: a transition worth telling becomes a notification of kind ``alert`` for every
user (each in their language; with no users registered, one for everyone) and, when
``monitoring.webhook_url`` is set, one JSON POST.

The webhook is sent in the background with retries (tenacity: exponential backoff, a timeout
per attempt, a bounded number of attempts), so a slow or dead receiver never holds a check
job for more than a moment; :meth:`AlertSender.drain` waits for what is still in flight.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from shturman.domain.monitoring import CheckState, Transition
from shturman.domain.notifications import Notification, NotificationAction, NotificationKind
from shturman.observability.logging import get_logger
from shturman.services.monitoring.logs import LogError
from shturman.services.notifications import NotificationService, Texts
from shturman.services.users import UserService

log = get_logger("shturman.monitoring")


@dataclass(frozen=True, slots=True)
class Webhook:
    url: str
    timeout: float = 5.0
    attempts: int = 3
    backoff: float = 0.5  # seconds before the second attempt, doubling up to 8 s


@dataclass(frozen=True, slots=True)
class Alert:
    """A transition to tell, with what was done about it: ``run_id`` (a diagnosis run was
    started) or ``repair`` (the request a person may hand to the agent). ``errors``: new
    error signatures the log check found (then this is a ``log_error`` alert)."""

    transition: Transition
    run_id: str | None = None
    repair: str | None = None
    autofix: str = "off"
    errors: tuple[LogError, ...] = ()

    def as_json(self) -> dict[str, Any]:
        s = self.transition.status
        event = "log_error" if self.errors else f"check_{self.transition.alert}"
        body: dict[str, Any] = {"event": event,
                "server": s.server, "check": s.check, "state": s.state.value,
                "previous": self.transition.before.value if self.transition.before else None,
                "since": s.since.isoformat(), "detail": s.detail, "incident": s.incident,
                "failures": s.failures, "run_id": self.run_id, "autofix": self.autofix}
        if self.errors:
            body["errors"] = [{"source": e.source.key, "service": e.source.service,
                               "line": e.line, "signature": e.signature}
                              for e in self.errors[:10]]
        return body


class AlertSender:
    def __init__(self, notifications: NotificationService, users: UserService, texts: Texts,
                 language: str = "ru", webhook: Webhook | None = None) -> None:
        self._notifications = notifications
        self._users = users
        self._t = texts
        self._lang = language
        self._webhook = webhook
        self._pending: set[asyncio.Task[bool]] = set()

    async def send(self, alert: Alert) -> list[Notification]:
        recipients: list[tuple[str | None, str]] = [
            (u.name, u.language) for u in await self._users.all()]
        sent = [await self._notify(alert, user, lang)
                for user, lang in recipients or [(None, self._lang)]]
        if self._webhook is not None:
            task = asyncio.get_running_loop().create_task(self._post(alert.as_json()))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        return sent

    async def _notify(self, alert: Alert, user: str | None, lang: str) -> Notification:
        if alert.errors:
            return await self._notify_errors(alert, user, lang)
        s = alert.transition.status
        state = alert.transition.alert or s.state
        check = self._check_label(s.check, lang)
        title = self._t(f"monitor.alert.{state.value}", lang, server=s.server, check=check)
        lines = [s.detail, self._t("monitor.alert.since", lang,
                                   since=s.since.strftime("%Y-%m-%d %H:%M:%S UTC"))]
        data: dict[str, Any] = {"server": s.server, "check": s.check, "state": s.state.value,
                                "incident": s.incident, "since": s.since.isoformat()}
        action = NotificationAction.NONE
        if alert.run_id is not None:
            lines.append(self._t("monitor.alert.run_started", lang, id=alert.run_id,
                                 autofix=alert.autofix))
            action, data["run_id"] = NotificationAction.SHOW_RUN, alert.run_id
        elif alert.repair is not None and state is CheckState.DOWN:
            lines.append(self._t("monitor.alert.repair_hint", lang, text=alert.repair))
            action, data["text"] = NotificationAction.DELEGATE, alert.repair
        return await self._notifications.notify(NotificationKind.ALERT, user, title,
                                                "\n".join(lines), action, data)

    async def _notify_errors(self, alert: Alert, user: str | None, lang: str
                             ) -> Notification:
        s, first = alert.transition.status, alert.errors[0]
        where = first.source.service or first.source.path
        title = self._t("monitor.alert.log_error", lang, server=s.server, source=where)
        lines = [e.line for e in alert.errors[:3]]
        if len(alert.errors) > 3:
            lines.append(self._t("monitor.alert.log_more", lang, count=len(alert.errors) - 3))
        data: dict[str, Any] = {"server": s.server, "check": s.check, "state": s.state.value,
                                "incident": s.incident, "since": s.since.isoformat(),
                                "signatures": [e.signature for e in alert.errors],
                                "source": first.source.key}
        action = NotificationAction.NONE
        if alert.run_id is not None:
            lines.append(self._t("monitor.alert.run_started", lang, id=alert.run_id,
                                 autofix=alert.autofix))
            action, data["run_id"] = NotificationAction.SHOW_RUN, alert.run_id
        elif alert.repair is not None:
            lines.append(self._t("monitor.alert.repair_hint", lang, text=alert.repair))
            action, data["text"] = NotificationAction.DELEGATE, alert.repair
        return await self._notifications.notify(NotificationKind.ALERT, user, title,
                                                "\n".join(lines), action, data)

    def _check_label(self, check: str, lang: str) -> str:
        kind, _, target = check.partition(":")
        key = f"monitor.check.{kind}"
        try:
            return self._t(key, lang, target=target)
        except KeyError:
            return check

    async def _post(self, body: dict[str, Any]) -> bool:
        import httpx
        from tenacity import (
            AsyncRetrying,
            RetryError,
            retry_if_exception_type,
            stop_after_attempt,
            wait_exponential,
        )

        hook = self._webhook
        assert hook is not None
        try:
            async with httpx.AsyncClient(timeout=hook.timeout) as web:
                async for attempt in AsyncRetrying(
                        stop=stop_after_attempt(hook.attempts),
                        wait=wait_exponential(multiplier=hook.backoff, max=8),
                        retry=retry_if_exception_type((httpx.TransportError, _Retry)),
                        reraise=False):
                    with attempt:
                        response = await web.post(hook.url, json=body)
                        if response.status_code >= 500 or response.status_code == 429:
                            raise _Retry(response.status_code)
                        if response.status_code >= 400:
                            log.warning("monitoring.webhook_rejected",
                                        status=response.status_code)
                            return False
        except RetryError as exc:
            log.warning("monitoring.webhook_failed", attempts=hook.attempts,
                        error=type(exc.last_attempt.exception()).__name__)
            return False
        return True

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait (at most ``timeout`` seconds) for webhook posts still in flight."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=timeout)


class _Retry(Exception):
    """The receiver answered 5xx or 429: worth another attempt."""
