"""System tools: arbitrary commands, health, ports, HTTP checks, docker."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit

from shturman.domain.models import Risk
from shturman.domain.plurals import counted
from shturman.hosts.facts import ServiceManager, parse_fuser, parse_lsof
from shturman.hosts.servicemgr import service_command
from shturman.tools.base import CommandRecord, ToolContext, ToolResult, tool

HEALTH = {
    "disk": "df -hP",
    "memory": "free -m",
    "load": "uptime",
    "uptime": "uptime",
    "processes": "ps aux --sort=-%cpu",
    "failed": "systemctl list-units --state=failed --no-pager",
}
ALL_PARTS = ("disk", "memory", "load", "processes")


@tool(risk=Risk.CHANGE)
async def run_command(ctx: ToolContext, server: str, command: str,
                      timeout: float | None = None) -> ToolResult:
    """Run one shell command on a server (the policy decides whether it may run)."""
    record = await ctx.sh(server, command, timeout=timeout)
    ok = record.outcome == "ok"
    refused = {"blocked": ctx.say("заблокировано", "blocked"),
               "denied": ctx.say("не одобрено", "not approved")}
    summary = f"exit {record.exit_code}" if record.exit_code is not None else refused.get(
        record.outcome, record.outcome)
    return ToolResult("run_command", server, ok, summary, (record,),
                      changed=ok and record.decision == "confirm")


@tool(risk=Risk.READ)
async def system_health(ctx: ToolContext, server: str, part: str = "all") -> ToolResult:
    """Disk, memory, load, uptime, top processes or failed units ('all' = the usual four)."""
    parts = ALL_PARTS if part == "all" else (part,)
    if any(p not in HEALTH for p in parts):
        raise ValueError(f"part must be one of: all, {', '.join(HEALTH)}")
    records = []
    for p in parts:
        record = await ctx.sh(server, HEALTH[p])
        if p == "processes":
            record = _head(record, 15)
        records.append(record)
    ok = all(r.outcome == "ok" for r in records)
    names = {"disk": "диск", "memory": "память", "load": "нагрузка", "uptime": "аптайм",
             "processes": "процессы", "failed": "упавшие юниты"}
    shown = ", ".join(names[p] for p in parts) if ctx.lang == "ru" else ", ".join(parts)
    return ToolResult("system_health", server, ok, shown, tuple(records),
                      data=_health_data(records, parts))


def _head(record: CommandRecord, n: int) -> CommandRecord:
    lines = record.stdout.splitlines()
    from dataclasses import replace

    return replace(record, stdout="\n".join(lines[:n]) + ("\n" if lines else ""))


def _health_data(records: list[CommandRecord], parts: tuple[str, ...]) -> dict[str, str]:
    data: dict[str, str] = {}
    for part, record in zip(parts, records, strict=True):
        if part == "disk":
            worst = ""
            best = -1
            for line in record.stdout.splitlines()[1:]:
                cols = line.split()
                if (len(cols) >= 6 and cols[4].endswith("%") and cols[4][:-1].isdigit()
                        and int(cols[4][:-1]) > best):
                    best, worst = int(cols[4][:-1]), f"{cols[5]} {cols[4]}"
            data["disk_fullest"] = worst
        elif part == "memory":
            for line in record.stdout.splitlines():
                cols = line.split()
                if cols and cols[0].startswith("Mem") and len(cols) >= 3:
                    data["memory_used"] = f"{cols[2]}/{cols[1]} MiB"
        elif part in ("load", "uptime"):
            match = re.search(r"load averages?:\s*(.+)$", record.stdout)
            if match:
                data["load"] = match.group(1).strip()
            up = re.search(r"up\s+(.+?),\s+\d+\s+users?", record.stdout)
            if up:
                data["uptime"] = up.group(1).strip()
    return data


LISTEN_LINE = re.compile(r"(?P<addr>\S+):(?P<port>\d+)\s+\S+\s*(?P<proc>users:.*)?$")


def parse_listening(ss_output: str) -> list[tuple[int, str, str]]:
    """(port, address, process) from `ss -ltnp` output."""
    found = []
    for line in ss_output.splitlines():
        if not line.startswith("LISTEN"):
            continue
        cols = line.split()
        if len(cols) < 5:
            continue
        addr, _, port = cols[3].rpartition(":")
        proc = " ".join(cols[5:]) if len(cols) > 5 else ""
        if port.isdigit():
            found.append((int(port), addr, proc))
    return found


def owner_pids(process_field: str) -> list[int]:
    return [int(p) for p in re.findall(r"pid=(\d+)", process_field)]


NOT_FOUND_EXITS = (126, 127)


@dataclass(frozen=True, slots=True)
class Listeners:
    """Who listens on a port, as the host's own tools tell (``known`` False: none could)."""

    port: int
    listening: bool
    pids: tuple[int, ...]
    known: bool
    records: tuple[CommandRecord, ...]


async def port_listeners(ctx: ToolContext, server: str, port: int) -> Listeners:
    """`ss -ltnp`, else `lsof -t -i :PORT`, else `fuser -n tcp PORT` — whichever the host has."""
    listing = await ctx.sh(server, "ss -ltnp")
    if listing.outcome == "ok":
        entries = [proc for p, _a, proc in parse_listening(listing.stdout) if p == port]
        pids = tuple(dict.fromkeys(pid for proc in entries for pid in owner_pids(proc)))
        return Listeners(port, bool(entries), pids, True, (listing,))
    lsof = await ctx.sh(server, f"lsof -t -i :{port}")
    if lsof.outcome == "ok" or (lsof.exit_code == 1 and not lsof.stderr.strip()):
        pids = tuple(parse_lsof(lsof.stdout))
        return Listeners(port, bool(pids), pids, True, (listing, lsof))
    fuser = await ctx.sh(server, f"fuser -n tcp {port}")
    if fuser.exit_code not in NOT_FOUND_EXITS and not fuser.refused and fuser.exit_code is not None:
        pids = tuple(parse_fuser(fuser.stdout))
        return Listeners(port, bool(pids), pids, True, (listing, lsof, fuser))
    return Listeners(port, False, (), False, (listing, lsof, fuser))


async def listening(ctx: ToolContext, server: str, port: int) -> tuple[bool, CommandRecord]:
    record = await ctx.sh(server, "ss -ltnp")
    ports = [p for p, _a, _proc in parse_listening(record.stdout)]
    return port in ports, record


@tool(risk=Risk.READ)
async def check_port(ctx: ToolContext, server: str, port: int | None = None) -> ToolResult:
    """Which ports listen (no port given), or whether one port listens and which process owns it."""
    record = await ctx.sh(server, "ss -ltnp")
    entries = parse_listening(record.stdout)
    if port is None:
        ports = sorted({p for p, _a, _proc in entries})
        return ToolResult("check_port", server, record.outcome == "ok",
                          ctx.say(f"слушаются порты: {', '.join(map(str, ports)) or 'нет'}",
                                  f"listening: {', '.join(map(str, ports)) or 'none'}"),
                          (record,),
                          data={"ports": ",".join(map(str, ports))})
    owners = [proc for p, _a, proc in entries if p == port]
    pids = sorted({pid for proc in owners for pid in owner_pids(proc)})
    if record.outcome != "ok":  # no `ss` here: ask lsof / fuser
        found = await port_listeners(ctx, server, port)
        pids = sorted(found.pids)
        owners = [f"pid={pid}" for pid in pids] if found.listening else []
        record = found.records[-1]
    names = sorted(set(re.findall(r'\(\("([^"]+)"', " ".join(owners))))
    if not owners:
        summary = ctx.say(f"порт {port}: никто не слушает", f"port {port}: nothing listens")
    else:
        who = ", ".join(names) or ctx.say("неизвестный процесс", "unknown process")
        summary = ctx.say(f"порт {port} занят: {who} (pid {pids or '?'})",
                          f"port {port}: {who} (pid {pids or '?'})")
    return ToolResult("check_port", server, record.outcome == "ok", summary, (record,),
                      data={"port": port, "listening": bool(owners),
                            "pids": ",".join(map(str, pids)), "process": ",".join(names)})


async def http_status(ctx: ToolContext, server: str, url: str) -> tuple[int | None,
                                                                      CommandRecord]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    command = (f"curl -s -o /dev/null -m 10 -w '%{{http_code}}' {shlex.quote(url)}")
    record = await ctx.sh(server, command, timeout=20)
    code = record.stdout.strip()
    return (int(code) if code.isdigit() and code != "000" else None), record


@tool(risk=Risk.READ)
async def http_check(ctx: ToolContext, server: str, url: str, expect_status: int = 200
                     ) -> ToolResult:
    """Request a URL from the server itself and compare the HTTP status."""
    status, record = await http_status(ctx, server, url)
    ok = status == expect_status
    answer = status or ctx.say("нет ответа", "no answer")
    return ToolResult("http_check", server, ok, f"{url} → {answer}", (record,),
                      data={"status": status, "url": url})


@tool(risk=Risk.READ)
async def docker_ps(ctx: ToolContext, server: str) -> ToolResult:
    """List docker containers (running and stopped)."""
    record = await ctx.sh(server, "docker ps -a --format '{{.Names}}\t{{.Status}}\t{{.Image}}'")
    count = len(record.stdout.strip().splitlines())
    return ToolResult("docker_ps", server, record.outcome == "ok",
                      ctx.say(f"контейнеров: {count}", f"{count} containers"),
                      (record,))


@tool(risk=Risk.READ)
async def docker_logs(ctx: ToolContext, server: str, container: str, lines: int = 100
                      ) -> ToolResult:
    """Recent log lines of a docker container."""
    record = await ctx.sh(server, service_command(ServiceManager.DOCKER, "logs", container,
                                                  lines))
    return ToolResult("docker_logs", server, record.outcome == "ok",
                      counted(len(record.stdout.splitlines()), ctx.lang,
                              ("строка лога", "строки лога", "строк лога"),
                              ("log line", "log lines")), (record,))


@tool(risk=Risk.CHANGE)
async def docker_restart(ctx: ToolContext, server: str, container: str) -> ToolResult:
    """Restart a docker container."""
    record = await ctx.sh(server, service_command(ServiceManager.DOCKER, "restart", container))
    ok = record.outcome == "ok"
    return ToolResult("docker_restart", server, ok,
                      ctx.say(f"перезапуск {container}: {record.outcome}",
                              f"restart {container}: {record.outcome}"),
                      (record,), changed=ok)
