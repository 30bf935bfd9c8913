"""Voice notes in, spoken replies out.

A voice note is downloaded, transcribed offline (``VoiceService``: faster-whisper, Russian or
English) and the transcript is echoed. A request that only reads runs at once, as typed text
would; one that would change anything (``RunService.changes_state``: judged by its plan, not its
words) waits for the speaker to confirm the transcript — ✅/❌ bound to that one transcript and
that one Telegram user — in every mode, because a mis-heard word must not restart the wrong
thing. Unconfirmed transcripts expire; a stale, replayed or foreign press changes nothing.

With ``/voice on`` the run's report is also spoken (RHVoice or espeak-ng → OGG/Opus,
``sendVoice``).
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from shturman.domain.users import Role, User
from shturman.domain.voice import VoiceError, VoiceTooLargeError
from shturman.interfaces.i18n import t
from shturman.interfaces.telegram.deps import BotServices
from shturman.interfaces.telegram.live import edit
from shturman.interfaces.telegram.progress import RunDesk
from shturman.interfaces.telegram.render import clip, e
from shturman.observability.logging import get_logger

log = get_logger(__name__)

SPOKEN_LIMIT = 600  # characters of a report read aloud (the message has the rest)


class VoicePress(CallbackData, prefix="vc"):
    id: str
    ok: int


@dataclass(frozen=True, slots=True)
class Heard:
    """A transcript waiting for its speaker's confirmation."""

    telegram_id: int
    chat_id: int
    message_id: int
    text: str
    lang: str
    expires: float


class VoiceDesk:
    def __init__(self, bot: Bot, services: BotServices, runs: RunDesk, *,
                 ttl: float = 300.0) -> None:
        self._bot = bot
        self._services = services
        self._runs = runs
        self._ttl = ttl
        self._waiting: dict[str, Heard] = {}

    async def note(self, message: Message, user: User) -> None:
        """A voice note (or an audio file) from a linked user."""
        lang = user.language
        voice = self._services.voice
        audio = message.voice or message.audio
        if voice is None or audio is None:
            await message.answer(e(t("tg.voice.unavailable", lang)))
            return
        limit = voice.limits.max_bytes
        if audio.file_size and audio.file_size > limit:
            await message.answer(e(VoiceTooLargeError(audio.file_size, limit).text(lang)))
            return
        await self._bot.send_chat_action(message.chat.id, "typing")
        got = await self._bot.download(audio.file_id)
        data = got.read() if got is not None else b""
        try:
            heard = await voice.transcribe(data)
        except VoiceError as exc:
            await message.answer(e(t("tg.voice.failed", lang, reason=exc.text(lang))))
            return
        text = heard.text.strip()
        echo = t("tg.voice.heard", lang, text=clip(text, 1000), language=heard.language,
                 seconds=f"{heard.seconds_taken:.1f}")
        # a viewer's runs are read-only whatever was said: nothing to confirm
        if user.role is Role.VIEWER or not await self._services.runs.changes_state(text):
            await message.answer(e(echo))
            await self._runs.start(message.chat.id, user, text)
            return
        self._forget_expired()
        token = secrets.token_hex(6)
        sent = await message.answer(
            e(echo) + "\n\n" + e(t("tg.voice.confirm", lang)),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
                InlineKeyboardButton(text=t("tg.voice.run", lang),
                                     callback_data=VoicePress(id=token, ok=1).pack()),
                InlineKeyboardButton(text=t("tg.voice.cancel", lang),
                                     callback_data=VoicePress(id=token, ok=0).pack())]]))
        self._waiting[token] = Heard(user.telegram_id or 0, message.chat.id, sent.message_id,
                                     text, lang, time.monotonic() + self._ttl)

    async def press(self, query: CallbackQuery, callback_data: VoicePress, user: User) -> None:
        press = callback_data
        heard = self._waiting.get(press.id)
        if heard is None or heard.expires < time.monotonic():
            self._waiting.pop(press.id, None)
            await query.answer(t("tg.voice.stale", user.language))
            return
        if query.from_user.id != heard.telegram_id:  # another linked user: not theirs to say
            log.info("telegram.voice_foreign_press", user=user.name)
            await query.answer(t("tg.voice.not_yours", user.language))
            return
        del self._waiting[press.id]  # once: a replayed press finds nothing
        key = "tg.voice.confirmed" if press.ok else "tg.voice.cancelled"
        await query.answer(t(key, heard.lang))
        shown = (e(t("tg.voice.heard_short", heard.lang, text=clip(heard.text, 1000)))
                 + "\n" + e(t(key, heard.lang)))
        await edit(self._bot, heard.chat_id, heard.message_id, shown)
        if press.ok:
            await self._runs.start(heard.chat_id, user, heard.text)

    async def speak(self, chat_id: int, user: User, report: str) -> None:
        """Read the run's report aloud to a user who asked for spoken replies."""
        voice = self._services.voice
        if voice is None or not user.settings.get("voice") or not report.strip():
            return
        try:
            ogg = await voice.synthesize(spoken(report), user.language)
        except VoiceError as exc:
            log.warning("telegram.voice_reply_failed", reason=str(exc)[:200])
            return
        try:
            await self._bot.send_voice(chat_id, BufferedInputFile(ogg, filename="report.ogg"))
        except TelegramAPIError as exc:
            log.warning("telegram.voice_reply_failed", reason=str(exc.message)[:200])

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for token in [k for k, h in self._waiting.items() if h.expires < now]:
            del self._waiting[token]


_SYMBOLS = re.compile(r"[✓✗▶•⚠↻→`*_<>#|]+")


def spoken(report: str) -> str:
    """What is worth saying of a report: its text without marks, within the spoken limit."""
    text = " ".join(_SYMBOLS.sub(" ", line).strip() for line in report.splitlines())
    return clip(re.sub(r"\s+", " ", text).strip(), SPOKEN_LIMIT)


def router(desk: VoiceDesk) -> Router:
    r = Router(name="voice")
    r.message.register(desk.note, F.voice | F.audio)
    r.callback_query.register(desk.press, VoicePress.filter())
    return r


__all__ = ["Heard", "VoiceDesk", "VoicePress", "router", "spoken"]
