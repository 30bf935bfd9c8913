"""Read-only facts about a server, parsed from recorded command output.

Each probe is one read-only command; parsers are pure functions tested from fixtures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


# ------------------------------------------------------------------ port owners
def parse_fuser(text: str) -> list[int]:
    """PIDs from `fuser -n tcp PORT` / `fuser PORT/tcp` (pids on stdout, `8080/tcp:` on
    stderr; both may arrive merged, with access letters such as `1234e` on some versions)."""
    body = text.split(":", 1)[1] if re.match(r"^\s*\d+/\w+:", text) else text
    return list(dict.fromkeys(int(m) for m in re.findall(r"\b(\d+)[a-zA-Z]?\b", body)))


def parse_lsof(text: str) -> list[int]:
    """PIDs from `lsof -t -i :PORT` (one pid a line) or the table of `lsof -i :PORT`
    (only LISTEN rows when the table shows states)."""
    pids: list[int] = []
    for line in text.splitlines():
        cols = line.split()
        if len(cols) == 1 and cols[0].isdigit():
            pids.append(int(cols[0]))
        elif len(cols) >= 2 and cols[1].isdigit() and ("(LISTEN)" in line or "->" not in line):
            pids.append(int(cols[1]))
    return list(dict.fromkeys(pids))


def parse_listening_uids(text: str) -> dict[int, list[int]]:
    """Port → the uids owning its listening sockets, from `ss -ltne` / `ss -ltnpe` (the socket's
    owner is shown even when the process is another user's and `-p` cannot name it; `ss`
    omits ``uid:`` for root)."""
    found: dict[int, list[int]] = {}
    for line in text.splitlines():
        cols = line.split()
        if len(cols) < 5 or not cols[0].startswith("LISTEN"):
            continue
        port = cols[3].rpartition(":")[2]
        if not port.isdigit():
            continue
        match = re.search(r"\buid:(\d+)", line)
        uid = int(match.group(1)) if match else 0
        uids = found.setdefault(int(port), [])
        if uid not in uids:
            uids.append(uid)
    return found


def parse_process_owner(text: str) -> tuple[int, str, int, str] | None:
    """(uid, user, ppid, command line) from `ps -o uid=,user=,ppid=,args= -p PID`."""
    parts = text.strip().split(None, 3)
    if len(parts) < 3 or not parts[0].isdigit() or not parts[2].isdigit():
        return None
    return int(parts[0]), parts[1], int(parts[2]), parts[3] if len(parts) > 3 else ""


# ------------------------------------------------------------------ config checkers
@dataclass(frozen=True, slots=True)
class ConfigFault:
    """Where a checker (or a service's own log line) says a config is broken."""

    path: str
    line: int | None
    message: str


_LOCATIONS = (
    # haproxy: parsing [/etc/haproxy/haproxy.cfg:5] : unknown keyword
    re.compile(r"\[(?P<path>/[^\]:\s]+):(?P<line>\d+)\]"),
    # apache: Syntax error on line 5 of /etc/apache2/sites-enabled/x.conf:
    re.compile(r"line (?P<line>\d+) of (?P<path>/[^\s:]+)"),
    # sshd: /etc/ssh/sshd_config: line 3: Bad configuration option / /etc/ssh/sshd_config line 3:
    re.compile(r"(?P<path>/[^\s:,\"']+):? line (?P<line>\d+)\b"),
    # python: File "/srv/app/settings.py", line 3   /  generic "PATH, line N"
    re.compile(r"(?P<path>/[^\s:,\"']+)\"?, line (?P<line>\d+)\b"),
    # visudo: >>> /etc/sudoers: syntax error near line 28 <<<
    re.compile(r"(?P<path>/[^\s:,\"']+): .*?near line (?P<line>\d+)"),
    # nginx "in /etc/nginx/nginx.conf:12", named-checkconf / systemd-analyze / visudo "PATH:N:"
    re.compile(r"(?P<path>/[^\s:,\"'()\[\]]+):(?P<line>\d+)\b"),
)
CONFIG_ERROR_WORDS = re.compile(
    r"syntax|parse|parsing|invalid|unexpected|unknown|emerg|expecting|decode|malformed|"
    r"bad configuration|error|not allowed|no such option", re.IGNORECASE)


def parse_config_fault(text: str) -> ConfigFault | None:
    """The first file (and line) a checker's output or a log line blames, or None."""
    for raw in text.splitlines():
        line = raw.strip()
        if not CONFIG_ERROR_WORDS.search(line):
            continue
        for pattern in _LOCATIONS:
            match = pattern.search(line)
            if match and not match.group("path").startswith(("/dev/", "/proc/", "/usr/lib/python")):
                return ConfigFault(match.group("path"), int(match.group("line")), line)
    return None


BACKUP_SUFFIXES = (".bak", "~", ".orig", ".dpkg-old", ".rpmsave", ".old", ".save")


def backup_candidates(path: str) -> list[str]:
    """Where a previous version of ``path`` usually is: FILE.bak, FILE~, FILE.orig,
    FILE.dpkg-old, FILE.rpmsave, …, and a sibling NAME.bak (``app.conf`` → ``app.bak``)."""
    found = [path + suffix for suffix in BACKUP_SUFFIXES]
    directory, _, name = path.rpartition("/")
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else ""
    if stem:
        found += [f"{directory}/{stem}.bak", f"{directory}/{stem}.orig"]
    return list(dict.fromkeys(found))


# dated and numbered copies: FILE.20261201, FILE.2026-12-01, FILE-20261201, FILE.bak.2, FILE.1
BACKUP_GLOBS = (".[0-9]*", "-[0-9]*", ".bak.*", ".bak-*", ".bak_*", "_[0-9]*")
COMPRESSED = (".gz", ".xz", ".bz2", ".zst", ".lz4", ".zip")


def backup_globs(path: str) -> list[str]:
    """Shell patterns for dated or numbered copies of ``path`` (``PATH.[0-9]*``,
    ``PATH.bak.*``, …): ``path`` followed by one of :data:`BACKUP_GLOBS`."""
    return [path + pattern for pattern in BACKUP_GLOBS]


def is_plain_copy(candidate: str, path: str) -> bool:
    """Is ``candidate`` (a name a backup glob matched) a plain copy of ``path`` — not a
    compressed one, not our own set-aside broken copy, not the file itself?"""
    return (candidate != path and candidate.startswith(path)
            and not candidate.endswith((*COMPRESSED, ".broken", ".rpmnew", ".dpkg-dist",
                                        ".dpkg-new", ".swp")))
