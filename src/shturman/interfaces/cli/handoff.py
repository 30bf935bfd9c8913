"""The client side of a running `shturman serve` (wire: `domain/handoff.py`).

`exec`, `run` and `plan` try the daemon first: warm SSH connections, one writer to the store,
nothing heavy imported here. No daemon, a stale socket, or an answer of "fallback" (the work
needs a person's answer before anything runs) returns None: the caller works in-process.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shturman.domain.errors import ShturmanError
from shturman.domain.handoff import LINE_LIMIT, socket_path

if TYPE_CHECKING:
    import asyncio

    from shturman.domain.approval import ApprovalDecision, ApprovalRequest
    from shturman.domain.runs import RunEvent


class DaemonError(ShturmanError):
    """The daemon refused the request; carries the sentence and the exit code it chose."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.exit_code = code


@dataclass(frozen=True, slots=True)
class ExecHanded:
    rows: list[dict[str, Any]]
    pinned: list[tuple[str, str]]


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def send(self, message: dict[str, Any]) -> None:
        self._writer.write(json.dumps(message, ensure_ascii=False).encode() + b"\n")
        await self._writer.drain()

    async def receive(self) -> dict[str, Any]:
        line = await self._reader.readline()
        if not line:
            raise DaemonError("shturman serve closed the connection / демон закрыл соединение",
                              2)
        reply: dict[str, Any] = json.loads(line)
        if reply.get("type") == "error":
            raise DaemonError(str(reply.get("message", "daemon error")),
                              int(reply.get("code", 2)))
        return reply

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()


async def _connect(home: Path) -> _Connection | None:
    import asyncio

    path = socket_path(home)
    if not path.exists():
        return None
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_unix_connection(str(path), limit=LINE_LIMIT), 2)
    except (OSError, TimeoutError):
        return None  # a stale socket file: work in-process
    return _Connection(reader, writer)


async def _ask(home: Path, request: dict[str, Any]) -> dict[str, Any] | None:
    """One request, one answer line; None when there is no daemon or it hands the work back."""
    conn = await _connect(home)
    if conn is None:
        return None
    try:
        await conn.send(request)
        reply = await conn.receive()
    finally:
        await conn.close()
    return None if reply.get("type") == "fallback" else reply


async def exec_(home: Path, lang: str, targets: list[str], command: str, yes: bool,
                timeout: float | None) -> ExecHanded | None:
    reply = await _ask(home, {"op": "exec", "lang": lang, "servers": targets,
                              "command": command, "yes": yes, "timeout": timeout})
    if reply is None or reply.get("type") != "results":
        return None
    return ExecHanded(list(reply["rows"]), [(str(a), str(b)) for a, b in reply["pinned"]])


async def plan(home: Path, lang: str, items: list[dict[str, Any]]
               ) -> list[dict[str, Any]] | None:
    """`plan`: each item ``{"text", "server"}`` decided by the daemon, answers in order."""
    reply = await _ask(home, {"op": "plan", "lang": lang, "items": items})
    if reply is None or reply.get("type") != "decided":
        return None
    return list(reply["answers"])


async def run(home: Path, lang: str, request: dict[str, Any], *,
              show: Callable[[RunEvent], None],
              decide: Callable[[ApprovalRequest, float], Awaitable[ApprovalDecision]]) -> bool:
    """`run`: stream the daemon's events to ``show`` (a host key pinned on the way is one of
    them); questions it relays are answered by
    ``decide(request, timeout)`` here, in this terminal. False: no daemon, do it in-process.
    Interrupting this (Ctrl-C) drops the connection, which makes the daemon cancel the run."""
    from shturman.domain.handoff import approval_from_wire, event_from_wire

    conn = await _connect(home)
    if conn is None:
        return False
    try:
        await conn.send({"op": "run", "lang": lang, **request})
        while True:
            reply = await conn.receive()
            kind = reply.get("type")
            if kind == "fallback":
                return False
            if kind == "finished":
                return True
            if kind == "event":
                show(event_from_wire(reply["event"]))
            elif kind == "approval":
                decision = await decide(approval_from_wire(reply["request"]),
                                        float(reply.get("timeout", 300.0)))
                await conn.send({"id": reply.get("id"), "outcome": decision.outcome.value,
                                 "approver": decision.approver, "note": decision.note})
    finally:
        await conn.close()
