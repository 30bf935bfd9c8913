"""The web app as a daemon component (``name``, ``start``, ``stop``), served by uvicorn.

``start`` binds the socket itself (a taken port is a clear :class:`ConfigError`, not uvicorn's
``sys.exit``), then serves until ``stop``: live streams are told to end, open requests get a
few seconds, the socket closes. SIGINT/SIGTERM belong to the daemon, not to uvicorn.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from shturman.domain.errors import ConfigError
from shturman.observability.logging import get_logger

log = get_logger(__name__)


class _Uvicorn(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the daemon handles the signals
        yield


class WebServer:
    name = "web"

    def __init__(self, app: FastAPI, host: str, port: int, *, grace: float = 5.0) -> None:
        self.app = app
        self.host = host
        self.port = port  # 0: any free port (the bound one is set by start)
        self._grace = grace
        self._server: _Uvicorn | None = None
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio: NODELAY
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise ConfigError(f"web: cannot listen on {self.host}:{self.port} ({exc.strerror})"
                              f" / веб: не удаётся занять {self.host}:{self.port}; "
                              "set web.port / SHTURMAN_WEB__PORT") from None
        sock.listen(128)
        sock.setblocking(False)
        self._socket = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_config=None, access_log=False, lifespan="off",
                                timeout_graceful_shutdown=int(self._grace), proxy_headers=False,
                                server_header=False)
        self._server = _Uvicorn(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise ConfigError(f"web: the server at {self.url} stopped while starting")
            await asyncio.sleep(0.02)
        log.info("web.listening", url=self.url)

    async def stop(self) -> None:
        self.app.state.closing.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._socket is not None:
            self._socket.close()
