"""Fixtures: ``fakebot`` (a running :class:`FakeTelegram`) and ``bot`` (aiogram ``Bot`` on it)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from tests.telegram.fakebot import FakeTelegram, make_bot


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
