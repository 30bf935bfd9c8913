"""The hand-off socket: CLI commands (`exec`, `run`, `plan`) handed to the daemon over a Unix
socket in SHTURMAN_HOME (mode 0600: only its owner may talk to it). Wire: domain/handoff.py.

What needs a person: `exec` without `--yes` whose command is `confirm` somewhere is handed
back before anything runs (the CLI asks in its own terminal); a `run` relays each question to
the client's terminal over the same connection and binds the answer to that exact server and
command here. A client that goes away cancels its request (commands end `interrupted`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from shturman.domain.approval import ApprovalDecision, ApprovalOutcome, ApprovalRequest
from shturman.domain.errors import ShturmanError
from shturman.domain.handoff import LINE_LIMIT, approval_to_wire, event_to_wire, socket_path
from shturman.domain.models import Actor, RunMode
from shturman.observability.logging import get_logger

if TYPE_CHECKING:
    from shturman.services.execution import ExecService
    from shturman.services.inventory import Inventory
    from shturman.services.runs import RunService

log = get_logger(__name__)

# An error as the user reads it (in their language) and the exit code the CLI must use.
Describe = Callable[[ShturmanError, str], tuple[str, int]]
_ANSWERS = frozenset({ApprovalOutcome.APPROVED, ApprovalOutcome.DENIED,
                      ApprovalOutcome.TIMED_OUT, ApprovalOutcome.UNAVAILABLE})


class HandoffServices(Protocol):
    """The use-cases the socket serves (the composition root's container has them)."""

    @property
    def execution(self) -> ExecService: ...

    @property
    def runs(self) -> RunService: ...

    @property
    def inventory(self) -> Inventory: ...


class HandoffSocket:
    """A daemon component: serves the CLI's hand-offs until stopped."""

    name = "handoff-socket"

    def __init__(self, home: Path, services: HandoffServices, describe: Describe, *,
                 language: str = "ru", approval_timeout: float = 300.0) -> None:
        self.path = socket_path(home)
        self._services = services
        self._describe = describe
        self._language = language
        self._approval_timeout = approval_timeout
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        old_umask = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(
                self._client, str(self.path), limit=LINE_LIMIT)
        finally:
            os.umask(old_umask)
        os.chmod(self.path, 0o600)

    async def stop(self) -> None:
        """Stop listening, interrupt the requests still running (recorded), remove the file."""
        if self._server is not None:
            self._server.close()
        for task in list(self._clients):
            task.cancel()
        if self._clients:
            await asyncio.gather(*self._clients, return_exceptions=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        channel = _Channel(reader, writer)
        try:
            await self._serve(channel)
        finally:
            self._clients.discard(task)
            await channel.close()

    async def _serve(self, channel: _Channel) -> None:
        try:
            request = json.loads(await channel.reader.readline())
            if not isinstance(request, dict):
                raise TypeError("a request is one JSON object")
        except (ValueError, TypeError) as exc:
            await channel.send({"type": "error", "message": f"daemon: bad request ({exc})",
                                "code": 2})
            return
        lang = str(request["lang"]) if request.get("lang") in ("ru", "en") else self._language
        work = asyncio.create_task(self._dispatch(request, channel))
        watcher = asyncio.create_task(channel.pump(on_gone=work.cancel))
        try:
            await work
        except asyncio.CancelledError:
            work.cancel()  # the daemon stops: interrupt the work, let it record that
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await work
            if channel.gone:
                return  # the client went away (Ctrl-C): nothing left to answer
            raise
        except ShturmanError as exc:
            message, code = self._describe(exc, lang)
            await channel.send({"type": "error", "message": message, "code": code})
        except Exception as exc:  # a bug: the client is told, the daemon keeps serving
            log.exception("daemon.request_failed", op=request.get("op"))
            await channel.send({"type": "error", "message": f"daemon: {exc!r}", "code": 2})
        finally:
            watcher.cancel()

    async def _dispatch(self, request: dict[str, Any], channel: _Channel) -> None:
        op = request.get("op")
        if op == "exec":
            await self._exec(request, channel)
        elif op == "run":
            await self._run(request, channel)
        elif op == "plan":
            answers = [await self._services.runs.decide(str(i["text"]), i.get("server"))
                       for i in request.get("items", [])]
            await channel.send({"type": "decided", "answers": answers})
        else:
            await channel.send({"type": "error", "message": f"daemon: unknown op {op!r}",
                                "code": 2})

    async def _exec(self, request: dict[str, Any], channel: _Channel) -> None:
        execution = self._services.execution
        servers = await execution.resolve([str(s) for s in request["servers"]])
        command = str(request["command"])
        yes = bool(request.get("yes"))
        if execution.needs_person(servers, command, preapproved=yes):
            await channel.send({"type": "fallback"})  # the CLI asks in its own terminal
            return
        outcome = await execution.run(servers, command, actor=Actor("cli", "operator"),
                                      approver=PreApproved() if yes else None,
                                      timeout=request.get("timeout"))
        await channel.send({"type": "results", "rows": outcome.rows,
                            "pinned": outcome.pinned})

    async def _run(self, request: dict[str, Any], channel: _Channel) -> None:
        from shturman.services.runs import RunRequest

        try:
            mode = RunMode(str(request.get("mode", "interactive")))
        except ValueError:
            await channel.send({"type": "error", "message": "--mode: unknown mode", "code": 2})
            return
        run_request = RunRequest(str(request["text"]), Actor("cli", "operator"), mode,
                                 request.get("server"))
        approver: Any = (PreApproved() if request.get("yes")
                         else RelayApprover(channel, self._approval_timeout))
        async for event in self._services.runs.stream(run_request, approver):
            await channel.send({"type": "event", "event": event_to_wire(event)})
        await channel.send({"type": "finished"})


class _Channel:
    """One client connection: lines out, and the client's later lines (answers) in."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self._writer = writer
        self.answers: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.gone = False

    async def send(self, message: dict[str, Any]) -> None:
        self._writer.write(json.dumps(message, ensure_ascii=False).encode() + b"\n")
        await self._writer.drain()

    async def pump(self, on_gone: Callable[[], object]) -> None:
        """Read the client's answers until it disconnects; then call ``on_gone``."""
        while True:
            try:
                line = await self.reader.readline()
            except (OSError, ValueError):
                line = b""
            if not line:
                self.gone = True
                on_gone()
                return
            with contextlib.suppress(ValueError):
                answer = json.loads(line)
                if isinstance(answer, dict):
                    self.answers.put_nowait(answer)

    async def close(self) -> None:
        with contextlib.suppress(OSError):
            self._writer.close()
            await self._writer.wait_closed()


class PreApproved:
    """The operator passed `--yes` to the client: confirm-tier commands are approved
    (block never reaches an approver)."""

    async def decide(self, request: ApprovalRequest) -> ApprovalDecision:
        return ApprovalDecision(ApprovalOutcome.APPROVED, "cli:--yes", request.server,
                                request.command, "approved in advance with --yes")


class RelayApprover:
    """Asks the client's terminal, one question at a time; the answer is bound here to the
    exact server and command asked about. No answer in time denies."""

    def __init__(self, channel: _Channel, timeout: float) -> None:
        self._channel = channel
        self._timeout = timeout
        self._lock = asyncio.Lock()
        self._asked = 0

    async def decide(self, request: ApprovalRequest) -> ApprovalDecision:
        async with self._lock:
            self._asked += 1
            asked = self._asked
            await self._channel.send({"type": "approval", "id": asked, "timeout": self._timeout,
                                      "request": approval_to_wire(request)})
            try:
                async with asyncio.timeout(self._timeout + 5):  # the terminal's own, plus slack
                    answer = await self._channel.answers.get()
                    while answer.get("id") != asked:  # a late answer to an earlier question
                        answer = await self._channel.answers.get()
            except TimeoutError:
                return ApprovalDecision(ApprovalOutcome.TIMED_OUT, "cli", request.server,
                                        request.command, "no answer in time: denied")
        try:
            outcome = ApprovalOutcome(str(answer.get("outcome")))
        except ValueError:
            outcome = ApprovalOutcome.DENIED
        if outcome not in _ANSWERS:  # a person answers yes or no; only a mode pre-approves
            outcome = ApprovalOutcome.DENIED
        return ApprovalDecision(outcome, str(answer.get("approver", "cli"))[:80],
                                request.server, request.command, str(answer.get("note", ""))[:500])
