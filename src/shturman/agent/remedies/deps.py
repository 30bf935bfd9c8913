"""A unit this service requires is down: start it first."""

from __future__ import annotations

from shturman.agent.remedies.evidence import Evidence
from shturman.hosts.servicemgr import is_active_output, service_command
from shturman.tools import ToolContext

NOT_DEPENDENCIES = ("network", "network-online", "multi-user", "syslog", "basic", "sysinit")


async def start_dependencies(ctx: ToolContext, ev: Evidence) -> str | None:
    names: list[str] = []
    for key in ("Requires", "BindsTo", "Wants", "After"):
        for value in ev.unit_values(key):
            names.extend(v.removesuffix(".service") for v in value.split()
                         if v.endswith(".service") or "." not in v)
    mgr = await ctx.manager(ev.server)
    started = []
    for dep in dict.fromkeys(names):
        if dep in (*NOT_DEPENDENCIES, ev.service):
            continue
        state = await ctx.sh(ev.server, service_command(mgr, "is_active", dep))
        if state.refused or is_active_output(mgr, state.stdout) or "not found" in (
                state.stdout + state.stderr).lower():
            continue
        done = await ctx.sh(ev.server, service_command(mgr, "start", dep))
        if done.outcome == "ok":
            started.append(ctx.say(f"зависимость {dep} была остановлена: запущена",
                                   f"dependency {dep} was down: started it"))
    return "; ".join(started) or None
