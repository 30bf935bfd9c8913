"""One server's new subtree from what was fetched: pure, no I/O.

Under each fetched root the old entries are replaced by what was read (a root that does not
exist any more deletes what was under it); entries outside the fetched roots stay (earlier
snapshots, paths no longer configured); a file that could not be read keeps its old copy.
``SERVER/.shturman-meta.json`` holds mode, owner and redaction per path and the skip list.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shturman.domain.backups import (
    META_FILE,
    ChangeKind,
    EntryKind,
    FetchedTree,
    FileChange,
    Skipped,
    SkipReason,
)
from shturman.services.backups.git import EXEC_MODE, FILE_MODE, LINK_MODE, Entry, Proposal
from shturman.services.backups.rules import FileRules


@dataclass
class Outcome:
    """Filled in by :func:`merge` (it runs inside the repository lock)."""

    changes: list[FileChange] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def rel(path: str) -> str:
    return path.lstrip("/")


def under(path: str, root: str) -> bool:
    root = root.rstrip("/")
    return path == root or path.startswith(root + "/") or root == ""


def merge(server: str, trees: Sequence[FetchedTree], rules: FileRules, heading: str,
          old: dict[str, Entry], read_blob: Callable[[bytes], bytes],
          outcome: Outcome) -> Proposal | None:
    old_meta = _load_meta(old, read_blob)
    old_files = {p: e for p, e in old.items() if p != META_FILE}
    files = dict(old_files)
    meta_files: dict[str, Any] = dict(old_meta.get("files", {}))
    meta_skipped: dict[str, Any] = dict(old_meta.get("skipped", {}))
    for tree in trees:
        if tree.error:  # nothing known about it now: keep what we had
            outcome.skipped.append(Skipped(tree.root, SkipReason.UNREADABLE, tree.error))
            continue
        root = rel(tree.root)
        for path in [p for p in files if under(p, root)]:
            del files[path]
        for path in [p for p in meta_files if under(rel(p), root)]:
            del meta_files[path]
        for path in [p for p in meta_skipped if under(rel(p), root)]:
            del meta_skipped[path]
        for fetched in tree.files:
            info, path = fetched.info, rel(fetched.info.path)
            skipped = fetched.skipped
            kept = None
            if skipped is None and fetched.content is not None:
                if info.kind is EntryKind.SYMLINK:
                    files[path] = Entry(LINK_MODE, data=fetched.content)
                else:
                    kept = rules.keep(info.path, fetched.content)
                    skipped = kept.skipped
            if skipped is not None:
                outcome.skipped.append(skipped)
                meta_skipped[info.path] = {"reason": skipped.reason.value, "rule": skipped.rule}
                if skipped.reason is SkipReason.UNREADABLE and path in old_files:
                    files[path] = old_files[path]  # keep the last good copy
                    if info.path in old_meta.get("files", {}):
                        meta_files[info.path] = old_meta["files"][info.path]
                continue
            if kept is not None and kept.data is not None:
                files[path] = Entry(EXEC_MODE if info.mode & 0o111 else FILE_MODE,
                                    data=kept.data)
            meta_files[info.path] = {
                "kind": info.kind.value, "mode": f"{info.mode:04o}", "uid": info.uid,
                "gid": info.gid, "owner": info.owner, "group": info.group, "size": info.size,
                **({"target": info.target} if info.target else {}),
                **({"redacted": kept.redacted} if kept is not None and kept.redacted else {}),
            }
    outcome.changes.extend(_changes(old_files, files, old_meta.get("files", {}), meta_files))
    if not outcome.changes:
        return None
    meta = {"server": server, "files": dict(sorted(meta_files.items())),
            "skipped": dict(sorted(meta_skipped.items()))}
    files[META_FILE] = Entry(FILE_MODE, data=(json.dumps(meta, indent=1, ensure_ascii=False)
                                              + "\n").encode())
    return Proposal(files, message(server, heading, outcome.changes, outcome.skipped))


def _changes(old: dict[str, Entry], new: dict[str, Entry], old_meta: dict[str, Any],
             new_meta: dict[str, Any]) -> list[FileChange]:
    changes: list[FileChange] = []
    for path in sorted(set(old) | set(new)):
        full = "/" + path
        redacted = str(new_meta.get(full, {}).get("redacted", ""))
        before, after = old.get(path), new.get(path)
        if before is None and after is not None:
            changes.append(FileChange(full, ChangeKind.ADDED, redacted))
        elif after is None and before is not None:
            changes.append(FileChange(full, ChangeKind.DELETED))
        elif before is not None and after is not None:
            if after.data is not None and _sha(after.data) != before.sha:
                changes.append(FileChange(full, ChangeKind.MODIFIED, redacted))
                continue
            was, now = old_meta.get(full, {}), new_meta.get(full, {})
            moved = [f"{key} {was.get(key)} → {now.get(key)}" for key in ("mode", "uid", "gid")
                     if was.get(key) != now.get(key)]
            if moved:
                changes.append(FileChange(full, ChangeKind.PERMISSIONS, redacted,
                                          ", ".join(moved)))
    return changes


def _sha(data: bytes) -> bytes:
    from dulwich.objects import Blob

    return bytes(Blob.from_string(data).id)


def _load_meta(old: dict[str, Entry], read_blob: Callable[[bytes], bytes]) -> dict[str, Any]:
    entry = old.get(META_FILE)
    if entry is None:
        return {}
    try:
        loaded = json.loads(read_blob(entry.sha))
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def message(server: str, heading: str, changes: Sequence[FileChange],
            skipped: Sequence[Skipped]) -> str:
    """``backup vm1: 2 files changed (1 added, 1 modified)`` then one line per file, the
    redaction rule where one applied, the skipped files with their rule, and trailers."""
    counts: dict[ChangeKind, int] = {}
    for c in changes:
        counts[c.kind] = counts.get(c.kind, 0) + 1
    tally = ", ".join(f"{n} {kind.value}" for kind, n in counts.items())
    lines = [f"{heading} {server}: {len(changes)} file(s) changed ({tally})", ""]
    for c in changes:
        note = f"  [redacted: {c.redacted}]" if c.redacted else ""
        detail = f"  ({c.detail})" if c.detail else ""
        lines.append(f"{c.kind.letter} {c.path}{detail}{note}")
    if skipped:
        lines += ["", "Skipped (not stored in clear):"]
        lines += [f"  {s.path}  [{s.reason.value}{': ' + s.rule if s.rule else ''}]"
                  for s in skipped]
    lines += ["", f"Shturman-Server: {server}"]
    return "\n".join(lines) + "\n"
