"""Config backups in git: what was read from a server, what was kept, what a backup changed.

A backup copies configured paths of a server into a git repository laid out ``SERVER/PATH…``
(``vm1/etc/nginx/nginx.conf``), with the files' permissions and owners in
``SERVER/.shturman-meta.json``. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from shturman.domain.errors import ShturmanError

META_FILE = ".shturman-meta.json"


class EntryKind(StrEnum):
    FILE = "file"
    DIRECTORY = "directory"
    SYMLINK = "symlink"
    OTHER = "other"  # sockets, devices, fifos: never read


@dataclass(frozen=True, slots=True)
class FileInfo:
    """One entry on a server, as ``lstat`` sees it (``owner``/``group``: names when the
    listing gave them, else empty)."""

    path: str  # absolute
    kind: EntryKind
    mode: int  # permission bits, with setuid/setgid/sticky
    uid: int
    gid: int
    size: int
    owner: str = ""
    group: str = ""
    target: str = ""  # a symlink's target


class SkipReason(StrEnum):
    """Why a file found under a backed-up path is not in the repository in clear."""

    SECRET = "secret"  # credential material by its path (policy.secrets) — never read
    EXCLUDED = "excluded"  # an exclude glob of the config — never read
    TOO_LARGE = "too_large"  # over backups.max_file_size — never read
    BINARY = "binary"  # not UTF-8 text, or a NUL byte
    UNREADABLE = "unreadable"  # permission denied or an I/O error (the old copy is kept)
    SPECIAL = "special"  # a socket, device or fifo
    TOO_MANY = "too_many"  # past backups.max_files under one path


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: SkipReason
    rule: str = ""  # the rule that applied: `secrets.private_key`, `exclude:*.log`, `1048576`


@dataclass(frozen=True, slots=True)
class FetchedFile:
    """A file read from a server: its content (None when it was not read) or why not."""

    info: FileInfo
    content: bytes | None = None
    skipped: Skipped | None = None


@dataclass(frozen=True, slots=True)
class FetchedTree:
    """What one configured path held: ``missing`` when it does not exist; ``error`` when it
    could not be listed at all (then nothing under it is treated as deleted)."""

    root: str  # the requested path, absolute (``~`` resolved)
    files: tuple[FetchedFile, ...] = ()
    missing: bool = False
    error: str = ""


class ChangeKind(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    PERMISSIONS = "permissions"  # same content; mode or owner changed

    @property
    def letter(self) -> str:
        return {"added": "A", "modified": "M", "deleted": "D", "permissions": "P"}[self.value]


@dataclass(frozen=True, slots=True)
class FileChange:
    path: str
    kind: ChangeKind
    redacted: str = ""  # the redaction rule applied to the stored copy, if any
    detail: str = ""  # e.g. "mode 0644 → 0600"


@dataclass(frozen=True, slots=True)
class ServerBackup:
    """The outcome of backing up (or snapshotting) one server."""

    server: str
    commit: str | None  # None: nothing changed, no commit
    changes: tuple[FileChange, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    error: str = ""  # the server could not be read (nothing committed for it)

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True, slots=True)
class BackupReport:
    servers: tuple[ServerBackup, ...]
    pushed: bool = False  # the branch reached the remote (False also without a remote)
    push_error: str = ""  # the commits stay local and are pushed on the next run

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.servers) and not self.push_error


@dataclass(frozen=True, slots=True)
class BackupCommit:
    """One commit of the backup repository, as `shturman backup list` shows it."""

    commit: str
    at: datetime
    summary: str  # the first line of the message
    message: str
    paths: tuple[str, ...] = ()  # SERVER/PATH entries it touched (metadata file left out)


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file as the backup repository holds it at one commit."""

    server: str
    path: str
    commit: str
    content: bytes
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None
    redacted: str = ""  # non-empty: the copy is not the real file and cannot be restored
    kind: EntryKind = EntryKind.FILE
    target: str = ""


@dataclass(frozen=True, slots=True)
class RestorePlan:
    """What `backup restore` would do: the diff between the server's file and the copy."""

    stored: StoredFile
    current: bytes | None  # None: the file does not exist on the server
    diff: str
    current_mode: int | None = None

    @property
    def needed(self) -> bool:
        return self.current != self.stored.content or (
            self.stored.mode is not None and self.current_mode not in (None, self.stored.mode))


@dataclass(frozen=True, slots=True)
class RestoreResult:
    plan: RestorePlan
    outcome: str  # the command's outcome: ok | denied | blocked | failed | … ; "unchanged"
    detail: str = ""
    snapshot: str | None = None  # the commit that saved the file as it was before
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.outcome in ("ok", "unchanged")


class BackupError(ShturmanError):
    """A backup request that cannot be done. ``reason``: ``no_backup`` (no copy of that path
    at that commit), ``unknown_commit``, ``redacted`` (the copy has secrets masked),
    ``excluded`` (never copied: credential material or an exclude rule), ``directory``
    (restore files one at a time), ``not_text``, ``disabled``, ``repository`` (the git
    repository is unusable), ``failed`` (some servers could not be backed up)."""

    def __init__(self, reason: str, *, server: str = "", path: str = "", commit: str = "",
                 detail: str = "") -> None:
        super().__init__(f"backup: {reason} {server}:{path}@{commit} {detail}".strip())
        self.reason = reason
        self.server = server
        self.path = path
        self.commit = commit
        self.detail = detail
