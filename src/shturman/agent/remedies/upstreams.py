"""A proxy answers 502 because the service behind it is down: repair that service first.

The proxy's own log names the upstream it could not reach: nginx's ``connect() to
unix:/srv/app/shared/sockets/app.sock failed`` or ``upstream: "http://127.0.0.1:8080/…"``,
Apache's ``failed to make connection to backend: 127.0.0.1:8080``. The upstream is the one
service listed on the same server whose unit, environment, command line or config files name
that socket path (or whose ports hold that port). When it is down, or its socket is missing, it
gets the whole service-repair runbook of its own (one level deep: an upstream's upstream is not
chased); then the proxy is restarted and verified as usual.
"""

from __future__ import annotations

import re
import shlex
from contextvars import ContextVar

from shturman.agent.remedies.evidence import Evidence, Finding, gather
from shturman.hosts.servicemgr import is_active_output, service_command
from shturman.tools import ToolContext

_UNIX = re.compile(r"connect\(\) to unix:(?P<path>/[^\s:\"']+)")
_LOOPBACK = r"(?:127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0)"
_TCP = (
    re.compile(r'upstream: "https?://' + _LOOPBACK + r":(?P<port>\d{2,5})"),
    re.compile(r"failed to make connection to backend: " + _LOOPBACK + r":(?P<port>\d{2,5})"),
    re.compile(r"connect to " + _LOOPBACK + r":(?P<port>\d{2,5}) failed"),
)
_inside: ContextVar[bool] = ContextVar("shturman_upstream_repair", default=False)


def upstream_of(logs: str) -> tuple[str | None, int | None]:
    """The socket path or loopback port a proxy's log says it could not reach (the newest)."""
    path: str | None = None
    port: int | None = None
    for line in logs.splitlines():
        if found := _UNIX.search(line):
            path, port = found.group("path"), None
            continue
        for rx in _TCP:
            if (hit := rx.search(line)) and 0 < int(hit.group("port")) < 65536:
                path, port = None, int(hit.group("port"))
                break
    return path, port


async def repair_upstream(ctx: ToolContext, ev: Evidence) -> str | Finding | None:
    if _inside.get():
        return None  # already repairing an upstream: one level only
    path, port = upstream_of(ev.logs)
    if path is None and port is None:
        return None
    listed = [s for s in ctx.server(ev.server).services if s != ev.service]
    owners = [other for other in listed if await _serves(ctx, ev.server, other, path, port)]
    target = f"unix:{path}" if path else f"127.0.0.1:{port}"
    if len(owners) != 1:
        return Finding(ctx.say(
            f"{ev.service} не может достучаться до {target}, но чей это адрес, не понять "
            f"(среди сервисов сервера: {', '.join(owners) or 'ни одного'})",
            f"{ev.service} cannot reach {target}, and whose address it is is unclear "
            f"(listed services naming it: {', '.join(owners) or 'none'})"))
    upstream = owners[0]
    if not await _needs_repair(ctx, ev.server, upstream, path):
        return None
    from shturman.agent.runbooks import repair_service  # the runbook calls the remedies

    async def quiet(kind: str, text: str) -> None:
        return None

    token = _inside.set(True)
    try:
        nested = await repair_service(ctx, ev.server, upstream, quiet)
    finally:
        _inside.reset(token)
    done = "; ".join(nested.remedies) or ctx.say("перезапущен", "restarted")
    if nested.verified:
        return ctx.say(f"{ev.service} не доставал до {target}: за ним лежал {upstream} — "
                       f"починен ({done}; {nested.verification})",
                       f"{ev.service} could not reach {target}: {upstream} behind it was down — "
                       f"repaired ({done}; {nested.verification})")
    return Finding(ctx.say(
        f"{ev.service} не достаёт до {target}: за ним лежит {upstream}, и починить его не "
        f"вышло ({nested.verification or '; '.join(nested.findings)})",
        f"{ev.service} cannot reach {target}: {upstream} behind it is down and could not be "
        f"repaired ({nested.verification or '; '.join(nested.findings)})"))


async def _serves(ctx: ToolContext, server: str, service: str, path: str | None,
                  port: int | None) -> bool:
    other = await gather(ctx, server, service, "")
    if port is not None:
        return port in other.ports
    assert path is not None
    said = " ".join([other.unit, " ".join(v for _, v in other.environment), " ".join(other.argv)])
    if path in said:
        return True
    if not other.configs:
        return False
    grep = await ctx.sh(server, "grep -l -F -- " + shlex.quote(path) + " "
                        + " ".join(shlex.quote(c) for c in other.configs))
    return bool(grep.stdout.strip())


async def _needs_repair(ctx: ToolContext, server: str, service: str, path: str | None) -> bool:
    mgr = await ctx.manager(server)
    state = await ctx.sh(server, service_command(mgr, "is_active", service))
    if state.refused:
        return False
    if not is_active_output(mgr, state.stdout):
        return True
    if path is None:
        return False
    return (await ctx.sh(server, f"test -S {shlex.quote(path)}")).exit_code != 0
