"""Service managers: how to ask systemd, systemctl3, supervisord or docker about a service.

Commands are built from validated names only (no shell metacharacters can get in).
"""

from __future__ import annotations

import re
from typing import Literal

from shturman.hosts.facts import ServiceManager

SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._:+-]{0,127}$")

Action = Literal["start", "stop", "restart", "reload", "status", "is_active", "logs", "show"]


class BadServiceName(ValueError):
    pass


def check_name(name: str) -> str:
    if not SERVICE_NAME.match(name):
        raise BadServiceName(f"not a valid service name: {name!r}")
    return name


def service_command(manager: ServiceManager, action: Action, service: str,
                    lines: int = 100) -> str:
    """The shell command that performs ``action`` on ``service`` under ``manager``."""
    name = check_name(service)
    lines = max(1, min(int(lines), 5000))
    if manager is ServiceManager.DOCKER:
        return {
            "start": f"docker start {name}",
            "stop": f"docker stop {name}",
            "restart": f"docker restart {name}",
            "reload": f"docker restart {name}",
            "status": f"docker inspect --format '{{{{.State.Status}}}}' {name}",
            "is_active": f"docker inspect --format '{{{{.State.Status}}}}' {name}",
            "logs": f"docker logs --tail {lines} {name}",
            "show": f"docker inspect {name}",
        }[action]
    if manager is ServiceManager.SUPERVISORD:
        return {
            "start": f"supervisorctl start {name}",
            "stop": f"supervisorctl stop {name}",
            "restart": f"supervisorctl restart {name}",
            "reload": f"supervisorctl restart {name}",
            "status": f"supervisorctl status {name}",
            "is_active": f"supervisorctl status {name}",
            "logs": f"supervisorctl tail -{lines * 200} {name}",
            "show": f"supervisorctl status {name}",
        }[action]
    return {
        "start": f"systemctl start {name}",
        "stop": f"systemctl stop {name}",
        "restart": f"systemctl restart {name}",
        "reload": f"systemctl reload {name}",
        "status": f"systemctl status {name} --no-pager",
        "is_active": f"systemctl is-active {name}",
        "logs": f"journalctl -u {name} -n {lines} --no-pager",
        "show": f"systemctl cat {name}",
    }[action]


def is_active_output(manager: ServiceManager, stdout: str) -> bool:
    text = stdout.strip().lower()
    if manager is ServiceManager.DOCKER:
        return text == "running"
    if manager is ServiceManager.SUPERVISORD:
        return "running" in text
    return text.splitlines()[0] == "active" if text else False


URL_RE = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"']+", re.IGNORECASE)

# HOST:PORT where HOST looks like an address (IPv4, [IPv6], *, localhost, a dotted name) or is
# empty (":8080"): a timestamp ("18:39:08"), a pid ("app[22238]:"), an errno ("98:") or a
# time zone ("+03:00") is not a port. The port group is named ``port``.
ADDRESS_PORT = (r"(?<![\w.:\]\[*+-])"
                r"(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]*\]|\*|localhost|"
                r"[A-Za-z][\w-]*(?:\.[\w-]+)+)?"
                r":(?P<port>\d{2,5})(?!\d|:\d)")
PORT_HINT = re.compile(
    r"(?:--port[= ]|-p |port[= :]|listen\s+(?:[\d.]+:)?|http\.server\s+)(\d{2,5})\b"
    r"|" + ADDRESS_PORT,
    re.IGNORECASE,
)


def plausible_port(port: int) -> bool:
    """A TCP port a service could listen on (0 and out-of-range numbers are not)."""
    return 1 <= port <= 65535


def ports_in_unit(unit_text: str) -> list[int]:
    """Ports the unit's service listens on, as its ExecStart/Environment lines name them —
    minus ports inside URLs (``REDIS_URL=redis://127.0.0.1:6379`` names a server it connects
    to, not its own port). For verification and repair."""
    ports: list[int] = []
    for line in URL_RE.sub(" ", unit_text).splitlines():
        stripped = line.strip()
        if not stripped.startswith(("ExecStart=", "Environment=")):
            continue
        for match in PORT_HINT.finditer(stripped):
            port = int(match.group(1) or match.group("port"))
            if plausible_port(port) and port not in ports:
                ports.append(port)
    return ports
