"""A server's health as its page shows it: every check's state with its latest results, and
the last 24 h of the readings that make the chart (disk, memory, load, check latency).

Reads only what the check jobs stored (``check_results``, ``check_states``); it never runs a
check. The chart's series are bucketed (mean per bucket) so a day of 5-second rounds draws
no more points than a day of 60-second ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from shturman.domain.monitoring import CheckKind, CheckResult, CheckStatus

if TYPE_CHECKING:
    from shturman.services.inventory import Inventory
    from shturman.store.repositories.monitoring import MonitoringRepo

WINDOW = timedelta(hours=24)
BUCKETS = 288  # 5-minute buckets in 24 h
MAX_READINGS = 20_000  # per series and window: 24 h of 5-second rounds fit


class Metric(StrEnum):
    """A series of the chart: which check's result it reads, and which field."""

    DISK = "disk"
    MEMORY = "memory"
    LOAD = "load"
    LATENCY = "latency"

    @property
    def check(self) -> str:
        """The check whose results feed it (latency: the reachability round trip)."""
        return CheckKind.REACHABILITY.value if self is Metric.LATENCY else self.value


@dataclass(frozen=True, slots=True)
class Point:
    at: datetime
    value: float


@dataclass(frozen=True, slots=True)
class Series:
    metric: Metric
    points: tuple[Point, ...]  # oldest first, inside the window
    readings: int  # stored results the points were made from

    @property
    def latest(self) -> float | None:
        return self.points[-1].value if self.points else None


@dataclass(frozen=True, slots=True)
class CheckHistory:
    status: CheckStatus
    results: tuple[CheckResult, ...]  # newest first


@dataclass(frozen=True, slots=True)
class HealthView:
    server: str
    since: datetime
    until: datetime
    checks: tuple[CheckHistory, ...]
    series: tuple[Series, ...]

    @property
    def empty(self) -> bool:
        return not self.checks and not any(s.points for s in self.series)


def value_of(metric: Metric, result: CheckResult) -> float | None:
    """The number a result contributes to ``metric`` (None: nothing to plot)."""
    if metric is Metric.LATENCY:
        return result.duration if result.ok else None
    return result.value


def bucketed(metric: Metric, results: Sequence[CheckResult], since: datetime,
             until: datetime, buckets: int = BUCKETS) -> Series:
    """The results inside [since, until] as at most ``buckets`` points: the mean of each
    bucket, at the mean time of its readings."""
    span = (until - since).total_seconds() / buckets
    groups: dict[int, list[tuple[datetime, float]]] = {}
    readings = 0
    for result in results:
        value = value_of(metric, result)
        if value is None or not since <= result.at <= until:
            continue
        readings += 1
        index = min(buckets - 1, int((result.at - since).total_seconds() // span))
        groups.setdefault(index, []).append((result.at, value))
    points = []
    for index in sorted(groups):
        group = groups[index]
        mean_at = since + timedelta(seconds=sum((at - since).total_seconds()
                                                for at, _ in group) / len(group))
        points.append(Point(mean_at, sum(v for _, v in group) / len(group)))
    return Series(metric, tuple(points), readings)


class HealthHistory:
    def __init__(self, inventory: Inventory, repo: MonitoringRepo, *,
                 window: timedelta = WINDOW,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._inventory = inventory
        self._repo = repo
        self.window = window
        self._clock = clock

    async def view(self, server: str, *, history: int = 10) -> HealthView:
        """``server`` (a name or an alias; unknown: ``UnknownServerError``): each check's
        state with its ``history`` latest results, and the chart's series."""
        name = (await self._inventory.get(server)).name
        until = self._clock()
        since = until - self.window
        checks = tuple([CheckHistory(s, tuple(await self._repo.results(
            name, s.check, limit=history))) for s in await self._repo.states(name)])
        series = []
        for metric in Metric:
            results = await self._repo.results(name, metric.check, since=since,
                                               limit=MAX_READINGS)
            series.append(bucketed(metric, results, since, until))
        return HealthView(name, since, until, checks, tuple(series))
