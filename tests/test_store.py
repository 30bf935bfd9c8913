"""Repositories against a real database: the same tests on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import pytest

from shturman.domain.errors import ServerExistsError
from shturman.domain.models import AccessProfile, AuditEntry, AuthMethod, Server
from shturman.domain.runs import Incident, RunEvent, RunRecord
from shturman.store import Database
from shturman.store.repositories import (
    AuditCompletion,
    AuditRepo,
    CredentialRepo,
    IncidentRepo,
    RunRepo,
    ServerRepo,
    StoredOutput,
)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    await database.migrate()
    await database.migrate()  # idempotent
    yield database
    await database.close()


async def test_servers_roundtrip(db: Database) -> None:
    repo = ServerRepo(db.engine)
    s = Server("prod", "203.0.113.10", 2222, "deploy", AuthMethod.PASSWORD,
               aliases=("прод", "production"), services=("nginx",), tags=("web",),
               profile=AccessProfile.READONLY, forbidden_commands=("reboot",))
    await repo.add(s)
    assert await repo.get("prod") == s
    with pytest.raises(ServerExistsError):
        await repo.add(s)
    await repo.add(Server("db1", "198.51.100.2"))
    assert [x.name for x in await repo.list()] == ["prod", "db1"]
    await repo.pin_host_key("prod", s.host, s.port, "ssh-ed25519 AAAAkey", "SHA256:abc")
    assert await repo.host_key("prod") == ("ssh-ed25519 AAAAkey", "SHA256:abc")
    assert await repo.remove("prod")
    assert not await repo.remove("prod")
    assert await repo.get("prod") is None


async def test_credentials_store_blobs(db: Database) -> None:
    repo = CredentialRepo(db.engine)
    await repo.put("prod", "password", b"\x00encrypted")
    await repo.put("prod", "password", b"newer")
    assert await repo.get("prod", "password") == b"newer"
    assert await repo.all_blobs() == [("prod", "password", b"newer")]
    await repo.delete_for("prod")
    assert await repo.get("prod", "password") is None


async def test_audit_with_output(db: Database) -> None:
    repo = AuditRepo(db.engine)
    at = datetime.now(UTC)
    audit_id = await repo.append(
        AuditEntry(at, "cli:op", "vm1", "command", "uptime", "allow", 0, 0.01, "ok"),
        StoredOutput("up 3 days", "", 9, 0),
    )
    entries = await repo.recent()
    assert len(entries) == 1 and entries[0].command == "uptime" and entries[0].id == audit_id
    assert entries[0].at.tzinfo is not None
    assert (await repo.output(audit_id)) == StoredOutput("up 3 days", "", 9, 0)
    # write-ahead: a running row is completed later, in a batch
    ahead = await repo.append(AuditEntry(at, "cli:op", "vm1", "command", "sleep 1", "allow",
                                         None, None, "running"))
    assert (await repo.recent())[-1].outcome == "running"
    await repo.complete([AuditCompletion(ahead, 0, 1.0, "ok", "", StoredOutput("", "", 0, 0))])
    done = (await repo.recent())[-1]
    assert (done.outcome, done.exit_code, done.duration) == ("ok", 0, 1.0)
    await repo.close()


async def test_runs_events_incidents(db: Database) -> None:
    runs = RunRepo(db.engine)
    now = datetime.now(UTC)
    await runs.create(RunRecord("r-1", now, "cli:op", "nginx упал", "autonomous", "running",
                                ("vm1",)))
    for seq, kind in enumerate(["run_started", "plan", "run_finished"]):
        await runs.append_event(RunEvent("r-1", seq, now, kind, {"text": "привет", "n": seq}))
    events = await runs.events("r-1")
    assert [e.type for e in events] == ["run_started", "plan", "run_finished"]
    assert events[1].data == {"text": "привет", "n": 1}
    assert await runs.mark_interrupted() == 1
    record = await runs.get("r-1")
    assert record is not None and record.status == "interrupted"
    await runs.finish("r-1", "succeeded", "ok", True, "intent")
    record = await runs.get("r-1")
    assert record is not None and record.verified and record.route == "intent"
    incidents = IncidentRepo(db.engine)
    await incidents.add(Incident("r-1", now, "vm1", "nginx упал", "service_repair",
                                 ("systemctl restart nginx",), "succeeded", "fixed", 1.5))
    assert (await incidents.for_server("vm1"))[0].commands == ("systemctl restart nginx",)
    assert await incidents.count() == 1


async def test_repositories_store_and_return_only_redacted_text(db: Database) -> None:
    from shturman.policy.redaction import Redactor

    secret = "Vault-Pw-Q7xk29Lm"
    redactor = Redactor([secret])
    now = datetime.now(UTC)
    clear = RunRepo(db.engine, Redactor())  # an older row, written before the value was known
    await clear.create(RunRecord("r-old", now, "cli:op", f"pw {secret}", "interactive",
                                 "running", ()))
    runs = RunRepo(db.engine, redactor)
    assert (await runs.get("r-old")).request == "pw [REDACTED]"  # type: ignore[union-attr]
    await runs.create(RunRecord("r-2", now, "cli:op", f"use {secret.lower()}", "interactive",
                                "running", ()))
    stored = await runs.append_events([RunEvent("r-2", 0, now, "command_started", {
        "server": "local", "command": f"echo {secret}", "list": [f"x\x1b[0m{secret}"]})])
    assert stored[0].data == {"server": "local", "command": "echo [REDACTED]",
                              "list": ["x[REDACTED]"]}
    await runs.finish("r-2", "failed", f"report {secret}", False)
    audit = AuditRepo(db.engine, redactor)
    audit_id = await audit.append(
        AuditEntry(now, "cli:op", "local", "command", f"echo {secret}", "allow", 0, 0.1, "ok",
                   f"detail {secret}"),
        StoredOutput(f"out {secret}", f"err password=hunter2x {secret}", 10, 10))
    await audit.complete([AuditCompletion(audit_id, 0, 0.1, "ok", f"done {secret}",
                                          StoredOutput(secret, "", 1, 0))])
    async with db.engine.connect() as conn:
        for table in ("runs", "run_events", "audit_log", "command_outputs"):
            for row in (await conn.exec_driver_sql(f"SELECT * FROM {table}")).all():
                cells = " ".join(map(str, row))
                if "r-old" not in cells:
                    assert secret.lower() not in cells.lower() and "hunter2x" not in cells
    entries = await audit.recent(10)
    assert entries[-1].command == "echo [REDACTED]"
    assert entries[-1].detail == "done [REDACTED]"
    await audit.close()


async def test_write_ahead_rows_begun_together_share_one_commit(db: Database) -> None:
    """A fan-out's write-ahead rows are committed in one transaction (not one commit per
    server before the last command may start), each caller gets its own row's id once that
    row is committed, and a caller interrupted while its row is written leaves the row
    `interrupted`, never `running`."""
    import asyncio

    from shturman.services.audit import AuditTrail

    class Counting(AuditRepo):
        transactions = 0

        async def append_many(self, entries: Sequence[AuditEntry]) -> list[int]:
            Counting.transactions += 1
            return await super().append_many(entries)

    trail = AuditTrail(Counting(db.engine))
    at = datetime.now(UTC)

    def entry(server: str) -> AuditEntry:
        return AuditEntry(at, "cli:op", server, "command", "uptime", "allow", None, None,
                          "running")

    ids = await asyncio.gather(*(trail.begin(entry(f"vm{i}")) for i in range(20)))
    assert Counting.transactions == 1
    rows = {e.id: e for e in await trail.recent(limit=100)}
    assert sorted(ids) == sorted(rows) and len(set(ids)) == 20
    assert [rows[i].server for i in ids] == [f"vm{i}" for i in range(20)]  # each its own row

    late = asyncio.ensure_future(trail.begin(entry("vm-cancelled")))
    await asyncio.sleep(0)  # queued, its transaction under way
    late.cancel()
    with pytest.raises(asyncio.CancelledError):
        await late
    await trail.flush()
    cancelled = [e for e in await trail.recent(limit=100) if e.server == "vm-cancelled"]
    assert [e.outcome for e in cancelled] == ["interrupted"]
    await trail.close()
