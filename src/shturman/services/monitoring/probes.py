"""Running one round of checks on one server.

Every command goes through the GuardedExecutor like any other (a :class:`ToolContext` in
read-only mode: nothing that changes state can run, whatever the policy's rules say), and
the service-manager-aware parts are the same tools the agent uses (``service_states``).
HTTP checks are made from the Shturman host with httpx.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from shturman.domain.models import Actor, RunMode, Server
from shturman.domain.monitoring import Check, CheckKind, CheckResult
from shturman.hosts.facts import ServiceManager
from shturman.hosts.guarded import GuardedExecutor
from shturman.services.monitoring.readings import (
    Reading,
    disk_reading,
    load_reading,
    memory_reading,
)
from shturman.tools.base import CommandRecord, ToolContext
from shturman.tools.services import service_states

ACTOR = Actor("monitor", "checks")
REACH_COMMAND = "true"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """What counts as too full or too busy (``monitoring.*``, per server
    ``monitoring.servers.NAME.*``): the load is the ``load_minutes`` average per core."""

    disk_percent: float = 90.0
    memory_percent: float = 90.0
    load_per_core: float = 2.0
    load_minutes: int = 15


@dataclass(frozen=True, slots=True)
class HttpProbe:
    url: str
    expect_status: int = 200
    timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class Probe:
    """What to check on one server."""

    server: Server
    thresholds: Thresholds
    http: tuple[HttpProbe, ...] = ()


class Prober:
    """One round of checks of one server → one :class:`CheckResult` per check. An
    unreachable server gives the reachability result only (and its HTTP checks, which do not
    need SSH): the other checks keep their state instead of all going down together."""

    def __init__(self, guarded: GuardedExecutor, *, command_timeout: float = 20.0,
                 managers: dict[str, ServiceManager] | None = None) -> None:
        self._guarded = guarded
        self._timeout = command_timeout
        self._managers = managers if managers is not None else {}

    def context(self, server: Server) -> ToolContext:
        """A read-only tool context for ``server`` (also the log check's)."""
        return ToolContext(self._guarded, {server.name: server}, ACTOR, mode=RunMode.READONLY,
                           command_timeout=self._timeout, managers=self._managers, lang="en")

    async def run(self, probe: Probe) -> list[CheckResult]:
        server = probe.server
        ctx = self.context(server)
        results = [await self._reach(ctx, server)]
        if results[0].ok:
            results += [await self._disk(ctx, server, probe.thresholds),
                        await self._memory(ctx, server, probe.thresholds),
                        await self._load(ctx, server, probe.thresholds)]
            results += await self._services(ctx, server)
        for http in probe.http:
            results.append(await self._http(server, http))
        return results

    async def _reach(self, ctx: ToolContext, server: Server) -> CheckResult:
        started = time.monotonic()
        record = await ctx.sh(server.name, REACH_COMMAND)
        check = Check(server.name, CheckKind.REACHABILITY)
        if record.outcome == "ok":
            return _result(check, True, f"answers ({server.address})", started)
        self._managers.pop(server.name, None)  # it may come back as another machine
        return _result(check, False, _failure(record), started)

    async def _disk(self, ctx: ToolContext, server: Server, limits: Thresholds
                    ) -> CheckResult:
        started = time.monotonic()
        record = await ctx.sh(server.name, "df -P")
        reading = disk_reading(record.stdout, limits.disk_percent)
        return _judged(Check(server.name, CheckKind.DISK), reading, record, started)

    async def _memory(self, ctx: ToolContext, server: Server, limits: Thresholds
                      ) -> CheckResult:
        started = time.monotonic()
        record = await ctx.sh(server.name, "cat /proc/meminfo")
        reading = memory_reading(record.stdout, limits.memory_percent)
        return _judged(Check(server.name, CheckKind.MEMORY), reading, record, started)

    async def _load(self, ctx: ToolContext, server: Server, limits: Thresholds
                    ) -> CheckResult:
        started = time.monotonic()
        loadavg = await ctx.sh(server.name, "cat /proc/loadavg")
        cores = await ctx.sh(server.name, "nproc")
        reading = load_reading(loadavg.stdout, cores.stdout, limits.load_per_core,
                               minutes=limits.load_minutes)
        failed = loadavg if loadavg.outcome != "ok" else cores
        return _judged(Check(server.name, CheckKind.LOAD), reading, failed, started)

    async def _services(self, ctx: ToolContext, server: Server) -> list[CheckResult]:
        """Each listed service active; units the manager reports failed (systemd only: the
        other managers have no such list) — a listed service is not counted twice."""
        manager = await ctx.manager(server.name)
        if not server.services and manager is not ServiceManager.SYSTEMD:
            return []
        started = time.monotonic()
        found = await service_states(ctx, server.name)
        states = _pairs(str(found.data.get("states") or ""))
        results = []
        for service in server.services:
            state = states.get(service, "unknown")
            results.append(_result(Check(server.name, CheckKind.SERVICE, service),
                                   state == "active", f"{service}: {state}", started))
        if manager is ServiceManager.SYSTEMD:
            listed = {*server.services, *(f"{s}.service" for s in server.services)}
            failed = [u for u in _names(str(found.data.get("failed") or "")) if u not in listed]
            detail = ("failed: " + ", ".join(failed[:10])) if failed else "no failed units"
            results.append(_result(Check(server.name, CheckKind.FAILED_UNITS), not failed,
                                   detail, started, float(len(failed))))
        return results

    async def _http(self, server: Server, probe: HttpProbe) -> CheckResult:
        import httpx

        started = time.monotonic()
        check = Check(server.name, CheckKind.HTTP, probe.url)
        try:
            async with httpx.AsyncClient(timeout=probe.timeout, follow_redirects=False) as web:
                response = await web.get(probe.url)
        except httpx.HTTPError as exc:
            return _result(check, False, f"{probe.url}: {type(exc).__name__}: {exc}"[:500],
                           started)
        status = response.status_code
        ok = status == probe.expect_status
        detail = f"HTTP {status}" + ("" if ok else f" ≠ {probe.expect_status}")
        return _result(check, ok, detail, started, float(status))


def failed_units(result: CheckResult) -> list[str]:
    """The units a ``failed_units`` result names (for a repair run per unit)."""
    return _names(result.detail.removeprefix("failed: ")) if not result.ok else []


def _pairs(text: str) -> dict[str, str]:
    pairs = (item.partition("=") for item in text.split(", ") if "=" in item)
    return {name: state for name, _, state in pairs}


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def _judged(check: Check, reading: Reading | None, record: CommandRecord,
            started: float) -> CheckResult:
    if reading is None:
        return _result(check, False, "cannot read: " + _failure(record), started)
    return _result(check, reading.ok, reading.detail, started, reading.value)


def _failure(record: CommandRecord) -> str:
    """Why a command gave nothing to judge, in one line."""
    if record.refused:
        why = "; ".join(record.reasons[:2]) or record.outcome
        return f"`{record.command}` {record.outcome} by the policy ({why})"
    text = record.error or record.stderr.strip() or f"exit {record.exit_code}"
    lines = [line for line in text.splitlines() if line.strip()]
    return f"{record.outcome}: {lines[-1] if lines else text}"[:500]


def result_of(check: str, server: str, ok: bool, detail: str, started: float,
              value: float | None = None) -> CheckResult:
    """A result of a check that is not one of :class:`CheckKind` (the log check)."""
    return CheckResult(server, check, ok, detail, datetime.now(UTC), value,
                       round(time.monotonic() - started, 4))


def _result(check: Check, ok: bool, detail: str, started: float,
            value: float | None = None) -> CheckResult:
    return CheckResult(check.server, check.name, ok, detail, datetime.now(UTC), value,
                       round(time.monotonic() - started, 4))


Runner = Callable[[Probe], Awaitable[Sequence[CheckResult]]]
