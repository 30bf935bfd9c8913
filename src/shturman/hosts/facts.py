"""Read-only facts about a server, parsed from recorded command output.

Each probe is one read-only command; parsers are pure functions tested from fixtures.
"""

from __future__ import annotations

from enum import StrEnum

from shturman.domain.models import ServerFacts


class ServiceManager(StrEnum):
    SYSTEMD = "systemd"
    SYSTEMCTL3 = "systemctl3"  # docker-systemctl-replacement: `systemctl` without systemd
    SUPERVISORD = "supervisord"
    DOCKER = "docker"
    NONE = "none"


PROBES: dict[str, str] = {
    "os": "cat /etc/os-release",
    "kernel": "uname -sr",
    "manager": "systemctl --version",
    "tools": "command -v supervisorctl docker",
    "disk": "df -hP /",
    "memory": "free -m",
    "uptime": "uptime",
}


def parse_os(text: str) -> str:
    fields = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line
    )
    return fields.get("PRETTY_NAME", fields.get("NAME", "unknown")).strip().strip('"')


def parse_manager(systemctl_version: str, tools: str) -> ServiceManager:
    if "systemctl.py" in systemctl_version:
        return ServiceManager.SYSTEMCTL3
    if systemctl_version.startswith("systemd"):
        return ServiceManager.SYSTEMD
    if "supervisorctl" in tools:
        return ServiceManager.SUPERVISORD
    if "docker" in tools:
        return ServiceManager.DOCKER
    return ServiceManager.NONE


def parse_disk(text: str) -> str:
    lines = [line.split() for line in text.strip().splitlines()]
    if len(lines) < 2 or len(lines[-1]) < 6:
        return "unknown"
    _fs, size, used, avail, pct, mount = lines[-1][:6]
    return f"{mount}: {used} used of {size} ({pct}), {avail} free"


def parse_memory(text: str) -> str:
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0].startswith("Mem") and len(parts) >= 3:
            total, used = int(parts[1]), int(parts[2])
            available = int(parts[6]) if len(parts) >= 7 else total - used
            return f"{used} MiB used of {total} MiB, {available} MiB available"
    return "unknown"


def facts_from(outputs: dict[str, str]) -> ServerFacts:
    """Build facts from the probes' stdout (missing probes give 'unknown')."""
    return ServerFacts(
        os=parse_os(outputs.get("os", "")),
        kernel=outputs.get("kernel", "").strip() or "unknown",
        service_manager=parse_manager(outputs.get("manager", ""), outputs.get("tools", "")).value,
        disk=parse_disk(outputs.get("disk", "")),
        memory=parse_memory(outputs.get("memory", "")),
        uptime=outputs.get("uptime", "").strip(),
    )
