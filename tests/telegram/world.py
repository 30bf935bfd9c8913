"""The bot's test world: the fake Bot API server, a container with two linked users (an
operator and a viewer), and the helpers the bot tests share."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shturman.config import load_settings
from shturman.domain.jobs import Job
from tests.telegram.fakebot import Call, FakeTelegram

ALICE, VIKTOR, STRANGER = 1001, 1002, 666  # operator, viewer, nobody


@dataclass
class World:
    fake: FakeTelegram
    c: Any  # the container
    bot: Any = None
    workers: Any = None

    async def start_bot(self, serving: str = "getUpdates") -> None:
        mark = self.fake.mark()
        self.bot = await self.c.telegram_bot()
        await self.bot.start()
        await self.fake.wait_for(serving, since=mark)

    async def stop_bot(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
            self.bot = None

    async def start_workers(self) -> None:
        self.workers = self.c.jobs_runtime(workers=True)
        await self.workers.start()

    async def jobs(self) -> list[Job]:
        return list(await self.c.jobs.recent(None, 100))

    async def audit(self, action: str) -> list[Any]:
        return [a for a in await self.c.audit.recent(200) if a.action == action]

    def sends(self, since: int = 0, chat_id: int | None = None) -> list[Call]:
        return [call for call in self.fake.calls[since:]
                if call.method.lower().startswith("send")
                and (chat_id is None or str(call.params.get("chat_id")) == str(chat_id))]


def texts(calls: list[Call]) -> list[str]:
    return [str(call.params.get("text", "")) for call in calls]


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def settings_for(home: Path, fake: FakeTelegram, agent: dict[str, Any] | None = None,
                 **telegram: Any) -> Any:
    return load_settings(home=home, telegram={
        "token": fake.token, "api_url": fake.base_url, "edit_interval": 0.2,
        "notify_interval": 0.2, "polling_timeout": 1, **telegram},
        jobs={"poll_interval": 0.1}, agent=agent or {})
