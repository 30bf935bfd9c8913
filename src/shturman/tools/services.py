"""Service tools: status, start/stop/restart, logs, verification. Manager-aware."""

from __future__ import annotations

import asyncio
import re
import shlex
from dataclasses import replace
from typing import assert_never

from shturman.domain.models import Risk
from shturman.domain.plurals import counted
from shturman.hosts.facts import ServiceManager
from shturman.hosts.journal import (
    JournalRead,
    JournalTrouble,
    judge_journal,
    listed_files,
    unit_log_files,
    unit_missing,
)
from shturman.hosts.servicemgr import is_active_output, ports_in_unit, service_command
from shturman.tools.base import CommandRecord, ToolContext, ToolResult, tool
from shturman.tools.system import http_status, port_listeners


@tool(risk=Risk.READ)
async def check_service(ctx: ToolContext, server: str, service: str) -> ToolResult:
    """Is the service running? Reports its state (active/inactive/failed) and status text."""
    mgr = await ctx.manager(server)
    state = await ctx.sh(server, service_command(mgr, "is_active", service))
    status = await ctx.sh(server, service_command(mgr, "status", service))
    active = is_active_output(mgr, state.stdout)
    word = state.stdout.strip().splitlines()[0] if state.stdout.strip() else "unknown"
    ok = not state.refused and state.outcome in ("ok", "failed")
    return ToolResult("check_service", server, ok, f"{service}: {word}",
                      (state, status), data={"active": active, "state": word,
                                             "service": service, "manager": mgr.value})


@tool(risk=Risk.READ)
async def service_states(ctx: ToolContext, server: str) -> ToolResult:
    """The state of every service listed for the server, and units the manager reports failed."""
    mgr = await ctx.manager(server)
    listed = tuple(ctx.server(server).services)
    records: list[CommandRecord] = []
    states: dict[str, str] = {}
    if listed and mgr in (ServiceManager.SYSTEMD, ServiceManager.SYSTEMCTL3):
        names = " ".join(shlex.quote(s) for s in listed)
        record = await ctx.sh(server, f"systemctl is-active {names}")
        records.append(record)
        lines = record.stdout.split()
        if len(lines) == len(listed):
            states = dict(zip(listed, lines, strict=True))
    for service in listed:
        if service not in states:
            record = await ctx.sh(server, service_command(mgr, "is_active", service))
            records.append(record)
            word = record.stdout.strip().splitlines()[0] if record.stdout.strip() else "unknown"
            states[service] = "active" if is_active_output(mgr, record.stdout) else word
    failed: list[str] = []
    if mgr is ServiceManager.SYSTEMD:
        record = await ctx.sh(server, "systemctl list-units --state=failed --no-legend --plain "
                                      "--no-pager")
        records.append(record)
        failed = [line.split()[0] for line in record.stdout.splitlines() if line.split()]
    down = [s for s, state in states.items() if state != "active"]
    parts = [f"{s}: {state}" for s, state in states.items()]
    if failed:
        parts.append(ctx.say(f"упавшие юниты: {', '.join(failed)}",
                             f"failed units: {', '.join(failed)}"))
    if not parts:
        parts.append(ctx.say("сервисы не указаны в инвентаре", "no services listed"))
    ok = not down and not failed and not any(r.refused for r in records)
    return ToolResult("service_states", server, ok, "; ".join(parts), tuple(records),
                      data={"states": ", ".join(f"{s}={v}" for s, v in states.items()),
                            "failed": ", ".join(failed), "down": ", ".join(down),
                            "manager": mgr.value})


async def _lifecycle(ctx: ToolContext, name: str, server: str, service: str,
                     action: str) -> ToolResult:
    mgr = await ctx.manager(server)
    record = await ctx.sh(server, service_command(mgr, action, service))  # type: ignore[arg-type]
    ok = record.outcome == "ok"
    refusal = {"denied": ("не одобрено", "not approved"),
               "blocked": ("заблокировано политикой", "blocked by the policy")}
    what = (record.stderr.strip().splitlines()[-1] if record.stderr.strip()
            else ctx.say(*refusal[record.outcome]) if record.outcome in refusal
            else record.outcome)
    verb = {"start": ("запуск", "start"), "stop": ("остановка", "stop"),
            "restart": ("перезапуск", "restart")}[action]
    done = ctx.say("выполнено", "ok") if ok else what
    return ToolResult(name, server, ok, f"{ctx.say(*verb)} {service}: {done}",
                      (record,), changed=ok, data={"service": service})


@tool(risk=Risk.CHANGE)
async def start_service(ctx: ToolContext, server: str, service: str,
                        only_if_down: bool = False) -> ToolResult:
    """Start a service with the server's service manager (only_if_down: check first and do
    nothing when it is already active)."""
    if only_if_down:
        mgr = await ctx.manager(server)
        state = await ctx.sh(server, service_command(mgr, "is_active", service))
        if not state.refused and is_active_output(mgr, state.stdout):
            return ToolResult("start_service", server, True, ctx.say(
                f"{service} уже работает — запускать не нужно",
                f"{service} is already active: nothing to do"), (state,),
                data={"service": service, "already_active": True})
    return await _lifecycle(ctx, "start_service", server, service, "start")


@tool(risk=Risk.CHANGE)
async def stop_service(ctx: ToolContext, server: str, service: str) -> ToolResult:
    """Stop a service with the server's service manager."""
    return await _lifecycle(ctx, "stop_service", server, service, "stop")


@tool(risk=Risk.CHANGE)
async def restart_service(ctx: ToolContext, server: str, service: str) -> ToolResult:
    """Restart a service with the server's service manager."""
    return await _lifecycle(ctx, "restart_service", server, service, "restart")


@tool(risk=Risk.READ)
async def read_logs(ctx: ToolContext, server: str, service: str | None = None,
                    path: str | None = None, container: str | None = None,
                    lines: int = 100) -> ToolResult:
    """Read recent log lines of a service (journal, else the files its unit writes to or
    /var/log/SERVICE*), a log file or a docker container."""
    lines = max(1, min(lines, 2000))
    if container:
        command = service_command(ServiceManager.DOCKER, "logs", container, lines)
    elif path:
        command = f"tail -n {lines} {shlex.quote(path)}"
    elif service:
        mgr = await ctx.manager(server)
        if mgr in (ServiceManager.SYSTEMD, ServiceManager.SYSTEMCTL3, ServiceManager.NONE):
            return await _service_logs(ctx, server, mgr, service, lines)
        command = service_command(mgr, "logs", service, lines)
    else:
        command = f"journalctl -n {lines} --no-pager"
    record = await ctx.sh(server, command)
    return _lines_result(ctx, server, (record,))


def _lines_result(ctx: ToolContext, server: str, records: tuple[CommandRecord, ...],
                  note: str = "", ok: bool | None = None, **data: str | bool | None
                  ) -> ToolResult:
    count = sum(len(r.stdout.splitlines()) for r in records if r.outcome == "ok")
    done = all(r.outcome == "ok" for r in records[-1:]) if ok is None else ok
    summary = counted(count, ctx.lang, ("строка лога", "строки лога", "строк лога"),
                      ("log line", "log lines"))
    return ToolResult("read_logs", server, done, f"{note}; {summary}" if note else summary,
                      records, data={"lines": count, **data})


async def _service_logs(ctx: ToolContext, server: str, mgr: ServiceManager, service: str,
                        lines: int) -> ToolResult:
    """The journal; when it cannot say (not installed, no journal, no permission, the tool
    crashed), say why and read the unit's StandardOutput= files or /var/log/SERVICE*."""
    record = await ctx.sh(server, service_command(mgr, "logs", service, lines))
    if record.refused or record.outcome == "error":
        return _lines_result(ctx, server, (record,))
    read = judge_journal(record.exit_code, record.stdout, record.stderr)
    if read.trouble is None:
        return _lines_result(ctx, server, (record,))
    # the journal's own words stay in the audit log; the report and the model get one line
    why = _journal_trouble(ctx, read)
    quiet = replace(record, stdout="", stderr=why)
    unit = await ctx.sh(server, service_command(mgr, "show", service))
    missing = unit_missing(unit.exit_code, unit.stdout, unit.stderr)
    files = unit_log_files(unit.stdout) if unit.outcome == "ok" else []
    if not files:
        found = await ctx.sh(server, f"find /var/log -maxdepth 2 -type f -path "
                                     f"{shlex.quote('/var/log/' + service + '*')}")
        files = sorted(listed_files(found.stdout) if found.outcome == "ok" else [],
                       key=lambda p: ("err" not in p.rsplit("/", 1)[-1], p))[:2]
    tails = tuple([await ctx.sh(server, f"tail -n {lines} {shlex.quote(f)}") for f in files])
    read_from = [r.command.rsplit(" ", 1)[-1] for r in tails if r.outcome == "ok"]
    if missing:
        note = ctx.say(f"юнит {service} не найден на {server}",
                       f"unit {service} not found on {server}")
        if read_from:
            note += ctx.say(f"; читаю файлы: {', '.join(read_from)}",
                            f"; reading files: {', '.join(read_from)}")
    elif read_from:
        note = ctx.say(f"{why}; читаю файлы: {', '.join(read_from)}",
                       f"{why}; reading files instead: {', '.join(read_from)}")
    else:
        note = ctx.say(f"{why}; файлов лога {service} не нашлось (юнит, /var/log/{service}*)",
                       f"{why}; no log files of {service} found (unit, /var/log/{service}*)")
    return _lines_result(ctx, server, (quiet, *tails), note, ok=bool(read_from),
                         journal=read.trouble.value, unit_missing=missing,
                         log_files=", ".join(read_from) or None)


def _journal_trouble(ctx: ToolContext, read: JournalRead) -> str:
    if read.trouble is None:
        return ""
    detail = f" ({read.detail})" if read.detail else ""
    match read.trouble:
        case JournalTrouble.NOT_INSTALLED:
            return ctx.say("journalctl не установлен", "journalctl is not installed")
        case JournalTrouble.NO_JOURNAL:
            return ctx.say("журнала systemd на сервере нет", "the server has no systemd journal")
        case JournalTrouble.PERMISSION:
            return ctx.say("нет прав читать журнал", "no permission to read the journal")
        case JournalTrouble.TOOL_CRASHED:
            return ctx.say(f"journalctl завершился с ошибкой самого инструмента{detail}",
                           f"journalctl itself crashed{detail}")
        case JournalTrouble.EMPTY:
            return ctx.say("в журнале нет записей", "the journal has no entries")
        case JournalTrouble.FAILED:
            return ctx.say(f"journalctl не сработал{detail}", f"journalctl failed{detail}")
        case _:
            assert_never(read.trouble)


async def unit_ports(ctx: ToolContext, server: str, service: str) -> list[int]:
    mgr = await ctx.manager(server)
    if mgr not in (ServiceManager.SYSTEMD, ServiceManager.SYSTEMCTL3):
        return []
    unit = await ctx.sh(server, service_command(mgr, "show", service))
    return ports_in_unit(unit.stdout) if unit.outcome == "ok" else []


@tool(risk=Risk.READ)
async def verify_fix(ctx: ToolContext, server: str, service: str | None = None,
                     port: int | None = None, url: str | None = None,
                     settle_seconds: float = 1.0) -> ToolResult:
    """Verify a fix: the service is active (and stays so), its port listens, the URL answers."""
    await asyncio.sleep(max(0.0, min(settle_seconds, 10.0)))
    checks: list[str] = []
    records: list[CommandRecord] = []
    ok = True
    main_pid: int | None = None
    if service:
        mgr = await ctx.manager(server)
        state = await ctx.sh(server, service_command(mgr, "is_active", service))
        records.append(state)
        active = is_active_output(mgr, state.stdout)
        ok &= active
        checks.append(ctx.say(f"сервис {service} {'работает' if active else 'НЕ работает'}",
                              f"service {service} {'active' if active else 'NOT active'}"))
        if port is None:
            ports = await unit_ports(ctx, server, service)
            port = ports[0] if ports else None
        if port is not None:
            main_pid = await main_pid_of(ctx, server, service)
            if url is None:
                url = f"http://127.0.0.1:{port}/"
    if port is not None:
        owned, summary, port_records = await _port_check(ctx, server, port, main_pid)
        records.extend(port_records)
        ok &= owned
        checks.append(summary)
    if url:
        status, record = await http_status(ctx, server, url)
        records.append(record)
        protocol_mismatch = status is None and record.exit_code in CURL_NOT_HTTP
        if protocol_mismatch:
            checks.append(ctx.say(f"{url}: не HTTP, пропущено",
                                  f"{url}: not an HTTP service, skipped"))
        else:
            good = status is not None and status < 500
            ok &= good
            answer = status if status is not None else ctx.say("нет ответа", "no answer")
            checks.append(f"{url} → HTTP {answer}")
    if not checks:
        return ToolResult("verify_fix", server, False, "nothing to verify", tuple(records))
    return ToolResult("verify_fix", server, ok, "; ".join(checks), tuple(records),
                      data={"verified": ok, "port": port, "url": url})


CURL_NOT_HTTP = (1, 8, 52, 56)  # unsupported protocol, weird reply, empty reply, recv error


async def main_pid_of(ctx: ToolContext, server: str, service: str) -> int | None:
    mgr = await ctx.manager(server)
    if mgr not in (ServiceManager.SYSTEMD, ServiceManager.SYSTEMCTL3):
        return None
    shown = await ctx.sh(server, f"systemctl show -p MainPID {service}")
    match = re.search(r"MainPID=(\d+)", shown.stdout)
    return int(match.group(1)) if match and match.group(1) != "0" else None


async def _port_check(ctx: ToolContext, server: str, port: int, main_pid: int | None
                      ) -> tuple[bool, str, list[CommandRecord]]:
    """Does the port listen — and, when the service's main PID is known, is it the owner?"""
    found = await port_listeners(ctx, server, port)
    owners = list(found.pids)
    listing = found.records[-1]
    if not found.listening:
        return False, ctx.say(f"порт {port} НЕ слушается", f"port {port} NOT listening"), list(
            found.records)
    if main_pid is None or not owners or main_pid in owners:
        return True, ctx.say(f"порт {port} слушается", f"port {port} listening"), [listing]
    parents = await ctx.sh(server, "ps -o ppid= -p " + ",".join(map(str, owners)))
    if str(main_pid) in parents.stdout.split():
        return True, ctx.say(f"порт {port} слушается (дочерний процесс {main_pid})",
                             f"port {port} listening (worker of pid {main_pid})"), [
            listing, parents]
    pids = ", ".join(map(str, owners))
    return (False, ctx.say(f"порт {port} держит чужой процесс (pid {pids}), а не сервис "
                           f"(pid {main_pid})",
                           f"port {port} held by another process (pid {pids}), not by the "
                           f"service (pid {main_pid})"), [listing, parents])
