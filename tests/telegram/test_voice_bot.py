"""Voice in Telegram, end to end: a note synthesised in the test with RHVoice, sent through the
fake Bot API server, downloaded by the real aiogram client, transcribed offline by
faster-whisper, echoed; a request that would change a server waits for its speaker's explicit
confirmation of the transcript; spoken replies are valid OGG/Opus."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator

import av
import pytest

from shturman.services.voice import VoiceService
from tests.telegram.fakebot import Call
from tests.telegram.world import ALICE, VIKTOR, World, until

READS = "сколько места на диске"  # whisper base hears it back word for word
CHANGES = "перезапусти сервис nginx"  # heard imperfectly; a change either way


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory) -> VoiceService:
    return VoiceService(tmp_path_factory.mktemp("models"))  # loads once for the module


@pytest.fixture
async def talk(world: World, voice: VoiceService) -> AsyncIterator[World]:
    world.c.extras["voice"] = voice
    await world.start_bot()
    yield world


async def say(world: World, voice: VoiceService, text: str, user: int = ALICE) -> int:
    ogg = await voice.synthesize(text, "ru")
    mark = world.fake.mark()
    world.fake.push_voice(user, ogg, 3)
    return mark


def heard(call: Call) -> bool:
    return call.method == "sendMessage" and "🎙" in str(call.params.get("text", ""))


def buttons(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_a_read_only_note_is_echoed_and_runs(talk: World, voice: VoiceService) -> None:
    mark = await say(talk, voice, READS)
    echo = await talk.fake.wait_for("sendMessage", heard, since=mark, timeout=120)
    assert "диске" in str(echo.params["text"]).lower() and not buttons(echo)

    async def submitted() -> bool:
        return len(await talk.jobs()) == 1

    await until(submitted)  # read-only: it runs without asking
    jobs = await talk.jobs()
    assert "диске" in jobs[0].payload["text"].lower()
    assert jobs[0].payload["lang"] == "ru"  # the report in the speaker's language


async def test_a_changing_note_waits_for_its_speaker(talk: World, voice: VoiceService) -> None:
    mark = await say(talk, voice, CHANGES)
    echo = await talk.fake.wait_for("sendMessage", heard, since=mark, timeout=120)
    run, cancel = buttons(echo)
    assert run.startswith("vc:") and run.endswith(":1") and cancel.endswith(":0")
    assert await talk.jobs() == []  # nothing runs before the transcript is confirmed
    chat, message_id = int(echo.params["chat_id"]), echo.response["result"]["message_id"]

    # another linked user (a viewer) presses: not theirs to confirm
    foreign = talk.fake.push_callback(VIKTOR, run, message_chat_id=chat, message_id=message_id)
    await until(lambda: _answered(talk, foreign))
    assert "только" in str(talk.fake.callback_answers[foreign].get("text", ""))
    assert await talk.jobs() == []

    press = talk.fake.push_callback(ALICE, run, message_chat_id=chat, message_id=message_id)
    await until(lambda: _answered(talk, press))

    async def submitted() -> bool:
        return len(await talk.jobs()) == 1

    await until(submitted)
    stored = talk.fake.message(chat, message_id)
    assert stored is not None and stored.reply_markup in (None, {}) and len(stored.edits) >= 1
    replay = talk.fake.push_callback(ALICE, run, message_chat_id=chat, message_id=message_id)
    await until(lambda: _answered(talk, replay))
    assert "устарело" in str(talk.fake.callback_answers[replay].get("text", ""))
    assert len(await talk.jobs()) == 1  # a replayed press starts nothing


async def test_a_cancelled_note_runs_nothing(talk: World, voice: VoiceService) -> None:
    mark = await say(talk, voice, CHANGES)
    echo = await talk.fake.wait_for("sendMessage", heard, since=mark, timeout=120)
    _, cancel = buttons(echo)
    chat, message_id = int(echo.params["chat_id"]), echo.response["result"]["message_id"]
    press = talk.fake.push_callback(ALICE, cancel, message_chat_id=chat, message_id=message_id)
    await until(lambda: _answered(talk, press))
    assert await talk.jobs() == []
    stored = talk.fake.message(chat, message_id)
    assert stored is not None and "Отменено" in stored.text


async def test_spoken_reply_is_ogg_opus(talk: World, voice: VoiceService) -> None:
    await talk.c.users.set("alice", settings={"voice": True})
    await talk.start_workers()
    mark = talk.fake.mark()
    talk.fake.push_text(ALICE, READS)
    spoken = await talk.fake.wait_for("sendVoice", since=mark, timeout=120)
    data = spoken.files["voice"]
    with av.open(io.BytesIO(data)) as container:
        assert container.format.name == "ogg"
        (stream,) = container.streams.audio
        assert stream.codec_context.name == "opus"
        assert sum(1 for _ in container.decode(stream)) > 10  # real audio, not a header


async def _answered(world: World, callback_id: str) -> bool:
    return callback_id in world.fake.callback_answers
