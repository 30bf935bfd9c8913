"""Monitoring as a use-case: check a server, move each check's state, alert on transitions,
start a diagnosis run when a listed service goes down or logs a new error, answer
`shturman health`.

One ``check`` job checks one server (:func:`register` adds the kind; :func:`schedules` gives
one schedule per server for the job scheduler, and one ``logs:NAME`` schedule of the log
check — a ``check`` job with ``{"logs": true}``). Everything a check job decides is stored
before it is told: results and states in one transaction, so a restart neither forgets an
incident nor alerts it twice; the log check's cursor and the signatures it acted on are saved
before its alerts go out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from shturman.domain.jobs import JobPayload, JobSpec, Priority
from shturman.domain.models import LOCAL_SERVER, RunMode, Server
from shturman.domain.monitoring import (
    Autofix,
    CheckKind,
    CheckResult,
    CheckState,
    CheckStatus,
    Transition,
    advance,
)
from shturman.jobs import HandlerRegistry, JobContext, Schedule
from shturman.observability import metrics
from shturman.observability.logging import get_logger
from shturman.services.inventory import Inventory
from shturman.services.monitoring.alerts import Alert, AlertSender
from shturman.services.monitoring.logs import (
    ErrorMatcher,
    LogCursor,
    LogError,
    LogReader,
    LogSource,
)
from shturman.services.monitoring.probes import (
    ACTOR,
    HttpProbe,
    Probe,
    Prober,
    Thresholds,
    result_of,
)
from shturman.services.monitoring.probes import failed_units as units_of
from shturman.store.repositories.monitoring import MonitoringRepo

if TYPE_CHECKING:
    from shturman.config import MonitoredServer, MonitoringSettings
    from shturman.services.jobs import JobService

log = get_logger("shturman.monitoring")

CHECK_KIND = "check"  # the job kind
REPAIR_TEXT = {"ru": "почини {service} на {server}", "en": "repair {service} on {server}"}
MAX_RUNS_PER_INCIDENT = 3  # failed units: one run each, at most this many
LOG_CHECK = "logs"  # the log check's name (its state, results and memo)


@dataclass(frozen=True, slots=True)
class Round:
    """One check job's work: the results, what they changed, the runs started."""

    server: str
    results: list[CheckResult]
    transitions: list[Transition]
    runs: list[str]

    def as_json(self) -> JobPayload:
        return {"server": self.server, "checks": len(self.results),
                "failed": [r.check for r in self.results if not r.ok],
                "transitions": [f"{t.status.check}: {t.before or 'new'} → {t.status.state}"
                                for t in self.transitions if t.changed],
                "runs": self.runs}


class MonitoringService:
    def __init__(self, cfg: MonitoringSettings, inventory: Inventory, repo: MonitoringRepo,
                 prober: Prober, alerts: AlertSender, jobs: Callable[[], JobService], *,
                 language: str = "ru") -> None:
        self._cfg = cfg
        self._inventory = inventory
        self._repo = repo
        self._prober = prober
        self._alerts = alerts
        self._jobs = jobs
        self._lang = language
        self._matcher = ErrorMatcher(cfg.logs.patterns, cfg.logs.ignore)

    # --- what is watched --------------------------------------------------------------

    def watched(self, server: Server) -> bool:
        own = self._cfg.servers.get(server.name)
        if own is not None and not own.enabled:
            return False
        return server.name != LOCAL_SERVER or self._cfg.local

    async def targets(self) -> list[Server]:
        """Every server the checks cover (config file, registry, and `local` if asked)."""
        return [s for s in await self._inventory.all() if self.watched(s)]

    def autofix(self, server: str) -> Autofix:
        own = self._cfg.servers.get(server)
        chosen = own.autofix if own is not None and own.autofix is not None else self._cfg.autofix
        return Autofix(chosen)

    def interval(self, server: str) -> float:
        own = self._cfg.servers.get(server)
        return own.interval if own is not None and own.interval else self._cfg.interval

    def probe(self, server: Server) -> Probe:
        return Probe(server, self.thresholds(server.name), tuple(
            HttpProbe(h.url, h.expect_status, h.timeout) for h in self._own(server.name).http))

    def thresholds(self, server: str) -> Thresholds:
        """The server's own limits where it has them, else the ``monitoring.*`` ones."""
        own, cfg = self._own(server), self._cfg
        return Thresholds(
            own.disk_percent if own.disk_percent is not None else cfg.disk_percent,
            own.memory_percent if own.memory_percent is not None else cfg.memory_percent,
            own.load_per_core if own.load_per_core is not None else cfg.load_per_core)

    def log_sources(self, server: Server) -> list[LogSource]:
        """What the log check reads: the journal of each listed service (or of the server's
        ``log_services``) and each of its ``log_files``."""
        own = self._own(server.name)
        services = own.log_services if own.log_services is not None else server.services
        return [*(LogSource(s) for s in services),
                *(LogSource(service, path) for path, service in own.log_files.items())]

    def _own(self, server: str) -> MonitoredServer:
        from shturman.config import MonitoredServer

        return self._cfg.servers.get(server) or MonitoredServer()

    # --- one round ----------------------------------------------------------------------

    async def check_server(self, name: str) -> Round:
        """Check one server now: store the results, move the states, alert on transitions,
        start a diagnosis run for what went down (by its ``autofix``), prune old results."""
        server = await self._inventory.get(name)
        results = await self._prober.run(self.probe(server))
        transitions = await self._repo.record(results, self._decide)
        runs: list[str] = []
        by_check = {r.check: r for r in results}
        for transition in transitions:
            if transition.alert is None:
                continue
            alert = await self._respond(server, transition, by_check[transition.status.check])
            if alert.run_id is not None:
                runs.append(alert.run_id)
            await self._alerts.send(alert)
        await self._forget_unlisted(server, results)
        cutoff = datetime.now(UTC) - timedelta(days=self._cfg.retention_days)
        await self._repo.prune(cutoff, server.name)
        metrics.observe_checks(server.name, [t.status for t in transitions])
        return Round(server.name, results, transitions, runs)

    def _decide(self, stored: CheckStatus | None, result: CheckResult) -> Transition:
        """The state machine, with the load's own count: it is down only after
        ``load_readings`` readings over the limit in a row (a burst is not an incident),
        and never alerted while merely failing."""
        if result.check == CheckKind.LOAD.value:
            return advance(stored, result, down_after=self._cfg.load_readings)
        return advance(stored, result, down_after=self._cfg.down_after,
                       alert_failing=self._cfg.alert_on_failing)

    # --- the log check --------------------------------------------------------------------

    async def check_logs(self, name: str) -> Round:
        """Read the server's logs since the previous log check, store what it found as the
        ``logs`` result, and act once on each error signature not acted on within
        ``monitoring.logs.cooldown``: a diagnosis run of the service that logged it (by the
        server's ``autofix``; ``off``: the alert names the request instead)."""
        server = await self._inventory.get(name)
        sources = self.log_sources(server)
        if not sources:
            return Round(server.name, [], [], [])
        cfg = self._cfg.logs
        started = time.monotonic()
        cursor = LogCursor.parse(await self._repo.memo(server.name, LOG_CHECK))
        reader, ctx = LogReader(cfg.max_lines, cfg.max_bytes), self._prober.context(server)
        found: list[LogError] = []
        problems: list[str] = []
        for source in sources:
            read = await reader.read(ctx, server.name, source, cursor.sources.get(source.key))
            cursor.sources[source.key] = read.entry
            if read.problem:
                problems.append(f"{source.key}: {read.problem}")
            found += self._matcher.errors(source, read.lines)
        at = datetime.now(UTC)
        fresh: dict[str, LogError] = {}
        for error in found:
            if error.signature not in fresh and cursor.fresh(error.signature, at, cfg.cooldown):
                fresh[error.signature] = error
                cursor.acted(error.signature, at)
        result = result_of(LOG_CHECK, server.name, not found and not problems,
                           _log_detail(found, fresh, problems), started, float(len(found)))
        transitions = await self._repo.record([result], self._decide)
        await self._repo.save_memo(server.name, LOG_CHECK, cursor.dump())
        metrics.ERRORS.labels(source="log").inc(len(found))
        metrics.observe_checks(server.name, [t.status for t in transitions])
        runs = []
        for service, errors in _by_service(fresh.values()).items():
            alert = await self._log_alert(server, transitions[0], service, errors)
            if alert.run_id is not None:
                runs.append(alert.run_id)
            await self._alerts.send(alert)
        return Round(server.name, [result], transitions, runs)

    async def _log_alert(self, server: Server, transition: Transition, service: str,
                         errors: list[LogError]) -> Alert:
        autofix = self.autofix(server.name)
        repair = self.repair_text(service, server) if service else None
        run_id = None
        if service and autofix is not Autofix.OFF:
            run_id = await self._start_repairs(server, [service], LOG_CHECK)
        log.info("monitoring.log_error", server=server.name, service=service,
                 signatures=[e.signature for e in errors], run=run_id)
        return Alert(transition, run_id=run_id, repair=repair, autofix=autofix.value,
                     errors=tuple(errors))

    async def _respond(self, server: Server, transition: Transition,
                       result: CheckResult) -> Alert:
        """What to do about a transition: on ``down`` of a service (or, with ``autofix:
        all``, of failed units) a repair run in autonomous mode; otherwise the alert names
        the request a person can hand to the agent."""
        autofix = self.autofix(server.name)
        status = transition.status
        services = self._repairable(status, result, autofix)
        repair = self.repair_text(services[0], server) if services else None
        if transition.alert is not CheckState.DOWN or not services or autofix is Autofix.OFF:
            return Alert(transition, repair=repair, autofix=autofix.value)
        run_id = await self._start_repairs(server, services, status.check)
        if run_id is not None:
            await self._repo.set_run(server.name, status.check, status.incident, run_id)
        return Alert(transition, run_id=run_id, repair=repair, autofix=autofix.value)

    async def _start_repairs(self, server: Server, services: Sequence[str], check: str
                             ) -> str | None:
        """A diagnosis run (autonomous mode, high priority) per service, at most
        ``MAX_RUNS_PER_INCIDENT``; the first run's id."""
        run_ids = []
        for service in services[:MAX_RUNS_PER_INCIDENT]:
            job = await self._jobs().submit_run(
                self.repair_text(service, server), ACTOR, server=server.name,
                mode=RunMode.AUTONOMOUS, priority=Priority.HIGH)
            log.info("monitoring.diagnosis_started", server=server.name, check=check,
                     job=job.id, run=job.run_id)
            if job.run_id is not None:
                run_ids.append(job.run_id)
        return run_ids[0] if run_ids else None

    @staticmethod
    def _repairable(status: CheckStatus, result: CheckResult, autofix: Autofix) -> list[str]:
        kind, _, target = status.check.partition(":")
        if kind == CheckKind.SERVICE.value and target:
            return [target]
        if kind == CheckKind.FAILED_UNITS.value and autofix is Autofix.ALL:
            return [u.removesuffix(".service") for u in units_of(result)]
        return []

    def repair_text(self, service: str, server: Server) -> str:
        """The request a diagnosis run starts with: the no-model engine's ``service_repair``
        (status → logs → known remedies → restart → verify). A service the server does not
        list (one named by a ``log_files`` entry) gets its unit suffix: the engine knows
        listed services by name, and any word as a service only in the unit form."""
        unit = service if service in server.services or "." in service or "@" in service \
            else f"{service}.service"
        return REPAIR_TEXT.get(self._lang, REPAIR_TEXT["en"]).format(service=unit,
                                                                     server=server.name)

    async def _forget_unlisted(self, server: Server, results: Sequence[CheckResult]) -> None:
        """A service taken off the server's list, an HTTP check removed: its state goes."""
        if not results[0].ok:  # unreachable: the other checks were not run, keep them
            return
        current = {r.check for r in results} | {LOG_CHECK}  # its own job keeps it
        gone = [s.check for s in await self._repo.states(server.name)
                if s.check not in current]
        await self._repo.forget(server.name, gone)

    # --- reading --------------------------------------------------------------------------

    async def health(self, server: str | None = None) -> list[CheckStatus]:
        """The stored state of every check (of one server, by name or alias)."""
        name = (await self._inventory.get(server)).name if server is not None else None
        return await self._repo.states(name)

    async def history(self, server: str, check: str | None = None, *,
                      limit: int = 100) -> list[CheckResult]:
        name = (await self._inventory.get(server)).name
        return await self._repo.results(name, check, limit=limit)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait (at most ``timeout`` seconds) for alert webhooks still being delivered."""
        await self._alerts.drain(timeout)


def schedules(servers: Sequence[Server], monitoring: MonitoringService,
              cfg: MonitoringSettings) -> list[Schedule]:
    """One ``check`` schedule per watched server (``check:NAME``): the scheduler fires each
    once per interval across all processes, and skips a tick whose previous check still runs.
    With ``monitoring.logs.enabled``, one ``logs:NAME`` schedule per server that has logs to
    read (every ``monitoring.logs.interval`` seconds)."""
    watched = [s for s in servers if monitoring.watched(s)]
    found = [Schedule(f"check:{s.name}", JobSpec(
        kind=CHECK_KIND, payload={"server": s.name}, priority=int(Priority.HIGH),
        server=s.name, timeout=cfg.check_timeout, actor=str(ACTOR)),
        every=monitoring.interval(s.name)) for s in watched]
    if cfg.logs.enabled:
        found += [Schedule(f"logs:{s.name}", JobSpec(
            kind=CHECK_KIND, payload={"server": s.name, "logs": True},
            priority=int(Priority.MEDIUM), server=s.name, timeout=cfg.check_timeout,
            actor=str(ACTOR)), every=cfg.logs.interval)
            for s in watched if monitoring.log_sources(s)]
    return found


def register(registry: HandlerRegistry, monitoring: Callable[[], MonitoringService]) -> None:
    """The ``check`` kind: payload ``{"server": NAME}``. Read-only commands only, so a
    retried check is harmless; the state machine makes a repeated result idempotent in
    what it alerts."""
    from shturman.domain.errors import UnknownServerError

    async def check(payload: JobPayload, ctx: JobContext) -> JobPayload:
        name = str(payload["server"])
        service = monitoring()
        try:
            done = await (service.check_logs(name) if payload.get("logs")
                          else service.check_server(name))
        except UnknownServerError:
            return {"server": name, "skipped": "unknown server (removed?)"}
        if done.runs:
            await ctx.progress(runs=done.runs)
        return done.as_json()

    registry.register(CHECK_KIND, check)


def _by_service(errors: Iterable[LogError]) -> dict[str, list[LogError]]:
    grouped: dict[str, list[LogError]] = {}
    for error in errors:
        grouped.setdefault(error.source.service, []).append(error)
    return grouped


def _log_detail(found: Sequence[LogError], fresh: dict[str, LogError],
                problems: Sequence[str]) -> str:
    """The ``logs`` result in one line: how many error lines, how many new signatures, the
    first new (or first) line; what could not be read."""
    parts = []
    if found:
        signatures = len({e.signature for e in found})
        shown = next(iter(fresh.values()), found[0])
        parts.append(f"{len(found)} error line(s), {signatures} signature(s), "
                     f"{len(fresh)} new; {shown.source.key}: {shown.line}")
    else:
        parts.append("no error lines")
    parts += problems[:3]
    return "; ".join(parts)[:1000]
