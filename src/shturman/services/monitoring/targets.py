"""The check schedules follow the inventory while the daemon runs: a server added with
`shturman server add` (or to the config a reload reads) is checked within one interval, a
removed one is no longer scheduled — no restart.

:class:`WatchedSchedules` is a daemon component. It reads the watched servers
(:meth:`MonitoringService.targets`) every ``monitoring.targets_refresh`` seconds; when the
schedules they give change (a server, an interval, a log check came or went), it replaces the
job scheduler that fires them — the new one takes over the same ``job_schedules`` rows, so a
server that stays keeps its next tick and no tick is fired twice. A server that came while
running is checked at once (its first tick is due now), then every interval.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.exc import SQLAlchemyError

from shturman.domain.errors import ShturmanError
from shturman.domain.models import Server
from shturman.jobs import Schedule
from shturman.observability.logging import get_logger

if TYPE_CHECKING:
    from shturman.config import MonitoringSettings
    from shturman.services.monitoring.service import MonitoringService

log = get_logger("shturman.monitoring")


class Ticking(Protocol):
    """What fires a set of schedules (:class:`shturman.jobs.Scheduler`)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


Key = tuple[tuple[str, float | None, str | None], ...]


class WatchedSchedules:
    name = "monitoring-schedules"

    def __init__(self, monitoring: MonitoringService, cfg: MonitoringSettings,
                 scheduler: Callable[[list[Schedule]], Ticking], *,
                 refresh: float | None = None) -> None:
        self._monitoring = monitoring
        self._cfg = cfg
        self._make = scheduler
        self._refresh = refresh if refresh is not None else cfg.targets_refresh
        self._scheduler: Ticking | None = None
        self._key: Key = ()
        self._servers: list[str] = []
        self._task: asyncio.Task[None] | None = None
        self.replaced = 0  # how many times the schedules changed while running

    @property
    def servers(self) -> list[str]:
        """The servers scheduled now."""
        return list(self._servers)

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.create_task(self._loop(), name="monitoring-schedules")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._scheduler is not None:
            await self._scheduler.stop()
            self._scheduler = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._refresh)
            await self.refresh()

    async def refresh(self) -> bool:
        """Read the watched servers; replace the scheduler when their schedules changed.
        True when they did. The inventory not answering keeps the schedules there are."""
        try:
            servers = await self._monitoring.targets()
        except (ShturmanError, SQLAlchemyError, OSError) as exc:
            log.warning("monitoring.targets_unread", error=f"{type(exc).__name__}: {exc}")
            return False
        from shturman.services.monitoring.service import schedules

        found = schedules(servers, self._monitoring, self._cfg)
        key = _key(found)
        if self._scheduler is not None and key == self._key:
            return False
        if self._scheduler is not None:  # came while running: checked now, not an interval on
            known = {name for name, _, _ in self._key}
            found = [s if s.name in known else _Prompt(s.name, s.spec, s.every, s.cron)
                     for s in found]
        before = set(self._servers)
        self._servers = _names(servers, found)
        if self._scheduler is not None:
            await self._scheduler.stop()
            self.replaced += 1
            log.info("monitoring.targets_changed", added=sorted(set(self._servers) - before),
                     removed=sorted(before - set(self._servers)))
        self._scheduler = self._make(found)
        self._key = key
        await self._scheduler.start()
        return True


@dataclass(frozen=True, slots=True)
class _Prompt(Schedule):
    """A schedule that appeared while the daemon runs (a server just added): its first tick
    is due at once. Only a missing ``job_schedules`` row takes it, so between processes the
    first one to see the server decides, and the lease still fires the tick once."""

    def first(self, at: datetime) -> datetime:
        return at


def _key(found: Sequence[Schedule]) -> Key:
    return tuple(sorted((s.name, s.every, s.cron) for s in found))


def _names(servers: Sequence[Server], found: Sequence[Schedule]) -> list[str]:
    scheduled = {s.spec.server for s in found}
    return [s.name for s in servers if s.name in scheduled]
