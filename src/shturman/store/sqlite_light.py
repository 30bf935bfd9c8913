"""The store without SQLAlchemy, for the command whose start-up is measured in milliseconds
(`shturman exec SERVER… -- CMD`, no daemon): the schema-version check, the audit writer, the
registered servers with their pinned host keys, and the encrypted credentials, on the
standard library's ``sqlite3``.

The rows are the ones :class:`~shturman.store.repositories.AuditRepo` writes — same tables,
same columns, same redaction of actor, command, detail and output, same timestamp format —
so `shturman audit` cannot tell which path wrote them. Only SQLite databases the migrations
have brought to the newest revision are opened here; anything else is the full store's job
(:meth:`schema_current` says which). Queries run in a worker thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import asyncio
import builtins
import json
import re
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from shturman.domain.errors import StoreError
from shturman.domain.models import AuditEntry, Server, server_from_fields

MIGRATIONS = Path(__file__).parent / "migrations"
T = TypeVar("T")


class Redacts(Protocol):
    def redact(self, text: str) -> str: ...


_SERVER_COLUMNS = ("name", "host", "port", "user", "auth", "key_path", "aliases", "services",
                   "tags", "profile", "forbidden_commands")
_JSON_COLUMNS = frozenset({"aliases", "services", "tags", "forbidden_commands"})


def _server_mapping(row: Any) -> dict[str, Any]:
    """A `servers` row as the full store reads it (its JSON columns decoded)."""
    return {col: json.loads(value) if col in _JSON_COLUMNS else value
            for col, value in zip(_SERVER_COLUMNS, row, strict=True)}


def head_revision() -> str:
    """The newest migration's id, read from the files (no alembic import needed)."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        body = path.read_text(encoding="utf-8")
        rev = re.search(r"^revision = ['\"]([^'\"]+)", body, re.M)
        down = re.search(r"^down_revision = (?:['\"]([^'\"]+)|None)", body, re.M)
        if rev:
            revisions[rev.group(1)] = down.group(1) if down else None
    parents = set(revisions.values())
    heads = [r for r in revisions if r not in parents]
    if len(heads) != 1:
        raise StoreError(f"migrations must have exactly one head, found {heads}")
    return heads[0]


def _connect(path: Path) -> sqlite3.Connection:
    # the pragmas of store.database._sqlite_pragmas; autocommit off, one transaction a write
    conn = sqlite3.connect(path, timeout=10.0, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def schema_current(path: Path) -> bool:
    """The database file exists and its schema is at the newest migration (nothing to
    migrate). False for anything else, errors included: the full store handles those."""
    if not path.is_file():
        return False
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
        return row is not None and str(row[0]) == head_revision()
    except (sqlite3.Error, OSError, StoreError):
        return False


def _stamp(at: datetime) -> str:
    """A timestamp as SQLAlchemy's SQLite DateTime stores it (UTC wall time, no offset)."""
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass(frozen=True, slots=True)
class _Completion:
    audit_id: int
    exit_code: int | None
    duration: float
    outcome: str
    detail: str
    output: tuple[str, str, int, int] | None


class SqliteStore:
    """One SQLite file: the audit log (``hosts.AuditSink``) and the credentials' encrypted
    blobs (read-only ``vault.SecretStore``)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._redactor: Redacts | None = None
        self._pending: list[_Completion] = []
        self._writer: asyncio.Task[None] | None = None
        self._lock = threading.Lock()

    def use_redactor(self, redactor: Redacts) -> None:
        """The one redaction pass for every text column written (set before any write)."""
        self._redactor = redactor

    async def _do(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def work() -> T:
            with self._lock:  # one connection: one transaction at a time, whichever thread
                if self._conn is None:
                    self._conn = _connect(self._path)
                try:
                    with self._conn:  # one transaction: commit, or roll back on error
                        return fn(self._conn)
                except sqlite3.Error as exc:
                    raise StoreError(f"database {self._path}: {exc.__class__.__name__}: "
                                     f"{exc}") from exc

        return await asyncio.to_thread(work)

    def _r(self, text: str) -> str:
        assert self._redactor is not None, "use_redactor() before writing"
        return self._redactor.redact(text)

    # --- hosts.AuditSink ---

    async def begin(self, entry: AuditEntry) -> int:
        return await self.record(entry)

    async def record(self, entry: AuditEntry, stdout: str = "", stderr: str = "",
                     stdout_bytes: int = 0, stderr_bytes: int = 0) -> int:
        output = None
        if entry.action == "command" and (stdout or stderr):
            output = (stdout, stderr, stdout_bytes, stderr_bytes)
        values = (_stamp(entry.at), self._r(entry.actor), entry.server, entry.action,
                  self._r(entry.command), entry.decision, entry.exit_code, entry.duration,
                  entry.outcome, self._r(entry.detail), entry.run_id)

        def insert(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO audit_log (at, actor, server, action, command, decision, "
                "exit_code, duration, outcome, detail, run_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
            audit_id = int(cur.lastrowid or 0)
            if output is not None:
                self._insert_output(conn, audit_id, output)
            return audit_id

        return await self._do(insert)

    def complete(self, audit_id: int, *, exit_code: int | None, duration: float,
                 outcome: str, detail: str, stdout: str, stderr: str, stdout_bytes: int,
                 stderr_bytes: int) -> None:
        """Queue the result half of a write-ahead row (written in order, off the command's
        path; :meth:`close` waits for it)."""
        output = (stdout, stderr, stdout_bytes, stderr_bytes) if stdout or stderr else None
        self._pending.append(_Completion(audit_id, exit_code, duration, outcome, detail,
                                         output))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []

            def write(conn: sqlite3.Connection, batch: list[_Completion] = batch) -> None:
                for c in batch:
                    conn.execute(
                        "UPDATE audit_log SET exit_code = ?, duration = ?, outcome = ?, "
                        "detail = ? WHERE audit_log.id = ?",
                        (c.exit_code, c.duration, c.outcome, self._r(c.detail), c.audit_id))
                for c in batch:
                    if c.output is not None:
                        self._insert_output(conn, c.audit_id, c.output)

            await self._do(write)

    def _insert_output(self, conn: sqlite3.Connection, audit_id: int,
                       output: tuple[str, str, int, int]) -> None:
        stdout, stderr, stdout_bytes, stderr_bytes = output
        conn.execute(
            "INSERT INTO command_outputs (audit_id, stdout, stderr, stdout_bytes, "
            "stderr_bytes) VALUES (?, ?, ?, ?, ?)",
            (audit_id, self._r(stdout), self._r(stderr), stdout_bytes, stderr_bytes))

    async def flush(self) -> None:
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)
        if self._writer is not None and not self._writer.cancelled():
            error = self._writer.exception()
            self._writer = None
            if error is not None:
                raise error

    async def close(self) -> None:
        try:
            await self.flush()
        finally:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # --- services.inventory.ServerRecords (reads and host-key pins; registering servers is
    # the full store's job) ---

    async def list(self) -> list[Server]:
        rows: builtins.list[Any] = await self._do(lambda conn: conn.execute(
            f"SELECT {', '.join(_SERVER_COLUMNS)} FROM servers ORDER BY id").fetchall())
        return [server_from_fields(_server_mapping(r)) for r in rows]

    async def host_key(self, name: str) -> tuple[str, str] | None:
        row = await self._do(lambda conn: conn.execute(
            "SELECT key_line, fingerprint FROM host_keys WHERE server = ?", (name,)).fetchone())
        return None if row is None else (str(row[0]), str(row[1]))

    async def pin_host_key(self, name: str, host: str, port: int, key_line: str,
                           fingerprint: str) -> None:
        def pin(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM host_keys WHERE server = ?", (name,))
            conn.execute("INSERT INTO host_keys (server, host, port, key_line, fingerprint, "
                         "pinned_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (name, host, port, key_line, fingerprint, _stamp(datetime.now(UTC))))

        await self._do(pin)

    async def forget_host_key(self, name: str) -> None:
        await self._do(lambda conn: conn.execute("DELETE FROM host_keys WHERE server = ?",
                                                 (name,)))

    async def add(self, server: Server) -> None:
        raise StoreError("the light store does not register servers")

    async def update(self, server: Server) -> None:
        raise StoreError("the light store does not register servers")

    async def remove(self, name: str) -> bool:
        raise StoreError("the light store does not register servers")

    # --- vault.SecretStore (read-only: registering secrets is the full store's job) ---

    async def all_blobs(self) -> builtins.list[tuple[str, str, bytes]]:
        rows: builtins.list[Any] = await self._do(lambda conn: conn.execute(
            "SELECT server, kind, blob FROM credentials").fetchall())
        return [(str(r[0]), str(r[1]), bytes(r[2])) for r in rows]

    async def get(self, server: str, kind: str) -> bytes | None:
        row = await self._do(lambda conn: conn.execute(
            "SELECT blob FROM credentials WHERE server = ? AND kind = ?",
            (server, kind)).fetchone())
        return None if row is None else bytes(row[0])

    async def put(self, server: str, kind: str, blob: bytes) -> None:
        raise StoreError("the light store does not write credentials")

    async def delete_for(self, server: str) -> None:
        raise StoreError("the light store does not write credentials")
