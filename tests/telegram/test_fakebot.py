"""The fake Bot API server, driven by the real aiogram 3 client over HTTP."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command
from aiogram.methods import GetUpdates
from aiogram.types import (
    BotCommand,
    BotCommandScopeDefault,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from tests.telegram.fakebot import NOT_MODIFIED, FakeTelegram, make_bot, running_dispatcher

USER = 42
OGG = b"OggS\x00\x02" + bytes(range(256)) * 4


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=d, callback_data=d) for d in data]]
    )


async def test_get_me_returns_the_configured_bot(bot: Bot, fakebot: FakeTelegram) -> None:
    me = await bot.get_me()

    assert (me.id, me.username, me.is_bot) == (999000, "shturman_test_bot", True)
    assert bot.id == 999000
    assert fakebot.calls_of("getMe")[0].response == {"ok": True, "result": fakebot.bot_user}


async def test_wrong_token_is_unauthorized(fakebot: FakeTelegram) -> None:
    intruder = make_bot(fakebot, token="999000:not-the-token")
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await intruder.get_me()
    finally:
        await intruder.session.close()
    assert fakebot.calls == []


async def test_dispatcher_receives_pushed_text_and_its_answer_is_recorded(
    bot: Bot, fakebot: FakeTelegram
) -> None:
    router = Router()
    seen: list[Message] = []

    @router.message(Command("start"))
    async def on_start(message: Message) -> None:
        await message.answer("привет")

    @router.message(F.text)
    async def on_text(message: Message) -> None:
        seen.append(message)
        await message.answer(f"эхо: {message.text}")

    dp = Dispatcher()
    dp.include_router(router)
    async with running_dispatcher(dp, bot, fakebot):
        fakebot.push_command(USER, "start")
        await fakebot.wait_for("sendMessage", lambda c: c.params["text"] == "привет")
        fakebot.push_text(USER, "диск на проде", username="ops")
        call = await fakebot.wait_for("sendMessage", lambda c: c.params["text"].startswith("эх"))

    assert call.params == {"chat_id": USER, "text": "эхо: диск на проде"}
    assert seen[0].from_user is not None and seen[0].from_user.username == "ops"
    assert seen[0].from_user.language_code == "ru"
    assert [m.text for m in fakebot.sent_messages(USER)] == ["привет", call.params["text"]]
    # users' and the bot's messages share one id sequence per chat
    assert [m.message_id for m in fakebot.messages.values()] == [1, 2, 3, 4]


async def test_group_messages_carry_the_group_chat(bot: Bot, fakebot: FakeTelegram) -> None:
    dp = Dispatcher()
    chats: list[tuple[int, str]] = []

    @dp.message(Command("status"))
    async def on_status(message: Message) -> None:
        chats.append((message.chat.id, message.chat.type))
        await message.reply("ok")

    async with running_dispatcher(dp, bot, fakebot):
        fakebot.push_command(USER, "status@shturman_test_bot", chat_id=-1001, chat_type="group")
        call = await fakebot.wait_for("sendMessage")

    assert chats == [(-1001, "group")]
    assert call.params["chat_id"] == -1001
    assert fakebot.sent_messages(-1001)[0].payload["reply_to_message"]["message_id"] == 1


async def test_edits_change_state_and_history_and_identical_edit_is_refused(
    bot: Bot, fakebot: FakeTelegram
) -> None:
    sent = await bot.send_message(USER, "шаг 1", reply_markup=keyboard("stop"))
    for step in (2, 3):
        edited = await bot.edit_message_text(
            f"шаг {step}",
            chat_id=USER,
            message_id=sent.message_id,
            reply_markup=keyboard("stop"),
        )
        assert isinstance(edited, Message) and edited.text == f"шаг {step}"

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "шаг 3", chat_id=USER, message_id=sent.message_id, reply_markup=keyboard("stop")
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=999)

    [stored] = fakebot.sent_messages(USER)
    assert stored.text == "шаг 3"
    assert [v.text for v in stored.versions] == ["шаг 1", "шаг 2", "шаг 3"]
    assert len(stored.edits) == 2
    assert fakebot.calls_of("editMessageText")[2].response == {
        "ok": False,
        "error_code": 400,
        "description": NOT_MODIFIED,
    }
    # Telegram drops the inline keyboard when an edit does not repeat it
    await bot.edit_message_text("готово", chat_id=USER, message_id=sent.message_id)
    assert stored.reply_markup is None and "reply_markup" not in stored.payload
    await bot.edit_message_reply_markup(
        chat_id=USER, message_id=sent.message_id, reply_markup=keyboard("again")
    )
    assert stored.reply_markup == keyboard("again").model_dump(exclude_none=True)
    assert await bot.delete_message(USER, sent.message_id) is True
    assert fakebot.sent_messages(USER) == []


async def test_telegram_refusals_reach_the_bot(bot: Bot, fakebot: FakeTelegram) -> None:
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="Unsupported start tag"):
        await bot.send_message(USER, "uptime <pid>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=keyboard("x" * 65))
    html = await bot.send_message(USER, "<b>Диск</b> 1 &lt; 2", parse_mode="HTML")
    assert html.text == "Диск 1 < 2"

    fakebot.fail_next("sendMessage", "Forbidden: bot was blocked by the user", error_code=403)
    fakebot.fail_next(
        "sendMessage", "Too Many Requests: retry after 1", error_code=429, retry_after=1
    )
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(USER, "alert")
    with pytest.raises(TelegramRetryAfter) as retry:
        await bot.send_message(USER, "alert")
    assert retry.value.retry_after == 1
    assert (await bot.send_message(USER, "alert")).text == "alert"


async def test_callback_query_reaches_handler_and_answer_is_recorded(
    bot: Bot, fakebot: FakeTelegram
) -> None:
    dp = Dispatcher()
    pressed: list[tuple[str | None, int | None]] = []

    @dp.callback_query(F.data.startswith("approve:"))
    async def on_approve(callback: CallbackQuery) -> None:
        message = callback.message
        assert isinstance(message, Message)
        pressed.append((callback.data, message.message_id))
        await callback.answer("одобрено")
        await message.edit_text("Одобрено ✅")

    sent = await bot.send_message(USER, "Разрешить?", reply_markup=keyboard("approve:7"))
    async with running_dispatcher(dp, bot, fakebot):
        callback_id = fakebot.push_callback(
            USER, "approve:7", message_chat_id=USER, message_id=sent.message_id
        )
        await fakebot.wait_for("editMessageText")

    assert pressed == [("approve:7", sent.message_id)]
    assert fakebot.callback_answers[callback_id]["text"] == "одобрено"
    assert fakebot.message(USER, sent.message_id).text == "Одобрено ✅"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(callback_id)  # answered already


async def test_send_voice_and_document_arrive_with_their_bytes(
    bot: Bot, fakebot: FakeTelegram
) -> None:
    voice = await bot.send_voice(USER, BufferedInputFile(OGG, "reply.ogg"), duration=3)
    report = await bot.send_document(
        USER, BufferedInputFile(b"disk: 91%\n", "report.txt"), caption="отчёт"
    )

    [call] = fakebot.calls_of("sendVoice")
    assert call.files == {"voice": OGG}
    assert call.params["duration"] == 3
    assert voice.voice is not None and voice.voice.mime_type == "audio/ogg"
    assert voice.voice.file_size == len(OGG)
    assert report.document is not None and report.document.file_name == "report.txt"
    assert report.caption == "отчёт"
    assert fakebot.calls_of("sendDocument")[0].files["document"] == b"disk: 91%\n"
    # what the bot uploaded can be sent again by file_id
    again = await bot.send_voice(USER, voice.voice.file_id)
    assert again.voice is not None and again.voice.file_id == voice.voice.file_id


async def test_pushed_voice_can_be_downloaded_byte_identical(
    bot: Bot, fakebot: FakeTelegram
) -> None:
    dp = Dispatcher()
    downloaded: list[bytes] = []

    @dp.message(F.voice)
    async def on_voice(message: Message, bot: Bot) -> None:
        assert message.voice is not None
        data = await bot.download(message.voice.file_id)
        assert data is not None
        downloaded.append(data.read())
        await message.answer("принято")

    async with running_dispatcher(dp, bot, fakebot):
        fakebot.push_voice(USER, OGG, duration=2)
        await fakebot.wait_for("sendMessage")

    assert downloaded == [OGG]
    file = await bot.get_file(fakebot.add_file(b"%PDF", "a.pdf"))
    assert file.file_path is not None
    buffer = await bot.download_file(file.file_path)
    assert buffer is not None and buffer.read() == b"%PDF"


async def test_commands_are_stored_per_language(bot: Bot, fakebot: FakeTelegram) -> None:
    ru = [BotCommand(command="status", description="Состояние серверов")]
    en = [BotCommand(command="status", description="Server status")]
    await bot.set_my_commands(ru, language_code="ru")
    await bot.set_my_commands(en, scope=BotCommandScopeDefault(), language_code="en")

    assert fakebot.commands_for("ru") == [
        {"command": "status", "description": "Состояние серверов"}
    ]
    assert fakebot.commands_for("en") == [{"command": "status", "description": "Server status"}]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == [
        "Server status"
    ]
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Status", description="x")])
    await bot.delete_my_commands(language_code="ru")
    assert fakebot.commands_for("ru") is None


async def test_chat_action_and_get_chat(bot: Bot, fakebot: FakeTelegram) -> None:
    assert await bot.send_chat_action(USER, "typing") is True
    chat = await bot.get_chat(-1005)
    assert (chat.id, chat.type) == (-1005, "group")


async def test_long_poll_returns_promptly_when_an_update_is_pushed(
    bot: Bot, fakebot: FakeTelegram
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot(GetUpdates(timeout=20), request_timeout=30))
    await fakebot.wait_for("getUpdates")
    await asyncio.sleep(0.2)
    assert not poll.done()
    fakebot.push_text(USER, "ping")
    updates = await asyncio.wait_for(poll, 5)

    assert time.monotonic() - started < 3
    assert [u.message.text for u in updates if u.message] == ["ping"]
    # unconfirmed updates come again; offset confirms them; timeout=0 answers at once
    assert len(await bot.get_updates(timeout=0)) == 1
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == []


async def test_a_second_poller_terminates_the_first(bot: Bot, fakebot: FakeTelegram) -> None:
    first = asyncio.create_task(bot(GetUpdates(timeout=5), request_timeout=10))
    await fakebot.wait_for("getUpdates")
    second = asyncio.create_task(bot(GetUpdates(timeout=5), request_timeout=10))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 3)
    fakebot.push_text(USER, "x")
    assert len(await asyncio.wait_for(second, 3)) == 1


async def test_get_updates_offset_limit_allowed_updates_and_webhook(
    bot: Bot, fakebot: FakeTelegram
) -> None:
    for text in ("a", "b", "c"):
        fakebot.push_text(USER, text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["a", "b"]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["c"]

    sent = await bot.send_message(USER, "?", reply_markup=keyboard("y"))
    fakebot.push_callback(USER, "y", message_chat_id=USER, message_id=sent.message_id)
    fakebot.push_text(USER, "d")
    only_messages = await bot.get_updates(
        offset=rest[-1].update_id + 1, allowed_updates=["message"]
    )
    assert [u.message.text for u in only_messages if u.message] == ["d"]
    assert all(u.callback_query is None for u in only_messages)

    assert await bot.set_webhook("https://example.invalid/hook") is True
    assert (await bot.get_webhook_info()).url == "https://example.invalid/hook"
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []


async def test_wait_for_times_out_with_the_calls_seen(bot: Bot, fakebot: FakeTelegram) -> None:
    await bot.send_message(USER, "hello")
    since = fakebot.mark()
    with pytest.raises(AssertionError, match=r"no matching sendVoice call.*\n.*none"):
        await fakebot.wait_for("sendVoice", timeout=0.2, since=since)
    with pytest.raises(AssertionError, match="sendMessage"):
        await fakebot.wait_for("sendVoice", timeout=0.2)


async def test_unknown_method_is_not_found(fakebot: FakeTelegram) -> None:
    import aiohttp

    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{fakebot.base_url}/bot{fakebot.token}/sendPigeon", json={}) as resp,
    ):
        assert resp.status == 404
        assert await resp.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }
        async with http.get(
            f"{fakebot.base_url}/bot{fakebot.token}/sendMessage",
            params={"chat_id": "7", "text": "123"},
        ) as get:
            assert (await get.json())["result"]["text"] == "123"
    assert fakebot.calls_of("sendMessage")[0].params == {"chat_id": 7, "text": "123"}
