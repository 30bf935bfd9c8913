"""Deterministic runbooks: fix common outages with no model at all.

`repair_service`: status → logs → known remedies (port taken, config error with a backup,
missing directory or file, wrong permission, log flood, dependency down) → restart → verify.
Each remedy is small, reads evidence first and acts only on what it found.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from shturman.hosts.facts import ServiceManager
from shturman.hosts.servicemgr import is_active_output, ports_in_unit, service_command
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

PATH_RE = re.compile(r"(?<![\w.])(/[\w@%+=:,./-]+|~/[\w@%+=:,./-]+)")
CONFIG_SUFFIXES = (".conf", ".cfg", ".ini", ".json", ".yaml", ".yml", ".toml", ".env",
                   ".properties", ".xml")
LOG_FLOOD_BYTES = 50 * 1024 * 1024


@dataclass
class RepairReport:
    service: str
    server: str
    healthy_before: bool = False
    remedies: list[str] = field(default_factory=list)
    results: list[ToolResult] = field(default_factory=list)
    verified: bool = False
    verification: str = ""

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

    mgr = await ctx.manager(server)
    unit_text = ""
    if mgr in (ServiceManager.SYSTEMD, ServiceManager.SYSTEMCTL3):
        unit = await ctx.sh(server, service_command(mgr, "show", service))
        unit_text = unit.stdout if unit.outcome == "ok" else ""
    ports = ports_in_unit(unit_text)
    status = await call(check_service(ctx, server, service))
    if status.data.get("active"):
        probe = await call(verify_fix(ctx, server, service, port=ports[0] if ports else None,
                                      settle_seconds=0))
        if probe.ok:
            report.healthy_before = report.verified = True
            report.verification = probe.summary
            return report
    for _attempt in range(attempts):
        logs = await call(read_logs(ctx, server, service=service, lines=80))
        evidence = "\n".join([logs.output(), status.output()])
        for remedy in REMEDIES:
            described = await remedy(ctx, server, service, unit_text, ports, evidence)
            if described:
                report.remedies.append(described)
                await note(remedy.__name__, described)
        restarted = await call(restart_service(ctx, server, service))
        if restarted.refused:
            report.verification = "restart was not approved / перезапуск не одобрен"
            return report
        probe = await call(verify_fix(ctx, server, service, port=ports[0] if ports else None))
        report.verification = probe.summary
        if probe.ok:
            report.verified = True
            return report
        status = await call(check_service(ctx, server, service))
    return report


Remedy = Callable[[ToolContext, str, str, str, list[int], str], Awaitable[str | None]]

PORT_IN_USE_RE = re.compile(
    r"address already in use|EADDRINUSE|errno 98\b|\(98: |port \d+ (?:is )?already in use",
    re.IGNORECASE)
NO_SPACE_RE = re.compile(r"No space left on device|ENOSPC|errno 28\b|\(28: ", re.IGNORECASE)
DISK_FULL_PERCENT = 95
FLOOD_TAIL_LINES = 200


async def free_taken_port(ctx: ToolContext, server: str, service: str, unit: str,
                          ports: list[int], evidence: str) -> str | None:
    """The service failed to bind (its log says so) and another process holds its port:
    stop that process."""
    if not ports or not PORT_IN_USE_RE.search(evidence):
        return None
    listing = await ctx.sh(server, "ss -ltnp")
    main = await main_pid_of(ctx, server, service)
    freed = []
    for port, _addr, proc in parse_listening(listing.stdout):
        if port not in ports:
            continue
        for pid in owner_pids(proc):
            if pid == main:
                continue
            killed = await ctx.sh(server, f"kill {pid}")
            if killed.outcome != "ok":
                continue
            if await _still_alive(ctx, server, pid):
                await ctx.sh(server, f"kill -9 {pid}")
            freed.append(ctx.say(
                f"порт {port} занимал процесс {pid} ({_proc_name(proc)}): остановлен",
                f"port {port} was taken by pid {pid} ({_proc_name(proc)}): stopped it"))
    return "; ".join(freed) or None


async def restore_config_backup(ctx: ToolContext, server: str, service: str, unit: str,
                                ports: list[int], evidence: str) -> str | None:
    """A config file is broken and a `.bak` copy exists: restore it (keeping the broken one)."""
    candidates = [p for p in _paths(unit + "\n" + evidence) if p.endswith(CONFIG_SUFFIXES)]
    for path in candidates:
        q = shlex.quote(path)
        bak = shlex.quote(path + ".bak")
        same = await ctx.sh(server, f"cmp -s {q} {bak}")
        if same.exit_code != 1:  # 0 = identical, 2 = a file is missing
            continue
        if not await _config_looks_broken(ctx, server, unit, path, evidence):
            continue
        saved = await ctx.sh(server, f"cp -a {q} {shlex.quote(path + '.broken')}")
        restored = await ctx.sh(server, f"cp -a {bak} {q}")
        if saved.outcome == restored.outcome == "ok":
            return ctx.say(f"конфиг {path} был сломан: восстановлен из {path}.bak "
                          "(сломанная копия сохранена как .broken)",
                          f"config {path} was broken: restored {path}.bak "
                          "(broken copy kept as .broken)")
    return None


async def _config_looks_broken(ctx: ToolContext, server: str, unit: str, path: str,
                               evidence: str) -> bool:
    if re.search(r"syntax|parse|invalid|unexpected|emerg|expecting|decode|malformed", evidence,
                 re.IGNORECASE):
        return True
    test = re.search(r"ExecStartPre=(\S*nginx)\s+-t", unit)
    if test:
        result = await ctx.sh(server, f"{test.group(1)} -t")
        return result.outcome == "failed"
    return False


async def recreate_missing(ctx: ToolContext, server: str, service: str, unit: str,
                           ports: list[int], evidence: str) -> str | None:
    """A path the service needs is missing: restore a file from its .bak, or create a dir."""
    fixed = []
    for line in evidence.splitlines():
        if "No such file or directory" not in line and "not found" not in line.lower():
            continue
        for path in _paths(line):
            q = shlex.quote(path)
            exists = await ctx.sh(server, f"test -e {q}")
            if exists.exit_code == 0:
                continue
            backup = await ctx.sh(server, f"test -f {shlex.quote(path + '.bak')}")
            if backup.exit_code == 0:
                done = await ctx.sh(server, f"cp -a {shlex.quote(path + '.bak')} {q}")
                if done.outcome == "ok":
                    fixed.append(ctx.say(f"файл {path} пропал: восстановлен из {path}.bak",
                                         f"file {path} was missing: restored from {path}.bak"))
            elif "." not in path.rsplit("/", 1)[-1] or path.endswith("/"):
                done = await ctx.sh(server, f"mkdir -p {q}")
                if done.outcome == "ok":
                    fixed.append(ctx.say(f"каталога {path} не было: создан",
                                         f"directory {path} was missing: created it"))
    return "; ".join(dict.fromkeys(fixed)) or None


async def fix_permission(ctx: ToolContext, server: str, service: str, unit: str,
                         ports: list[int], evidence: str) -> str | None:
    """The service is denied access to a path it owns: give the owner its access back."""
    fixed = []
    for line in evidence.splitlines():
        if "Permission denied" not in line:
            continue
        for path in _paths(line):
            for target in _self_and_parents(path):
                q = shlex.quote(target)
                mode = await ctx.sh(server, f"stat -c %a {q}")
                value = mode.stdout.strip().zfill(3)
                if mode.outcome != "ok" or not value.isdigit():
                    continue
                if int(value[-3], 8) & 0o7 != 0o7 and await _is_dir(ctx, server, target):
                    done = await ctx.sh(server, f"chmod u+rwx {q}")
                    if done.outcome == "ok":
                        fixed.append(ctx.say(
                            f"у {target} были права {value}: владельцу возвращены rwx",
                            f"{target} had mode {value}: gave its owner rwx"))
                    break
    return "; ".join(dict.fromkeys(fixed)) or None


async def relieve_log_flood(ctx: ToolContext, server: str, service: str, unit: str,
                            ports: list[int], evidence: str) -> str | None:
    """A log flood: a log grew huge, or it filled the filesystem and the service cannot write
    ("No space left on device"). Free the space, keep the evidence."""
    dirs = sorted({p.rsplit("/", 1)[0] for p in _paths(unit + "\n" + evidence)
                   if p.endswith(".log") or "/log" in p})
    no_space = bool(NO_SPACE_RE.search(evidence))
    fixed = []
    for directory in dirs[:5]:
        used = await _disk_used_percent(ctx, server, directory) if no_space else None
        if used is not None and used >= DISK_FULL_PERCENT:
            fixed += await _truncate_flooded(ctx, server, directory, used)
            continue
        found = await ctx.sh(
            server, f"find {shlex.quote(directory)} -maxdepth 2 -type f -name '*.log' "
            f"-size +{LOG_FLOOD_BYTES // 1024 // 1024}M")
        for path in found.stdout.split():
            q = shlex.quote(path)
            moved = await ctx.sh(server, f"mv {q} {shlex.quote(path + '.flood')}")
            if moved.outcome != "ok":
                continue
            await ctx.sh(server, f"gzip -f {shlex.quote(path + '.flood')}")
            await ctx.sh(server, f"touch {q}")
            fixed.append(ctx.say(f"лог {path} переполнен: отложен и сжат",
                                 f"log {path} was flooded: moved aside and compressed"))
    return "; ".join(fixed) or None


async def _truncate_flooded(ctx: ToolContext, server: str, directory: str,
                            used: int) -> list[str]:
    """The filesystem is full, so there is no room to compress next to the log: keep each big
    log's last lines in this run's record, then truncate it in place (a writer holding it open
    keeps writing; deleting an open file would not free the space)."""
    found = await ctx.sh(server, f"find {shlex.quote(directory)} -maxdepth 2 -type f "
                                 "-name '*.log' -size +1M -printf '%s %p\\n'")
    sized = []
    for line in found.stdout.splitlines():
        count, _, path = line.partition(" ")
        if count.isdigit() and path:
            sized.append((int(count), path))
    fixed = []
    for size, path in sorted(sized, reverse=True)[:3]:
        q = shlex.quote(path)
        await ctx.sh(server, f"tail -n {FLOOD_TAIL_LINES} {q}")
        done = await ctx.sh(server, f"truncate -s 0 {q}")
        if done.outcome == "ok":
            fixed.append(ctx.say(
                f"файловая система {directory} заполнена на {used}%: очищен лог {path} "
                f"({size // 1024 // 1024} МБ; последние {FLOOD_TAIL_LINES} строк сохранены "
                "в записи запуска)",
                f"the filesystem of {directory} was {used}% full: truncated flooded log {path} "
                f"({size // 1024 // 1024} MB; its last {FLOOD_TAIL_LINES} lines are kept in "
                "this run's record)"))
    return fixed


async def _disk_used_percent(ctx: ToolContext, server: str, directory: str) -> int | None:
    df = await ctx.sh(server, f"df -P {shlex.quote(directory)}")
    lines = df.stdout.strip().splitlines()
    cols = lines[-1].split() if len(lines) > 1 else []
    if df.outcome != "ok" or len(cols) < 5 or not cols[4].rstrip("%").isdigit():
        return None
    return int(cols[4].rstrip("%"))


async def start_dependencies(ctx: ToolContext, server: str, service: str, unit: str,
                             ports: list[int], evidence: str) -> str | None:
    """A unit this service requires is down: start it first."""
    names: list[str] = []
    for line in unit.splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("Requires", "BindsTo", "Wants", "After"):
            names.extend(v.removesuffix(".service") for v in value.split()
                         if v.endswith(".service") or "." not in v)
    mgr = await ctx.manager(server)
    started = []
    for dep in dict.fromkeys(names):
        if dep in ("network", "network-online", "multi-user", service):
            continue
        state = await ctx.sh(server, service_command(mgr, "is_active", dep))
        if state.refused or is_active_output(mgr, state.stdout):
            continue
        done = await ctx.sh(server, service_command(mgr, "start", dep))
        if done.outcome == "ok":
            started.append(ctx.say(f"зависимость {dep} была остановлена: запущена",
                                   f"dependency {dep} was down: started it"))
    return "; ".join(started) or None


REMEDIES: tuple[Remedy, ...] = (
    start_dependencies,
    free_taken_port,
    restore_config_backup,
    recreate_missing,
    fix_permission,
    relieve_log_flood,
)


async def _still_alive(ctx: ToolContext, server: str, pid: int) -> bool:
    """Alive after a grace period (a zombie has released its port: it counts as gone)."""
    for _ in range(10):
        state = await ctx.sh(server, f"ps -p {pid} -o stat=")
        if not state.stdout.strip() or state.stdout.strip().startswith("Z"):
            return False
        await asyncio.sleep(0.2)
    return True


async def _is_dir(ctx: ToolContext, server: str, path: str) -> bool:
    return (await ctx.sh(server, f"test -d {shlex.quote(path)}")).exit_code == 0


def _paths(text: str) -> list[str]:
    found = []
    for match in PATH_RE.finditer(text):
        path = match.group(1).rstrip(".,:;'\")")
        if len(path) > 1 and not path.startswith(("/dev/", "/proc/", "/sys/")):
            found.append(path)
    return list(dict.fromkeys(found))


def _self_and_parents(path: str) -> list[str]:
    parts = path.rstrip("/").split("/")
    return ["/".join(parts[:i]) for i in range(len(parts), 2, -1)]


def _proc_name(proc: str) -> str:
    match = re.search(r'\(\("([^"]+)"', proc)
    return match.group(1) if match else "unknown"
