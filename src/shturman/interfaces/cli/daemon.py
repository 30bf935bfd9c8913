"""`shturman serve`: a long-running process that keeps SSH connections warm; CLI commands
hand `exec` work to it over a Unix socket (newline-delimited JSON). Without it running, the
CLI works in-process.

The socket lives in SHTURMAN_HOME with mode 0600 (only its owner may talk to it). The daemon
runs only what needs no interactive approval: with `--yes`, or when every part is `allow`;
otherwise it answers "fallback" before running anything and the CLI asks in its own terminal.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

import typer

from shturman.domain.errors import ShturmanError

SOCKET_NAME = "shturman.sock"
LINE_LIMIT = 64 * 1024 * 1024  # a reply line carries capped outputs of many servers


def socket_path(settings: Any) -> Path:
    return Path(settings.home) / SOCKET_NAME


async def exec_via_daemon(settings: Any, targets: list[str], command: str, yes: bool,
                          timeout: float | None
                          ) -> tuple[list[tuple[str, str]], list[dict[str, Any]]] | None:
    """Hand an exec to a running daemon. None: no daemon, or it asks us to do it ourselves."""
    import asyncio

    path = socket_path(settings)
    if not path.exists():
        return None
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_unix_connection(str(path), limit=LINE_LIMIT), 2)
    except (OSError, TimeoutError):
        return None  # a stale socket file: work in-process
    try:
        request = {"op": "exec", "servers": targets, "command": command, "yes": yes,
                   "timeout": timeout}
        writer.write(json.dumps(request).encode() + b"\n")
        await writer.drain()
        reply = json.loads(await reader.readline() or b'{"type": "fallback"}')
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    if reply.get("type") == "error":
        raise DaemonError(reply.get("message", "daemon error"), int(reply.get("code", 2)))
    if reply.get("type") != "results":
        return None
    pins = [(str(a), str(b)) for a, b in reply.get("pinned", [])]
    return pins, list(reply["rows"])


class DaemonError(ShturmanError):
    """The daemon refused the request; carries the exit code it chose."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.exit_code = code


def serve_command(ctx: typer.Context) -> None:
    """Run in the foreground, keeping SSH connections warm; `shturman exec` hands its work
    here over a Unix socket in SHTURMAN_HOME (mode 0600). Stop with Ctrl-C or SIGTERM.

    Держать SSH-соединения открытыми; `shturman exec` передаёт работу через сокет."""
    from shturman.interfaces.cli.runtime import out, run, with_container

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            def ready(path: Path) -> None:
                out.print(f"shturman serve: listening on {path} / слушаю {path}", markup=False)

            await serve(settings, c, ready)

        await with_container(settings, body)

    run(ctx, work)


async def serve(settings: Any, container: Any, ready: Any = None) -> None:
    """Serve until SIGINT/SIGTERM. ``ready`` (a callable) is told the socket path."""
    import asyncio

    path = socket_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    old_umask = os.umask(0o177)
    try:
        server = await asyncio.start_unix_server(
            lambda r, w: _handle(container, r, w), str(path), limit=LINE_LIMIT)
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)
    if ready is not None:
        ready(path)
    try:
        async with server:
            await stop.wait()
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


async def _handle(c: Any, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        request = json.loads(await reader.readline())
        reply = await _exec(c, request)
    except Exception as exc:
        from shturman.domain.errors import ShturmanError
        from shturman.interfaces.cli.runtime import describe, exit_code

        if isinstance(exc, ShturmanError):
            reply = {"type": "error", "message": describe(exc), "code": exit_code(exc)}
        else:
            reply = {"type": "error", "message": f"daemon: {exc!r}", "code": 2}
    writer.write(json.dumps(reply, ensure_ascii=False).encode() + b"\n")
    with contextlib.suppress(OSError):
        await writer.drain()
        writer.close()
        await writer.wait_closed()


async def _exec(c: Any, request: dict[str, Any]) -> dict[str, Any]:
    from shturman.domain.models import Actor, Decision
    from shturman.interfaces.cli.approval import YesApprover
    from shturman.interfaces.cli.exec_cmd import resolve, result_row

    if request.get("op") != "exec":
        return {"type": "error", "message": f"unknown op {request.get('op')!r}", "code": 2}
    servers = await resolve(c, list(request["servers"]))
    command = str(request["command"])
    yes = bool(request.get("yes"))
    if not yes and any(c.commands.judge(s, command).decision is Decision.CONFIRM
                       for s in servers):
        return {"type": "fallback"}  # needs a human's answer: the CLI asks in its terminal
    c.inventory.pinned_now.clear()
    results = await c.commands.fan_out(
        servers, command, actor=Actor("cli", "operator"),
        approver=YesApprover() if yes else None, timeout=request.get("timeout"))
    return {"type": "results", "rows": [result_row(r) for r in results],
            "pinned": list(c.inventory.pinned_now)}
