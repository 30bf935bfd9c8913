"""Approval requests in Telegram: a card with the exact command and ✅/❌ buttons.

A button's callback data names that one request and a digest of its exact command
(``ap:<id>:<digest prefix>:<1|0>``, well under Telegram's 64 bytes), and the answer goes
through the ONE door, :meth:`ApprovalService.decide`, which takes effect once, checks the role
and audits every try. A stale, replayed, expired or mismatched press changes nothing and gets
an honest answer; a stranger's press never reaches this module (the gate drops it).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)

from shturman.domain.approval import ApprovalStatus, PendingApproval
from shturman.domain.errors import ApprovalError
from shturman.domain.models import Actor, AuditEntry, Decision
from shturman.domain.users import Principal, User
from shturman.interfaces.i18n import t
from shturman.interfaces.telegram.deps import BotServices
from shturman.interfaces.telegram.live import edit
from shturman.interfaces.telegram.render import e
from shturman.observability.logging import get_logger

log = get_logger(__name__)

DIGEST = 12  # hex characters of the command's sha256 carried in a button
_DIFF_INLINE = 1500  # a longer diff is sent as a file


class ApprovalPress(CallbackData, prefix="ap"):
    id: str
    d: str
    ok: int


def actor_of(user: User) -> Actor:
    return Actor("telegram", user.name)


def may_answer(user: User, approval: PendingApproval) -> bool:
    return user.role.value in approval.roles


@dataclass
class _Card:
    chat_id: int
    message_id: int
    lang: str
    text: str


@dataclass
class ApprovalDesk:
    """Sends approval cards (each request once per chat) and settles them when answered."""

    bot: Bot
    services: BotServices
    cards: dict[str, list[_Card]] = field(default_factory=dict)
    settled: set[str] = field(default_factory=set)
    _sending: asyncio.Lock = field(default_factory=asyncio.Lock)

    def shown_to(self, approval_id: str, chat_id: int) -> bool:
        return any(c.chat_id == chat_id for c in self.cards.get(approval_id, []))

    async def offer_id(self, chat_id: int, user: User, approval_id: str,
                       wait: float = 5.0) -> bool:
        """Offer the request named in an `approval_requested` event (the event may be
        stored a moment before the request itself)."""
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            found = await self.services.approvals.get(approval_id)
            if found is not None or asyncio.get_running_loop().time() >= deadline:
                break
            await asyncio.sleep(0.1)
        if found is None:
            return False
        return await self.offer(chat_id, user, found)

    async def offer(self, chat_id: int, user: User, approval: PendingApproval, *,
                    again: bool = False) -> bool:
        """Send the card (buttons only for a role that may answer). False when it is not
        waiting any more, or this chat has it already (unless ``again``)."""
        async with self._sending:  # the run's follower and the alert relay may both offer it
            return await self._offer(chat_id, user, approval, again)

    async def _offer(self, chat_id: int, user: User, approval: PendingApproval,
                     again: bool) -> bool:
        if approval.status is not ApprovalStatus.PENDING or approval.id in self.settled:
            return False
        if not again and self.shown_to(approval.id, chat_id):
            return False
        lang = user.language
        text = card_text(approval, lang)
        markup = buttons(approval, lang) if may_answer(user, approval) else None
        if not may_answer(user, approval):
            text += "\n\n" + e(t("tg.approval.view_only", lang, role=user.role.value))
        if approval.diff and len(approval.diff) > _DIFF_INLINE:
            await self.bot.send_document(chat_id, BufferedInputFile(
                approval.diff.encode(), filename=f"approval-{approval.id}.diff"),
                caption=t("tg.approval.diff_file", lang, id=approval.id))
        sent = await self.bot.send_message(chat_id, text, reply_markup=markup)
        self.cards.setdefault(approval.id, []).append(_Card(chat_id, sent.message_id, lang,
                                                            text))
        return True

    async def press(self, query: CallbackQuery, data: ApprovalPress, user: User) -> None:
        lang = user.language
        row = await self.services.approvals.get(data.id)
        if row is None or row.digest[:DIGEST] != data.d:
            await self._mismatch(data, user, row)
            await query.answer(t("tg.approval.stale", lang), show_alert=True)
            return
        try:
            answered = await self.services.approvals.decide(
                data.id, Principal(actor_of(user), user.role), bool(data.ok))
        except ApprovalError as exc:
            key = f"tg.approval.refused.{exc.reason}"
            await query.answer(t(key if key in _REFUSALS else "tg.approval.stale", lang,
                                 role=exc.role or user.role.value), show_alert=True)
            if exc.reason != "forbidden":
                fresh = await self.services.approvals.get(data.id)
                if fresh is not None:
                    await self.settle(fresh.id, fresh.status.value, fresh.decided_by)
            return
        await query.answer(t("tg.approval.thanks_yes" if data.ok else "tg.approval.thanks_no",
                             lang))
        await self.settle(answered.id, answered.status.value, answered.decided_by)

    async def settle(self, approval_id: str, outcome: str, by: str) -> None:
        """Show on every card of this request how it ended, and take the buttons away."""
        if approval_id in self.settled:
            return
        self.settled.add(approval_id)
        who = by.split(":", 1)[-1] if by else ""
        for card in self.cards.pop(approval_id, []):
            line = status_of(outcome, who, card.lang)
            try:
                await edit(self.bot, card.chat_id, card.message_id, f"{card.text}\n\n{line}",
                           None)
            except TelegramAPIError:  # the card is gone: nothing to show it on
                log.warning("telegram.card_not_settled", approval=approval_id)

    async def _mismatch(self, data: ApprovalPress, user: User,
                        row: PendingApproval | None) -> None:
        """A press naming no request, or another command than the request's: audited."""
        detail = (f"approval {data.id}: answer refused (the button does not match the "
                  f"request); answer={'approve' if data.ok else 'deny'}; "
                  f"role={user.role.value}")
        await self.services.audit.record(AuditEntry(
            at=datetime.now(UTC), actor=str(actor_of(user)), server=row.server if row else "",
            action="approval", command=row.command if row else "",
            decision=Decision.CONFIRM.value, outcome="refused", detail=detail,
            run_id=row.run_id if row else None))


_REFUSALS = {f"tg.approval.refused.{r}" for r in ("unknown", "expired", "answered",
                                                   "abandoned", "forbidden")}


def card_text(a: PendingApproval, lang: str) -> str:
    reasons = a.reasons_ru if lang == "ru" else a.reasons
    lines = [f"🔐 <b>{e(t('tg.approval.title', lang, server=a.server))}</b>",
             f"<pre>{e(a.command[:2500])}</pre>",
             e(t("tg.approval.decision", lang, decision=Decision.CONFIRM.value))]
    lines.extend(f"• {e(r)}" for r in reasons)
    if a.diff and len(a.diff) <= _DIFF_INLINE:
        lines.append(f"<pre>{e(a.diff)}</pre>")
    run = a.run_id[:8] if a.run_id else "—"
    meta = t("tg.approval.meta", lang, id=a.id, run=run, by=a.requested_by,
             expires=a.expires_at.strftime("%H:%M:%S UTC"))
    lines.append(f"<i>{e(meta)}</i>")
    return "\n".join(lines)


def buttons(a: PendingApproval, lang: str) -> InlineKeyboardMarkup:
    d = a.digest[:DIGEST]
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t("tg.approval.yes", lang),
                             callback_data=ApprovalPress(id=a.id, d=d, ok=1).pack()),
        InlineKeyboardButton(text=t("tg.approval.no", lang),
                             callback_data=ApprovalPress(id=a.id, d=d, ok=0).pack()),
    ]])


def status_of(outcome: str, who: str, lang: str) -> str:
    marks = {"approved": "✅", "denied": "❌", "expired": "⌛", "cancelled": "⏹",
             "abandoned": "⏹", "timed_out": "⌛", "pre_approved": "✅"}
    key = f"tg.approval.settled.{outcome}"
    word = t(key, lang) if key in _SETTLED else outcome
    by = f" · {who}" if who and who != "inbox" else ""
    return f"{marks.get(outcome, '•')} <b>{e(word)}</b>{e(by)}"


_SETTLED = {f"tg.approval.settled.{s}" for s in ("approved", "denied", "expired", "cancelled",
                                                  "abandoned", "timed_out")}


def router(desk: ApprovalDesk) -> Router:
    r = Router(name="approvals")

    @r.callback_query(ApprovalPress.filter())
    async def on_press(query: CallbackQuery, callback_data: ApprovalPress, user: User) -> None:
        await desk.press(query, callback_data, user)

    return r


__all__ = ["ApprovalDesk", "ApprovalPress", "router"]
