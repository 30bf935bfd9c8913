"""Deterministic remedies the service-repair runbook tries, one module per noun.

Each remedy reads the :class:`~shturman.agent.remedies.evidence.Evidence` gathered about the
failing service, looks for its own cause on the host with read-only commands, and acts only on
what it found. It returns a sentence saying what it did, a
:class:`~shturman.agent.remedies.evidence.Finding` (a cause it found and must leave alone:
another account's process on the port, a broken config with no previous version), or None.
"""

from __future__ import annotations

from shturman.agent.remedies.backups import restore_from_backup
from shturman.agent.remedies.caches import discard_corrupt_cache
from shturman.agent.remedies.configs import restore_config_backup
from shturman.agent.remedies.deps import start_dependencies
from shturman.agent.remedies.envfiles import restore_environment_file
from shturman.agent.remedies.evidence import (
    Evidence,
    Finding,
    Remedy,
    gather,
    interesting_lines,
)
from shturman.agent.remedies.files import fix_permission, recreate_missing, relieve_log_flood
from shturman.agent.remedies.ports import free_taken_port
from shturman.agent.remedies.releases import repoint_release, roll_back_release
from shturman.agent.remedies.runtime import recreate_runtime_dir
from shturman.agent.remedies.upstreams import repair_upstream

REMEDIES: tuple[Remedy, ...] = (
    start_dependencies,
    repair_upstream,
    free_taken_port,
    restore_config_backup,
    restore_environment_file,
    repoint_release,
    roll_back_release,
    recreate_runtime_dir,
    discard_corrupt_cache,
    restore_from_backup,
    recreate_missing,
    fix_permission,
    relieve_log_flood,
)

__all__ = ["REMEDIES", "Evidence", "Finding", "Remedy", "gather", "interesting_lines"]
