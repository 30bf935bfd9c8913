"""The peer watchdog on real sshd test hosts (issue 12 part 4): a peer whose agent is down but
SSH works gets its agent unit restarted (a run through the policy, answered in the approvals
inbox); a peer whose sshd is stopped is power-cycled by the ``command`` provider only after
the approval, and comes back; the storm guard holds a second action; the ``webhook`` and
``ssh`` providers deliver what the config says; a denied approval does nothing, audited."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from shturman.app import Container
from shturman.domain.jobs import JobStatus
from shturman.domain.notifications import NotificationKind
from shturman.domain.peers import HoldReason, PeerActionKind, PeerActionStatus
from shturman.domain.users import Principal
from shturman.services.users import local_principal
from tests.hostlab.faults import port_open, unit_active, wait_until
from tests.hostlab.lab import SSH_KEYGEN, SSHD, HostLab, TestHost, free_port, user_pids
from tests.hostlab.units import install_python_service
from tests.monitoring.conftest import Factory

TOKEN = "shturman_api_peer-test-token-5f2c"
POLL = 0.1
WAIT = 120.0  # seconds: ceilings for things that happen on a loaded 2-core machine

AGENT_SCRIPT = '''\
"""A stand-in for Shturman's agent endpoint: GET /agent/health with the bearer token."""
import argparse, http.server, json
p = argparse.ArgumentParser()
p.add_argument("--name"); p.add_argument("--port", type=int); p.add_argument("--token")
a = p.parse_args()

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/agent/health":
            self.send_error(404); return
        if self.headers.get("Authorization") != "Bearer " + a.token:
            self.send_error(401); return
        body = json.dumps({"status": "ok", "instance": a.name, "version": "test"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("127.0.0.1", a.port), H).serve_forever()
'''

Make = Callable[..., Any]


def server_entry(lab: HostLab, host: TestHost, name: str | None = None,
                 key: Path | None = None) -> dict[str, Any]:
    return {"name": name or host.name, "host": host.host, "port": host.port, "user": host.user,
            "key_path": str(key or lab.client_key), "services": []}


def peer(name: str, url: str, server: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "url": url, "server": server, "token": TOKEN, "timeout": 3, **extra}


@pytest.fixture
def make(from_config: Factory) -> Make:

    async def factory(servers: list[dict[str, Any]], peers: list[dict[str, Any]],
                      **watchdog: Any) -> Container:
        data = {"language": "en", "servers": servers, "monitoring": {
            "local": False, "instance": "main", "peers": peers,
            "watchdog": {"interval": 5, "failures_before_action": 2,
                         "cooldown_seconds": 900, "max_reboots_per_hour": 2, **watchdog}}}
        return await from_config(data)

    return factory


# --- the lab: an agent unit, a stopped sshd ----------------------------------------------


@pytest.fixture
def agent_unit(hostlab: HostLab, tmp_path: Path) -> Iterator[tuple[TestHost, str]]:
    """vm2 runs a real ``shturman`` unit answering /agent/health (its URL is yielded)."""
    host = hostlab.hosts[1]
    script = tmp_path / "agent.py"
    script.write_text(AGENT_SCRIPT, encoding="utf-8")
    port = install_python_service(host, "shturman", script, args=("--token", TOKEN))
    url = f"http://127.0.0.1:{port}"
    started = host.systemctl("start", "shturman")
    assert started.returncode == 0, started.stderr
    assert wait_until(lambda: port_open(port), timeout=20), "the agent unit never listened"
    try:
        yield host, url
    finally:
        host.systemctl("stop", "shturman")


def drop_ssh_sessions(host: TestHost) -> None:
    """End the host's SSH sessions (the per-connection sshd processes of its user), so a
    pooled connection does not outlive the stopped listener."""
    for pid in user_pids(host.uid):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if comm.startswith("sshd"):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def stop_sshd(host: TestHost) -> None:
    adopt_sshd(host)  # the listener running now (a power-cycle may have started another)
    with contextlib.suppress(ProcessLookupError):
        os.kill(host.sshd_pid, signal.SIGTERM)
    drop_ssh_sessions(host)
    assert wait_until(lambda: not port_open(host.port), timeout=10), "sshd did not stop"


def start_sshd(host: TestHost) -> None:
    """What a power-cycle gives back: sshd from the host's own config (daemonised; its pid
    file tells the lab which process to end at the end of the session)."""
    subprocess.run([str(SSHD), "-f", str(host.state_dir / "sshd_config"),
                    "-E", str(host.state_dir / "sshd.log")], check=True, timeout=30)
    assert wait_until(lambda: port_open(host.port), timeout=20), "sshd did not come back"
    adopt_sshd(host)


def adopt_sshd(host: TestHost) -> None:
    pid_file = host.state_dir / "sshd.pid"
    if pid_file.exists():
        host.sshd_pid = int(pid_file.read_text().split()[0])


@pytest.fixture
def sshd_stopped(hostlab: HostLab) -> Iterator[TestHost]:
    """vm2's sshd is stopped (and its sessions dropped); it runs again afterwards."""
    host = hostlab.hosts[1]
    stop_sshd(host)
    try:
        yield host
    finally:
        if port_open(host.port):
            adopt_sshd(host)  # the power-cycle brought it back
        else:
            start_sshd(host)


@pytest.fixture
def power_script(tmp_path: Path, hostlab: HostLab) -> tuple[Path, Path]:
    """The ``command`` provider's test command: records its arguments, restarts vm2's sshd,
    waits until it answers. Returns (script, record)."""
    host = hostlab.hosts[1]
    record = tmp_path / "power.log"
    script = tmp_path / "power-cycle.sh"
    script.write_text(f"""#!/bin/bash
echo "$@" >> {record}
{SSHD} -f {host.state_dir / 'sshd_config'} -E {host.state_dir / 'sshd.log'} || exit 3
for i in $(seq 200); do
  (exec 3<>/dev/tcp/{host.host}/{host.port}) 2>/dev/null && {{ echo "sshd back"; exit 0; }}
  sleep 0.1
done
echo "sshd did not come back"; exit 1
""", encoding="utf-8")
    script.chmod(0o755)
    return script, record


# --- helpers ------------------------------------------------------------------------------


async def until(what: Callable[[], Any], timeout: float = WAIT) -> Any:
    """Poll the coroutine function ``what`` until it gives something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = await what()
        if found:
            return found
        if loop.time() > deadline:
            raise AssertionError(f"nothing after {timeout:g} s")
        await asyncio.sleep(POLL)


async def pending_on(c: Container, server: str) -> Any:
    async def look() -> Any:
        return next((a for a in await c.approvals.pending() if a.server == server), None)
    return await until(look)


async def final_job(c: Container, job_id: int) -> Any:
    async def look() -> Any:
        shown = await c.jobs.show(job_id)
        return shown.job if shown.job.status.final else None
    return await until(look)


async def audit_rows(c: Container, action: str) -> list[Any]:
    return [a for a in await c.audit.recent(300) if a.action == action]


async def alert_titles(c: Container) -> list[str]:
    return [n.title for n in await c.notifications.list(limit=300)
            if n.kind is NotificationKind.ALERT]


async def jobs_of(c: Container, kind: str) -> list[Any]:
    return [j for j in await c.jobs.recent(limit=200) if j.kind == kind]


def principal() -> Principal:
    return local_principal()


# --- (a) the agent is down, SSH works: restart its unit ------------------------------------


async def test_agent_down_restarts_its_unit_after_approval(
        make: Make, hostlab: HostLab, agent_unit: tuple[TestHost, str]) -> None:
    host, url = agent_unit
    c = await make([server_entry(hostlab, host)], [peer("peer2", url, host.name)])
    first = await c.peers.check_peer("peer2")
    assert first.result.ok, first.result.detail
    assert first.ssh is None and first.action is None  # SSH is not tried while the agent answers
    assert first.result.detail == "agent shturman test answers"  # the token was accepted

    host.systemctl("stop", "shturman")
    failing = await c.peers.check_peer("peer2")
    assert not failing.result.ok and failing.ssh is True and failing.action is None
    assert failing.transition.status.state.value == "failing"
    acted = await c.peers.check_peer("peer2")  # failures_before_action: 2
    action = acted.action
    assert action is not None and action.action is PeerActionKind.RESTART
    assert action.status is PeerActionStatus.REQUESTED and action.run_id and action.job_id
    assert acted.transition.status.state.value == "down"

    # the agent service is restarted, not the host rebooted
    (job,) = await jobs_of(c, "run")
    assert job.id == action.job_id and job.server == host.name
    assert job.payload["text"] == "restart shturman.service on vm2"
    assert job.payload["mode"] == "interactive"  # restart_requires_confirmation (default)
    plan = await c.runs.decide(job.payload["text"])
    assert plan["intent"] == "service_restart", plan
    assert plan["args"] == {"service": "shturman"} and plan["servers"] == [host.name]
    assert all(s["tool"] != "reboot_host" for s in plan["steps"])

    # inside the cool-down another failing round does nothing new
    again = await c.peers.check_peer("peer2")
    assert again.action is not None and again.action.held
    assert again.action.reason == HoldReason.COOLDOWN.value
    assert len(await jobs_of(c, "run")) == 1

    runtime = c.jobs_runtime(workers=True, scheduler=False)
    await runtime.start()
    try:
        asked = await pending_on(c, host.name)
        assert "restart" in asked.command and "shturman" in asked.command, asked.command
        assert "reboot" not in asked.command
        assert not unit_active(host, "shturman")  # nothing ran before the answer
        await c.approvals.decide(asked.id, principal(), True)
        done = await final_job(c, job.id)
    finally:
        await runtime.stop()
    assert done.status is JobStatus.SUCCEEDED, done
    assert unit_active(host, "shturman")
    back = await c.peers.check_peer("peer2")
    assert back.result.ok and back.transition.status.state.value == "recovered"

    ran = [a for a in await audit_rows(c, "command")
           if a.server == host.name and "restart" in (a.command or "")]
    assert ran and ran[0].decision == "confirm" and ran[0].outcome == "ok", ran
    requested = await audit_rows(c, "peer_restart")
    assert [a.outcome for a in requested] == ["requested"]
    assert requested[0].actor == "watchdog:peer2"
    titles = await alert_titles(c)
    assert any("restarting shturman on vm2" in t for t in titles), titles


# --- (b, c) SSH is down: power-cycle via `command` after approval; the storm guard holds ---


async def test_ssh_down_power_cycle_after_approval_then_cooldown_holds(
        make: Make, hostlab: HostLab, sshd_stopped: TestHost,
        power_script: tuple[Path, Path]) -> None:
    host = sshd_stopped
    script, record = power_script
    command = f"{script} {host.name}"
    c = await make([server_entry(hostlab, host)], [peer(
        "peer2", f"http://127.0.0.1:{free_port()}", host.name,
        power={"kind": "command", "command": command, "timeout": 60})])

    first = await c.peers.check_peer("peer2")
    assert not first.result.ok and first.ssh is False and first.action is None
    acted = await c.peers.check_peer("peer2")
    action = acted.action
    assert action is not None and action.action is PeerActionKind.POWER
    assert action.status is PeerActionStatus.REQUESTED and action.provider == "command"
    assert action.detail == command
    # one in flight: a further failing round holds, and submits nothing
    flying = await c.peers.check_peer("peer2")
    assert flying.action is not None and flying.action.reason == HoldReason.IN_PROGRESS.value
    assert len(await jobs_of(c, "peer_action")) == 1

    runtime = c.jobs_runtime(workers=True, scheduler=False)
    await runtime.start()
    try:
        asked = await pending_on(c, host.name)
        assert asked.command == command
        await asyncio.sleep(1.0)  # the job waits on the approval; nothing runs meanwhile
        assert not record.exists() and not port_open(host.port)
        await c.approvals.decide(asked.id, principal(), True)
        done = await final_job(c, int(action.job_id or 0))
    finally:
        await runtime.stop()
    assert done.status is JobStatus.SUCCEEDED, done
    assert record.read_text().split() == [host.name]  # ran once, with its arguments
    stored = await c.peers.actions("peer2")
    power = next(a for a in stored if a.id == action.id)
    assert power.status is PeerActionStatus.DONE and "sshd back" in power.detail
    assert power.approval_id == asked.id and power.finished_at is not None

    # the peer comes back: SSH answers again (its agent still does not: the restart that
    # would follow is held by the cool-down of the power action)
    back = await c.peers.check_peer("peer2")
    assert back.ssh is True, back.result.detail
    assert back.action is not None and back.action.held
    assert (back.action.action, back.action.reason) == (PeerActionKind.RESTART, "cooldown")

    # a second failure of SSH inside the cool-down: no second power action
    stop_sshd(host)
    held = await c.peers.check_peer("peer2")
    assert held.ssh is False and held.action is not None and held.action.held
    assert (held.action.action, held.action.reason) == (PeerActionKind.POWER, "cooldown")
    assert held.claim is not None and held.claim.new and held.claim.until is not None
    quiet = await c.peers.check_peer("peer2")  # the same hold again: not recorded twice
    assert quiet.claim is not None and not quiet.claim.new
    assert len(await jobs_of(c, "peer_action")) == 1
    assert record.read_text().split() == [host.name]
    holds = [a for a in await c.peers.actions("peer2") if a.held]
    assert [(a.action.value, a.reason) for a in reversed(holds)] == [
        ("power", "in_progress"), ("restart", "cooldown"), ("power", "cooldown")]
    audited = await audit_rows(c, "peer_held")
    assert sorted(a.outcome for a in audited) == ["cooldown", "cooldown", "in_progress"]
    outcomes = [a.outcome for a in await audit_rows(c, "peer_power")]
    assert sorted(outcomes) == ["done", "requested"]
    titles = await alert_titles(c)
    assert titles.count("peer2: action on vm2 held back") == 3, titles  # once per new hold
    assert titles.count("peer2: vm2 power-cycled via command") == 1, titles


async def test_hourly_cap_holds_power_cycles(make: Make, hostlab: HostLab) -> None:
    """``max_reboots_per_hour`` counts power-cycles in any hour, across cool-downs."""
    from datetime import UTC, datetime, timedelta

    from shturman.domain.peers import Limits

    c = await make([server_entry(hostlab, hostlab.hosts[1])], [])
    repo = c.peers._repo
    limits = Limits(cooldown=60, per_hour=2, stale=600)
    t0 = datetime.now(UTC) - timedelta(minutes=50)
    kinds = PeerActionKind.POWER
    one = await repo.claim("p", "vm2", kinds, limits, at=t0)
    assert one.granted
    await repo.update(one.action.id, status=PeerActionStatus.DONE, finished=True)
    cooling = await repo.claim("p", "vm2", kinds, limits, at=t0 + timedelta(seconds=30))
    assert cooling.action.reason == "cooldown"
    two = await repo.claim("p", "vm2", kinds, limits, at=t0 + timedelta(minutes=5))
    assert two.granted
    await repo.update(two.action.id, status=PeerActionStatus.FAILED, finished=True)
    capped = await repo.claim("p", "vm2", kinds, limits, at=t0 + timedelta(minutes=20))
    assert capped.action.reason == "hourly" and capped.until == t0 + timedelta(minutes=60)
    # a denied one does not count against the cap
    denied = await repo.claim("q", "vm2", kinds, limits, at=t0)
    await repo.update(denied.action.id, status=PeerActionStatus.DENIED, finished=True)
    after = await repo.claim("q", "vm2", kinds, limits, at=t0 + timedelta(minutes=5))
    assert after.granted
    # the hour passes: allowed again
    later = await repo.claim("p", "vm2", kinds, limits, at=t0 + timedelta(minutes=61))
    assert later.granted


async def test_denied_power_cycle_does_nothing_and_is_audited(
        make: Make, hostlab: HostLab, sshd_stopped: TestHost,
        power_script: tuple[Path, Path]) -> None:
    host = sshd_stopped
    script, record = power_script
    command = f"{script} {host.name}"
    c = await make([server_entry(hostlab, host)], [peer(
        "peer2", f"http://127.0.0.1:{free_port()}", host.name,
        power={"kind": "command", "command": command})])
    for _ in range(2):
        acted = await c.peers.check_peer("peer2")
    action = acted.action
    assert action is not None and action.status is PeerActionStatus.REQUESTED
    cycling = asyncio.create_task(c.peers.power_cycle(action.id))  # the peer_action job's body
    try:
        asked = await pending_on(c, host.name)
        await c.approvals.decide(asked.id, principal(), False)
        out = await asyncio.wait_for(cycling, WAIT)
    finally:
        cycling.cancel()
    assert out["status"] == "denied"
    assert not record.exists() and not port_open(host.port)  # nothing was done
    stored = await c.peers._repo.get(action.id)
    assert stored is not None and stored.status is PeerActionStatus.DENIED
    power = await audit_rows(c, "peer_power")
    assert sorted(a.outcome for a in power) == ["denied", "requested"]
    approvals = await audit_rows(c, "approval")
    assert any(a.outcome == "denied" and a.command == command for a in approvals), approvals
    # a denied action is not re-run by a replayed job
    again = await c.peers.power_cycle(action.id)
    assert "skipped" in again and not record.exists()


# --- (d) the webhook provider --------------------------------------------------------------


@dataclass
class PowerHook:
    url: str = ""
    posts: list[tuple[dict[str, Any], dict[str, str]]] = field(default_factory=list)


@pytest.fixture
async def power_hook() -> AsyncIterator[PowerHook]:
    got = PowerHook()

    async def hook(request: web.Request) -> web.Response:
        got.posts.append((json.loads(await request.text()), dict(request.headers)))
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/power", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    got.url = f"http://127.0.0.1:{port}/power"
    yield got
    await runner.cleanup()


async def test_webhook_provider_posts_the_configured_body(
        make: Make, hostlab: HostLab, power_hook: PowerHook) -> None:
    dead = free_port()  # nobody listens: neither the agent nor SSH answers
    gone = {**server_entry(hostlab, hostlab.hosts[1], name="gone"), "port": dead}
    c = await make([gone], [peer(
        "cloud", f"http://127.0.0.1:{dead}", "gone", reboot_requires_confirmation=False,
        power={"kind": "webhook", "url": power_hook.url, "secret": "hook-secret-9c1",
               "header": "X-Power-Secret", "timeout": 10,
               "body": {"instance_id": "i-0abc123", "action": "reboot", "force": True}})])
    for _ in range(2):
        acted = await c.peers.check_peer("cloud")
    action = acted.action
    assert action is not None and action.provider == "webhook"
    assert power_hook.posts == []  # nothing before the job acts
    out = await c.peers.power_cycle(action.id)
    assert out["status"] == "done", out
    assert len(power_hook.posts) == 1
    body, headers = power_hook.posts[0]
    assert body == {"event": "power_cycle", "peer": "cloud", "server": "gone",
                    "requested_by": "main", "instance_id": "i-0abc123", "action": "reboot",
                    "force": True}
    assert headers.get("X-Power-Secret") == "hook-secret-9c1"
    stored = await c.peers._repo.get(action.id)
    assert stored is not None and stored.status is PeerActionStatus.DONE
    assert "HTTP 202" in stored.detail and "hook-secret" not in stored.detail
    # confirmation switched off in the config: no approval was asked, and that is audited
    assert await c.approvals.pending() == []
    assert "hook-secret-9c1" not in json.dumps([a.detail for a in await c.audit.recent(100)])


# --- (e) the ssh provider: a soft reboot issued from another peer --------------------------


@pytest.fixture
def ssh_between(hostlab: HostLab, tmp_path: Path) -> Iterator[tuple[TestHost, TestHost, Path]]:
    """vm3 may SSH to vm2 (the lab's client key, vm2's host key known); vm2 has a recording
    ``fake-reboot``. Yields (vm3, vm2, a key Shturman itself holds that vm2 refuses)."""
    via, target = hostlab.hosts[2], hostlab.hosts[1]
    ssh_dir = via.home / ".ssh"
    key = ssh_dir / "id_ed25519"
    shutil.copyfile(hostlab.client_key, key)
    (ssh_dir / "known_hosts").write_text(f"[{target.host}]:{target.port} "
                                         f"{target.host_key_pub}\n")
    for path in (key, ssh_dir / "known_hosts"):
        os.chown(path, via.uid, via.gid)
        path.chmod(0o600)
    recorder = target.bin_dir / "fake-reboot"
    recorder.write_text('#!/bin/sh\necho "reboot $*" >> "$HOME/reboot.log"\n')
    recorder.chmod(0o755)
    os.chown(recorder, target.uid, target.gid)
    refused = tmp_path / "refused_key"
    subprocess.run([str(SSH_KEYGEN), "-q", "-t", "ed25519", "-N", "", "-f", str(refused)],
                   check=True, capture_output=True)
    try:
        yield via, target, refused
    finally:
        for path in (key, ssh_dir / "known_hosts", recorder, target.home / "reboot.log"):
            path.unlink(missing_ok=True)


async def test_ssh_provider_reboots_through_another_peer(
        make: Make, hostlab: HostLab, ssh_between: tuple[TestHost, TestHost, Path]) -> None:
    via, target, refused = ssh_between
    # Shturman's own way into the peer's server is broken (its key is refused); vm3 can
    # still reach it and issues the reboot there
    stuck = server_entry(hostlab, target, name="stuck", key=refused)
    c = await make([server_entry(hostlab, via), stuck], [peer(
        "peer2", f"http://127.0.0.1:{free_port()}", "stuck",
        power={"kind": "ssh", "via": via.name, "reboot_command": "fake-reboot now"})])
    for _ in range(2):
        acted = await c.peers.check_peer("peer2")
    assert acted.ssh is False
    action = acted.action
    assert action is not None and action.provider == "ssh"
    expected = (f"ssh -o BatchMode=yes -o ConnectTimeout=10 -p {target.port} "
                f"{target.user}@{target.host} 'fake-reboot now'")
    assert action.detail == expected
    cycling = asyncio.create_task(c.peers.power_cycle(action.id))
    try:
        asked = await pending_on(c, via.name)  # the policy asks, on the server it runs on
        assert asked.command == expected
        assert not (target.home / "reboot.log").exists()
        await c.approvals.decide(asked.id, principal(), True)
        out = await asyncio.wait_for(cycling, WAIT)
    finally:
        cycling.cancel()
    assert out["status"] == "done", out
    assert (target.home / "reboot.log").read_text() == "reboot now\n"  # it reached vm2
    sent = [a for a in await audit_rows(c, "command") if a.server == via.name
            and a.command == expected]
    assert len(sent) == 1 and sent[0].decision == "confirm" and sent[0].outcome == "ok", sent


# --- no provider; a restart without confirmation ----------------------------------------


async def test_no_power_provider_is_held_and_announced_once(make: Make, hostlab: HostLab) -> None:
    dead = free_port()
    gone = {**server_entry(hostlab, hostlab.hosts[1], name="gone"), "port": dead}
    c = await make([gone], [peer("lost", f"http://127.0.0.1:{dead}", "gone")])
    rounds = [await c.peers.check_peer("lost") for _ in range(4)]
    assert [r.action is None for r in rounds] == [True, False, False, False]
    held = [r.claim for r in rounds[1:]]
    assert all(h is not None and h.action.reason == "no_provider" for h in held)
    assert [h.new for h in held if h is not None] == [True, False, False]
    assert await jobs_of(c, "peer_action") == []
    assert [a.outcome for a in await audit_rows(c, "peer_held")] == ["no_provider"]
    titles = await alert_titles(c)
    assert titles.count("lost: action on gone held back") == 1, titles


async def test_restart_without_confirmation_is_an_autonomous_run(
        make: Make, hostlab: HostLab, agent_unit: tuple[TestHost, str]) -> None:
    host, url = agent_unit
    c = await make([server_entry(hostlab, host)], [peer(
        "peer2", url, host.name, restart_requires_confirmation=False)],
        failures_before_action=1)
    host.systemctl("stop", "shturman")
    acted = await c.peers.check_peer("peer2")
    assert acted.action is not None and acted.action.action is PeerActionKind.RESTART
    (job,) = await jobs_of(c, "run")
    assert job.payload["mode"] == "autonomous"
    assert job.payload["text"] == "restart shturman.service on vm2"
    # the token never shows in what is stored or told
    told = json.dumps([[n.title, n.body] for n in await c.notifications.list(limit=100)])
    audited = json.dumps([[a.command, a.detail] for a in await c.audit.recent(100)])
    assert TOKEN not in told and TOKEN not in audited
