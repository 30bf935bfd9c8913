"""What the runbook knows about a failing service: its unit, its ports, its logs.

Everything here is learned on the host (the unit file, the files it names, the service's own
log lines), never assumed from a lab layout.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shturman.hosts.facts import ServiceManager
from shturman.hosts.servicemgr import (
    ADDRESS_PORT,
    plausible_port,
    ports_in_unit,
    service_command,
)
from shturman.tools import ToolContext

PATH_RE = re.compile(r"(?<![\w.])(/[\w@%+=:,./~-]+|~/[\w@%+=:,./-]+)")
CONFIG_SUFFIXES = (".conf", ".cfg", ".ini", ".json", ".yaml", ".yml", ".toml", ".env",
                   ".properties", ".xml", ".cnf")
PORT_IN_USE_RE = re.compile(
    r"address already in use|EADDRINUSE|errno 98\b|\(98: |port \d+ (?:is )?already in use",
    re.IGNORECASE)
# a port named near "address already in use": "bind() to 0.0.0.0:8080 failed (98: …)",
# "listen tcp :8080: bind: address already in use", "port 8080 is already in use",
# "cannot listen on 127.0.0.1:8080: [Errno 98] …" — never the line's timestamp or pid
BIND_PORT_RE = re.compile(ADDRESS_PORT + r"|\bport\s+(\d{2,5})\b", re.IGNORECASE)
CONFIG_PORT_RE = re.compile(
    r"^\s*(?:listen|port|http_port|bind_port|server\.port|PORT|LISTEN_PORT)\s*[=:\s]\s*"
    r"(?:[\w.\[\]*]+:)?(\d{2,5})\b", re.IGNORECASE | re.MULTILINE)
ERROR_WORDS = re.compile(
    r"error|fatal|failed|failure|denied|refused|cannot|can't|could not|unable|no such|"
    r"not found|invalid|expired|panic|exception|abort|killed|exit(?:ed)? (?:code|status)|"
    r"emerg|crit", re.IGNORECASE)
TOOL_NOISE = re.compile(r"^\s*(Traceback \(most recent call last\)|File \"[^\"]*systemctl|"
                        r"\$ |journalctl: )")


@dataclass(frozen=True, slots=True)
class Evidence:
    server: str
    service: str
    unit: str  # the unit file's text ("" when the manager has none)
    ports: tuple[int, ...]
    logs: str  # the service's recent log lines (and its status text)
    configs: tuple[str, ...]  # config files the unit names
    workdir: str | None
    user: str | None

    def unit_values(self, key: str) -> list[str]:
        return unit_values(self.unit, key)


Remedy = Callable[[ToolContext, Evidence], Awaitable[str | None]]


def unit_values(unit: str, key: str) -> list[str]:
    values = []
    for line in unit.splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name.strip() == key:
            values.append(value.strip())
    return values


def exec_argv(unit: str) -> list[str]:
    """The ExecStart command line as argv (systemd's `-@+!:` prefixes dropped)."""
    for value in unit_values(unit, "ExecStart"):
        if value:
            try:
                argv = shlex.split(value.lstrip("-@+!:"))
            except ValueError:
                argv = value.split()
            return argv
    return []


def paths_in(text: str) -> list[str]:
    found = []
    for match in PATH_RE.finditer(text):
        path = match.group(1).rstrip(".,:;'\")")
        if len(path) > 1 and not path.startswith(("/dev/", "/proc/", "/sys/")):
            found.append(path)
    return list(dict.fromkeys(found))


def ports_in_logs(logs: str) -> list[int]:
    ports: list[int] = []
    for line in logs.splitlines():
        if PORT_IN_USE_RE.search(line):
            for match in BIND_PORT_RE.finditer(line):
                port = int(match.group("port") or match.group(2))
                if plausible_port(port) and port not in ports:
                    ports.append(port)
    return ports


def ports_in_config(text: str) -> list[int]:
    return list(dict.fromkeys(int(p) for p in CONFIG_PORT_RE.findall(text)
                              if plausible_port(int(p))))


def config_dirs(argv: list[str]) -> list[str]:
    """Config directories the command line names: the value of a ``--config-dir``-like option
    (``--conf-dir DIR``, ``--confdir=DIR``) or a ``….d`` directory (``/etc/app/conf.d``)."""
    found = []
    for i, arg in enumerate(argv[1:], start=1):
        option, eq, value = arg.partition("=")
        if eq and option.startswith("-") and "conf" in option.lower():
            candidate = value
        elif arg.startswith("-"):
            continue
        elif argv[i - 1].startswith("-") and "conf" in argv[i - 1].lower():
            candidate = arg
        else:
            candidate = arg if arg.rstrip("/").endswith(".d") else ""
        candidate = candidate.rstrip("/")
        if candidate.startswith("/") and not candidate.endswith(CONFIG_SUFFIXES):
            found.append(candidate)
    return list(dict.fromkeys(found))


async def _config_files_in(ctx: ToolContext, server: str, directory: str) -> list[str]:
    listing = await ctx.sh(server, f"ls -1 -- {shlex.quote(directory)}")
    if listing.outcome != "ok":
        return []
    return [f"{directory}/{name.strip()}" for name in sorted(listing.stdout.splitlines())
            if name.strip().endswith(CONFIG_SUFFIXES) and "/" not in name.strip()]


def interesting_lines(logs: str, limit: int = 8) -> list[str]:
    """The log lines that matter for a human: errors, not our tools' own noise."""
    lines = [line.rstrip() for line in logs.splitlines()
             if line.strip() and ERROR_WORDS.search(line) and not TOOL_NOISE.match(line)]
    return list(dict.fromkeys(lines))[-limit:]


async def gather(ctx: ToolContext, server: str, service: str, logs: str) -> Evidence:
    """Read the unit file and the config files it names; learn the service's ports."""
    mgr = await ctx.manager(server)
    unit = ""
    if mgr in (ServiceManager.SYSTEMD, ServiceManager.SYSTEMCTL3):
        shown = await ctx.sh(server, service_command(mgr, "show", service))
        unit = shown.stdout if shown.outcome == "ok" else ""
    argv = exec_argv(unit)
    env_files = [v.lstrip("-") for v in unit_values(unit, "EnvironmentFile")]
    configs = [p for p in paths_in(" ".join(argv[1:]) + "\n" + "\n".join(env_files))
               if p.endswith(CONFIG_SUFFIXES) or p in env_files]
    for directory in config_dirs(argv):
        configs += [p for p in await _config_files_in(ctx, server, directory)
                    if p not in configs]
    # the port the service itself failed to bind is the surest; then its unit, its config
    ports = ports_in_logs(logs)
    ports += [p for p in ports_in_unit(unit) if p not in ports]
    for path in configs[:6]:
        text = await ctx.sh(server, f"cat {shlex.quote(path)}")
        if text.outcome == "ok":
            ports += [p for p in ports_in_config(text.stdout) if p not in ports]
    workdir = next(iter(unit_values(unit, "WorkingDirectory")), None)
    user = next(iter(unit_values(unit, "User")), None)
    return Evidence(server, service, unit, tuple(ports), logs, tuple(configs),
                    workdir.lstrip("-") if workdir else None, user)
