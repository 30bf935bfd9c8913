"""The backup repository: a bare git repository (dulwich, pure Python) on one branch.

Blocking by nature: every public method is synchronous and is called through
``asyncio.to_thread`` by the service. An update of one server's subtree (read the current
tree, merge, commit) holds a file lock, so a scheduled backup in the daemon and a
`shturman backup run` in a terminal never lose each other's commits.
"""

from __future__ import annotations

import fcntl
import io
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shturman.domain.backups import BackupCommit, BackupError

AUTHOR = b"Shturman <shturman@localhost>"
FILE_MODE = 0o100644
EXEC_MODE = 0o100755
LINK_MODE = 0o120000


@dataclass(frozen=True, slots=True)
class Entry:
    """One file of a server's subtree: new ``data``, or an existing blob ``sha``."""

    git_mode: int
    sha: bytes = b""
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    """A server's new subtree (paths relative to ``SERVER/``) and the commit message."""

    entries: dict[str, Entry]
    message: str


Build = Callable[[dict[str, Entry], Callable[[bytes], bytes]], Proposal | None]


class GitStore:
    def __init__(self, path: Path, branch: str = "main") -> None:
        self.path = path
        self.ref: Any = f"refs/heads/{branch}".encode()
        self._lock = threading.Lock()

    # --- writing ----------------------------------------------------------------------------

    def update(self, server: str, build: Build) -> str | None:
        """Replace ``SERVER/`` with what ``build(current_entries, read_blob)`` proposes and
        commit it; None when ``build`` declines or the tree is unchanged."""
        with self._locked():
            repo = self._repo()
            head = self._head(repo)
            everything = self._entries(repo, head)
            prefix = f"{server}/"
            mine = {p[len(prefix):]: e for p, e in everything.items() if p.startswith(prefix)}
            proposal = build(mine, lambda sha: bytes(repo.object_store[sha].as_raw_string()))
            if proposal is None:
                return None
            from dulwich.index import commit_tree
            from dulwich.objects import Blob

            others = {p: e for p, e in everything.items() if not p.startswith(prefix)}
            blobs: list[Any] = []
            for path, entry in sorted({**others, **{prefix + p: e for p, e in
                                                    proposal.entries.items()}}.items()):
                sha = entry.sha
                if entry.data is not None:
                    blob = Blob.from_string(entry.data)
                    repo.object_store.add_object(blob)
                    sha = blob.id
                blobs.append((path.encode("utf-8", "surrogateescape"), sha, entry.git_mode))
            tree = commit_tree(repo.object_store, blobs)
            if head is not None and repo[head].tree == tree:
                return None
            return self._commit(repo, head, tree, proposal.message)

    def _commit(self, repo: Any, head: bytes | None, tree: bytes, message: str) -> str:
        from dulwich.objects import Commit

        commit: Any = Commit()
        commit.tree = tree
        commit.parents = [head] if head is not None else []
        commit.author = commit.committer = AUTHOR
        commit.author_time = commit.commit_time = int(time.time())
        commit.author_timezone = commit.commit_timezone = 0
        commit.encoding = b"UTF-8"
        commit.message = message.encode()
        repo.object_store.add_object(commit)
        if not repo.refs.set_if_equals(self.ref, head, commit.id):
            raise BackupError("repository", detail="the branch moved during the commit")
        return str(commit.id.decode())

    def push(self, remote: str) -> None:
        """Push the branch (fast-forward only). Raises BackupError("push") with the reason."""
        from dulwich import porcelain
        from dulwich.errors import GitProtocolError, HangupException, NotGitRepository

        with self._locked():
            repo = self._repo()
            if self._head(repo) is None:
                return
            said = io.BytesIO()
            try:
                result = porcelain.push(repo, remote, self.ref, outstream=said, errstream=said)
            except (OSError, GitProtocolError, HangupException, NotGitRepository,
                    porcelain.Error, ValueError, KeyError) as exc:
                raise BackupError("push", detail=f"{type(exc).__name__}: {exc}") from exc
            failed = {k: v for k, v in (result.ref_status or {}).items() if v}
            if failed:
                raise BackupError("push", detail="; ".join(
                    f"{k.decode()}: {v}" for k, v in failed.items()))

    # --- reading ----------------------------------------------------------------------------

    def head(self) -> str | None:
        repo = self._repo()
        head = self._head(repo)
        return head.decode() if head is not None else None

    def resolve(self, committish: str | None) -> str:
        """A full commit id for ``committish`` (a sha or its prefix, HEAD~N, a branch)."""
        from dulwich.objectspec import parse_commit

        repo = self._repo()
        if committish is None:
            head = self._head(repo)
            if head is None:
                raise BackupError("no_backup")
            return head.decode()
        try:
            return bytes(parse_commit(repo, committish.encode()).id).decode()
        except (KeyError, ValueError) as exc:
            raise BackupError("unknown_commit", commit=committish) from exc

    def file_at(self, commit: str, path: str) -> tuple[bytes, int] | None:
        """The blob and git mode of ``path`` (``SERVER/…``) at ``commit``; None if absent."""
        from dulwich.object_store import tree_lookup_path

        repo = self._repo()
        tree = repo[commit.encode()].tree
        try:
            mode, sha = tree_lookup_path(repo.__getitem__, tree,
                                         path.encode("utf-8", "surrogateescape"))
        except KeyError:
            return None
        if mode is None or mode == 0o040000:
            return None
        return bytes(repo[sha].as_raw_string()), int(mode)

    def has_tree(self, commit: str, path: str) -> bool:
        from dulwich.object_store import tree_lookup_path

        repo = self._repo()
        tree = repo[commit.encode()].tree
        try:
            mode, _sha = tree_lookup_path(repo.__getitem__, tree, path.encode())
        except KeyError:
            return False
        return mode == 0o040000

    def log(self, paths: list[str], limit: int = 100) -> list[BackupCommit]:
        """Commits (newest first) touching any of ``paths`` (``SERVER/…`` prefixes)."""
        repo = self._repo()
        head = self._head(repo)
        if head is None:
            return []
        wanted = [p.rstrip("/").encode() for p in paths if p] or None
        found: list[BackupCommit] = []
        for entry in repo.get_walker(include=[head], paths=wanted, max_entries=limit):
            commit = entry.commit
            touched: list[str] = []
            for change in entry.changes():
                if isinstance(change, list):  # a merge: not made here
                    continue
                for side in (change.new, change.old):
                    if side is not None and side.path is not None:
                        touched.append(side.path.decode("utf-8", "surrogateescape"))
                        break
            message = commit.message.decode("utf-8", "replace")
            found.append(BackupCommit(
                commit=commit.id.decode(), at=datetime.fromtimestamp(commit.commit_time, UTC),
                summary=message.splitlines()[0] if message else "", message=message,
                paths=tuple(sorted(p for p in touched if not p.endswith("/.shturman-meta.json")
                                   ))))
        return found

    # --- plumbing ---------------------------------------------------------------------------

    def _repo(self) -> Any:
        from dulwich.errors import NotGitRepository
        from dulwich.repo import Repo

        try:
            if not self.path.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
                repo: Any = Repo.init_bare(str(self.path), mkdir=True)
                repo.refs.set_symbolic_ref(b"HEAD", self.ref)
                return repo
            return Repo(str(self.path))
        except (OSError, NotGitRepository) as exc:
            raise BackupError("repository", detail=f"{self.path}: {exc}") from exc

    def _head(self, repo: Any) -> bytes | None:
        try:
            return bytes(repo.refs[self.ref])
        except KeyError:
            return None

    def _entries(self, repo: Any, head: bytes | None) -> dict[str, Entry]:
        from dulwich.object_store import iter_tree_contents

        if head is None:
            return {}
        tree = repo[head].tree
        return {e.path.decode("utf-8", "surrogateescape"): Entry(int(e.mode), bytes(e.sha))
                for e in iter_tree_contents(repo.object_store, tree)
                if e.path is not None and e.mode is not None and e.sha is not None}

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = self.path.parent / f".{self.path.name}.lock"
            with open(lock, "a") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
