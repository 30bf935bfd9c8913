"""The bot's commands and free text. Thin: parse → call a service → answer.

/health and /logs are ordinary runs of the routine request (the no-model engine handles
them), through the same jobs service as any typed task: no second path to a server.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import BotCommand, Message

from shturman.domain.errors import ShturmanError
from shturman.domain.jobs import JobStatus
from shturman.domain.models import RunStatus
from shturman.domain.users import User
from shturman.interfaces.i18n import t
from shturman.interfaces.telegram.approvals import ApprovalDesk
from shturman.interfaces.telegram.deps import BotServices
from shturman.interfaces.telegram.progress import RunDesk
from shturman.interfaces.telegram.render import clip, e

# name → catalogue key of its description (shown by Telegram, per language)
COMMANDS: tuple[str, ...] = ("start", "help", "servers", "health", "status", "logs",
                             "history", "approvals", "cancel", "lang", "voice")


def command_list(lang: str) -> list[BotCommand]:
    return [BotCommand(command=name, description=t(f"tg.cmd.{name}", lang))
            for name in COMMANDS]


def describe(exc: ShturmanError, lang: str) -> str:
    """The ONE place the bot turns an error into a sentence for the chat."""
    from shturman.domain.errors import UnknownJobError, UnknownServerError, UserError

    if isinstance(exc, UnknownServerError):
        return t("tg.err.unknown_server", lang, name=exc.name)
    if isinstance(exc, UserError):
        return t("tg.err.user", lang)
    if isinstance(exc, UnknownJobError):
        return t("tg.err.nothing_to_cancel", lang)
    return t("tg.err.generic", lang)


class Commands:
    def __init__(self, services: BotServices, runs: RunDesk, desk: ApprovalDesk) -> None:
        self.s = services
        self.runs = runs
        self.desk = desk

    async def start(self, message: Message, user: User) -> None:
        await message.answer(e(t("tg.start", user.language, name=user.name,
                                 role=user.role.value)) + "\n\n" + self._help(user))

    async def help(self, message: Message, user: User) -> None:
        await message.answer(self._help(user))

    def _help(self, user: User) -> str:
        lang = user.language
        lines = [f"/{name} — {e(t(f'tg.cmd.{name}', lang))}" for name in COMMANDS]
        return "\n".join([e(t("tg.help.intro", lang)), "", *lines])

    async def servers(self, message: Message, user: User) -> None:
        lines = []
        for s in await self.s.inventory.all():
            extra = []
            if s.aliases:
                extra.append(t("tg.servers.aliases", user.language, names=", ".join(s.aliases)))
            if s.services:
                extra.append(t("tg.servers.services", user.language,
                               names=", ".join(s.services)))
            tail = f" — {e('; '.join(extra))}" if extra else ""
            lines.append(f"• <b>{e(s.name)}</b> <i>{e(s.address)}</i>{tail}")
        await message.answer("\n".join([f"<b>{e(t('tg.servers.title', user.language))}</b>",
                                        *lines]))

    async def health(self, message: Message, user: User, command: CommandObject) -> None:
        server = (command.args or "").strip() or None
        await self.runs.start(message.chat.id, user, t("tg.request.health", user.language),
                              server)

    async def logs(self, message: Message, user: User, command: CommandObject) -> None:
        args = (command.args or "").split()
        if not args:
            await message.answer(e(t("tg.usage.logs", user.language)))
            return
        service, server = args[0], (args[1] if len(args) > 1 else None)
        await self.runs.start(message.chat.id, user,
                              t("tg.request.logs", user.language, service=service), server)

    async def status(self, message: Message, user: User) -> None:
        lang = user.language
        queued = await self.s.jobs.recent(JobStatus.QUEUED, 1000)
        running = await self.s.jobs.recent(JobStatus.RUNNING, 1000)
        live = [r for r in await self.s.runs.history(100) if r.status == RunStatus.RUNNING.value]
        model = t("tg.yes" if self.s.model_configured else "tg.no", lang)
        lines = [t("tg.status.title", lang, version=self.s.version),
                 t("tg.status.queue", lang, queued=len(queued), running=len(running)),
                 t("tg.status.runs", lang, count=len(live)),
                 t("tg.status.model", lang, answer=model)]
        lines.extend(f"  • {r.id[:8]} {clip(r.request, 60)}" for r in live[:10])
        await message.answer(e("\n".join(lines)))

    async def history(self, message: Message, user: User) -> None:
        records = await self.s.runs.history(10)
        if not records:
            await message.answer(e(t("tg.history.none", user.language)))
            return
        lines = [f"<b>{e(t('tg.history.title', user.language))}</b>"]
        for r in records:
            lines.append(f"<code>{e(r.id[:8])}</code> {e(r.created_at.strftime('%m-%d %H:%M'))} "
                         f"{e(r.status)} · {e(clip(r.request, 60))}")
        await message.answer("\n".join(lines))

    async def approvals(self, message: Message, user: User) -> None:
        waiting = await self.s.approvals.pending()
        if not waiting:
            await message.answer(e(t("approvals.none", user.language)))
            return
        for approval in waiting:
            await self.desk.offer(message.chat.id, user, approval, again=True)

    async def cancel(self, message: Message, user: User) -> None:
        job = await self.runs.cancel_current(user)
        if job is None:
            await message.answer(e(t("tg.err.nothing_to_cancel", user.language)))
            return
        key = "jobs.cancelled" if job.status is JobStatus.CANCELLED else "jobs.cancel_requested"
        await message.answer(e(t(key, user.language, id=job.id)))

    async def lang(self, message: Message, user: User, command: CommandObject) -> None:
        wanted = (command.args or "").strip().lower()
        if wanted not in ("ru", "en"):
            await message.answer(e(t("tg.usage.lang", user.language)))
            return
        await self.s.users.set(user.name, language=wanted)
        await message.answer(e(t("tg.lang.set", wanted)))

    async def voice(self, message: Message, user: User, command: CommandObject) -> None:
        wanted = (command.args or "").strip().lower()
        if wanted not in ("on", "off"):
            state = t("tg.on" if user.settings.get("voice") else "tg.off", user.language)
            await message.answer(e(t("tg.usage.voice", user.language, state=state)))
            return
        await self.s.users.set(user.name, settings={"voice": wanted == "on"})
        await message.answer(e(t(f"tg.voice.{wanted}", user.language)))

    async def text(self, message: Message, user: User) -> None:
        await self.runs.start(message.chat.id, user, message.text or "")

    async def unknown(self, message: Message, user: User) -> None:
        await message.answer(e(t("tg.unknown_command", user.language)))


def router(commands: Commands) -> Router:
    r = Router(name="commands")
    r.message.register(commands.start, CommandStart())
    for name in COMMANDS[1:]:
        r.message.register(getattr(commands, name), Command(name))
    r.message.register(commands.unknown, F.text.startswith("/"))
    r.message.register(commands.text, F.text)
    return r


__all__ = ["COMMANDS", "Commands", "command_list", "describe", "router"]
