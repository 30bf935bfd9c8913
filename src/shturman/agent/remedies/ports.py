"""A port the service needs is taken: find who holds it, stop a stranger or an orphan copy of
the service, leave the service's own process alone. A holder running under another account
than the service's is named (pid, command line, user) and left alone: a finding, not a fix."""

from __future__ import annotations

import asyncio
import re
import shlex
from dataclasses import dataclass

from shturman.agent.remedies.evidence import PORT_IN_USE_RE, Evidence, Finding
from shturman.hosts.facts import parse_listening_uids, parse_process_owner
from shturman.tools import ToolContext
from shturman.tools.services import main_pid_of
from shturman.tools.system import port_listeners

GRACE_CHECKS = 15  # × 0.2 s after TERM before KILL
INTERPRETER = re.compile(r"(?:python|perl|ruby|node|php|bash|sh|dash)[\d.]*")


@dataclass(frozen=True, slots=True)
class PortOwner:
    pid: int
    command: str  # its command line ("" when unknown)
    kind: str  # "ours" | "orphan" | "stranger" | "container" | "foreign" (another account's)
    uid: int | None = None
    user: str = ""


async def classify(ctx: ToolContext, ev: Evidence, pid: int, main: int | None,
                   account: int | None = None) -> PortOwner:
    """Who ``pid`` is to the service; ``account`` is the uid the service runs as."""
    shown = await ctx.sh(ev.server, f"ps -o uid=,user=,ppid=,args= -p {pid}")
    owner = parse_process_owner(shown.stdout)
    uid, user, ppid, command = owner if owner else (None, "", None, "")
    command = command.strip()
    if main is not None and (pid == main or ppid == main):
        return PortOwner(pid, command, "ours", uid, user)
    if "docker-proxy" in command or "containerd-shim" in command:
        return PortOwner(pid, command, "container", uid, user)
    if same_program(ev.argv, command):  # the service's own copy, whatever user it dropped to
        return PortOwner(pid, command, "orphan", uid, user)
    if account is not None and uid is not None and uid != account:
        return PortOwner(pid, command, "foreign", uid, user)
    return PortOwner(pid, command, "stranger", uid, user)


async def service_uid(ctx: ToolContext, ev: Evidence) -> int | None:
    """The uid the service runs as: its User=, else the account we connect as (the one the
    manager runs it under: a user manager, or root for the system one)."""
    asked = await ctx.sh(ev.server, f"id -u {shlex.quote(ev.user)}" if ev.user else "id -u")
    text = asked.stdout.strip()
    return int(text) if asked.outcome == "ok" and text.isdigit() else None


def same_program(argv: list[str], command: str) -> bool:
    """Is ``command`` a copy of the unit's ExecStart (same executable and script/args)?"""
    if not argv or not command:
        return False
    theirs = command.split()
    if (len(theirs) > 1 and INTERPRETER.fullmatch(theirs[0].rsplit("/", 1)[-1])
            and not INTERPRETER.fullmatch(argv[0].rsplit("/", 1)[-1])):
        theirs = theirs[1:]  # a script started by its shebang shows its interpreter first
        command = " ".join(theirs)
    ours = [a for a in argv if not a.startswith("-")][:2]
    mine = [a for a in theirs if not a.startswith("-")][:2]
    names = [a.rsplit("/", 1)[-1] for a in ours] == [a.rsplit("/", 1)[-1] for a in mine]
    return " ".join(argv) == command or (len(ours) == len(mine) and names)


async def free_taken_port(ctx: ToolContext, ev: Evidence) -> str | Finding | None:
    """The service failed to bind (its log says so) and another process holds its port: stop
    that process (TERM, then KILL after a grace period). The service's own process is kept;
    another account's process is named and kept."""
    if not ev.ports or not PORT_IN_USE_RE.search(ev.logs):
        return None
    main = await main_pid_of(ctx, ev.server, ev.service)
    account = await service_uid(ctx, ev)
    done: list[str] = []
    found_only: list[str] = []
    for port in ev.ports:
        found = await port_listeners(ctx, ev.server, port)
        if found.listening and not found.pids:  # the tools may not show another user's pid
            found_only.append(await _unseen_holder(ctx, ev, port, account))
        for pid in found.pids:
            owner = await classify(ctx, ev, pid, main, account)
            if owner.kind == "ours":
                continue
            if owner.kind == "foreign":
                found_only.append(_foreign(ctx, ev, port, [owner]))
                continue
            if owner.kind == "container":
                said = await _stop_container(ctx, ev.server, port)
            else:
                said = await _stop_process(ctx, ev.server, owner, port)
                if said is None:
                    found_only.append(_unstoppable(ctx, owner, port))
            if said:
                done.append(said)
    if done:
        return "; ".join(dict.fromkeys(done + found_only))
    return Finding("; ".join(dict.fromkeys(found_only))) if found_only else None


async def _unseen_holder(ctx: ToolContext, ev: Evidence, port: int, account: int | None
                         ) -> str:
    """The port listens but no tool names its process: name the socket's owner (`ss -e`
    shows its uid) and that account's processes whose command line names the port."""
    listing = await ctx.sh(ev.server, "ss -ltne")
    uids = parse_listening_uids(listing.stdout).get(port, [])
    others = [u for u in uids if u != account]
    if not others:
        return ctx.say(f"порт {port} занят, но инструменты хоста не называют процесс",
                       f"port {port} is taken, but the host's tools do not name the process")
    uid = others[0]
    entry = await ctx.sh(ev.server, f"getent passwd {uid}")
    user = entry.stdout.split(":", 1)[0].strip() if entry.outcome == "ok" else ""
    procs = await ctx.sh(ev.server, f"ps -o pid=,args= -u {uid}")
    owners = []
    for line in procs.stdout.splitlines():
        pid, _, command = line.strip().partition(" ")
        if pid.isdigit() and re.search(rf"(?<![\d.]){port}(?!\d)", command):
            owners.append(PortOwner(int(pid), command.strip(), "foreign", uid, user))
    return _foreign(ctx, ev, port, owners or [PortOwner(0, "", "foreign", uid, user)])


def _unstoppable(ctx: ToolContext, owner: PortOwner, port: int) -> str:
    who = f", {owner.user}" if owner.user else ""
    return ctx.say(f"порт {port} держит pid {owner.pid}{who} ({owner.command[:100]}), "
                   "остановить его не удалось (нет прав или не одобрено)",
                   f"port {port} is held by pid {owner.pid}{who} ({owner.command[:100]}), "
                   "which could not be stopped (no permission, or not approved)")


def _foreign(ctx: ToolContext, ev: Evidence, port: int, owners: list[PortOwner]) -> str:
    first = owners[0]
    who = f"{first.user} (uid {first.uid})" if first.user else f"uid {first.uid}"
    procs = ", ".join(f"pid {o.pid}: {o.command[:100]}" for o in owners if o.pid)
    held = f" — {procs}" if procs else ""
    return ctx.say(
        f"порт {port} занят процессом другой учётной записи, {who}{held}; останавливать "
        f"чужие процессы небезопасно, он не тронут. Пусть его владелец или администратор "
        f"освободит порт, затем перезапустите {ev.service}",
        f"port {port} is held by a process of another account, {who}{held}; stopping "
        f"another account's process is not a safe automatic fix, so it was left alone. Have "
        f"its owner or an administrator free the port, then restart {ev.service}")


async def _stop_process(ctx: ToolContext, server: str, owner: PortOwner, port: int
                        ) -> str | None:
    term = await ctx.sh(server, f"kill {owner.pid}")
    if term.outcome != "ok":
        return None
    how = ctx.say("остановлен (TERM)", "stopped (TERM)")
    if await still_alive(ctx, server, owner.pid):
        await ctx.sh(server, f"kill -9 {owner.pid}")
        how = ctx.say("не ответил на TERM: остановлен KILL", "ignored TERM: killed (KILL)")
    who = owner.command[:120] or "?"
    if owner.kind == "orphan":
        return ctx.say(f"порт {port} держала осиротевшая копия сервиса вне юнита "
                       f"(pid {owner.pid}: {who}): {how}",
                       f"port {port} was held by an orphan copy of the service outside its "
                       f"unit (pid {owner.pid}: {who}): {how}")
    return ctx.say(f"порт {port} занимал посторонний процесс (pid {owner.pid}: {who}): {how}",
                   f"port {port} was taken by another process (pid {owner.pid}: {who}): {how}")


async def _stop_container(ctx: ToolContext, server: str, port: int) -> str | None:
    listing = await ctx.sh(server, "docker ps --format '{{.Names}}\t{{.Ports}}'")
    for line in listing.stdout.splitlines():
        name, _, ports = line.partition("\t")
        if re.search(rf":{port}->", ports) and re.fullmatch(r"[\w.-]+", name):
            stopped = await ctx.sh(server, f"docker stop {shlex.quote(name)}")
            if stopped.outcome == "ok":
                return ctx.say(f"порт {port} занимал контейнер {name}: остановлен",
                               f"port {port} was taken by container {name}: stopped it")
    return None


async def still_alive(ctx: ToolContext, server: str, pid: int) -> bool:
    """Alive after a grace period (a zombie has released its port: it counts as gone)."""
    for _ in range(GRACE_CHECKS):
        state = await ctx.sh(server, f"ps -p {pid} -o stat=")
        if not state.stdout.strip() or state.stdout.strip().startswith("Z"):
            return False
        await asyncio.sleep(0.2)
    return True
