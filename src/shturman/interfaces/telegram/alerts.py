"""Notifications that reach linked users in Telegram: alerts and approval requests.

Each is delivered once per user: the ids already delivered are remembered in the user's
settings (``telegram_delivered``, the newest 200), so a restart does not send everything
again; notifications older than ``max_age`` are never sent late. An alert carries buttons for
what acting on it means (run the suggested task, show the run, mark it read); an approval
request becomes an approval card (buttons only for roles that may answer).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramRetryAfter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from shturman.domain.notifications import Notification, NotificationAction, NotificationKind
from shturman.domain.users import ANSWERING_ROLES, User
from shturman.interfaces.i18n import t
from shturman.interfaces.telegram.approvals import ApprovalDesk
from shturman.interfaces.telegram.deps import BotServices
from shturman.interfaces.telegram.live import edit
from shturman.interfaces.telegram.render import clip, e
from shturman.observability.logging import get_logger

log = get_logger(__name__)

DELIVERED = "telegram_delivered"  # key in User.settings
KINDS = (NotificationKind.ALERT, NotificationKind.APPROVAL_REQUESTED)
StartRun = Callable[[int, User, str], Awaitable[None]]


class NotePress(CallbackData, prefix="nt"):
    id: int
    a: str  # run | show | read


class AlertRelay:
    def __init__(self, bot: Bot, services: BotServices, desk: ApprovalDesk, start_run: StartRun,
                 *, interval: float = 2.0, max_age: float = 3600.0) -> None:
        self._bot = bot
        self._services = services
        self._desk = desk
        self._start_run = start_run
        self._interval = interval
        self._max_age = timedelta(seconds=max_age)

    async def run(self) -> None:
        """Deliver, then look again every ``interval`` seconds, until cancelled."""
        while True:
            try:
                await self.deliver()
            except TelegramNetworkError as exc:  # Telegram unreachable: the next round retries
                log.warning("telegram.alerts_unreachable", reason=str(exc.message)[:200])
            except TelegramRetryAfter as exc:  # flood control: wait as told
                await asyncio.sleep(min(float(exc.retry_after), 60.0))
            await asyncio.sleep(self._interval)

    async def deliver(self) -> int:
        """One round over every linked user; returns how many were sent."""
        sent = 0
        for user in await self._services.users.all():
            if user.telegram_id is not None:
                sent += await self._deliver_to(user)
        return sent

    async def _deliver_to(self, user: User) -> int:
        assert user.telegram_id is not None
        delivered = [int(i) for i in user.settings.get(DELIVERED, []) if isinstance(i, int)]
        known = set(delivered)
        oldest = datetime.now(UTC) - self._max_age
        waiting = [n for n in await self._services.notifications.list(
            user.name, unread=True, limit=50)
            if n.kind in KINDS and n.id not in known
            and (n.created_at is None or n.created_at >= oldest)]
        sent = 0
        for note in reversed(waiting):  # oldest first
            try:
                if await self._send(user.telegram_id, user, note):
                    sent += 1
            except (TelegramNetworkError, TelegramRetryAfter):
                break  # not delivered: kept for the next round
            except TelegramAPIError as exc:  # blocked the bot, never started it …: give up
                log.warning("telegram.alert_undeliverable", user=user.name,
                            reason=str(exc.message)[:200])
            delivered.append(note.id)
        if len(delivered) > len(known):
            await self._services.users.set(user.name, settings={DELIVERED: delivered[-200:]})
        return sent

    async def _send(self, chat_id: int, user: User, note: Notification) -> bool:
        if note.kind is NotificationKind.APPROVAL_REQUESTED:
            approval_id = str(note.data.get("approval_id", ""))
            approval = await self._services.approvals.get(approval_id) if approval_id else None
            if approval is None:
                return False
            return await self._desk.offer(chat_id, user, approval)
        text = f"🚨 <b>{e(clip(note.title, 300))}</b>\n{e(clip(note.body, 3000))}"
        await self._bot.send_message(chat_id, text, reply_markup=alert_buttons(note, user))
        return True

    async def press(self, query: CallbackQuery, data: NotePress, user: User) -> None:
        lang = user.language
        if data.a == "read":
            done = await self._services.notifications.mark_read(data.id, user.name)
            await query.answer(t("tg.alert.read" if done else "tg.alert.gone", lang))
            await self._drop_buttons(query)
            return
        acted = await self._services.notifications.act(data.id, user.name)
        if acted is None:
            await query.answer(t("tg.alert.gone", lang), show_alert=True)
            return
        action, values = acted
        chat_id = query.message.chat.id if query.message is not None else user.telegram_id
        assert chat_id is not None
        if data.a == "run" and action is NotificationAction.DELEGATE and values.get("text"):
            await query.answer(t("tg.alert.started", lang))
            await self._drop_buttons(query)
            await self._start_run(chat_id, user, str(values["text"]))
        elif data.a == "show" and values.get("run_id"):
            await query.answer()
            record, _ = await self._services.runs.replay(str(values["run_id"]))
            summary = record.summary if record is not None else ""
            await self._bot.send_message(chat_id, e(clip(summary or t("tg.alert.no_report",
                                                                     lang), 3500)))
        else:
            await query.answer(t("tg.alert.gone", lang))

    async def _drop_buttons(self, query: CallbackQuery) -> None:
        message = query.message
        if message is None or not hasattr(message, "html_text"):
            return
        with contextlib.suppress(TelegramAPIError):
            await edit(self._bot, message.chat.id, message.message_id, message.html_text, None)


def alert_buttons(note: Notification, user: User) -> InlineKeyboardMarkup:
    lang = user.language
    row = []
    if note.action is NotificationAction.DELEGATE and user.role in ANSWERING_ROLES:
        row.append(InlineKeyboardButton(text=t("tg.alert.run", lang),
                                        callback_data=NotePress(id=note.id, a="run").pack()))
    if note.action is NotificationAction.SHOW_RUN:
        row.append(InlineKeyboardButton(text=t("tg.alert.show", lang),
                                        callback_data=NotePress(id=note.id, a="show").pack()))
    row.append(InlineKeyboardButton(text=t("tg.alert.mark_read", lang),
                                    callback_data=NotePress(id=note.id, a="read").pack()))
    return InlineKeyboardMarkup(inline_keyboard=[row])


def router(relay: AlertRelay) -> Router:
    r = Router(name="alerts")

    @r.callback_query(NotePress.filter())
    async def on_press(query: CallbackQuery, callback_data: NotePress, user: User) -> None:
        await relay.press(query, callback_data, user)

    return r
