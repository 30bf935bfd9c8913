"""The audit trail: every command, decision, approval and actor.

Commands are audited write-ahead: the row exists (outcome `running`) before the command is
sent, so nothing ever runs unrecorded. Write-ahead rows that arrive together (a fan-out to many
servers) are committed together, in one transaction, and each command waits for its own row's
commit: the same guarantee, without 20 commits in a row before the last server's command can
start. The result half is completed by a background writer in
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
        self._begins: list[tuple[AuditEntry, asyncio.Future[int]]] = []
        self._begin_writer: asyncio.Task[None] | None = None

    async def record(self, entry: AuditEntry, stdout: str = "", stderr: str = "",
                     stdout_bytes: int = 0, stderr_bytes: int = 0) -> int:
        """One complete row (refusals, server changes, key pinning …), written now."""
        output = None
        if entry.action == "command" and (stdout or stderr):
            output = StoredOutput(stdout, stderr, stdout_bytes, stderr_bytes)
        return await self._repo.append(entry, output)

    async def begin(self, entry: AuditEntry) -> int:
        """Write-ahead row for a command about to run: returns once the row is committed
        (rows begun in the same moment share one transaction)."""
        loop = asyncio.get_running_loop()
        committed: asyncio.Future[int] = loop.create_future()
        self._begins.append((entry, committed))
        if self._begin_writer is None or self._begin_writer.done():
            self._begin_writer = loop.create_task(self._drain_begins())
        try:
            return await asyncio.shield(committed)
        except asyncio.CancelledError:
            # the caller was interrupted while its row was being written: the row must not
            # stay `running` — it is completed `interrupted` once it exists
            committed.add_done_callback(self._interrupted_before_start)
            raise

    async def _drain_begins(self) -> None:
        while self._begins:
            batch, self._begins = self._begins, []
            try:
                ids = await self._repo.append_many([entry for entry, _ in batch])
            except BaseException as exc:
                for _, committed in batch:
                    if not committed.done():
                        committed.set_exception(exc if isinstance(exc, Exception)
                                                else asyncio.CancelledError())
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, committed), audit_id in zip(batch, ids, strict=True):
                committed.set_result(audit_id)

    def _interrupted_before_start(self, committed: asyncio.Future[int]) -> None:
        if committed.cancelled() or committed.exception() is not None:
            return
        self.complete(committed.result(), exit_code=None, duration=0.0, outcome="interrupted",
                      detail="interrupted before the command was sent", stdout="", stderr="",
                      stdout_bytes=0, stderr_bytes=0)

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
        while self._begin_writer is not None and not self._begin_writer.done():
            await asyncio.shield(self._begin_writer)
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
