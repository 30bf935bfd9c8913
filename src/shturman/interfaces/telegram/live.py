"""One Telegram message kept up to date: the newest text wins, edits are spaced out.

Events can arrive many per second; Telegram allows about one edit a second per chat. A
:class:`LiveMessage` coalesces: :meth:`show` only records the wanted text, a background pump
edits at most every ``interval`` seconds, and :meth:`close` makes the last edit now. Telegram's
"message is not modified" is not an error; a flood-control answer waits as told.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramRetryAfter
from aiogram.types import InlineKeyboardMarkup

from shturman.observability.logging import get_logger

log = get_logger(__name__)


async def edit(bot: Bot, chat_id: int, message_id: int, text: str,
               markup: InlineKeyboardMarkup | None = None) -> bool:
    """Edit one message; False when Telegram would not (gone, too old). Never raises for
    "not modified"; waits out flood control once."""
    for _ in range(2):
        try:
            await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id,
                                        reply_markup=markup)
            return True
        except TelegramRetryAfter as exc:
            await asyncio.sleep(min(float(exc.retry_after), 30.0))
        except TelegramBadRequest as exc:
            if "not modified" in str(exc.message).lower():
                return True
            log.warning("telegram.edit_refused", reason=str(exc.message)[:200])
            return False
        except TelegramAPIError as exc:
            log.warning("telegram.edit_failed", reason=str(exc.message)[:200])
            return False
    return False


class LiveMessage:
    def __init__(self, bot: Bot, chat_id: int, message_id: int, shown: str,
                 interval: float = 1.0) -> None:
        self._bot = bot
        self.chat_id = chat_id
        self.message_id = message_id
        self._interval = interval
        self._shown = shown
        self._wanted = shown
        self._last = time.monotonic()
        self._dirty = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None
        self.edits = 0

    def show(self, text: str) -> None:
        """Ask for ``text`` to be shown (soon, coalesced with what follows)."""
        self._wanted = text
        if text == self._shown:
            return
        self._dirty.set()
        if self._pump is None:
            self._pump = asyncio.get_running_loop().create_task(self._run())

    async def close(self, text: str | None = None) -> None:
        """The final text, shown now (after the interval since the last edit)."""
        if text is not None:
            self._wanted = text
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None
        await self._flush()

    async def _run(self) -> None:
        while True:
            await self._dirty.wait()
            wait = self._last + self._interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            await self._flush()

    async def _flush(self) -> None:
        self._dirty.clear()
        text = self._wanted
        if text == self._shown:
            return
        wait = self._last + self._interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last = time.monotonic()
        if await edit(self._bot, self.chat_id, self.message_id, text):
            self.edits += 1
        self._shown = text
