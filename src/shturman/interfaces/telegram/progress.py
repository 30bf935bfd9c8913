"""A task typed in Telegram becomes a background run; its progress is ONE message, edited.

The run goes through the jobs service like any background run (the Telegram user is its
actor; a viewer's runs are read-only). The bot follows the run's stored events
(``EventService.subscribe``), so what the chat shows is what was recorded, and an approval the
run waits for is offered as a card with buttons in the same chat.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile

from shturman.domain.errors import ShturmanError
from shturman.domain.events import ApprovalDecided, ApprovalRequested, RunFinished
from shturman.domain.jobs import Job, JobStatus
from shturman.domain.models import RunMode
from shturman.domain.users import Role, User
from shturman.interfaces.i18n import t
from shturman.interfaces.telegram.approvals import ApprovalDesk, actor_of
from shturman.interfaces.telegram.deps import BotServices
from shturman.interfaces.telegram.live import LiveMessage
from shturman.interfaces.telegram.render import ProgressView, clip, e, status_line
from shturman.observability.logging import get_logger
from shturman.services.jobs import JobService

log = get_logger(__name__)

ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


def mode_for(user: User) -> RunMode:
    """A viewer reads: their runs are read-only whatever they ask."""
    return RunMode.READONLY if user.role is Role.VIEWER else RunMode.INTERACTIVE


async def run_of(jobs: JobService, job: Job, interval: float = 0.25) -> Job:
    """The job once its run exists (``run_id`` set) or it ended without one. Waits while
    the job is queued (for as long as it takes: the bot's stop cancels the wait)."""
    while job.run_id is None and not job.status.final:
        await asyncio.sleep(interval)
        job = (await jobs.show(job.id)).job
    return job


class RunDesk:
    """Starts runs for chats and keeps each one's progress message up to date."""

    def __init__(self, bot: Bot, services: BotServices, desk: ApprovalDesk, *,
                 edit_interval: float = 1.0) -> None:
        self.speak: Callable[[int, User, str], Awaitable[None]] | None = None  # voice replies
        self._bot = bot
        self._services = services
        self._desk = desk
        self._interval = edit_interval
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self, chat_id: int, user: User, text: str, server: str | None = None
                    ) -> Job:
        job = await self._services.jobs.submit_run(text, actor_of(user), server=server,
                                                   mode=mode_for(user), lang=user.language)
        view = ProgressView(user.language, f"▶ <b>{e(clip(text, 300))}</b>")
        view.waiting("tg.progress.queued", id=job.id)
        sent = await self._bot.send_message(chat_id, view.text())
        live = LiveMessage(self._bot, chat_id, sent.message_id, view.text(), self._interval)
        self.spawn(self._follow(job, live, view, user))
        return job

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Stop following (the runs themselves go on in the job workers)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _follow(self, job: Job, live: LiveMessage, view: ProgressView,
                      user: User) -> None:
        try:
            job = await run_of(self._services.jobs, job)
            if job.run_id is None:
                view.stopped("tg.progress.not_started", id=job.id, status=job.status.value,
                             error=clip(job.error, 300) or "—")
                await live.close(view.text())
                return
            if job.status is not JobStatus.QUEUED:  # (queued: "queued" stays shown until a
                view.waiting("tg.progress.starting")  # worker starts the reserved run)
                live.show(view.text())
            finished = await self._events(job.run_id, live, view, user)
            if finished is None:  # cancelled or interrupted: no run_finished was stored
                record, _ = await self._services.runs.replay(job.run_id)
                status = record.status if record is not None else "cancelled"
                view.body.append(status_line(status, False, False, user.language))
            await live.close(view.text())
            if view.elided_output:
                await self._send_outputs(live.chat_id, job.run_id, view)
            if finished is not None and self.speak is not None:
                await self.speak(live.chat_id, user, finished.report)
        except asyncio.CancelledError:
            with contextlib.suppress(TelegramAPIError, asyncio.CancelledError):
                view.stopped("tg.progress.unfollowed")
                await asyncio.shield(live.close(view.text()))
            raise
        except TelegramAPIError as exc:
            log.warning("telegram.progress_failed", reason=str(exc.message)[:200])
        except ShturmanError as exc:  # the store failed us: say so in the message, once
            log.warning("telegram.progress_failed", reason=type(exc).__name__)
            view.stopped("tg.err.generic")
            with contextlib.suppress(TelegramAPIError):
                await live.close(view.text())

    async def _events(self, run_id: str, live: LiveMessage, view: ProgressView,
                      user: User) -> RunFinished | None:
        async for event in self._services.events.subscribe(run_id):
            view.add(event)
            live.show(view.text())
            match event.payload:
                case ApprovalRequested(approval_id=approval_id):
                    await self._desk.offer_id(live.chat_id, user, approval_id)
                case ApprovalDecided(approval_id=approval_id, outcome=outcome, approver=who):
                    await self._desk.settle(approval_id, outcome, who)
                case RunFinished() as done:
                    return done
        return None

    async def _send_outputs(self, chat_id: int, run_id: str, view: ProgressView) -> None:
        """Every command of the run with its whole output, as the audit store keeps it
        (redacted, capped); the events' tails if the store has none."""
        text = await self._stored_outputs(run_id) or view.output_file()
        await self._bot.send_document(chat_id, BufferedInputFile(
            text.encode("utf-8", "replace"), filename=f"run-{run_id[:8]}.txt"),
            caption=t("tg.progress.outputs", view.lang, id=run_id[:8]))

    async def _stored_outputs(self, run_id: str) -> str:
        audit = self._services.audit
        parts = []
        for entry in await audit.recent(500, run_id=run_id):
            if entry.action != "command" or entry.id is None:
                continue
            stored = await audit.output(entry.id)
            part = f"$ {entry.server}: {entry.command}\n[{entry.outcome}, exit {entry.exit_code}]"
            if stored is not None and stored.stdout:
                part += "\n" + stored.stdout
            if stored is not None and stored.stderr:
                part += "\n--- stderr ---\n" + stored.stderr
            parts.append(part)
        return "\n\n".join(parts)

    async def cancel_current(self, user: User) -> Job | None:
        """Cancel this user's newest queued or running job (its run stops, recorded)."""
        mine = [j for status in ACTIVE for j in await self._services.jobs.recent(status, 200)
                if j.actor == str(actor_of(user)) and j.kind == "run"]
        if not mine:
            return None
        newest = max(mine, key=lambda j: j.id)
        return await self._services.jobs.cancel(newest.id)
