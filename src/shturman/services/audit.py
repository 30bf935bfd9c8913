"""The audit trail: every command, decision, approval and actor."""

from __future__ import annotations

from shturman.domain.models import AuditEntry
from shturman.store.repositories import AuditRepo, StoredOutput


class AuditTrail:
    """Implements hosts.AuditSink on top of the store. Outputs arrive already redacted."""

    def __init__(self, repo: AuditRepo) -> None:
        self._repo = repo

    async def record(self, entry: AuditEntry, stdout: str = "", stderr: str = "",
                     stdout_bytes: int = 0, stderr_bytes: int = 0) -> int:
        output = None
        if entry.action == "command" and (stdout or stderr):
            output = StoredOutput(stdout, stderr, stdout_bytes, stderr_bytes)
        return await self._repo.append(entry, output)

    async def recent(self, limit: int = 50, server: str | None = None,
                     run_id: str | None = None) -> list[AuditEntry]:
        return await self._repo.recent(limit, server, run_id)

    async def output(self, audit_id: int) -> StoredOutput | None:
        return await self._repo.output(audit_id)
