"""The verification gate: which probe proves a change worked, and running it.

A run that changed anything may not report success without a passing probe. The loop, not the
model, decides that.
"""

from __future__ import annotations

import asyncio
import re

from shturman.agent.plan import Action
from shturman.tools import TOOLS, ToolContext, ToolResult

REBOOT = re.compile(r"^\s*(sudo\s+)?(reboot|shutdown\s+-r|systemctl\s+reboot)\b")
# one plain service-manager command (no pipes, lists or substitutions): what it meant is known
_UNIT = r"(?P<unit>[A-Za-z0-9][\w@.:-]*?)(?:\.service)?"
_SYSTEMCTL = re.compile(
    r"^\s*(?:sudo\s+)?systemctl\s+(?:--no-pager\s+)?(?P<verb>start|restart|reload|"
    r"reload-or-restart|try-restart|stop)\s+" + _UNIT + r"\s*$")
_SERVICE = re.compile(r"^\s*(?:sudo\s+)?service\s+" + _UNIT +
                      r"\s+(?P<verb>start|restart|reload|stop)\s*$")


def _command_probe(server: str, command: str) -> Action | None:
    """`systemctl restart nginx` typed by the user: the same probe as restart_service."""
    found = _SYSTEMCTL.match(command) or _SERVICE.match(command)
    if found is None:
        return None
    tool = "check_service" if found.group("verb") == "stop" else "verify_fix"
    return Action(tool=tool, server=server, args={"service": found.group("unit")})


def probe_for(action: Action) -> Action | None:
    """A read-only probe that proves ``action`` did what it meant, when one is known."""
    service = action.args.get("service")
    if action.tool in ("start_service", "restart_service", "repair_service",
                       "ensure_service") and service:
        return Action(tool="verify_fix", server=action.server, args={"service": service})
    if action.tool == "stop_service" and service:
        return Action(tool="check_service", server=action.server, args={"service": service})
    if action.tool == "docker_restart":
        name = action.args.get("container", "")
        return Action(tool="run_command", server=action.server, args={
            "command": f"docker inspect --format '{{{{.State.Running}}}}' {name}"})
    if action.tool == "run_command" and REBOOT.match(str(action.args.get("command", ""))):
        return Action(tool="run_command", server=action.server, args={"command": "uptime"})
    if action.tool == "run_command":
        return _command_probe(action.server, str(action.args.get("command", "")))
    return None


def passed(action: Action, result: ToolResult) -> bool:
    """Does the probe's result prove success? (stop_service: the service is NOT active.)"""
    if action.tool == "check_service" and result.ok:
        return not result.data.get("active")
    if action.tool == "run_command" and "docker inspect" in str(action.args.get("command")):
        return result.ok and "true" in result.output().lower()
    return result.ok


async def run_probe(ctx: ToolContext, action: Action, *, after_reboot: bool = False,
                    wait: float = 120.0, attempts: int = 3, pause: float = 1.0) -> ToolResult:
    """Run a probe; a service just (re)started may need a moment, so a failing probe is
    retried a few times before the verdict."""
    spec = TOOLS.get(action.tool)
    if spec is None:
        return ToolResult(action.tool, action.server, False, f"unknown probe {action.tool!r}")
    if not after_reboot:
        result = await spec(ctx, {"server": action.server, **action.args})
        for _ in range(attempts - 1):
            if passed(action, result) or result.refused:
                break
            await asyncio.sleep(pause)
            result = await spec(ctx, {"server": action.server, **action.args})
        return result
    # After a reboot the server must come back: poll until it answers or time runs out.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    await asyncio.sleep(5)
    while True:
        result = await spec(ctx, {"server": action.server, **action.args})
        if result.ok or loop.time() > deadline:
            return result
        await asyncio.sleep(5)
