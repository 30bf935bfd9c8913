"""A fake Telegram Bot API server on 127.0.0.1 for tests; the real aiogram 3 client talks to it.

It runs on the test's event loop (aiohttp), on a random port, and answers like
api.telegram.org for the methods a bot uses: ``getMe``, webhooks, ``getUpdates`` (real long
polling), ``sendMessage``/``sendDocument``/``sendVoice``/``sendAudio``, edits, deletes,
``sendChatAction``, ``answerCallbackQuery``, ``set/get/deleteMyCommands``, ``getFile`` + file
download, ``getChat``. Parameters may come as a query string, JSON, urlencoded or multipart form
(uploaded bytes are kept). Telegram's refusals that a bot must survive are reproduced with
Telegram's own descriptions (aiogram raises ``TelegramBadRequest`` etc.): editing a missing
message (``message to edit not found``), an identical edit (``message is not modified: ...``),
text over 4096 characters (``message is too long``), empty text, malformed HTML with
``parse_mode=HTML`` (``can't parse entities: ...``), ``callback_data`` over 64 bytes
(``BUTTON_DATA_INVALID``), an unknown or twice-answered callback query, a bad command name in
``setMyCommands`` (``BOT_COMMAND_INVALID``), ``getUpdates`` while a webhook is set or while
another ``getUpdates`` is waiting (409). A wrong token gets 401, an unknown method 404.

Usage (``tests/telegram/conftest.py`` provides the ``fakebot`` and ``bot`` fixtures)::

    async with FakeTelegram() as server:           # or the ``fakebot`` fixture
        bot = make_bot(server)                     # aiogram Bot -> server.base_url
        async with running_dispatcher(dp, bot, server):
            server.push_text(42, "диск на проде")
            call = await server.wait_for("sendMessage", lambda c: c.params["chat_id"] == 42)
        await bot.session.close()

Server: ``FakeTelegram(*, bot_id=999000, bot_username="shturman_test_bot",
bot_name="Shturman Test", token=None)`` (token defaults to ``f"{bot_id}:TEST-..."``; aiogram
derives ``bot.id`` from it); ``await start()`` / ``await stop()`` or ``async with``;
``base_url`` (for ``TelegramAPIServer.from_base`` / ``SHTURMAN_TELEGRAM__API_URL``), ``token``,
``bot_user`` (the getMe dict).

What users do (each returns at once; a waiting ``getUpdates`` wakes immediately):

- ``push_text(user_id, text, *, chat_id=None, chat_type="private", username=None,
  first_name=None, language_code=None) -> update dict``. A new user is ``User<id>``,
  ``@user<id>``, language ``ru``; the keyword arguments change what the user's next updates
  carry. ``chat_id`` defaults to the user's private chat; for ``"group"``/``"supergroup"``
  pass a negative ``chat_id``. Text starting with ``/`` carries a ``bot_command`` entity, as
  Telegram clients send it.
- ``push_command(user_id, command, args="", **same) -> update`` — ``"/status"`` or ``"status"``.
- ``push_callback(user_id, data, *, message_chat_id, message_id) -> callback query id``; the
  query's ``message`` is the server's current state of that message (inaccessible if deleted).
- ``push_voice(user_id, ogg_bytes, duration, *, chat_id=None, chat_type="private") -> update``;
  the bytes become a downloadable file (``audio/ogg``).
- ``add_file(data, name, mime_type=None) -> file_id`` (downloadable via getFile).
- ``fail_next(method, description, *, error_code=400, retry_after=None)`` — the next call of
  ``method`` fails like that (e.g. 429 with ``retry_after``, 403 "Forbidden: bot was blocked by
  the user").

What the bot did:

- ``calls: list[Call]`` — every API call in arrival order. ``Call(index, method, params,
  files, at, response)``: ``params`` decoded (ints, bools and JSON objects such as
  ``reply_markup`` parsed; ``text``/``caption``/ids stay strings); ``files`` maps the parameter
  name (``"voice"``, ``"document"``…) to the uploaded bytes; ``at`` is ``time.monotonic()``;
  ``response`` the JSON body sent back (``{"ok": ..., "result"|"description": ...}``).
- ``calls_of(method) -> list[Call]``; ``mark() -> int`` (the index the next call will get);
  ``await wait_for(method, predicate=None, *, timeout=10.0, since=0) -> Call`` — the first
  matching call with ``index >= since``, waiting for it if needed; on timeout an
  ``AssertionError`` lists the calls seen.
- ``messages: dict[(chat_id, message_id), StoredMessage]`` — every message in every chat (users'
  and the bot's). ``StoredMessage``: ``text`` (as shown: HTML tags stripped; the caption for
  media), ``reply_markup`` (parsed dict or None), ``versions`` (original + each edit, as
  ``MessageVersion(text, reply_markup, at)``), ``edits`` (= ``versions[1:]``), ``kind``
  (``"text"|"document"|"voice"|"audio"``), ``from_bot``, ``deleted``, ``payload`` (the
  Message JSON). ``sent_messages(chat_id=None, *, include_deleted=False)`` — the bot's, in order;
  ``message(chat_id, message_id)``.
- ``callback_answers: dict[callback id, params]``, ``commands: dict[(scope_json,
  language_code), list[dict]]`` with ``commands_for(language_code="", scope=None)``,
  ``files: dict[file_id, StoredFile]``, ``webhook_url``, ``downloads`` (file paths fetched).

The server lives on the test's event loop: drive a bot process with ``asyncio`` subprocesses
(``SHTURMAN_TELEGRAM__API_URL=server.base_url``, ``SHTURMAN_TELEGRAM__TOKEN=server.token``), never
a blocking ``subprocess.run``. aiogram runs handlers as tasks that ``stop_polling`` does not await:
``wait_for`` the last call a handler makes before leaving ``running_dispatcher``.

``make_bot(server, token=None, **bot_kwargs) -> Bot`` (close ``bot.session`` yourself) and
``async with running_dispatcher(dp, bot, server, **polling_kwargs)`` (polls until the block
ends, entered once the first getUpdates arrived; stops cleanly, leaves the session open) are the
aiogram side; the ``bot`` fixture closes its session itself.

Semantics kept from Telegram: message ids count per chat (users' and the bot's share them);
``getUpdates`` confirms with ``offset`` (negative: keep the last N), remembers
``allowed_updates`` and drops updates of other types (aiogram asks only for the types it has
handlers for); ``editMessageText`` without ``reply_markup`` removes the inline keyboard. Sends to a
chat nobody wrote from are accepted (positive id: private chat, negative: group). Not modelled:
MarkdownV2 validation, entities of bot messages, photos/media groups, inline mode, rate limits
(use ``fail_next``).
"""

from __future__ import annotations

import asyncio
import html.parser
import itertools
import json
import mimetypes
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, Literal

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

Json = dict[str, Any]
MessageKind = Literal["text", "document", "voice", "audio"]

MAX_TEXT = 4096
MAX_CAPTION = 1024
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Form values are strings; these stay strings, every other one is JSON-decoded when it can be.
_STRING_PARAMS = _words(
    """text caption callback_query_id inline_message_id file_id url secret_token parse_mode action
    language_code title performer description short_description name emoji query file_name
    business_connection_id message_effect_id document voice audio photo video thumbnail sticker
    animation video_note"""
)
_HTML_TAGS = _words(
    "b strong i em u ins s strike del span tg-spoiler a code pre blockquote tg-emoji"
)
_DEFAULT_UPDATE_TYPES = frozenset({"message", "edited_message", "callback_query"})
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


class ApiError(Exception):
    """A refusal, sent back as ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after

    def body(self) -> Json:
        body: Json = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class Call:
    """One API call as it arrived; ``response`` is filled in once it was answered."""

    index: int
    method: str
    params: Json
    files: dict[str, bytes]
    at: float
    response: Json | None = None


@dataclass(frozen=True)
class MessageVersion:
    text: str | None
    reply_markup: Json | None
    at: float


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    kind: MessageKind
    from_bot: bool
    payload: Json
    versions: list[MessageVersion]
    deleted: bool = False

    @property
    def text(self) -> str | None:
        return self.versions[-1].text

    @property
    def reply_markup(self) -> Json | None:
        return self.versions[-1].reply_markup

    @property
    def edits(self) -> list[MessageVersion]:
        return self.versions[1:]


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    name: str
    mime_type: str


@dataclass
class _Request:
    params: Json
    files: dict[str, bytes]
    filenames: dict[str, str]


class FakeTelegram:
    """The fake Bot API server; see the module docstring for the whole helper API."""

    def __init__(
        self,
        *,
        bot_id: int = 999000,
        bot_username: str = "shturman_test_bot",
        bot_name: str = "Shturman Test",
        token: str | None = None,
    ) -> None:
        self.token = token or f"{bot_id}:TEST-fake-telegram-token"
        self.bot_user: Json = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[Json]] = {}
        self.callback_answers: dict[str, Json] = {}
        self.downloads: list[str] = []
        self.webhook_url = ""
        self._updates: list[Json] = []
        self._allowed_updates: frozenset[str] = _DEFAULT_UPDATE_TYPES
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._callbacks: dict[str, bool] = {}  # id -> answered
        self._users: dict[int, Json] = {}
        self._chats: dict[int, Json] = {}
        self._faults: dict[str, list[ApiError]] = {}
        self._ids = itertools.count(1)
        self._poll_generation = 0
        self._closing = False
        self._woken = asyncio.Event()  # replaced on every wake-up: waiters hold the old one
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self._methods: dict[str, Callable[[_Request], Awaitable[Any]]] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "sendDocument": self._send_document,
                "sendVoice": self._send_voice,
                "sendAudio": self._send_audio,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "sendChatAction": self._send_chat_action,
                "answerCallbackQuery": self._answer_callback_query,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "getFile": self._get_file,
                "getChat": self._get_chat,
            }.items()
        }

    # ---- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        self._closing = True
        self._wake()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ---- what users do -------------------------------------------------------------------

    def push_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        username: str | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> Json:
        user = self._user(user_id, username, first_name, language_code)
        content: Json = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16(command)}]
        message = self._store_message(
            self._chat(user_id, chat_id, chat_type), user, "text", content
        )
        return self._push("message", message)

    def push_command(self, user_id: int, command: str, args: str = "", **kwargs: Any) -> Json:
        text = "/" + command.removeprefix("/") + (f" {args}" if args else "")
        return self.push_text(user_id, text, **kwargs)

    def push_callback(
        self, user_id: int, data: str, *, message_chat_id: int, message_id: int
    ) -> str:
        stored = self.messages.get((message_chat_id, message_id))
        if stored is None:
            raise KeyError(
                f"no message {message_id} in chat {message_chat_id} to press a button on"
            )
        message = (
            {"chat": stored.payload["chat"], "message_id": message_id, "date": 0}
            if stored.deleted
            else stored.payload
        )
        callback_id = f"cbq-{next(self._ids)}"
        self._callbacks[callback_id] = False
        query = {
            "id": callback_id,
            "from": self._user(user_id),
            "message": message,
            "data": data,
            "chat_instance": f"ci{message_chat_id}",
        }
        self._push("callback_query", query)
        return callback_id

    def push_voice(
        self,
        user_id: int,
        ogg_bytes: bytes,
        duration: int,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
    ) -> Json:
        file = self._register_file(ogg_bytes, "voice.oga", "audio/ogg", folder="voice")
        voice = {**_file_fields(file), "duration": duration}
        chat = self._chat(user_id, chat_id, chat_type)
        message = self._store_message(chat, self._user(user_id), "voice", {"voice": voice})
        return self._push("message", message)

    def add_file(self, data: bytes, name: str, mime_type: str | None = None) -> str:
        mime = mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        return self._register_file(data, name, mime, folder="documents").file_id

    def fail_next(
        self,
        method: str,
        description: str,
        *,
        error_code: int = 400,
        retry_after: int | None = None,
    ) -> None:
        self._faults.setdefault(method.lower(), []).append(
            ApiError(error_code, description, retry_after)
        )

    # ---- what the bot did ----------------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def mark(self) -> int:
        return len(self.calls)

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        timeout: float = 10.0,
        since: int = 0,
    ) -> Call:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for call in self.calls[since:]:
                if call.method.lower() == method.lower() and (predicate is None or predicate(call)):
                    return call
            woken = self._woken
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = "\n".join(f"  #{c.index} {c.method} {c.params}" for c in self.calls[since:])
                raise AssertionError(
                    f"no matching {method} call within {timeout}s; calls seen:\n{seen or '  none'}"
                )
            with suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await woken.wait()

    def sent_messages(
        self, chat_id: int | None = None, *, include_deleted: bool = False
    ) -> list[StoredMessage]:
        return [
            m
            for m in self.messages.values()
            if m.from_bot
            and (chat_id is None or m.chat_id == chat_id)
            and (include_deleted or not m.deleted)
        ]

    def message(self, chat_id: int, message_id: int) -> StoredMessage:
        return self.messages[(chat_id, message_id)]

    def commands_for(self, language_code: str = "", scope: Json | None = None) -> list[Json] | None:
        return self.commands.get((_scope_key(scope), language_code))

    # ---- HTTP ----------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        handler = self._methods.get(request.match_info["method"].lower())
        if handler is None:
            not_found = ApiError(404, "Not Found: method not found")
            return web.json_response(not_found.body(), status=404)
        call = Call(len(self.calls), request.match_info["method"], {}, {}, time.monotonic())
        self.calls.append(call)
        try:
            parsed = await _read_request(request)
            call.params, call.files = parsed.params, parsed.files
            if faults := self._faults.get(call.method.lower()):
                raise faults.pop(0)
            body: Json = {"ok": True, "result": await handler(parsed)}
            status = 200
        except ApiError as error:
            body, status = error.body(), error.code
        call.response = body
        self._wake()
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        path = request.match_info["path"]
        for file in self.files.values():
            if file.file_path == path:
                self.downloads.append(path)
                return web.Response(body=file.data, content_type="application/octet-stream")
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    # ---- methods -------------------------------------------------------------------------

    async def _get_me(self, req: _Request) -> Json:
        return self.bot_user

    async def _get_updates(self, req: _Request) -> list[Json]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active;"
                " use deleteWebhook to delete the webhook first",
            )
        p = req.params
        if (allowed := p.get("allowed_updates")) is not None:
            self._allowed_updates = frozenset(allowed) or _DEFAULT_UPDATE_TYPES
        if offset := int(p.get("offset") or 0):
            keep = (
                self._updates[offset:]
                if offset < 0
                else [u for u in self._updates if u["update_id"] >= offset]
            )
            self._updates = keep
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older waiting getUpdates is terminated
        deadline = asyncio.get_running_loop().time() + float(p.get("timeout") or 0)
        while True:
            self._updates = [u for u in self._updates if _update_type(u) in self._allowed_updates]
            remaining = deadline - asyncio.get_running_loop().time()
            if self._updates or remaining <= 0 or self._closing:
                return self._updates[:limit]
            woken = self._woken
            with suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await woken.wait()
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure"
                    " that only one bot instance is running",
                )

    async def _set_webhook(self, req: _Request) -> bool:
        self.webhook_url = str(req.params.get("url") or "")
        return True

    async def _delete_webhook(self, req: _Request) -> bool:
        self.webhook_url = ""
        if req.params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, req: _Request) -> Json:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _send_message(self, req: _Request) -> Json:
        text = _render(req.params, "text", MAX_TEXT, "message text is empty", "message is too long")
        return self._send(req, "text", {"text": text})

    async def _send_document(self, req: _Request) -> Json:
        file = self._upload(req, "document", "application/octet-stream", "documents")
        document = {**_file_fields(file), "file_name": file.name, "mime_type": file.mime_type}
        return self._send(req, "document", {"document": document})

    async def _send_voice(self, req: _Request) -> Json:
        file = self._upload(req, "voice", "audio/ogg", "voice")
        voice = {
            **_file_fields(file),
            "duration": int(req.params.get("duration") or 1),
            "mime_type": file.mime_type,
        }
        return self._send(req, "voice", {"voice": voice})

    async def _send_audio(self, req: _Request) -> Json:
        file = self._upload(req, "audio", "audio/mpeg", "music")
        audio = {
            **_file_fields(file),
            "duration": int(req.params.get("duration") or 1),
            "file_name": file.name,
            "mime_type": file.mime_type,
        }
        return self._send(req, "audio", {"audio": audio})

    async def _edit_message_text(self, req: _Request) -> Json | bool:
        text = _render(req.params, "text", MAX_TEXT, "message text is empty", "message is too long")
        return self._edit(req, text)

    async def _edit_message_reply_markup(self, req: _Request) -> Json | bool:
        return self._edit(req, None)

    async def _delete_message(self, req: _Request) -> bool:
        stored = self._find_message(req.params, "Bad Request: message to delete not found")
        stored.deleted = True
        return True

    async def _send_chat_action(self, req: _Request) -> bool:
        self._target_chat(req.params)
        if not req.params.get("action"):
            raise ApiError(400, "Bad Request: action is empty")
        return True

    async def _answer_callback_query(self, req: _Request) -> bool:
        callback_id = str(req.params.get("callback_query_id") or "")
        if self._callbacks.get(callback_id, True):  # unknown or answered already
            raise ApiError(400, QUERY_INVALID)
        self._callbacks[callback_id] = True
        self.callback_answers[callback_id] = req.params
        return True

    async def _set_my_commands(self, req: _Request) -> bool:
        commands = req.params.get("commands") or []
        for command in commands:
            if not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: command description is empty or too long")
        self.commands[self._commands_key(req.params)] = list(commands)
        return True

    async def _get_my_commands(self, req: _Request) -> list[Json]:
        return self.commands.get(self._commands_key(req.params), [])

    async def _delete_my_commands(self, req: _Request) -> bool:
        self.commands.pop(self._commands_key(req.params), None)
        return True

    async def _get_file(self, req: _Request) -> Json:
        file = self.files.get(str(req.params.get("file_id") or ""))
        if file is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {**_file_fields(file), "file_path": file.file_path}

    async def _get_chat(self, req: _Request) -> Json:
        return {
            **self._target_chat(req.params),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(
                (
                    "unlimited_gifts",
                    "limited_gifts",
                    "unique_gifts",
                    "premium_subscription",
                    "gifts_from_channels",
                ),
                False,
            ),
        }

    # ---- state ---------------------------------------------------------------------------

    def _wake(self) -> None:
        self._woken.set()
        self._woken = asyncio.Event()

    def _push(self, kind: str, payload: Json) -> Json:
        update = {"update_id": next(self._update_ids), kind: payload}
        self._updates.append(update)
        self._wake()
        return update

    def _user(
        self,
        user_id: int,
        username: str | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> Json:
        user = self._users.setdefault(
            user_id,
            {
                "id": user_id,
                "is_bot": False,
                "first_name": f"User{user_id}",
                "username": f"user{user_id}",
                "language_code": "ru",
            },
        )
        for key, value in (
            ("username", username),
            ("first_name", first_name),
            ("language_code", language_code),
        ):
            if value is not None:
                user[key] = value
        return user

    def _chat(self, user_id: int, chat_id: int | None, chat_type: str) -> Json:
        if chat_type == "private":
            if chat_id not in (None, user_id):
                raise ValueError("a private chat's id is the user's id")
            return self._private_chat(user_id)
        if chat_type not in ("group", "supergroup") or chat_id is None or chat_id >= 0:
            raise ValueError("group chats need chat_type group|supergroup and a negative chat_id")
        return self._group_chat(chat_id, chat_type)

    def _private_chat(self, user_id: int) -> Json:
        user = self._user(user_id)
        return self._chats.setdefault(
            user_id,
            {
                "id": user_id,
                "type": "private",
                "first_name": user["first_name"],
                "username": user["username"],
            },
        )

    def _group_chat(self, chat_id: int, chat_type: str) -> Json:
        return self._chats.setdefault(
            chat_id, {"id": chat_id, "type": chat_type, "title": f"Group {chat_id}"}
        )

    def _target_chat(self, params: Json) -> Json:
        """The chat a bot's call names; one nobody wrote from yet is created (see docstring)."""
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat_id == 0:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id > 0:
            return self._private_chat(chat_id)
        return self._group_chat(chat_id, "supergroup" if chat_id < -(10**12) else "group")

    def _store_message(
        self,
        chat: Json,
        sender: Json,
        kind: MessageKind,
        content: Json,
        reply_markup: Json | None = None,
        reply_to: StoredMessage | None = None,
    ) -> Json:
        counter = self._message_ids.setdefault(chat["id"], itertools.count(1))
        payload: Json = {
            "message_id": next(counter),
            "date": int(time.time()),
            "chat": chat,
            "from": sender,
            **content,
        }
        if reply_to is not None:
            payload["reply_to_message"] = {
                k: v for k, v in reply_to.payload.items() if k != "reply_to_message"
            }
        if reply_markup and "inline_keyboard" in reply_markup:
            payload["reply_markup"] = reply_markup
        text = content.get("text", content.get("caption"))
        self.messages[(chat["id"], payload["message_id"])] = StoredMessage(
            chat["id"],
            payload["message_id"],
            kind,
            sender.get("is_bot", False),
            payload,
            [MessageVersion(text, reply_markup, time.monotonic())],
        )
        return payload

    def _send(self, req: _Request, kind: MessageKind, content: Json) -> Json:
        p = req.params
        chat = self._target_chat(p)
        markup = _check_markup(p.get("reply_markup"))
        if kind != "text" and (
            caption := _render(p, "caption", MAX_CAPTION, "", "message caption is too long")
        ):
            content["caption"] = caption
        reply_id = p.get("reply_to_message_id") or (p.get("reply_parameters") or {}).get(
            "message_id"
        )
        reply_to = self.messages.get((chat["id"], reply_id)) if reply_id else None
        return self._store_message(chat, self.bot_user, kind, content, markup, reply_to)

    def _find_message(self, params: Json, not_found: str) -> StoredMessage:
        chat_id, message_id = params.get("chat_id"), params.get("message_id")
        stored = None
        if isinstance(chat_id, int) and isinstance(message_id, int):
            stored = self.messages.get((chat_id, message_id))
        if stored is None or stored.deleted:
            raise ApiError(400, not_found)
        return stored

    def _edit(self, req: _Request, text: str | None) -> Json | bool:
        p = req.params
        markup = _check_markup(p.get("reply_markup"))
        if p.get("inline_message_id"):
            return True
        stored = self._find_message(p, "Bad Request: message to edit not found")
        if not stored.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        if text is not None and stored.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        new_text = stored.text if text is None else text
        if new_text == stored.text and markup == stored.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        stored.versions.append(MessageVersion(new_text, markup, time.monotonic()))
        stored.payload = {k: v for k, v in stored.payload.items() if k != "reply_markup"}
        if markup:
            stored.payload["reply_markup"] = markup
        if text is not None:
            stored.payload["text"] = text
        stored.payload["edit_date"] = int(time.time())
        return stored.payload

    def _register_file(self, data: bytes, name: str, mime_type: str, *, folder: str) -> StoredFile:
        n = next(self._ids)
        suffix = name.rpartition(".")[2] if "." in name else "bin"
        file = StoredFile(
            f"FAKE-file-{n}", f"uniq{n}", f"{folder}/file_{n}.{suffix}", data, name, mime_type
        )
        self.files[file.file_id] = file
        return file

    def _upload(self, req: _Request, field_name: str, mime: str, folder: str) -> StoredFile:
        if field_name in req.files:
            name = req.filenames.get(field_name) or field_name
            if field_name == "document":
                mime = mimetypes.guess_type(name)[0] or mime
            return self._register_file(req.files[field_name], name, mime, folder=folder)
        ref = req.params.get(field_name)
        if isinstance(ref, str) and ref in self.files:
            return self.files[ref]
        if isinstance(ref, str) and ref.startswith(("http://", "https://")):
            return self._register_file(
                b"", ref.rsplit("/", 1)[-1] or field_name, mime, folder=folder
            )
        raise ApiError(
            400,
            f"Bad Request: there is no {field_name} in the request"
            if ref is None
            else "Bad Request: wrong file identifier/HTTP URL specified",
        )

    def _commands_key(self, params: Json) -> tuple[str, str]:
        return _scope_key(params.get("scope")), str(params.get("language_code") or "")


# ---- parsing and checks ------------------------------------------------------------------


async def _read_request(request: web.Request) -> _Request:
    raw: dict[str, str] = dict(request.query)
    typed: Json = {}
    files: dict[str, bytes] = {}
    filenames: dict[str, str] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: invalid JSON body")
            typed = body
        else:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key], filenames[key] = value.file.read(), value.filename
                else:
                    raw[key] = str(value)
    params = {key: _decode(key, value) for key, value in raw.items()} | typed
    for key, value in list(params.items()):  # aiogram sends uploads as "attach://<part name>"
        if isinstance(value, str) and value.startswith("attach://"):
            part = value.removeprefix("attach://")
            if part in files:
                files[key], filenames[key] = files.pop(part), filenames.pop(part)
    return _Request(params, files, filenames)


def _decode(key: str, value: str) -> Any:
    if key in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _render(params: Json, key: str, limit: int, empty: str, too_long: str) -> str:
    """The text as Telegram shows it (HTML parsed when asked), checked like Telegram does."""
    text = str(params.get(key) or "")
    if str(params.get("parse_mode") or "").lower() == "html":
        text = _HtmlText.render(text)
    if empty and not text.strip():
        raise ApiError(400, f"Bad Request: {empty}")
    if len(text) > limit:
        raise ApiError(400, f"Bad Request: {too_long}")
    return text


class _HtmlText(html.parser.HTMLParser):
    """Telegram's HTML subset: only its tags, properly nested; the result is the plain text."""

    @classmethod
    def render(cls, source: str) -> str:
        parser = cls()
        parser.feed(source)
        parser.close()
        if parser.open_tags:
            raise _entities_error(
                f'Can\'t find end tag corresponding to start tag "{parser.open_tags[-1]}"'
            )
        return "".join(parser.parts)

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open_tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise _entities_error(f'Unsupported start tag "{tag}"')
        self.open_tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            raise _entities_error(f'Unexpected end tag "{tag}"')
        self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _entities_error(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")


def _check_markup(markup: Any) -> Json | None:
    if not markup:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    if markup.get("inline_keyboard") == []:
        return None
    return markup


def _update_type(update: Json) -> str:
    return next(key for key in update if key != "update_id")


def _scope_key(scope: Any) -> str:
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


def _file_fields(file: StoredFile) -> Json:
    return {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": len(file.data),
    }


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# ---- the aiogram side --------------------------------------------------------------------


def make_bot(server: FakeTelegram, token: str | None = None, **kwargs: Any) -> Bot:
    """An aiogram ``Bot`` talking to ``server``; the caller closes ``bot.session``."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    return Bot(token or server.token, session=session, **kwargs)


@asynccontextmanager
async def running_dispatcher(
    dp: Dispatcher, bot: Bot, server: FakeTelegram, **polling: Any
) -> AsyncIterator[asyncio.Task[None]]:
    """Poll ``server`` with ``dp`` inside the block (live once its first getUpdates arrived);
    stops the polling cleanly on exit. The bot's session stays open (the caller closes it)."""
    since = server.mark()
    task = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False, **polling)
    )
    first_poll = asyncio.create_task(server.wait_for("getUpdates", since=since))
    try:
        await asyncio.wait({task, first_poll}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            await task  # polling died at start-up: raise its error
            raise AssertionError("the dispatcher stopped before its first getUpdates")
        await first_poll  # raises if no getUpdates arrived in time
        yield task
    finally:
        if not first_poll.done():
            first_poll.cancel()
            with suppress(asyncio.CancelledError):
                await first_poll
        if not task.done():
            try:
                await dp.stop_polling()
            except RuntimeError:  # "Polling is not started": it never got that far
                task.cancel()
        with suppress(asyncio.CancelledError):
            await task
