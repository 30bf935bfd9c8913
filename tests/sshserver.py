"""An in-process asyncssh server that runs commands with the local shell (for contract tests)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from shturman.hosts.sshlib import asyncssh


async def _handle(process: asyncssh.SSHServerProcess[bytes]) -> None:
    command = process.command or "true"
    proc = await asyncio.create_subprocess_exec(
        "/bin/bash", "-c", command, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, start_new_session=True,
    )
    assert proc.stdout is not None and proc.stderr is not None

    async def pump(src: asyncio.StreamReader, dst: asyncssh.SSHWriter[bytes]) -> None:
        while chunk := await src.read(65536):
            dst.write(chunk)

    def kill(*_: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    async def watch_signals() -> None:
        # A signal request or the channel closing ends stdin: kill the command.
        # SignalReceived is not an asyncssh.Error: catch it explicitly.
        with contextlib.suppress(asyncssh.Error, asyncssh.SignalReceived, OSError):
            while await process.stdin.read(4096):
                pass
        if proc.returncode is None:
            kill()

    watcher = asyncio.ensure_future(watch_signals())
    task = asyncio.gather(pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr),
                          proc.wait())
    try:
        await task
    except (asyncssh.Error, OSError, asyncio.CancelledError):
        kill()
        raise
    finally:
        kill()
        watcher.cancel()
    process.exit(proc.returncode if proc.returncode is not None else 255)


class _Server(asyncssh.SSHServer):
    def __init__(self, password: str) -> None:
        self._password = password

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return password == self._password


@dataclass
class InProcessSshd:
    port: int
    host_key_line: str
    client_key: Path
    password: str
    server: asyncssh.SSHAcceptor

    def close(self) -> None:
        self.server.close()


async def start_inprocess_sshd(tmp: Path, password: str = "s3cret-pass") -> InProcessSshd:
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_path = tmp / "client_key"
    client_key.write_private_key(str(key_path))
    key_path.chmod(0o600)
    authorized = asyncssh.import_authorized_keys(
        client_key.export_public_key().decode()
    )
    acceptor = await asyncssh.listen(
        "127.0.0.1", 0, server_host_keys=[host_key], authorized_client_keys=authorized,
        process_factory=_handle, encoding=None, server_factory=lambda: _Server(password),
    )
    port = acceptor.sockets[0].getsockname()[1]
    line = host_key.export_public_key("openssh").decode().strip()
    return InProcessSshd(port, line, key_path, password, acceptor)
