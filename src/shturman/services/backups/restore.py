"""Restoring one file from the backup repository — through the policy.

The file is read from the server (read-only) and diffed against the stored copy; the write
is ONE command through the GuardedExecutor, judged like any other (`fs.write` → confirm),
with the diff attached to its approval: a person approves it in the terminal or in advance
with ``--yes``; with neither it is denied (fail closed). The file as it was is snapshotted
into the repository first. A redacted or excluded copy is never written back.
"""

from __future__ import annotations

import difflib
import posixpath
import shlex
from typing import TYPE_CHECKING

from shturman.domain.backups import (
    BackupError,
    EntryKind,
    RestorePlan,
    RestoreResult,
    StoredFile,
)
from shturman.domain.models import Actor, RunMode
from shturman.services.backups.git import LINK_MODE
from shturman.services.backups.merge import rel

if TYPE_CHECKING:
    from shturman.hosts.guarded import Approver
    from shturman.services.backups.service import BackupService

MARKER = "SHTURMAN_EOF"


async def plan(service: BackupService, server_name: str, path: str,
               at: str | None = None) -> RestorePlan:
    """What a restore of ``path`` would write, with the diff from the server's file."""
    import asyncio

    server = await service.inventory.get(server_name)
    if path == "~" or path.startswith("~/"):
        path = (await service.home(server)).rstrip("/") + path[1:]
    if not path.startswith("/"):
        raise BackupError("no_backup", server=server.name, path=path)
    path = posixpath.normpath(path)
    commit = await asyncio.to_thread(service.store.resolve, at)
    stored = await _stored(service, server.name, path, commit)
    tree = await service.reader.fetch(server, path, skip=lambda p: None,
                                       max_size=service.settings.max_file_size, max_files=1)
    current: bytes | None = None
    current_mode: int | None = None
    if tree.error:
        raise BackupError("unreadable", server=server.name, path=path, detail=tree.error)
    if not tree.missing:
        if len(tree.files) != 1 or tree.files[0].info.path != path:
            raise BackupError("directory", server=server.name, path=path)
        fetched = tree.files[0]
        if fetched.content is None:
            raise BackupError("unreadable", server=server.name, path=path,
                              detail=fetched.skipped.reason.value if fetched.skipped else "")
        current, current_mode = fetched.content, fetched.info.mode
    return RestorePlan(stored, current, _diff(server.name, path, commit, current,
                                              stored.content), current_mode)


async def _stored(service: BackupService, server: str, path: str, commit: str) -> StoredFile:
    import asyncio

    found = await asyncio.to_thread(service.store.file_at, commit, f"{server}/{rel(path)}")
    meta = await service.stored_meta(server, commit)
    if found is None:
        skipped = meta.get("skipped", {}).get(path)
        if skipped is not None:
            raise BackupError("excluded", server=server, path=path, commit=commit[:12],
                              detail=f"{skipped.get('reason')}: {skipped.get('rule')}")
        directory = await asyncio.to_thread(service.store.has_tree, commit,
                                            f"{server}/{rel(path)}")
        raise BackupError("directory" if directory else "no_backup", server=server,
                          path=path, commit=commit[:12])
    data, git_mode = found
    info = meta.get("files", {}).get(path, {})
    redacted = str(info.get("redacted", ""))
    if redacted:
        raise BackupError("redacted", server=server, path=path, commit=commit[:12],
                          detail=redacted)
    if git_mode == LINK_MODE:
        raise BackupError("not_text", server=server, path=path, commit=commit[:12],
                          detail="symlink")
    mode = int(info["mode"], 8) if "mode" in info else None
    return StoredFile(server, path, commit, data, mode, info.get("uid"), info.get("gid"),
                      kind=EntryKind.FILE)


def _diff(server: str, path: str, commit: str, current: bytes | None, stored: bytes) -> str:
    now = (current or b"").decode("utf-8", "replace").splitlines(True)
    then = stored.decode("utf-8", "replace").splitlines(True)
    label = "(missing)" if current is None else "(now)"
    return "".join(difflib.unified_diff(now, then, f"{server}:{path} {label}",
                                        f"{server}:{path} (backup {commit[:12]})"))


def write_command(stored: StoredFile, current_exists: bool, current_mode: int | None) -> str:
    """One shell command that writes exactly the stored bytes (and mode) to the path."""
    try:
        text = stored.content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BackupError("not_text", server=stored.server, path=stored.path) from exc
    quoted = shlex.quote(stored.path)
    marker = MARKER
    while marker in text.splitlines():
        marker += "_"
    steps = []
    if not current_exists:
        steps.append(f"mkdir -p {shlex.quote(posixpath.dirname(stored.path))}")
    if not text:
        steps.append(f": > {quoted}")
    elif text.endswith("\n"):
        steps.append(f"cat > {quoted} <<'{marker}'")
    else:  # exact bytes: no newline is added at the end
        steps.append(f"head -c {len(stored.content)} > {quoted} <<'{marker}'")
    if stored.mode is not None and (not current_exists or current_mode != stored.mode):
        steps.append(f"chmod {stored.mode:04o} {quoted}")
    command = " && ".join(steps)
    if text:
        command += f"\n{text}{'' if text.endswith(chr(10)) else chr(10)}{marker}"
    return command


async def restore(service: BackupService, restore_plan: RestorePlan, *, actor: Actor,
                  approver: Approver | None, mode: RunMode = RunMode.INTERACTIVE
                  ) -> RestoreResult:
    """Snapshot the file as it is, then write the stored copy back as one guarded command
    (confirm, with the diff). Denied without an approver or an approval."""
    stored = restore_plan.stored
    if not restore_plan.needed:
        return RestoreResult(restore_plan, "unchanged")
    server = await service.inventory.get(stored.server)
    command = write_command(stored, restore_plan.current is not None,
                            restore_plan.current_mode)
    verdict = service.guarded.judge(server, command)
    snapshot = None
    if restore_plan.current is not None and verdict.decision.value != "block":
        snapshot = await service.snapshot(
            stored.server, [stored.path], f"before restore to {stored.commit[:12]}",
            actor=actor)
    done = await service.guarded.run(server, command, actor=actor, mode=mode,
                                      approver=approver, diff=restore_plan.diff)
    result = done.result
    detail = result.error or result.stderr.text.strip()
    return RestoreResult(restore_plan, result.outcome.value, detail, snapshot)
