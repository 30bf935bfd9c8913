"""SshExecutor: one pooled asyncssh connection per server, pinned host keys, bounded output.

Host keys: on first contact the server's key is fetched (before any credential is sent),
pinned through :class:`HostKeyPins` and reported; afterwards a connection only succeeds when the
server presents exactly the pinned key. A changed key is refused with :class:`HostKeyError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, Protocol

from shturman.domain.errors import AuthError, HostKeyError, UnreachableError
from shturman.domain.models import AuthMethod, CommandOutcome, CommandResult, Server
from shturman.hosts.executor import DEFAULT_CAP, Interruption, finished_result, timeout_result
from shturman.hosts.output import OutputBuffer
from shturman.hosts.sshlib import asyncssh
from shturman.observability import metrics


class CredentialSource(Protocol):
    """Gives plaintext secrets to this module only, while a connection opens."""

    async def password(self, server: str) -> str | None: ...
    async def private_key(self, server: str) -> str | None: ...
    async def passphrase(self, server: str) -> str | None: ...


class HostKeyPins(Protocol):
    """Where pinned host keys live (the server registry)."""

    async def pinned(self, server: Server) -> str | None: ...
    async def pin(self, server: Server, key_line: str, fingerprint: str) -> None: ...


def fingerprint(key_line: str) -> str:
    return str(asyncssh.import_public_key(key_line).get_fingerprint("sha256"))


class _Session(asyncssh.SSHClientSession[bytes]):
    def __init__(self, cap: int) -> None:
        self.out = OutputBuffer(cap)
        self.err = OutputBuffer(cap)
        self.done = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        (self.err if datatype == asyncssh.EXTENDED_DATA_STDERR else self.out).write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            if exc is None:
                self.done.set_result(None)
            else:
                self.done.set_exception(exc)


class SshExecutor:
    def __init__(
        self,
        credentials: CredentialSource,
        pins: HostKeyPins,
        *,
        connect_timeout: float = 10.0,
        keepalive_interval: float = 15.0,
        output_cap: int = DEFAULT_CAP,
        channels_per_server: int = 8,
    ) -> None:
        self._credentials = credentials
        self._pins = pins
        self._connect_timeout = connect_timeout
        self._keepalive = keepalive_interval
        self._cap = output_cap
        self._channels = channels_per_server
        self._conns: dict[str, asyncssh.SSHClientConnection] = {}
        metrics.track_connections(self, self._conns)
        self._locks: dict[str, asyncio.Lock] = {}
        self._limits: dict[str, asyncio.Semaphore] = {}
        # commands interrupted in this process and whether their remote process group stopped
        self.interruptions: list[Interruption] = []

    async def run(self, server: Server, command: str, *, timeout: float) -> CommandResult:
        limit = self._limits.setdefault(server.name, asyncio.Semaphore(self._channels))
        async with limit:
            started = time.perf_counter()
            chan, session = await self._open_channel(server, command)
            try:
                async with asyncio.timeout(timeout):
                    await asyncio.shield(session.done)
            except TimeoutError:
                _kill(chan)
                return timeout_result(server, command, started, session.out.result(),
                                      session.err.result(), timeout)
            except asyncio.CancelledError:  # Ctrl-C / SIGTERM: stop it there too, say how it went
                raise self._interrupted(await _stop_remote(server, command, chan,
                                                           session)) from None
            except (asyncssh.Error, OSError) as exc:
                # The connection dropped while the command ran: report, never re-run.
                self._conns.pop(server.name, None)
                return _broken(server, command, started, session, exc)
            code = chan.get_exit_status()
            if code is None or code < 0:
                signal_info = chan.get_exit_signal()
                code = 128 + 9 if signal_info else None
            return finished_result(server, command, started, code, session.out.result(),
                                   session.err.result())

    def _interrupted(self, stop: Interruption | str) -> asyncio.CancelledError:
        """The cancellation to re-raise; its first argument is the audit row's detail
        (GuardedExecutor records an ``interrupted…`` message as it is). A command that
        reached its server is remembered for the CLI's closing words; a bare detail
        (nothing ran) is not."""
        if isinstance(stop, str):
            return asyncio.CancelledError(stop)
        self.interruptions.append(stop)
        return asyncio.CancelledError(stop.detail)

    async def _open_channel(
        self, server: Server, command: str
    ) -> tuple[asyncssh.SSHClientChannel[bytes], _Session]:
        """Open an exec channel; a dead pooled connection is replaced once (nothing ran yet)."""
        for attempt in (1, 2):
            try:
                conn = await self.connection(server)
            except asyncio.CancelledError:
                raise self._interrupted(NOT_SENT) from None
            # Once the exec request is out the command may run: a cancel from here on lets
            # the open finish, then stops what it started (never an orphan left running).
            opening = asyncio.ensure_future(
                conn.create_session(lambda: _Session(self._cap), command, encoding=None))
            try:
                chan, session = await asyncio.shield(opening)
                assert isinstance(session, _Session)
                return chan, session
            except asyncio.CancelledError:
                raise self._interrupted(await _stop_opening(server, command,
                                                            opening)) from None
            except (asyncssh.ChannelOpenError, asyncssh.ConnectionLost, OSError) as exc:
                self._conns.pop(server.name, None)
                conn.close()
                if attempt == 2:
                    raise UnreachableError(server.name, f"cannot open a channel: {exc}") from exc
        raise AssertionError("unreachable")

    async def connection(self, server: Server) -> asyncssh.SSHClientConnection:
        conn = self._conns.get(server.name)
        if conn is not None and not conn.is_closed():
            return conn
        lock = self._locks.setdefault(server.name, asyncio.Lock())
        async with lock:
            conn = self._conns.get(server.name)
            if conn is not None and not conn.is_closed():
                return conn
            conn = await self._connect(server)
            self._conns[server.name] = conn
            return conn

    async def _connect(self, server: Server) -> asyncssh.SSHClientConnection:
        pinned = await self._pins.pinned(server)
        if pinned is None:
            pinned = await self.first_contact(server)
        options = await self._auth_options(server)
        alg = pinned.split()[0]
        target = server.host if server.port == 22 else f"[{server.host}]:{server.port}"
        known = asyncssh.import_known_hosts(f"{target} {pinned}\n")
        try:
            return await asyncio.wait_for(
                asyncssh.connect(
                    server.host,
                    server.port,
                    username=server.user,
                    known_hosts=known,
                    server_host_key_algs=[alg],
                    config=[],
                    keepalive_interval=self._keepalive or None,
                    keepalive_count_max=3,
                    **options,
                ),
                self._connect_timeout,
            )
        except asyncssh.HostKeyNotVerifiable as exc:
            got = await self._fetch_key(server)
            expected, presented = fingerprint(pinned), fingerprint(got) if got else "?"
            raise HostKeyError(
                server.name,
                "host key CHANGED since it was pinned — refusing to connect (possible "
                "man-in-the-middle). If the server was reinstalled, check the new key and run "
                f"`shturman server trust {server.name}` / КЛЮЧ ХОСТА ИЗМЕНИЛСЯ — подключение "
                f"отклонено. pinned: {expected}; presented: {presented}",
                expected=expected,
                got=presented,
            ) from exc
        except asyncssh.PermissionDenied as exc:
            raise AuthError(
                server.name,
                f"authentication failed for {server.user} ({server.auth.value}) / "
                f"ошибка аутентификации",
            ) from exc
        except (TimeoutError, OSError, asyncssh.Error) as exc:
            raise UnreachableError(server.name, _describe_connect_error(server, exc)) from exc

    async def first_contact(self, server: Server) -> str:
        """Fetch and pin the server's host key (no credential is sent)."""
        key = await self._fetch_key(server)
        if key is None:
            raise UnreachableError(server.name, "the server offered no host key")
        await self._pins.pin(server, key, fingerprint(key))
        return key

    async def _fetch_key(self, server: Server) -> str | None:
        try:
            key = await asyncio.wait_for(
                asyncssh.get_server_host_key(server.host, server.port, config=[]),
                self._connect_timeout,
            )
        except (TimeoutError, OSError, asyncssh.Error) as exc:
            raise UnreachableError(server.name, _describe_connect_error(server, exc)) from exc
        if key is None:
            return None
        return str(key.export_public_key("openssh").decode().strip())

    async def _auth_options(self, server: Server) -> dict[str, Any]:
        options: dict[str, Any] = {"agent_path": None, "client_keys": None, "password": None}
        if server.auth is AuthMethod.PASSWORD:
            password = await self._credentials.password(server.name)
            if password is None:
                raise AuthError(server.name, "no password stored in the vault / пароль не задан")
            options["password"] = password
        elif server.auth is AuthMethod.AGENT:
            options.pop("agent_path")
            options.pop("client_keys")
        else:
            passphrase = await self._credentials.passphrase(server.name)
            stored = await self._credentials.private_key(server.name)
            try:
                if stored is not None:
                    options["client_keys"] = [asyncssh.import_private_key(stored, passphrase)]
                elif server.key_path:
                    options["client_keys"] = [
                        asyncssh.read_private_key(server.key_path, passphrase)
                    ]
                else:
                    raise AuthError(server.name, "no key configured / ключ не задан")
            except (OSError, asyncssh.KeyImportError, asyncssh.KeyEncryptionError) as exc:
                raise AuthError(server.name, f"cannot load the private key: {exc}") from exc
        return options

    async def forget(self, name: str) -> None:
        """Drop ``name``'s pooled connection (its address or credentials changed): the next
        command logs in afresh. Commands running on it are not waited for."""
        conn = self._conns.pop(name, None)
        if conn is not None:
            conn.close()

    async def close(self) -> None:
        conns = list(self._conns.values())
        self._conns.clear()
        for conn in conns:
            conn.close()
        for conn in conns:
            await conn.wait_closed()


async def _stop_remote(server: Server, command: str, chan: asyncssh.SSHClientChannel[bytes],
                       session: _Session) -> Interruption:
    """Signal the remote command's process group: TERM, then KILL after a grace period.

    sshd delivers a channel's `signal` request with ``killpg`` to the session's process group
    (the command and everything it started, OpenSSH ≥ 7.9, no forced command), and closes the
    channel when the command is gone: that close is the proof. No close means unknown: it may
    still be running (the channel is closed; sshd does not stop a command without a terminal
    when its channel closes)."""
    for sig, grace in (("TERM", 2.0), ("KILL", 2.0)):
        try:
            chan.send_signal(sig)
        except (OSError, asyncssh.Error) as exc:
            chan.close()
            return Interruption(server.name, command, False,
                                f"interrupted; could not signal the remote command ({exc}): "
                                "it may still be running")
        try:
            await asyncio.wait_for(asyncio.shield(session.done), grace)
        except TimeoutError:
            continue
        except (asyncssh.Error, OSError):
            break  # the connection dropped: whether the command stopped is unknown
        return Interruption(server.name, command, True,
                            f"interrupted; the remote process group was stopped (SIG{sig})")
    chan.close()
    return Interruption(server.name, command, False,
                        "interrupted; the server did not confirm that the remote command "
                        "stopped: it may still be running")


NOT_SENT = "interrupted before the command reached the server: it did not run"


async def _stop_opening(server: Server, command: str,
                        opening: asyncio.Future[tuple[asyncssh.SSHClientChannel[bytes],
                                                      asyncssh.SSHClientSession[bytes]]]
                        ) -> Interruption | str:
    """Cancelled while the channel opened: wait (briefly) for the open, then stop the
    command it started; an open that failed ran nothing."""
    try:
        chan, session = await asyncio.wait_for(asyncio.shield(opening), _OPEN_GRACE)
    except (asyncssh.Error, OSError):
        return NOT_SENT
    except TimeoutError:
        opening.add_done_callback(_close_late_channel)
        return Interruption(server.name, command, False,
                            "interrupted while the command was being sent; remote outcome "
                            "unknown (the server did not answer in time)")
    assert isinstance(session, _Session)
    return await _stop_remote(server, command, chan, session)


_OPEN_GRACE = 5.0  # how long a cancelled channel open may still take before we stop waiting


def _close_late_channel(opening: asyncio.Future[Any]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        _kill(opening.result()[0])


def _kill(chan: asyncssh.SSHClientChannel[bytes]) -> None:
    with contextlib.suppress(OSError, asyncssh.Error):
        chan.send_signal("KILL")
    chan.close()


def _broken(server: Server, command: str, started: float, session: _Session,
            exc: BaseException) -> CommandResult:
    return CommandResult(
        server=server.name,
        command=command,
        exit_code=None,
        stdout=session.out.result(),
        stderr=session.err.result(),
        duration=time.perf_counter() - started,
        outcome=CommandOutcome.ERROR,
        error=f"connection lost while the command ran (not retried): {exc}",
    )


def _describe_connect_error(server: Server, exc: BaseException) -> str:
    where = f"{server.host}:{server.port}"
    if isinstance(exc, TimeoutError):
        return f"{where} did not answer in time / {where} не ответил вовремя"
    if isinstance(exc, ConnectionRefusedError):
        return (f"{where} refused the connection (is sshd running?) / "
                f"{where} отклонил соединение (запущен ли sshd?)")
    return f"{where}: {exc.__class__.__name__}: {exc}"


__all__ = ["CredentialSource", "HostKeyPins", "SshExecutor", "fingerprint"]
