"""The audit trail: every command, decision, approval and actor.

Commands are audited write-ahead: the row exists (outcome `running`) before the command is
sent, so nothing ever runs unrecorded. The result half is completed by a background writer in
order, in batches (it is off the command's critical path); :meth:`AuditTrail.flush` waits for
it, and every reader and `close()` flush first. A crash leaves at most the newest rows
`running` — consistent, never missing.
"""

from __future__ import annotations

import asyncio

from shturman.domain.audit import AuditFilter
from shturman.domain.models import AuditEntry
from shturman.store.repositories import AuditCompletion, AuditRepo, StoredOutput


class AuditTrail:
    """Implements hosts.AuditSink on top of the store. The repository redacts every command,
    detail and output it writes or reads (the GuardedExecutor has redacted outputs already)."""

    def __init__(self, repo: AuditRepo) -> None:
        self._repo = repo
        self._pending: list[AuditCompletion] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, entry: AuditEntry, stdout: str = "", stderr: str = "",
                     stdout_bytes: int = 0, stderr_bytes: int = 0) -> int:
        """One complete row (refusals, server changes, key pinning …), written now."""
        output = None
        if entry.action == "command" and (stdout or stderr):
            output = StoredOutput(stdout, stderr, stdout_bytes, stderr_bytes)
        return await self._repo.append(entry, output)

    async def begin(self, entry: AuditEntry) -> int:
        """Write-ahead row for a command about to run."""
        return await self._repo.append(entry)

    def complete(self, audit_id: int, *, exit_code: int | None, duration: float,
                 outcome: str, detail: str, stdout: str, stderr: str, stdout_bytes: int,
                 stderr_bytes: int) -> None:
        """Queue the result half of a write-ahead row (written in order, in batches)."""
        output = (StoredOutput(stdout, stderr, stdout_bytes, stderr_bytes)
                  if stdout or stderr else None)
        self._pending.append(AuditCompletion(audit_id, exit_code, duration, outcome, detail,
                                             output))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            await self._repo.complete(batch)

    async def flush(self) -> None:
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)
        if self._writer is not None and self._writer.done() and not self._writer.cancelled():
            error = self._writer.exception()
            if error is not None:
                self._writer = None
                raise error

    async def close(self) -> None:
        await self.flush()
        await self._repo.close()

    async def recent(self, limit: int = 50, server: str | None = None,
                     run_id: str | None = None) -> list[AuditEntry]:
        await self.flush()
        return await self._repo.recent(limit, server, run_id)

    async def output(self, audit_id: int) -> StoredOutput | None:
        await self.flush()
        return await self._repo.output(audit_id)

    async def search(self, f: AuditFilter) -> list[AuditEntry]:
        """Newest first: the rows matching the filter (the web app's audit page)."""
        await self.flush()
        return await self._repo.search(f)
