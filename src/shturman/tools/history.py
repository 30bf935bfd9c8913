"""Ports the remedies use that the agent layer must not build itself.

:class:`ConfigHistory` is Shturman's own config backups (a git repository of each server's
files, ``services/backups``), handed to the agent by the composition root: the remedies ask it
for a file's last stored version and get back the exact command that writes it, which they
run like any other command (through the GuardedExecutor: policy, approval with the diff,
snapshot, audit). :class:`RemedySettings` is what the remedies may free when a disk is full.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """A file's version in the config backups, and how to put it back."""

    server: str
    path: str
    commit: str  # the backup commit that holds it
    content: str  # the stored text (never a redacted copy: the port refuses those)
    diff: str  # unified diff from the file as it is now (missing: all lines added)
    command: str  # ONE shell command that writes exactly this content (and mode)
    exists: bool  # does the file exist on the server now?


class ConfigHistory(Protocol):
    async def last_version(self, server: str, path: str) -> StoredVersion | None:
        """The newest stored version of ``path`` on ``server`` that differs from the file
        as it is now; None when the backups hold none (or only a redacted/excluded one)."""
        ...


@dataclass(frozen=True, slots=True)
class RemedySettings:
    """What a disk-full remedy may remove (``agent.free_paths``: ``{log_dir}`` is the
    service's own log directory, ``{tmp}`` the service user's files in /tmp), and whether a
    live log may be truncated (``agent.truncate_live_logs``)."""

    free_paths: tuple[str, ...] = ("{log_dir}", "/var/log/*.gz", "{tmp}")
    truncate_live_logs: bool = True
