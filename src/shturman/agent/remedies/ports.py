"""A port the service needs is taken: find who holds it, stop a stranger or an orphan copy of
the service, leave the service's own process alone."""

from __future__ import annotations

import asyncio
import re
import shlex
from dataclasses import dataclass

from shturman.agent.remedies.evidence import PORT_IN_USE_RE, Evidence, exec_argv
from shturman.tools import ToolContext
from shturman.tools.services import main_pid_of
from shturman.tools.system import port_listeners

GRACE_CHECKS = 15  # × 0.2 s after TERM before KILL
INTERPRETER = re.compile(r"(?:python|perl|ruby|node|php|bash|sh|dash)[\d.]*")


@dataclass(frozen=True, slots=True)
class PortOwner:
    pid: int
    command: str  # its command line ("" when unknown)
    kind: str  # "ours" | "orphan" | "stranger" | "container"


async def classify(ctx: ToolContext, ev: Evidence, pid: int, main: int | None) -> PortOwner:
    shown = await ctx.sh(ev.server, f"ps -o ppid=,args= -p {pid}")
    ppid_text, _, command = shown.stdout.strip().partition(" ")
    command = command.strip()
    if main is not None and (pid == main or ppid_text.strip() == str(main)):
        return PortOwner(pid, command, "ours")
    if "docker-proxy" in command or "containerd-shim" in command:
        return PortOwner(pid, command, "container")
    return PortOwner(pid, command, "orphan" if same_program(exec_argv(ev.unit), command)
                     else "stranger")


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


async def free_taken_port(ctx: ToolContext, ev: Evidence) -> str | None:
    """The service failed to bind (its log says so) and another process holds its port: stop
    that process (TERM, then KILL after a grace period). The service's own process is kept."""
    if not ev.ports or not PORT_IN_USE_RE.search(ev.logs):
        return None
    main = await main_pid_of(ctx, ev.server, ev.service)
    done: list[str] = []
    for port in ev.ports:
        found = await port_listeners(ctx, ev.server, port)
        for pid in found.pids:
            owner = await classify(ctx, ev, pid, main)
            if owner.kind == "ours":
                continue
            if owner.kind == "container":
                said = await _stop_container(ctx, ev.server, port)
            else:
                said = await _stop_process(ctx, ev.server, owner, port)
            if said:
                done.append(said)
    return "; ".join(dict.fromkeys(done)) or None


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
