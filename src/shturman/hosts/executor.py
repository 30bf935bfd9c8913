"""The Executor protocol and the executors that need no network."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from shturman.domain.models import CommandOutcome, CommandResult, Output, Server
from shturman.hosts.output import OutputBuffer

DEFAULT_CAP = 1_048_576


@dataclass(frozen=True, slots=True)
class Interruption:
    """A command interrupted while it ran (Ctrl-C, SIGTERM) and whether it was stopped on its
    server; ``detail`` (English) is what the audit row records."""

    server: str
    command: str
    stopped: bool
    detail: str


class Executor(Protocol):
    """Runs one shell command on one server and returns its result. Never judges it."""

    async def run(self, server: Server, command: str, *, timeout: float) -> CommandResult: ...

    async def close(self) -> None: ...


def timeout_result(server: Server, command: str, started: float, out: Output, err: Output,
                   timeout: float) -> CommandResult:
    return CommandResult(
        server=server.name,
        command=command,
        exit_code=None,
        stdout=out,
        stderr=err,
        duration=time.perf_counter() - started,
        outcome=CommandOutcome.TIMEOUT,
        error=f"timed out after {timeout:g}s, killed / превышено время {timeout:g} с, прервано",
    )


def finished_result(server: Server, command: str, started: float, code: int | None,
                    out: Output, err: Output) -> CommandResult:
    return CommandResult(
        server=server.name,
        command=command,
        exit_code=code,
        stdout=out,
        stderr=err,
        duration=time.perf_counter() - started,
        outcome=CommandOutcome.OK if code == 0 else CommandOutcome.FAILED,
    )


class LocalExecutor:
    """Runs commands on this machine through ``/bin/sh -c`` in a new process group."""

    def __init__(self, output_cap: int = DEFAULT_CAP, shell: str = "/bin/bash") -> None:
        self._cap = output_cap
        self._shell = shell if os.path.exists(shell) else "/bin/sh"

    async def run(self, server: Server, command: str, *, timeout: float) -> CommandResult:
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            self._shell,
            "-c",
            command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        out, err = OutputBuffer(self._cap), OutputBuffer(self._cap)
        assert proc.stdout is not None and proc.stderr is not None
        pump = asyncio.gather(_pump(proc.stdout, out), _pump(proc.stderr, err), proc.wait())
        try:
            await asyncio.wait_for(asyncio.shield(pump), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pump, 5)
            return timeout_result(server, command, started, out.result(), err.result(), timeout)
        except asyncio.CancelledError:  # Ctrl-C / SIGTERM: stop the whole group, then reap it
            await _stop_group(proc.pid, pump)
            raise
        return finished_result(server, command, started, proc.returncode, out.result(),
                               err.result())

    async def close(self) -> None:
        return None


async def _stop_group(pid: int, pump: asyncio.Future[Any]) -> None:
    """SIGTERM to the command's process group, SIGKILL if it is still there after 2 s."""
    for sig, grace in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)
        try:
            await asyncio.wait_for(asyncio.shield(pump), grace)
            return
        except (TimeoutError, asyncio.CancelledError):
            continue
        except OSError:  # a pipe error while draining: the group is signalled, done
            return


async def _pump(stream: asyncio.StreamReader, buf: OutputBuffer) -> None:
    while chunk := await stream.read(65536):
        buf.write(chunk)


class RoutingExecutor:
    """Sends `local` to the local executor and every other server to the remote one."""

    def __init__(self, local: Executor, remote: Executor,
                 overrides: Mapping[str, Executor] | None = None) -> None:
        self._local = local
        self._remote = remote
        self._overrides = dict(overrides or {})

    async def run(self, server: Server, command: str, *, timeout: float) -> CommandResult:
        executor = self._overrides.get(server.name) or (
            self._local if server.is_local else self._remote
        )
        return await executor.run(server, command, timeout=timeout)

    async def close(self) -> None:
        await self._local.close()
        await self._remote.close()
