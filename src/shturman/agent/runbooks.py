"""Deterministic runbooks: fix common outages with no model at all.

`repair_service`: status → logs → evidence (unit file, the configs it names, the ports it
needs) → remedies that look for their own cause on the host (agent/remedies/: a port taken, a
broken config with a previous version, an EnvironmentFile= moved aside by a package upgrade, a
missing runtime directory, file or directory, a wrong permission, a log flood or a log
directory filled by rotated copies, a dependency down) → restart → verify. When no remedy
can fix it and a restart does not help, the report says so — naming the cause a remedy found
but must leave alone (another account's process on the port, a broken config with no previous
version) or the log line that says why — with the log lines that matter, and nothing else is
touched.

`ensure_service`: check → act only if needed (start, or repair when the start fails) → verify;
the entry point for conditional requests ("is X running? if not, start it").
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from shturman.agent.remedies import REMEDIES, Evidence, Finding, gather, interesting_lines
from shturman.agent.remedies.crashes import (
    CrashState,
    crash_state,
    loop_again,
    loop_note,
    oom_again,
    oom_note,
    reset_failed,
)
from shturman.domain.texts import half
from shturman.tools import ToolContext, ToolResult
from shturman.tools.services import (
    check_service,
    main_pid_of,
    read_logs,
    restart_service,
    verify_fix,
)
from shturman.tools.system import owner_pids, parse_listening

Note = Callable[[str, str], Awaitable[None]]  # (remedy id, description) → autocorrection event
# a log line that says why (not the manager's "Active: failed" echo of it)
CAUSE_WORDS = re.compile(r"\b(?:crit|critical|fatal|emerg|alert|panic|error|exception)\b|"
                         r"<(?:crit|err|emerg|alert)>|\[(?:crit|error|emerg|alert)\]",
                         re.IGNORECASE)


@dataclass
class RepairReport:
    service: str
    server: str
    healthy_before: bool = False
    remedies: list[str] = field(default_factory=list)
    results: list[ToolResult] = field(default_factory=list)
    verified: bool = False
    verification: str = ""
    evidence: list[str] = field(default_factory=list)  # log lines that matter, when unsolved
    findings: list[str] = field(default_factory=list)  # causes found but left alone
    advice: list[str] = field(default_factory=list)  # what it died of, said with the result
    restarts: int = 0

    @property
    def changed(self) -> bool:
        return any(r.changed for r in self.results)


async def repair_service(ctx: ToolContext, server: str, service: str, note: Note,
                         attempts: int = 2) -> RepairReport:
    report = RepairReport(service, server)

    async def call(result: Awaitable[ToolResult]) -> ToolResult:
        done = await result
        report.results.append(done)
        return done

    status = await call(check_service(ctx, server, service))
    ev = await gather(ctx, server, service, "")
    if status.data.get("active"):
        port = await listening_port(ctx, server, service, ev.ports, checks=1)
        probe = await call(verify_fix(ctx, server, service, port=port, settle_seconds=0))
        if probe.ok:
            report.healthy_before = report.verified = True
            report.verification = probe.summary
            return report
    first: CrashState | None = None
    for attempt in range(attempts):
        logs = await call(read_logs(ctx, server, service=service, lines=80))
        ev = await gather(ctx, server, service, _log_text(logs, status))
        crash = await crash_state(ctx, ev)
        if first is not None and (again := _died_again(ctx, ev, first, crash)):
            report.findings.append(again)  # OOM again, or still looping: escalate
            await note("crash_evidence", again)
            break
        first = first or crash
        found = await _apply_remedies(ctx, ev, note, report)
        report.remedies += found
        if attempt > 0 and not found:
            break  # a plain restart already failed and nothing was fixed: touch nothing more
        if attempt == 0 and not await _before_restart(ctx, ev, crash, note, report):
            report.verification = ctx.say("сброс состояния не одобрен",
                                          "resetting the failed state was not approved")
            return report
        restarted = await call(restart_service(ctx, server, service))
        if restarted.refused:
            report.verification = ctx.say("перезапуск не одобрен", "restart was not approved")
            return report
        report.restarts += 1
        port = await listening_port(ctx, server, service, ev.ports)
        probe = await call(verify_fix(ctx, server, service, port=port))
        report.verification = probe.summary
        if probe.ok:
            report.verified = True
            if report.advice:
                report.verification = "; ".join([probe.summary, *report.advice])
            return report
        status = await call(check_service(ctx, server, service))
    await _explain_unsolved(ctx, server, service, report, status)
    return report


def _died_again(ctx: ToolContext, ev: Evidence, first: CrashState, now: CrashState
                ) -> str | None:
    """After the one restart: killed by the OOM killer again, or a loop that goes on."""
    if now.out_of_memory and now.oom_events > first.oom_events:
        return oom_again(ctx, ev, now)
    if first.crash_loop:
        return loop_again(ctx, ev)
    return None


async def _before_restart(ctx: ToolContext, ev: Evidence, crash: CrashState, note: Note,
                          report: RepairReport) -> bool:
    """Say what the service died of; a crash loop's failed state is reset (a manager that
    hit its start limit refuses a plain start). False: the reset was refused."""
    if crash.out_of_memory:
        said = oom_note(ctx, ev, crash)
        report.advice.append(said)
        await note("out_of_memory", said)
    if crash.crash_loop:
        said = loop_note(ctx, ev, crash)
        report.advice.append(said)
        await note("crash_loop", said)
        return await reset_failed(ctx, ev)
    return True


async def ensure_service(ctx: ToolContext, server: str, service: str, note: Note
                         ) -> RepairReport:
    """Check; only when the service is down (or not answering) start it — by the repair
    runbook, so a failed start gets its cause looked for — then verify."""
    status = await check_service(ctx, server, service)
    if status.data.get("active"):
        ev = await gather(ctx, server, service, "")
        port = await listening_port(ctx, server, service, ev.ports, checks=1)
        probe = await verify_fix(ctx, server, service, port=port, settle_seconds=0)
        if probe.ok:
            return RepairReport(service, server, healthy_before=True, results=[status, probe],
                                verified=True, verification=probe.summary)
    return await repair_service(ctx, server, service, note)


async def listening_port(ctx: ToolContext, server: str, service: str,
                         learned: tuple[int, ...], checks: int = 4) -> int | None:
    """The port to verify after a restart: a learned port the unit's main process listens on;
    else the one it does listen on when the learned one is free (the guess was wrong); else the
    learned one (held by another process or nobody: the probe will say so)."""
    first = learned[0] if learned else None
    main = await main_pid_of(ctx, server, service)
    for attempt in range(checks if main is not None else 0):
        listing = await ctx.sh(server, "ss -ltnp")
        if listing.outcome != "ok":
            break
        entries = parse_listening(listing.stdout)
        own = [port for port, _a, proc in entries if main in owner_pids(proc)]
        if own:
            taken = {port for port, _a, _proc in entries}
            match = next((p for p in learned if p in own), None)
            return match or (own[0] if first is None or first not in taken else first)
        if attempt < checks - 1:
            await asyncio.sleep(0.5)
    return first


async def _apply_remedies(ctx: ToolContext, ev: Evidence, note: Note, report: RepairReport
                          ) -> list[str]:
    """Run every remedy; return what they fixed, keep what they only found in ``report``."""
    found = []
    for remedy in REMEDIES:
        described = await remedy(ctx, ev)
        if isinstance(described, Finding):
            if described.cause not in report.findings:
                report.findings.append(described.cause)
                await note(remedy.__name__, described.cause)
        elif described:
            found.append(described)
            await note(remedy.__name__, described)
    return found


def _log_text(logs: ToolResult, status: ToolResult) -> str:
    """The service's own lines: the log command's output (not its error when it failed)
    and the status text."""
    parts = [c.stdout for c in logs.commands if c.outcome == "ok"]
    parts += [c.stdout for c in status.commands]
    return "\n".join(parts)


async def _explain_unsolved(ctx: ToolContext, server: str, service: str,
                            report: RepairReport, status: ToolResult) -> None:
    logs = await read_logs(ctx, server, service=service, lines=80)
    ev = await gather(ctx, server, service, _log_text(logs, status))
    report.evidence = interesting_lines(ev.logs)
    unreachable = [half(c.error, ctx.lang) for r in report.results for c in r.commands
                   if c.outcome == "error"]
    cause = next((line.strip() for line in reversed(report.evidence)
                  if CAUSE_WORDS.search(line)), None)
    if unreachable:
        head = ctx.say(f"не удалось выполнить команды на {server}: {unreachable[-1]}",
                       f"could not run commands on {server}: {unreachable[-1]}")
    elif report.remedies:
        head = ctx.say(f"{service} так и не заработал после исправлений",
                       f"{service} still does not work after the fixes")
    elif report.findings:
        head = ctx.say(f"найдена причина, по которой {service} не запускается: "
                       f"{'; '.join(report.findings)}. Безопасного автоматического исправления "
                       f"нет; {_touched(ctx, report)}",
                       f"found why {service} fails to start: {'; '.join(report.findings)}. "
                       f"There is no safe automatic fix; {_touched(ctx, report)}")
    elif cause:
        head = ctx.say(f"{service} не запускается, причина по журналу: «{cause[:300]}». "
                       f"Безопасного автоматического исправления для неё нет; "
                       f"{_touched(ctx, report)}",
                       f"{service} fails to start; its log says why: \"{cause[:300]}\". There "
                       f"is no safe automatic fix for that; {_touched(ctx, report)}")
    else:
        head = ctx.say(f"не удалось найти причину, по которой {service} не запускается; "
                       f"{_touched(ctx, report)}",
                       f"could not find why {service} fails to start; {_touched(ctx, report)}")
    shown = "\n".join(f"  {line}" for line in report.evidence) or ctx.say(
        "  (в журнале нет строк с ошибками)", "  (no error lines in its log)")
    report.verification = (f"{head} ({report.verification}).\n"
                           f"{ctx.say('Строки журнала', 'Log lines')}:\n{shown}")


def _touched(ctx: ToolContext, report: RepairReport) -> str:
    if report.restarts == 1:
        return ctx.say("ничего не изменено, кроме одной попытки перезапуска (она не помогла)",
                       "nothing was changed except one restart attempt (it did not help)")
    if report.restarts:
        return ctx.say(f"ничего не изменено, кроме попыток перезапуска ({report.restarts}, "
                       "не помогли)", f"nothing was changed except {report.restarts} restart "
                       "attempts (they did not help)")
    return ctx.say("ничего не изменено", "nothing was changed")


Runbook = Callable[[ToolContext, str, str, Note], Awaitable[RepairReport]]
# action tools the ActionRunner hands to a runbook instead of a single tool
RUNBOOKS: dict[str, Runbook] = {"repair_service": repair_service,
                                "ensure_service": ensure_service}
