"""Config backups as a use-case: back up servers, snapshot files before a change, list the
history, and restore a file through the policy (docs/backups.md)."""

from __future__ import annotations

import asyncio
import json
import shlex
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shturman.domain.backups import (
    META_FILE,
    BackupCommit,
    BackupError,
    BackupReport,
    FetchedTree,
    RestorePlan,
    RestoreResult,
    ServerBackup,
)
from shturman.domain.errors import HostError
from shturman.domain.jobs import JobPayload
from shturman.domain.models import Actor, AuditEntry, RunMode, Server
from shturman.services.backups.git import GitStore
from shturman.services.backups.merge import Outcome, merge, rel
from shturman.services.backups.rules import FileRules

if TYPE_CHECKING:
    from shturman.config import BackupSettings
    from shturman.hosts.files import FileReader
    from shturman.hosts.guarded import Approver, GuardedExecutor
    from shturman.jobs import HandlerRegistry, JobContext
    from shturman.services.audit import AuditTrail
    from shturman.services.inventory import Inventory

SYSTEM = Actor("scheduler", "backup")


class BackupService:
    def __init__(self, settings: BackupSettings, home: Path, inventory: Inventory,
                 reader: FileReader, guarded: GuardedExecutor, audit: AuditTrail,
                 redact: Callable[[str], str]) -> None:
        self.settings = settings
        self.inventory = inventory
        self.reader = reader
        self.guarded = guarded
        self._audit = audit
        self._redact = redact
        self.store = GitStore(settings.repository_path(home), settings.branch)

    # --- backing up ---------------------------------------------------------------------------

    async def targets(self, names: Sequence[str] = ()) -> list[Server]:
        """The servers named (UnknownServerError for a wrong one), or every registered
        server (``local`` only when listed under ``backups.servers``), less disabled ones."""
        if names:
            return [await self.inventory.get(n) for n in names]
        chosen = []
        for server in await self.inventory.all():
            own = self.settings.servers.get(server.name)
            if server.is_local and own is None:
                continue
            if own is None or own.enabled:
                chosen.append(server)
        return chosen

    async def run(self, names: Sequence[str] = (), *, actor: Actor = SYSTEM) -> BackupReport:
        """Back up each server (one commit per server that changed), then push."""
        if not self.settings.enabled:
            raise BackupError("disabled")
        servers = await self.targets(names)
        done = await asyncio.gather(*(self._backup(s, actor) for s in servers))
        pushed, push_error = await self.push()
        return BackupReport(tuple(done), pushed, push_error)

    async def _backup(self, server: Server, actor: Actor) -> ServerBackup:
        try:
            async with asyncio.timeout(self.settings.timeout):
                roots = await self._roots(server, actor)
                trees = await self._fetch(server, roots)
        except (HostError, TimeoutError) as exc:
            detail = exc.detail if isinstance(exc, HostError) else (
                f"timed out after {self.settings.timeout:g}s")
            await self._record(actor, server.name, "backup", "failed", detail)
            return ServerBackup(server.name, None, error=detail)
        return await self._commit(server, trees, "backup", actor)

    async def snapshot(self, server: str, paths: Sequence[str], reason: str, *,
                       actor: Actor = SYSTEM) -> str:
        """Save ``paths`` of ``server`` as they are now, before something changes them.
        Returns the commit that holds them (a new one, or the current head when nothing
        differed). Raises HostError when the server cannot be read: the caller should not
        change what it could not save."""
        target = await self.inventory.get(server)
        async with asyncio.timeout(self.settings.timeout):
            trees = await self._fetch(target, list(paths))
        done = await self._commit(target, trees, f"snapshot ({reason})", actor)
        if done.commit is not None:
            return done.commit
        head = await asyncio.to_thread(self.store.head)
        if head is None:
            raise BackupError("repository", detail="no commit holds the snapshot")
        return head

    async def push(self) -> tuple[bool, str]:
        """(pushed, error). Without a remote: (False, ""). A failure keeps the commits
        locally; the next run pushes them."""
        remote = self.settings.remote
        if not remote:
            return False, ""
        try:
            await asyncio.to_thread(self.store.push, remote)
        except BackupError as exc:
            return False, self._redact(exc.detail)
        return True, ""

    def rules(self, server: str) -> FileRules:
        own = self.settings.servers.get(server)
        extra = own.exclude if own is not None else []
        return FileRules([*self.settings.exclude, *extra], self._redact)

    async def _roots(self, server: Server, actor: Actor) -> list[str]:
        own = self.settings.servers.get(server.name)
        defaults = own is None or own.defaults
        roots = list(self.settings.paths) if defaults else []
        if defaults and self.settings.unit_files:
            roots += await self._unit_files(server, actor)
        roots += own.paths if own is not None else []
        unique: list[str] = []
        for root in roots:
            if root not in unique:
                unique.append(root)
        return unique

    async def _unit_files(self, server: Server, actor: Actor) -> list[str]:
        """The unit files and drop-in directories of the server's listed services: where
        systemd says they are (``FragmentPath``, ``DropInPaths``) and, for managers that do
        not say, the candidates in ``backups.unit_dirs`` (missing ones are just absent)."""
        found: list[str] = []
        for service in server.services:
            unit = service if "." in service else f"{service}.service"
            found += [f"{d.rstrip('/')}/{unit}{tail}" for d in self.settings.unit_dirs
                      for tail in ("", ".d")]
            command = f"systemctl show -p FragmentPath -p DropInPaths {shlex.quote(unit)}"
            try:
                shown = await self.guarded.run(server, command, actor=actor,
                                                mode=RunMode.READONLY, timeout=20)
            except HostError:
                continue
            for line in shown.result.stdout.text.splitlines():
                key, _, value = line.partition("=")
                if key in ("FragmentPath", "DropInPaths"):
                    found += [v for v in value.split() if v.startswith("/")]
        return found

    async def _fetch(self, server: Server, roots: Sequence[str]) -> list[FetchedTree]:
        rules = self.rules(server.name)
        trees: list[FetchedTree] = []
        for root in roots:
            tree = await self.reader.fetch(server, root, skip=rules.skip,
                                            max_size=self.settings.max_file_size,
                                            max_files=self.settings.max_files)
            if tree.root not in [t.root for t in trees]:
                trees.append(tree)
        return trees

    async def _commit(self, server: Server, trees: list[FetchedTree], heading: str,
                      actor: Actor) -> ServerBackup:
        outcome = Outcome()
        rules = self.rules(server.name)
        commit = await asyncio.to_thread(
            self.store.update, server.name,
            lambda old, read: merge(server.name, trees, rules, heading, old, read, outcome))
        done = ServerBackup(server.name, commit, tuple(outcome.changes), tuple(outcome.skipped))
        what = (f"commit {commit[:12]}: {len(done.changes)} file(s) changed" if commit
                else "no change")
        if done.skipped:
            what += f"; {len(done.skipped)} skipped"
        await self._record(actor, server.name, heading.split()[0], "ok", what)
        return done

    async def _record(self, actor: Actor, server: str, action: str, outcome: str,
                      detail: str) -> None:
        await self._audit.record(AuditEntry(datetime.now(UTC), str(actor), server,
                                            f"backup_{action}" if action != "backup"
                                            else "backup", outcome=outcome,
                                            detail=self._redact(detail)))

    # --- reading the history ------------------------------------------------------------------

    async def history(self, server: str | None = None, path: str | None = None,
                      limit: int = 50) -> list[BackupCommit]:
        """Commits touching ``SERVER[/PATH]`` (all commits without a server), newest first."""
        prefixes: list[str] = []
        if server is not None:
            name = (await self.inventory.get(server)).name
            prefixes = [f"{name}/{rel(path)}" if path else name]
        return await asyncio.to_thread(self.store.log, prefixes, limit)

    async def stored_meta(self, server: str, commit: str) -> dict[str, Any]:
        found = await asyncio.to_thread(self.store.file_at, commit, f"{server}/{META_FILE}")
        if found is None:
            return {}
        loaded = json.loads(found[0])
        return loaded if isinstance(loaded, dict) else {}

    async def home(self, server: Server) -> str:
        """The server's home directory (to resolve ``~/…`` paths)."""
        return await self.reader.home(server)

    # --- restoring ----------------------------------------------------------------------------

    async def plan_restore(self, server: str, path: str, at: str | None = None) -> RestorePlan:
        """The stored copy of ``path`` at ``at`` (default: the newest) and its diff from the
        server's file. BackupError when there is no usable copy (redacted, excluded …)."""
        from shturman.services.backups import restore

        return await restore.plan(self, server, path, at)

    async def restore(self, plan: RestorePlan, *, actor: Actor, approver: Approver | None,
                      mode: RunMode = RunMode.INTERACTIVE) -> RestoreResult:
        """Write the copy back: one command through the GuardedExecutor (confirm + diff)."""
        from shturman.services.backups import restore

        return await restore.restore(self, plan, actor=actor, approver=approver, mode=mode)


def register_backup_job(registry: HandlerRegistry,
                        backups: Callable[[], BackupService]) -> None:
    """The ``backup`` job kind: payload ``{"servers"?: [NAME…]}``. Reads servers only, so a
    failed attempt may be retried; it fails when a server could not be backed up or the
    push failed (the commits are kept and pushed next time)."""

    async def backup(payload: JobPayload, ctx: JobContext) -> JobPayload:
        names = [str(n) for n in payload.get("servers") or []]
        report = await backups().run(names, actor=Actor("job", str(ctx.job.id)))
        summary: JobPayload = {
            "servers": {s.server: {"commit": s.commit, "changes": len(s.changes),
                                   "skipped": len(s.skipped), "error": s.error}
                        for s in report.servers},
            "pushed": report.pushed, "push_error": report.push_error}
        if not report.ok:
            failed = [f"{s.server}: {s.error}" for s in report.servers if s.error]
            if report.push_error:
                failed.append(f"push: {report.push_error}")
            raise BackupError("failed", detail="; ".join(failed))
        return summary

    registry.register("backup", backup)
