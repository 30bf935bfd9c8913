"""The Telegram bot as a daemon component (``name``, ``start``, ``stop``).

``start`` refuses (a bilingual :class:`ConfigError`) when no Telegram user is linked — the bot
would answer nobody, and it never answers strangers — or when Telegram rejects the token; then
it registers the command lists (Russian, English, default), and serves updates by long polling
(or a webhook, when ``webhook_url`` is set). Updates that arrived while the bot was down are
dropped (``drop_pending_updates``): a request typed hours ago is not acted on now. ``stop``
stops polling, the progress followers and the alert relay (the runs themselves go on in the
job workers) and closes the HTTP session. The token is handed to aiogram only; aiogram logs the
bot's id and name, never the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError
from aiogram.types import BotCommandScopeDefault, CallbackQuery, ErrorEvent, Message
from aiogram.utils.token import TokenValidationError

from shturman.domain.errors import ConfigError, ShturmanError
from shturman.domain.users import User
from shturman.interfaces.i18n import t
from shturman.interfaces.telegram import alerts, approvals, commands, voice
from shturman.interfaces.telegram.access import Gate, RateLimit
from shturman.interfaces.telegram.alerts import AlertRelay
from shturman.interfaces.telegram.approvals import ApprovalDesk
from shturman.interfaces.telegram.deps import BotConfig, BotServices
from shturman.interfaces.telegram.progress import RunDesk
from shturman.interfaces.telegram.voice import VoiceDesk
from shturman.observability.logging import get_logger

log = get_logger(__name__)

UPDATES = ["message", "callback_query"]


def bilingual(key: str, **values: object) -> str:
    return f"{t(key, 'ru', **values)} / {t(key, 'en', **values)}"


class TelegramBot:
    name = "telegram"

    def __init__(self, services: BotServices, config: BotConfig) -> None:
        self._services = services
        self._config = config
        self._bot: Bot | None = None
        self._dp: Dispatcher | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._runs: RunDesk | None = None
        self._web: Any = None
        self.desk: ApprovalDesk | None = None
        self.relay: AlertRelay | None = None
        self.voice: VoiceDesk | None = None
        self.username = ""
        self.linked = 0

    async def start(self) -> None:
        linked = [u for u in await self._services.users.all() if u.telegram_id is not None]
        if not linked:
            raise ConfigError(bilingual("tg.err.no_linked_users"))
        try:
            bot = Bot(self._config.token, session=AiohttpSession(
                api=TelegramAPIServer.from_base(self._config.api_url)),
                default=DefaultBotProperties(parse_mode=ParseMode.HTML,
                                             link_preview_is_disabled=True))
        except TokenValidationError:
            raise ConfigError(bilingual("tg.err.bad_token")) from None
        self._bot = bot
        try:
            me = await bot.get_me()
            await self._register_commands(bot)
        except TelegramUnauthorizedError:
            await bot.session.close()
            raise ConfigError(bilingual("tg.err.token_rejected")) from None
        except TelegramAPIError as exc:
            await bot.session.close()
            raise ConfigError(bilingual("tg.err.unreachable", reason=str(exc.message)[:200])
                              ) from None
        self._dp = self._dispatcher(bot)
        try:
            if self._config.webhook_url:
                await self._start_webhook(bot, self._dp)
            else:
                await bot.delete_webhook(drop_pending_updates=self._config.drop_pending_updates)
                self._tasks.append(asyncio.create_task(self._dp.start_polling(
                    bot, polling_timeout=self._config.polling_timeout, handle_signals=False,
                    close_bot_session=False, allowed_updates=UPDATES)))
            assert self.relay is not None
            self._tasks.append(asyncio.create_task(self.relay.run()))
            if self._services.voice is not None:  # load the speech model before the first note
                self._tasks.append(asyncio.create_task(_warm(self._services.voice)))
        except BaseException:  # half started (a port taken, Telegram gone): undo it
            await self.stop()
            raise
        self.username, self.linked = me.username or str(me.id), len(linked)
        log.info("telegram.started", bot_id=me.id, username=me.username, users=len(linked))

    def _dispatcher(self, bot: Bot) -> Dispatcher:
        s, c = self._services, self._config
        self.desk = ApprovalDesk(bot, s)
        self._runs = RunDesk(bot, s, self.desk, edit_interval=c.edit_interval)
        self.relay = AlertRelay(bot, s, self.desk, self._start_run, interval=c.notify_interval)
        dp = Dispatcher()
        dp.update.outer_middleware(Gate(s.users, s.audit, allow_groups=c.allow_groups))
        dp.message.outer_middleware(RateLimit(c.rate_limit_per_minute))
        self.voice = VoiceDesk(bot, s, self._runs)
        self._runs.speak = self.voice.speak
        dp.include_router(approvals.router(self.desk))
        dp.include_router(voice.router(self.voice))
        dp.include_router(alerts.router(self.relay))
        dp.include_router(commands.router(commands.Commands(s, self._runs, self.desk)))
        dp.include_router(_fallback())
        dp.errors.register(_on_error)
        return dp

    async def _start_run(self, chat_id: int, user: User, text: str) -> None:
        assert self._runs is not None
        await self._runs.start(chat_id, user, text)

    async def _register_commands(self, bot: Bot) -> None:
        for lang in ("ru", "en"):
            await bot.set_my_commands(commands.command_list(lang),
                                      scope=BotCommandScopeDefault(), language_code=lang)
        await bot.set_my_commands(commands.command_list(self._config.language),
                                  scope=BotCommandScopeDefault())

    async def _start_webhook(self, bot: Bot, dp: Dispatcher) -> None:
        from aiogram.webhook.aiohttp_server import SimpleRequestHandler
        from aiohttp import web

        url = self._config.webhook_url or ""
        secret = secrets.token_urlsafe(32)  # Telegram sends it back: other senders are refused
        app = web.Application()
        SimpleRequestHandler(dp, bot, secret_token=secret).register(
            app, path=urlsplit(url).path or "/")
        host, _, port = self._config.webhook_listen.rpartition(":")
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, host or "127.0.0.1", int(port)).start()
        self._web = runner
        await bot.set_webhook(url, secret_token=secret, allowed_updates=UPDATES,
                              drop_pending_updates=self._config.drop_pending_updates)

    async def stop(self) -> None:
        if self._dp is not None and not self._config.webhook_url:
            with contextlib.suppress(RuntimeError):  # polling had not started yet
                await asyncio.wait_for(self._dp.stop_polling(), 10)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._runs is not None:
            await self._runs.stop()
        if self._web is not None:
            await self._web.cleanup()
            if self._bot is not None:
                with contextlib.suppress(TelegramAPIError):
                    await self._bot.delete_webhook()
        if self._bot is not None:
            await self._bot.session.close()
        log.info("telegram.stopped")


async def _warm(voice: Any) -> None:
    try:
        await voice.warm_up()
    except ShturmanError as exc:  # no weights, no engine: notes get a clear answer later
        log.warning("telegram.voice_unavailable", reason=str(exc)[:200])


def _fallback() -> Router:
    """What no other handler took: an old button, a sticker, a photo …"""
    r = Router(name="fallback")

    @r.callback_query()
    async def on_old_button(query: CallbackQuery, user: User) -> None:
        await query.answer(t("tg.approval.stale", user.language))

    @r.message()
    async def on_other(message: Message, user: User) -> None:
        await message.answer(t("tg.unsupported", user.language))

    return r


async def _on_error(event: ErrorEvent, **data: Any) -> bool:
    """The ONE place an error becomes what the chat sees (a linked user's update only: the
    gate ran before any handler)."""
    user = data.get("user")
    exc = event.exception
    if not isinstance(user, User):
        return True
    if isinstance(exc, ShturmanError):
        text = commands.describe(exc, user.language)
    else:
        log.error("telegram.handler_failed", error=type(exc).__name__)
        text = t("tg.err.generic", user.language)
    update = event.update
    with contextlib.suppress(TelegramAPIError):
        if update.callback_query is not None:
            await update.callback_query.answer(text[:190], show_alert=True)
        elif update.message is not None:
            await update.message.answer(text, parse_mode=None)
    return True


__all__ = ["TelegramBot"]
