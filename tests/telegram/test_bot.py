"""The Telegram bot end to end: the real aiogram client against the fake Bot API server, the
real store (SQLite), the real jobs, approvals and events services from the container, runs on
the `local` server through the job workers."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shturman.domain.errors import ConfigError
from shturman.domain.jobs import Job
from shturman.interfaces.telegram.commands import COMMANDS
from tests.telegram.fakebot import FakeTelegram
from tests.telegram.world import ALICE, STRANGER, VIKTOR, World, settings_for, texts, until


async def test_commands_are_registered_in_russian_and_english(world: World) -> None:
    await world.start_bot()
    ru, en, default = (world.fake.commands_for(lang) for lang in ("ru", "en", ""))
    assert ru and en and default
    assert [c["command"] for c in ru] == [c["command"] for c in en] == list(COMMANDS)
    assert ru != en and default == ru  # Russian is the default language
    assert any("логи" in c["description"] for c in ru)
    assert any("logs" in c["description"] for c in en)


async def test_a_stranger_gets_nothing_and_is_audited(world: World) -> None:
    await world.start_bot()
    since = world.fake.mark()
    world.fake.push_command(STRANGER, "start")
    own = world.fake.push_text(STRANGER, "покажи место на диске")["message"]
    press = world.fake.push_callback(STRANGER, "ap:deadbeef0000:000000000000:1",
                                     message_chat_id=own["chat"]["id"],
                                     message_id=own["message_id"])

    async def audited() -> bool:
        return len(await world.audit("telegram_refused")) >= 3

    await until(audited)
    await asyncio.sleep(0.3)  # anything the bot would still send has had time to go out
    assert world.sends(since) == []
    assert world.fake.calls_of("answerCallbackQuery") == []
    assert press not in world.fake.callback_answers
    assert await world.jobs() == []
    refused = await world.audit("telegram_refused")
    assert {r.actor for r in refused} == {f"telegram:{STRANGER}"}
    assert {r.detail.split(" ", 1)[0] for r in refused} == {"message", "callback_query"}


async def test_no_linked_users_means_the_bot_refuses_to_start(fakebot: FakeTelegram,
                                                              home: Path) -> None:
    from shturman.app import container

    async with container(settings_for(home, fakebot)) as c:
        await c.users.add("alice", "operator")  # no Telegram id
        bot = await c.telegram_bot()
        with pytest.raises(ConfigError) as refused:
            await bot.start()
    message = str(refused.value)
    assert "--telegram-id" in message and "не запущен" in message and "did not start" in message
    assert fakebot.token not in message
    assert fakebot.calls_of("getUpdates") == []


async def test_text_starts_a_run_whose_one_message_is_edited_through_it(world: World) -> None:
    await world.start_workers()
    await world.start_bot()
    since = world.fake.mark()
    world.fake.push_text(ALICE, "покажи место на диске")
    await world.fake.wait_for("editMessageText", lambda c: "Готово" in c.params["text"],
                              timeout=60, since=since)
    sent = world.sends(since, ALICE)
    assert [c.method for c in sent] == ["sendMessage"]  # ONE message, no flood
    message_id = int(sent[0].response["result"]["message_id"])  # type: ignore[index]
    stored = world.fake.message(ALICE, message_id)
    assert len(stored.edits) >= 1
    final = stored.text or ""
    assert "df" in final and "✓" in final
    edits = [c for c in world.fake.calls_of("editMessageText") if c.index >= since]
    assert all(str(c.params["message_id"]) == str(message_id) for c in edits)
    assert all(b.at - a.at >= 0.15 for a, b in itertools.pairwise(edits))  # spaced out
    (job,) = await world.jobs()
    assert job.actor == "telegram:alice" and job.run_id
    record, _ = await world.c.runs.replay(job.run_id)
    assert record.status == "succeeded" and record.mode == "interactive"


async def test_an_approval_button_approves_exactly_one_command(world: World,
                                                                tmp_path: Path) -> None:
    marker = tmp_path / "approved-marker"
    await world.start_workers()
    await world.start_bot()
    since = world.fake.mark()
    world.fake.push_text(ALICE, f"выполни `touch {marker}` на local")
    card_call = await world.fake.wait_for(
        "sendMessage", lambda c: bool(c.params.get("reply_markup")), timeout=60, since=since)
    assert str(marker) in card_call.params["text"] and "local" in card_call.params["text"]
    card_id = int(card_call.response["result"]["message_id"])  # type: ignore[index]
    yes, no = card_call.params["reply_markup"]["inline_keyboard"][0]
    assert len(yes["callback_data"].encode()) <= 64 and yes["callback_data"].startswith("ap:")
    assert no["callback_data"] == yes["callback_data"][:-1] + "0"  # the same request, deny
    assert not marker.exists()

    # a viewer's press: refused (and audited), nothing runs
    viewer = world.fake.push_callback(VIKTOR, yes["callback_data"], message_chat_id=ALICE,
                                      message_id=card_id)
    await world.fake.wait_for("answerCallbackQuery",
                              lambda c: c.params["callback_query_id"] == viewer)
    assert "viewer" in world.fake.callback_answers[viewer]["text"]
    # a stranger's press: no answer at all
    stranger = world.fake.push_callback(STRANGER, yes["callback_data"], message_chat_id=ALICE,
                                        message_id=card_id)

    async def stranger_audited() -> bool:
        return bool(await world.audit("telegram_refused"))

    await until(stranger_audited)
    assert stranger not in world.fake.callback_answers
    assert not marker.exists()
    (pending,) = await world.c.approvals.pending()  # still waiting for a real answer

    # the operator's press: approved, the command runs once
    first = world.fake.push_callback(ALICE, yes["callback_data"], message_chat_id=ALICE,
                                     message_id=card_id)
    await world.fake.wait_for("answerCallbackQuery",
                              lambda c: c.params["callback_query_id"] == first)
    (job,) = await world.jobs()

    async def finished() -> bool:
        return (await world.c.jobs.show(job.id)).job.status.final

    await until(finished, timeout=60)
    assert marker.exists()
    card = world.fake.message(ALICE, card_id)
    assert card.reply_markup is None and "alice" in (card.text or "")  # who, buttons gone

    # the same press again: an honest answer, nothing more
    replay = world.fake.push_callback(ALICE, yes["callback_data"], message_chat_id=ALICE,
                                      message_id=card_id)
    await world.fake.wait_for("answerCallbackQuery",
                              lambda c: c.params["callback_query_id"] == replay)
    assert "Уже решено" in world.fake.callback_answers[replay]["text"]
    _, events = await world.c.runs.replay((await world.c.jobs.show(job.id)).job.run_id)
    started = [e for e in events if e.type == "command_started"]
    assert [e.data["command"] for e in started] == [f"touch {marker}"]
    refusals = [a for a in await world.audit("approval") if a.outcome == "refused"]
    assert {a.actor for a in refusals} == {"telegram:viktor", "telegram:alice"}
    assert pending.id in {a.detail.split(":")[0].removeprefix("approval ") for a in refusals}


async def test_a_viewers_run_is_read_only(world: World, tmp_path: Path) -> None:
    marker = tmp_path / "viewer-marker"
    await world.start_workers()
    await world.start_bot()
    since = world.fake.mark()
    world.fake.push_text(VIKTOR, f"выполни `touch {marker}` на local")
    (job,) = [j async for j in _first_job(world)]

    async def finished() -> bool:
        return (await world.c.jobs.show(job.id)).job.status.final

    await until(finished, timeout=60)
    assert not marker.exists()
    record, _ = await world.c.runs.replay((await world.c.jobs.show(job.id)).job.run_id)
    assert record.mode == "readonly"
    assert not [c for c in world.sends(since, VIKTOR) if c.params.get("reply_markup")]


async def _first_job(world: World) -> AsyncIterator[Job]:
    async def submitted() -> bool:
        return bool(await world.jobs())

    await until(submitted)
    for job in await world.jobs():
        yield job


@pytest.mark.parametrize("telegram_options", [{"rate_limit_per_minute": 10}])
async def test_the_eleventh_message_in_a_minute_gets_one_notice_and_no_run(
        world: World) -> None:
    await world.start_bot()
    since = world.fake.mark()
    for _ in range(10):
        world.fake.push_command(ALICE, "help")
    await until(lambda: _count(world, since, 10))
    world.fake.push_text(ALICE, "покажи место на диске")  # the 11th
    world.fake.push_text(ALICE, "покажи место на диске")  # and a 12th: no second notice
    await until(lambda: _count(world, since, 11))
    await asyncio.sleep(0.5)
    replies = texts(world.sends(since, ALICE))
    notices = [r for r in replies if "Слишком много" in r]
    assert len(replies) == 11 and len(notices) == 1
    assert await world.jobs() == []


async def _count(world: World, since: int, n: int) -> bool:
    return len(world.sends(since, ALICE)) >= n


async def test_group_chats_are_ignored_by_default(world: World) -> None:
    await world.start_bot()
    since = world.fake.mark()
    world.fake.push_text(ALICE, "покажи место на диске", chat_id=-100500, chat_type="group")
    world.fake.push_command(ALICE, "status", chat_id=-100500, chat_type="group")
    world.fake.push_command(ALICE, "help")  # a private one, to know the group ones were seen
    await world.fake.wait_for("sendMessage", lambda c: str(c.params["chat_id"]) == str(ALICE),
                              since=since)
    await asyncio.sleep(0.3)
    assert world.sends(since, -100500) == []
    assert await world.jobs() == []


@pytest.mark.parametrize("telegram_options", [{"allow_groups": True}])
async def test_allowed_groups_hear_only_linked_users(world: World) -> None:
    await world.start_bot()
    since = world.fake.mark()
    world.fake.push_command(STRANGER, "status", chat_id=-100500, chat_type="group")
    world.fake.push_command(ALICE, "status", chat_id=-100500, chat_type="group")
    await world.fake.wait_for("sendMessage", since=since)
    await asyncio.sleep(0.3)
    (answer,) = world.sends(since, -100500)
    assert "Штурман" in answer.params["text"]
    assert await world.audit("telegram_refused")


async def test_lang_en_switches_the_next_reply(world: World) -> None:
    await world.start_bot()
    since = world.fake.mark()
    world.fake.push_command(ALICE, "lang", "en")
    await world.fake.wait_for("sendMessage", since=since)
    world.fake.push_command(ALICE, "status")
    await until(lambda: _count(world, since, 2))
    switched, status = texts(world.sends(since, ALICE))
    assert switched == "I will answer in English now."
    assert "Queue:" in status and "Model configured: no" in status
    assert (await world.c.users.get("alice")).language == "en"
    world.fake.push_command(ALICE, "voice", "on")
    await until(lambda: _count(world, since, 3))
    assert (await world.c.users.get("alice")).settings["voice"] is True


async def test_cancel_stops_the_users_current_job(world: World) -> None:
    await world.start_bot()  # no workers: the job stays queued
    since = world.fake.mark()
    world.fake.push_text(ALICE, "покажи место на диске")
    (job,) = [j async for j in _first_job(world)]
    world.fake.push_command(VIKTOR, "cancel")  # not theirs: nothing to cancel
    world.fake.push_command(ALICE, "cancel")
    await world.fake.wait_for("sendMessage", lambda c: str(c.params["chat_id"]) == str(ALICE)
                              and str(job.id) in c.params["text"]
                              and "отменено" in c.params["text"], since=since)
    assert (await world.c.jobs.show(job.id)).job.status.value == "cancelled"
    # updates from different users are handled concurrently: Viktor's answer may come last
    await world.fake.wait_for("sendMessage", lambda c: str(c.params["chat_id"]) == str(VIKTOR),
                              since=since)
    (viktor,) = texts(world.sends(since, VIKTOR))
    assert "Нечего отменять" in viktor


async def test_alerts_reach_linked_users_once_with_buttons_by_role(world: World) -> None:
    from shturman.domain.notifications import NotificationAction, NotificationKind

    await world.c.notifications.notify(
        NotificationKind.ALERT, None, "Диск заполнен на local", "/ занят на 97%",
        NotificationAction.DELEGATE, {"text": "покажи место на диске"})
    await world.start_bot()
    alice = await world.fake.wait_for("sendMessage", lambda c: str(c.params["chat_id"]) ==
                                      str(ALICE) and "Диск заполнен" in c.params["text"])
    viktor = await world.fake.wait_for("sendMessage", lambda c: str(c.params["chat_id"]) ==
                                       str(VIKTOR) and "Диск заполнен" in c.params["text"])
    alice_buttons = [b["callback_data"] for row in
                     alice.params["reply_markup"]["inline_keyboard"] for b in row]
    viktor_buttons = [b["callback_data"] for row in
                      viktor.params["reply_markup"]["inline_keyboard"] for b in row]
    assert any(b.endswith(":run") for b in alice_buttons)
    assert not any(b.endswith(":run") for b in viktor_buttons)  # a viewer: no action buttons
    await asyncio.sleep(0.6)  # a few more delivery rounds
    await world.stop_bot()
    await world.start_bot()  # a restart does not send it again
    await asyncio.sleep(0.6)
    delivered = [c for c in world.fake.calls_of("sendMessage") if "Диск заполнен" in
                 c.params["text"]]
    assert len(delivered) == 2

    # acting on it: the operator's "run it" starts the suggested task
    since = world.fake.mark()
    run_button = next(b for b in alice_buttons if b.endswith(":run"))
    world.fake.push_callback(ALICE, run_button, message_chat_id=ALICE,
                             message_id=int(alice.response["result"]["message_id"]))  # type: ignore[index]
    await world.fake.wait_for("sendMessage", lambda c: "покажи место" in c.params["text"],
                              since=since)
    (job,) = await world.jobs()
    assert job.payload["text"] == "покажи место на диске" and job.actor == "telegram:alice"


async def test_approval_requests_from_other_channels_reach_operators_only(
        world: World, tmp_path: Path) -> None:
    """A run started elsewhere (here: a CLI job) waits for approval: the operator gets a
    card with buttons through the notifications; the viewer gets none."""
    from shturman.domain.models import Actor

    marker = tmp_path / "cli-marker"
    await world.start_workers()
    await world.start_bot()
    job = await world.c.jobs.submit_run(f"выполни `touch {marker}` на local",
                                        Actor("cli", "root"), server="local")
    card = await world.fake.wait_for("sendMessage", lambda c: bool(c.params.get("reply_markup"))
                                     and str(marker) in c.params["text"], timeout=60)
    assert str(card.params["chat_id"]) == str(ALICE)
    yes = card.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    world.fake.push_callback(ALICE, yes, message_chat_id=ALICE,
                             message_id=int(card.response["result"]["message_id"]))  # type: ignore[index]

    async def finished() -> bool:
        return (await world.c.jobs.show(job.id)).job.status.final

    await until(finished, timeout=60)
    assert marker.exists()
    assert not [c for c in world.sends(0, VIKTOR) if str(marker) in c.params.get("text", "")]


async def test_a_long_output_goes_as_a_file_and_the_message_stays_within_the_limit(
        world: World) -> None:
    await world.start_workers()
    await world.start_bot()
    since = world.fake.mark()
    world.fake.push_text(ALICE, "выполни `seq 1 3000` на local")
    document = await world.fake.wait_for("sendDocument", timeout=60, since=since)
    body = document.files["document"].decode()
    assert "1\n2\n3\n" in body and "2999\n3000" in body
    (progress,) = [c for c in world.sends(since, ALICE) if c.method == "sendMessage"]
    stored = world.fake.message(ALICE, int(progress.response["result"]["message_id"]))  # type: ignore[index]
    assert all(len(v.text or "") <= 4096 for v in stored.versions)
    assert "3000" in (stored.text or "")  # the tail of the output is shown


def test_the_progress_view_keeps_head_and_tail_within_telegrams_limit() -> None:
    from datetime import UTC, datetime

    from shturman.domain.runs import RunEvent
    from shturman.interfaces.telegram.render import LIMIT, ProgressView

    view = ProgressView("ru", "▶")
    at = datetime.now(UTC)
    view.add(RunEvent("r", 0, at, "run_started", {"text": "много команд", "mode": "interactive",
                                                  "servers": ["local"]}))
    for i in range(300):
        view.add(RunEvent("r", i + 1, at, "command_finished", {
            "server": "local", "command": f"echo <{i}>", "decision": "allow", "outcome": "ok",
            "exit_code": 0, "stdout": f"line {i} & more\n" * 5}))
    view.add(RunEvent("r", 301, at, "run_finished", {"status": "succeeded", "report": "итог"}))
    text = view.text()
    assert len(text) <= LIMIT
    assert text.startswith("▶ <b>много команд</b>")  # the head
    assert "echo &lt;299&gt;" in text and "echo &lt;0&gt;" not in text and "…" in text
    assert text.endswith("итог") and "Готово" in text


SHTURMAN = str(Path(__import__("sys").executable).parent / "shturman")


async def _cli(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        SHTURMAN, *args, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)


def _env(home: Path, fake: FakeTelegram) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    env.update(SHTURMAN_HOME=str(home), SHTURMAN_TELEGRAM__TOKEN=fake.token,
               SHTURMAN_TELEGRAM__API_URL=fake.base_url,
               SHTURMAN_TELEGRAM__POLLING_TIMEOUT="1")
    return env


@pytest.mark.parametrize("command", [("bot",), ("serve",)])
async def test_the_bot_process_refuses_without_users_serves_stops_on_sigterm_and_hides_the_token(
        fakebot: FakeTelegram, home: Path, command: tuple[str, ...]) -> None:
    import signal

    env = _env(home, fakebot)
    out = err = b""
    if command == ("bot",):
        refused = await _cli(env, *command)
        out, err = await asyncio.wait_for(refused.communicate(), 60)
        assert refused.returncode == 3, err.decode()
        assert "--telegram-id" in err.decode() and "did not start" in err.decode()

    added = await _cli(env, "user", "add", "alice", "--role", "operator", "--telegram-id",
                       str(ALICE))
    assert await asyncio.wait_for(added.wait(), 60) == 0
    since = fakebot.mark()
    proc = await _cli(env, *command)
    try:
        await fakebot.wait_for("getUpdates", since=since, timeout=60)
        fakebot.push_command(ALICE, "status")
        answer = await fakebot.wait_for("sendMessage", since=since, timeout=30)
        assert "Штурман" in answer.params["text"]
        proc.send_signal(signal.SIGTERM)
        out2, err2 = await asyncio.wait_for(proc.communicate(), 40)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err2.decode()
    log = (home / "logs" / "shturman.log").read_text()
    assert "telegram.started" in log and str(fakebot.bot_user["id"]) in log
    for text in (out.decode(), err.decode(), out2.decode(), err2.decode(), log):
        assert fakebot.token not in text
        assert fakebot.token.split(":", 1)[1] not in text


async def test_a_token_telegram_rejects_stops_the_start_without_showing_it(
        fakebot: FakeTelegram, home: Path) -> None:
    from shturman.app import container

    wrong = "999000:WRONG-token-value-0123456789"
    async with container(settings_for(home, fakebot, token=wrong)) as c:
        await c.users.add("alice", "operator", telegram_id=ALICE)
        bot = await c.telegram_bot()
        with pytest.raises(ConfigError) as refused:
            await bot.start()
    assert "rejected" in str(refused.value) and "WRONG" not in str(refused.value)


async def test_routine_commands_are_runs_and_the_rest_answer_from_services(world: World) -> None:
    await world.start_bot()  # no workers: what is submitted stays queued
    since = world.fake.mark()
    world.fake.push_command(ALICE, "health", "local")
    world.fake.push_command(ALICE, "logs")  # no service: usage, no run
    world.fake.push_command(ALICE, "logs", "cron local")
    await until(lambda: _jobs_count(world, 2))
    payloads = sorted((j.payload["text"], j.payload["server"]) for j in await world.jobs())
    assert payloads == [("покажи логи cron", "local"), ("проверь здоровье", "local")]
    for command in ("servers", "history", "approvals", "start", "frobnicate"):
        world.fake.push_command(ALICE, command)
    world.fake.push_command(ALICE, "health", "nosuchserver")
    await until(lambda: _count(world, since, 9))
    assert len(await world.jobs()) == 2  # the unknown server: refused before anything queued
    replies = "\n".join(texts(world.sends(since, ALICE)))
    assert "Укажите сервис" in replies and "local" in replies
    assert "Нет запросов, ждущих одобрения" in replies and "Не знаю такой команды" in replies
    assert "alice" in replies and "/voice" in replies
    assert "Неизвестный сервер «nosuchserver»" in replies


async def _jobs_count(world: World, n: int) -> bool:
    return len(await world.jobs()) >= n


WEBHOOK_PORT = __import__("tests.postgres", fromlist=["_free_port"])._free_port()


@pytest.mark.parametrize("telegram_options", [{
    "webhook_url": "https://bot.example.invalid/tg/hook",
    "webhook_listen": f"127.0.0.1:{WEBHOOK_PORT}"}])
async def test_webhook_mode_takes_only_updates_carrying_its_secret(world: World) -> None:
    import aiohttp

    await world.start_bot(serving="setWebhook")
    (hook,) = world.fake.calls_of("setWebhook")
    assert world.fake.webhook_url == "https://bot.example.invalid/tg/hook"
    secret = str(hook.params["secret_token"])
    assert len(secret) >= 32
    update = {"update_id": 1, "message": {
        "message_id": 1, "date": 0, "text": "/status",
        "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
        "chat": {"id": ALICE, "type": "private"},
        "from": {"id": ALICE, "is_bot": False, "first_name": "Alice"}}}
    url = f"http://127.0.0.1:{WEBHOOK_PORT}/tg/hook"
    since = world.fake.mark()
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=update) as forged:
            assert forged.status == 401
        async with http.post(url, json=update,
                             headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as real:
            assert real.status == 200
    answer = await world.fake.wait_for("sendMessage", since=since)
    assert "Штурман" in answer.params["text"] and len(world.sends(since)) == 1
    await world.stop_bot()
    assert world.fake.webhook_url in ("", None)


async def test_a_failing_handler_answers_one_sentence_and_the_bot_goes_on(world: World) -> None:
    await world.start_bot()
    since = world.fake.mark()
    world.fake.fail_next("sendMessage", "Bad Request: chat not found")
    world.fake.push_command(ALICE, "status")
    await world.fake.wait_for("sendMessage", lambda c: "пошло не так" in c.params["text"],
                              since=since)
    world.fake.push_command(ALICE, "help")
    await world.fake.wait_for("sendMessage", lambda c: "/voice" in c.params["text"],
                              since=since)


async def test_stopping_the_bot_leaves_the_run_going_and_says_so(world: World) -> None:
    await world.start_bot()  # no workers: the job waits in the queue
    since = world.fake.mark()
    world.fake.push_text(ALICE, "покажи место на диске")
    await world.fake.wait_for("sendMessage", since=since)
    (job,) = [j async for j in _first_job(world)]
    await world.stop_bot()
    (progress,) = world.fake.sent_messages(ALICE)
    assert "Бот остановлен" in (progress.text or "")
    assert (await world.c.jobs.show(job.id)).job.status.value == "queued"  # not cancelled


@pytest.mark.parametrize("agent_options", [{"approval_timeout": 1.0}])
async def test_a_press_after_the_timeout_changes_nothing(world: World, tmp_path: Path) -> None:
    marker = tmp_path / "late-marker"
    await world.start_workers()
    await world.start_bot()
    since = world.fake.mark()
    world.fake.push_text(ALICE, f"выполни `touch {marker}` на local")
    card_call = await world.fake.wait_for(
        "sendMessage", lambda c: bool(c.params.get("reply_markup")), timeout=60, since=since)
    card_id = int(card_call.response["result"]["message_id"])  # type: ignore[index]
    yes = card_call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await world.fake.wait_for("editMessageText", lambda c: str(c.params["message_id"]) ==
                              str(card_id), timeout=30, since=since)  # the timeout settles it
    card = world.fake.message(ALICE, card_id)
    assert card.reply_markup is None and "Нет ответа вовремя" in (card.text or "")
    late = world.fake.push_callback(ALICE, yes, message_chat_id=ALICE, message_id=card_id)
    await world.fake.wait_for("answerCallbackQuery",
                              lambda c: c.params["callback_query_id"] == late)
    assert "истекло" in world.fake.callback_answers[late]["text"]
    (job,) = await world.jobs()

    async def finished() -> bool:
        return (await world.c.jobs.show(job.id)).job.status.final

    await until(finished, timeout=60)
    assert not marker.exists()


async def test_a_slow_run_shows_its_steps_in_the_same_message_as_they_happen(
        world: World) -> None:
    await world.start_workers()
    await world.start_bot()
    since = world.fake.mark()
    world.fake.push_text(ALICE, "выполни `sleep 1.5; echo stage-two` на local")
    await world.fake.wait_for("editMessageText", lambda c: "stage-two" in c.params["text"]
                              and "Готово" in c.params["text"], timeout=60, since=since)
    (sent,) = world.sends(since, ALICE)
    stored = world.fake.message(ALICE, int(sent.response["result"]["message_id"]))  # type: ignore[index]
    shown = [v.text or "" for v in stored.versions]
    assert len(shown) >= 3  # queued → the command running → the result
    assert any("⏳ local: sleep 1.5" in text and "Готово" not in text for text in shown)
    assert [c.method for c in world.sends(since, ALICE)] == ["sendMessage"]
