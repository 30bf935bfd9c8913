"""The agent HTTP API (``/agent``) against the real app, a real database (SQLite and
PostgreSQL) and the real sshd host lab: bearer tokens only, reads for any role, changes for an
operator — and a change is a run through the same policy and approvals as any other channel's
(nothing runs before a human approves)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from shturman.config import Settings, load_settings
from shturman.domain.jobs import JobStatus
from tests.hostlab.lab import HostLab, TestHost
from tests.jobs.test_worker import until
from tests.web.conftest import Session, finished_run, pending_approval

SignIn = Callable[[str], Awaitable[Session]]

READS = [("GET", "/agent/health", None), ("GET", "/agent/vm/status", None),
         ("GET", "/agent/logs/webapp?server=vm1", None), ("GET", "/agent/jobs/1", None)]
CHANGES = [("POST", "/agent/vm/reboot", {"server": "vm1"}),
           ("POST", "/agent/service/restart", {"server": "vm1", "service": "webapp"}),
           ("POST", "/agent/code/deploy", {"server": "vm1", "service": "webapp"}),
           ("POST", "/agent/backup", {"server": "vm1"})]
ROUTES = READS + CHANGES


@pytest.fixture
def settings(home: Path, tmp_path: Path, db_url: str, hostlab: HostLab) -> Settings:
    h = hostlab.hosts[0]
    config = tmp_path / "shturman.yaml"
    config.write_text("\n".join([
        "language: ru", "servers:", "  - name: vm1", f"    host: {h.host}",
        f"    port: {h.port}", f"    user: {h.user}", f"    key_path: {hostlab.client_key}",
        "    services: [webapp]", ""]), encoding="utf-8")
    return load_settings(config, home=home, database_url=db_url)


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def _call(client: httpx.AsyncClient, method: str, path: str, body: Any,
                headers: dict[str, str] | None = None) -> httpx.Response:
    return await client.request(method, path, json=body, headers=headers or {})


def _main_pid(host: TestHost) -> str:
    shown = host.systemctl("show", "--property=MainPID", "webapp")
    for line in shown.stdout.splitlines():
        if line.startswith("MainPID="):
            return line.removeprefix("MainPID=").strip()
    raise AssertionError(f"no MainPID: {shown.stdout!r} {shown.stderr!r}")


async def _commands_of(container: Any, run_id: str) -> list[Any]:
    return [e for e in await container.audit.recent(500, run_id=run_id)
            if e.action == "command"]


async def test_every_route_refuses_without_a_valid_token(
        container: Any, users: dict[str, str], client: httpx.AsyncClient,
        sign_in: SignIn) -> None:
    vera = await container.tokens.issue("vera", "viewer's script")
    revoked = await container.tokens.issue("oleg", "old")
    await container.tokens.revoke_all("oleg")
    anna = await sign_in("anna")  # a session cookie is no credential here
    for method, path, body in ROUTES:
        for headers in ({}, _bearer("shtk_forged-token"), _bearer(revoked),
                        {"authorization": "Basic YW5uYTpwdw=="}, _bearer("")):
            answer = await _call(client, method, path, body, headers)
            assert answer.status_code == 401, (method, path, headers, answer.status_code)
            assert answer.headers["www-authenticate"] == "Bearer"
        with_session = await _call(anna.client, method, path, body,
                                   {"X-CSRF-Token": anna.csrf})
        assert with_session.status_code == 401, (method, path, with_session.status_code)
    for method, path, body in CHANGES:  # a viewer's token reads, never changes
        answer = await _call(client, method, path, body, _bearer(vera))
        assert answer.status_code == 403, (path, answer.status_code)
        assert answer.json()["error"] == "forbidden"
    assert await container.jobs.recent(JobStatus.QUEUED, 100) == []
    assert not [e for e in await container.audit.recent(200) if e.action == "command"]


async def test_health_status_and_logs_answer_a_reader(
        container: Any, users: dict[str, str], client: httpx.AsyncClient,
        hostlab: HostLab) -> None:
    vera = _bearer(await container.tokens.issue("vera"))
    health = await client.get("/agent/health", headers=vera)
    assert health.status_code == 200, health.text
    found = health.json()
    assert found["status"] == "ok" and found["instance"] == container.instance_name
    assert found["queue"] == {"queued": 0, "running": 0}
    # health reads the token without writing (peers call it every minute)
    tokens = await container.tokens.api_tokens("vera")
    assert tokens[0].last_used_at is None

    status = await client.get("/agent/vm/status", headers=vera)
    assert status.status_code == 200, status.text
    names = [s["server"] for s in status.json()["servers"]]
    assert "vm1" in names and "local" in names
    assert all(isinstance(s["healthy"], bool) for s in status.json()["servers"])

    host = hostlab.hosts[0]
    marker = f"agent-api-log-{time.time_ns()}"
    journal = host.journal_path("webapp")  # written as the host's user, as the unit would
    wrote = host.run_as(f"mkdir -p '{journal.parent}' && echo {marker} >> '{journal}'")
    assert wrote.returncode == 0, wrote.stderr
    logs = await client.get("/agent/logs/webapp", params={"server": "vm1", "lines": 50},
                            headers=vera)
    assert logs.status_code == 200, logs.text
    assert logs.json()["server"] == "vm1" and logs.json()["service"] == "webapp"
    read = [e for e in await container.audit.recent(50) if e.action == "command"
            and e.server == "vm1"]
    assert read and read[0].actor == "agent-api:vera" and read[0].decision == "allow"
    assert marker in "\n".join(logs.json()["lines"]), logs.json()
    unknown = await client.get("/agent/logs/webapp", params={"server": "nope"}, headers=vera)
    assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_server"


@pytest.mark.parametrize("service", [
    "nginx;id", "nginx$(id)", "`id`", "nginx|cat", "a b", "nginx&&reboot", "-rf", "x>y",
    "nginx\nid", "*", "$HOME", "nginx'"])
async def test_a_service_name_with_shell_metacharacters_is_refused(
        container: Any, users: dict[str, str], client: httpx.AsyncClient, service: str) -> None:
    oleg = _bearer(await container.tokens.issue("oleg"))
    logs = await client.get("/agent/logs/" + _quote(service), params={"server": "vm1"},
                            headers=oleg)
    assert logs.status_code in (404, 422), (service, logs.status_code)
    restart = await client.post("/agent/service/restart",
                                json={"server": "vm1", "service": service}, headers=oleg)
    assert restart.status_code == 422, (service, restart.status_code)
    on_server = await client.get("/agent/logs/webapp", params={"server": f"{service}vm1"},
                                 headers=oleg)
    assert on_server.status_code == 422, (service, on_server.status_code)
    assert not [e for e in await container.audit.recent(100) if e.action == "command"]
    assert await container.jobs.recent(JobStatus.QUEUED, 100) == []


async def _finished(container: Any, run_id: str) -> Any:
    """The run once it ended; if it does not, what it is waiting on."""
    try:
        return await finished_run(container, run_id)
    except AssertionError:
        _, events = await container.runs.replay(run_id)
        waiting = [(a.server, a.command) for a in await container.approvals.pending()]
        raise AssertionError(f"run {run_id} did not end: {[e.type for e in events]} "
                             f"{[e.data for e in events][-5:]} waiting: {waiting}") from None


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


async def test_restart_is_a_run_that_waits_for_an_approval(
        container: Any, users: dict[str, str], client: httpx.AsyncClient, workers: Any,
        hostlab: HostLab) -> None:
    host = hostlab.hosts[0]
    host.systemctl("start", "webapp")
    before = _main_pid(host)
    assert before not in ("", "0"), before
    oleg = _bearer(await container.tokens.issue("oleg", "peer"))
    asked = await client.post("/agent/service/restart",
                              json={"server": "vm1", "service": "webapp"}, headers=oleg)
    assert asked.status_code == 202, asked.text
    accepted = asked.json()
    run_id, job_id = accepted["run_id"], accepted["job_id"]
    assert run_id and accepted["url"] == f"/runs/{run_id}"

    waiting = await pending_approval(container, run_id)
    assert waiting.server == "vm1" and "restart" in waiting.command
    assert "webapp" in waiting.command
    # nothing changed before the approval: the restart did not run, the job waits
    ran = await _commands_of(container, run_id)
    assert not [e for e in ran if "restart" in e.command and e.outcome != "pending"
                and e.exit_code is not None], ran
    assert _main_pid(host) == before
    job = await client.get(f"/agent/jobs/{job_id}", headers=oleg)
    assert job.status_code == 200 and job.json()["status"] == "running", job.text
    assert job.json()["actor"] == "agent-api:oleg"

    # an operator answers it (here through the JSON API, with the same token)
    approved = await client.post(f"/api/approvals/{waiting.id}/approve", headers=oleg)
    assert approved.status_code == 200, approved.text
    record = await _finished(container, run_id)
    assert record.status == "succeeded", record.summary
    ran = await _commands_of(container, run_id)
    restarted = [e for e in ran if "restart" in e.command]
    assert restarted and restarted[-1].exit_code == 0
    assert all(e.actor == "agent-api:oleg" for e in ran)
    after = _main_pid(host)
    assert after and after != before, (before, after)

    async def job_done() -> bool:
        shown = await client.get(f"/agent/jobs/{job_id}", headers=oleg)
        return bool(shown.json()["status"] == "succeeded")

    await until(job_done, 30)
    host.systemctl("stop", "webapp")


async def test_reboot_denied_runs_nothing(
        container: Any, users: dict[str, str], client: httpx.AsyncClient, workers: Any,
        hostlab: HostLab) -> None:
    anna = _bearer(await container.tokens.issue("anna"))
    asked = await client.post("/agent/vm/reboot", json={"server": "vm1"}, headers=anna)
    assert asked.status_code == 202, asked.text
    run_id = asked.json()["run_id"]
    waiting = await pending_approval(container, run_id)
    assert waiting.server == "vm1" and "reboot" in waiting.command, waiting.command
    denied = await client.post(f"/api/approvals/{waiting.id}/deny", headers=anna)
    assert denied.status_code == 200, denied.text
    record = await finished_run(container, run_id)
    assert record.status != "succeeded"
    ran = await _commands_of(container, run_id)
    assert not [e for e in ran if "reboot" in e.command and e.exit_code is not None], ran
    unknown = await client.post("/agent/backup", json={"server": "nope"}, headers=anna)
    assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_server"
