"""Fixtures: ``fakebot`` (a running :class:`FakeTelegram`), ``bot`` (aiogram ``Bot`` on it) and
``world`` (the bot under test with its container; see ``world.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot

from tests.telegram.fakebot import FakeTelegram, make_bot
from tests.telegram.world import ALICE, VIKTOR, World, settings_for


@pytest.fixture
async def fakebot() -> AsyncIterator[FakeTelegram]:
    """A fake Bot API server on 127.0.0.1 (``base_url``, ``token``), stopped afterwards."""
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fakebot: FakeTelegram) -> AsyncIterator[Bot]:
    """An aiogram ``Bot`` pointed at ``fakebot``; its HTTP session is closed afterwards."""
    client = make_bot(fakebot)
    try:
        yield client
    finally:
        await client.session.close()


@pytest.fixture
def telegram_options() -> dict[str, Any]:
    return {}


@pytest.fixture
def agent_options() -> dict[str, Any]:
    return {}


@pytest.fixture
async def world(fakebot: FakeTelegram, home: Path, telegram_options: dict[str, Any],
                agent_options: dict[str, Any]) -> AsyncIterator[World]:
    from shturman.app import container

    async with container(settings_for(home, fakebot, agent_options,
                                      **telegram_options)) as c:
        await c.users.add("alice", "operator", telegram_id=ALICE)
        await c.users.add("viktor", "viewer", telegram_id=VIKTOR)
        w = World(fakebot, c)
        try:
            yield w
        finally:
            await w.stop_bot()
            if w.workers is not None:
                await w.workers.stop()
