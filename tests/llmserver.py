"""A scripted OpenAI-compatible HTTP server on 127.0.0.1, run in-process in a background thread.

It speaks just enough of the Chat Completions API for the real ``openai`` SDK (and so
pydantic-ai's ``OpenAIChatModel``): ``POST /v1/chat/completions`` (non-streaming) and
``GET /v1/models``. Each completion request takes the next item of the script:

- :class:`Reply` — an assistant message: text and/or :class:`ToolCall` s, with token usage;
- :class:`HttpError` — an injected error status (429, 500, 400, …) with an OpenAI error body;
- :class:`Delay` — sleep, then answer with the wrapped item (makes client timeouts happen).

Instead of a list, a callable ``(request_json) -> item`` answers every request (a planner
stand-in). Every request is recorded (path, headers, JSON body) for assertions::

    with ScriptedOpenAIServer([Reply(tool_calls=[ToolCall.output({"x": 1})])]) as srv:
        model = build_model(LlmSettings(provider="openai", base_url=srv.base_url, model="scripted"))
        ...
        assert srv.requests[0].json["model"] == "scripted"

Entering the server also lifts pydantic-ai's ``ALLOW_MODEL_REQUESTS`` switch for its lifetime:
requests to it never leave the loopback interface, so the "no real model calls" guard does not
apply (pass ``allow_model_requests=False`` to keep the switch as it is).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic_ai.models import override_allow_model_requests


@dataclass(frozen=True)
class ToolCall:
    """One tool call of an assistant message. ``name=None`` means "the first tool offered"."""

    arguments: dict[str, Any] | str
    name: str | None = None
    id: str | None = None

    @classmethod
    def output(cls, arguments: dict[str, Any] | str) -> ToolCall:
        """A call of whatever tool the request offered first (pydantic-ai's output tool)."""
        return cls(arguments=arguments)


@dataclass(frozen=True)
class Reply:
    """An assistant message with its token usage."""

    content: str | None = None
    tool_calls: Sequence[ToolCall] = ()
    prompt_tokens: int = 10
    completion_tokens: int = 5
    finish_reason: str | None = None  # default: "tool_calls" with tool calls, else "stop"


@dataclass(frozen=True)
class HttpError:
    """An injected HTTP error status with an OpenAI-style error body."""

    status: int
    message: str = "scripted error"
    code: str | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class Delay:
    """Sleep ``seconds`` before answering with ``then`` (to trigger client timeouts)."""

    seconds: float
    then: Reply | HttpError = field(default_factory=lambda: Reply(content="late"))


ScriptItem = Reply | HttpError | Delay
Responder = Callable[[dict[str, Any]], ScriptItem]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # keys lowercased
    json: dict[str, Any]

    @property
    def bearer(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None


class ScriptedOpenAIServer:
    """The server. Use as a context manager; ``base_url`` ends with ``/v1``."""

    def __init__(
        self,
        script: Sequence[ScriptItem] | Responder,
        *,
        model: str = "scripted",
        allow_model_requests: bool = True,
    ) -> None:
        self._responder = script if callable(script) else None
        self._script = list(script) if not callable(script) else []
        self.model = model
        self.requests: list[RecordedRequest] = []
        self.unscripted = 0  # completion requests that found the script empty
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._allow = allow_model_requests
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._exit = contextlib.ExitStack()

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> ScriptedOpenAIServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name="llmserver", daemon=True
        )
        self._thread.start()
        if self._allow:
            self._exit.enter_context(override_allow_model_requests(True))

    def stop(self) -> None:
        self._exit.close()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    # -- script --------------------------------------------------------------------------------

    @property
    def completions(self) -> list[RecordedRequest]:
        """Only the chat-completion requests, in order."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._script)

    def push(self, *items: ScriptItem) -> None:
        with self._lock:
            self._script.extend(items)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next(self, body: dict[str, Any]) -> ScriptItem:
        if self._responder is not None:
            return self._responder(body)
        with self._lock:
            if self._script:
                return self._script.pop(0)
            self.unscripted += 1
        return HttpError(500, "script exhausted: the test sent more requests than it scripted")

    # -- OpenAI JSON ---------------------------------------------------------------------------

    def completion(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        n = next(self._ids)
        offered = [t.get("function", {}).get("name") for t in body.get("tools") or []]
        calls = []
        for i, call in enumerate(reply.tool_calls):
            name = call.name or (offered[0] if offered else "final_result")
            args = call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
            calls.append(
                {
                    "id": call.id or f"call_{n}_{i}",
                    "type": "function",
                    "function": {"name": name, "arguments": args},
                }
            )
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if calls:
            message["tool_calls"] = calls
        finish = reply.finish_reason or ("tool_calls" if calls else "stop")
        return {
            "id": f"chatcmpl-scripted-{n}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", self.model),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            },
        }

    def models(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": self.model, "object": "model", "created": 0, "owned_by": "scripted"}],
        }


def error_body(error: HttpError) -> dict[str, Any]:
    kind = "rate_limit_error" if error.status == 429 else "server_error"
    if 400 <= error.status < 500 and error.status != 429:
        kind = "invalid_request_error"
    return {"error": {"message": error.message, "type": kind, "param": None, "code": error.code}}


def _handler_for(server: ScriptedOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # silence stderr
            pass

        def do_GET(self) -> None:
            server._record(self._recorded({}))
            if self.path.rstrip("/").endswith("/models"):
                self._send(200, server.models())
            else:
                self._not_found()

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            try:
                body = json.loads(raw)
            except ValueError:
                body = {"_raw": raw.decode("utf-8", "replace")}
            server._record(self._recorded(body))
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._not_found()
                return
            if body.get("stream"):
                self._send(400, error_body(HttpError(400, "streaming is not scripted")))
                return
            self._answer(server._next(body), body)

        def _answer(self, item: ScriptItem, body: dict[str, Any]) -> None:
            if isinstance(item, Delay):
                time.sleep(item.seconds)
                item = item.then
            if isinstance(item, HttpError):
                headers = {}
                if item.retry_after is not None:
                    headers["retry-after"] = str(item.retry_after)
                self._send(item.status, error_body(item), headers)
            else:
                self._send(200, server.completion(item, body))

        def _not_found(self) -> None:
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def _recorded(self, body: dict[str, Any]) -> RecordedRequest:
            headers = {k.lower(): v for k, v in self.headers.items()}
            return RecordedRequest(self.command, self.path, headers, body)

        def _send(
            self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(payload).encode()
            # The client may have timed out and gone away while a Delay slept.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

    return Handler
