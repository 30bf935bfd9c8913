"""A daemon is an ordered list of components started together and stopped in reverse."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Sequence
from typing import Protocol

from shturman.observability.logging import get_logger

log = get_logger(__name__)


class Component(Protocol):
    """One part of the daemon: the hand-off socket, job workers, the scheduler, the bot…

    ``start`` returns once the part is serving (it keeps its own tasks); ``stop`` finishes or
    interrupts its work — recorded as such — and returns when it is done."""

    @property
    def name(self) -> str: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Daemon:
    def __init__(self, components: Sequence[Component], *, stop_timeout: float = 30.0) -> None:
        self.components = list(components)
        self._stop_timeout = stop_timeout
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Ask the daemon to stop (what SIGINT and SIGTERM do)."""
        self._stopping.set()

    async def run(self, ready: Callable[[Daemon], None] | None = None) -> None:
        """Start every component in order, serve until :meth:`stop` (or SIGINT/SIGTERM), then
        stop the started ones in reverse order. A component that fails to start stops the
        ones before it and raises."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.stop)
        started: list[Component] = []
        try:
            for component in self.components:
                await component.start()
                started.append(component)
                log.info("daemon.component_started", component=component.name)
            if ready is not None:
                ready(self)
            await self._stopping.wait()
        finally:
            for component in reversed(started):
                try:
                    await asyncio.wait_for(component.stop(), self._stop_timeout)
                except TimeoutError:
                    log.warning("daemon.component_stop_timeout", component=component.name)
                log.info("daemon.component_stopped", component=component.name)
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.remove_signal_handler(sig)
