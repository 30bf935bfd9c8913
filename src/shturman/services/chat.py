"""The chat: each user's conversation with the agent, kept per user (``chat_messages``).

A message the user sends becomes a run (a background job with the user as the actor); the
interfaces follow the run's events (``EventService.subscribe``) and show them in the
conversation; when the run finishes its report is stored as the agent's reply
(:meth:`ChatService.on_run_events`, a RunRepo listener — whichever process ran it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from shturman.domain.events import RunFinished
from shturman.domain.models import Actor, RunMode
from shturman.domain.runs import RunEvent
from shturman.domain.tasks import ChatMessage, ChatRole, Task
from shturman.domain.texts import say
from shturman.store.repositories.tasks import ChatRepo

if TYPE_CHECKING:
    from shturman.services.jobs import JobService
    from shturman.services.tasks import TaskService
    from shturman.services.users import UserService


class ChatService:
    def __init__(self, repo: ChatRepo, jobs: Callable[[], JobService],
                 tasks: Callable[[], TaskService], users: UserService) -> None:
        self._repo = repo
        self._users = users
        self._jobs = jobs
        self._tasks = tasks

    async def history(self, user: str, limit: int = 100) -> list[ChatMessage]:
        """Oldest first: the user's last ``limit`` messages."""
        return await self._repo.history(user, limit)

    async def send(self, user: str, actor: Actor, text: str, *, server: str | None = None,
                   mode: RunMode = RunMode.INTERACTIVE, lang: str = "ru",
                   task_id: int | None = None) -> ChatMessage:
        """The user's message, and the run it starts (an unknown ``server`` raises first,
        before anything is stored). With ``task_id`` the run is that task's."""
        if task_id is not None:
            await self._tasks().get(task_id)  # unknown: raises before anything runs
        job = await self._jobs().submit_run(text.strip(), actor, server=server or None,
                                            mode=mode, lang=lang)
        if task_id is not None:
            await self._tasks().started(task_id, job.run_id)
        return await self._repo.add(user, ChatRole.USER, text.strip(), run_id=job.run_id,
                                    task_id=task_id)

    async def delegated(self, user: str, task: Task, lang: str) -> ChatMessage:
        """A line in the conversation: this task was handed to the agent."""
        return await self._repo.add(user, ChatRole.EVENT, say(
            "tasks.chat.delegated", lang, id=task.id, title=task.title[:200]), task_id=task.id)

    async def on_run_events(self, events: Sequence[RunEvent]) -> None:
        """RunRepo listener: a chat run's report becomes the agent's reply (once)."""
        for event in events:
            if not isinstance(done := event.payload, RunFinished):
                continue
            thread = await self._repo.for_run(event.run_id)
            asked = [m for m in thread if m.role is ChatRole.USER]
            if not asked or any(m.role is ChatRole.AGENT for m in thread):
                continue
            user = asked[0].user
            lang = next((u.language for u in await self._users.all() if u.name == user), "ru")
            report = (done.report or "").strip() or say("tasks.chat.no_report", lang,
                                                        status=done.status)
            await self._repo.add(user, ChatRole.AGENT, report, run_id=event.run_id,
                                 task_id=asked[0].task_id)
