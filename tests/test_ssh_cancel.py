"""Ctrl-C / SIGTERM while a command runs over SSH stops the remote command, and says so.

Real OpenSSH sshd test hosts (loopback, one Unix user each): the remote processes are looked
up with `pgrep -u USER` on this machine, where they really run.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shturman.domain.models import Actor, AuthMethod, Server
from shturman.hosts import GuardedExecutor, SshExecutor
from shturman.policy import Policy
from tests.fakes import MemoryCredentials, MemoryPins, StaticApprover
from tests.hostlab.lab import HostLab, TestHost


def remote_pids(user: str, pattern: str) -> list[int]:
    found = subprocess.run(["pgrep", "-u", user, "-f", pattern], capture_output=True,
                           text=True, check=False)
    return [int(p) for p in found.stdout.split()]


async def gone(user: str, pattern: str, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while remote_pids(user, pattern):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def started(user: str, pattern: str, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not remote_pids(user, pattern):
        assert time.monotonic() < deadline, f"{pattern!r} never started for {user}"
        await asyncio.sleep(0.05)


def server_of(lab: HostLab, host: TestHost) -> Server:
    return Server(host.name, host.host, host.port, host.user, AuthMethod.KEY,
                  key_path=str(lab.client_key))


@pytest.fixture
async def ssh() -> AsyncIterator[SshExecutor]:
    ex = SshExecutor(MemoryCredentials(), MemoryPins())
    yield ex
    await ex.close()


class ListAudit:
    """An AuditSink that keeps the rows (begin → complete) in memory."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[str, object]] = {}

    async def record(self, entry: object, stdout: str = "", stderr: str = "",
                     stdout_bytes: int = 0, stderr_bytes: int = 0) -> int:
        self.rows[len(self.rows) + 1] = {"entry": entry}
        return len(self.rows)

    async def begin(self, entry: object) -> int:
        self.rows[len(self.rows) + 1] = {"entry": entry, "outcome": "running"}
        return len(self.rows)

    def complete(self, audit_id: int, **fields: object) -> None:
        self.rows[audit_id].update(fields)


@pytest.mark.parametrize("command, pattern", [
    ("sleep 300", "^sleep 300$"),
    ("bash -c 'sleep 301; echo x'", "sleep 301"),  # a shell with a child
    ("sleep 302 & sleep 303; wait", "sleep 30[23]"),  # a background job of the command
])
async def test_cancel_stops_the_remote_command(hostlab: HostLab, ssh: SshExecutor,
                                               command: str, pattern: str) -> None:
    host = hostlab.hosts[0]
    server = server_of(hostlab, host)
    await ssh.run(server, "true", timeout=10)  # connected, key pinned
    task = asyncio.create_task(ssh.run(server, command, timeout=600))
    await started(host.user, pattern)
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as info:
        await task
    assert await gone(host.user, pattern), f"remote {command!r} still runs after the cancel"
    detail = info.value.args[0]
    assert detail.startswith("interrupted"), detail
    assert "stopped" in detail and "unknown" not in detail and "may still" not in detail
    assert ssh.interruptions[-1].stopped
    # the connection stays usable for the next command
    r = await ssh.run(server, "echo still-here", timeout=10)
    assert r.stdout.text == "still-here\n"


async def test_cancel_through_guarded_records_how_it_went(hostlab: HostLab,
                                                          ssh: SshExecutor) -> None:
    host = hostlab.hosts[0]
    server = server_of(hostlab, host)
    audit = ListAudit()
    guarded = GuardedExecutor(ssh, Policy.load(), audit)
    task = asyncio.create_task(guarded.run(server, "sleep 304", actor=Actor("t", "op"),
                                                   approver=StaticApprover(True)))
    await started(host.user, "^sleep 304$")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await gone(host.user, "^sleep 304$")
    (row,) = audit.rows.values()
    assert row["outcome"] == "interrupted"
    detail = str(row["detail"])
    assert detail.startswith("interrupted") and "stopped" in detail, detail
    assert "unknown" not in detail


async def test_cancel_while_the_channel_opens_leaves_nothing_running(
        hostlab: HostLab, ssh: SshExecutor) -> None:
    """A cancel in the few milliseconds between the exec request and its answer: the open
    finishes, then the command it started is stopped (or it never ran)."""
    host = hostlab.hosts[0]
    server = server_of(hostlab, host)
    await ssh.run(server, "true", timeout=10)
    details = set()
    for step in range(12):
        task = asyncio.create_task(ssh.run(server, "sleep 307", timeout=600))
        await asyncio.sleep(step * 0.0005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError) as info:
            await task
        details.add(info.value.args[0].split(";")[0].split(":")[0])
        assert await gone(host.user, "^sleep 307$"), f"orphan after a cancel at step {step}"
    assert details <= {"interrupted", "interrupted before the command reached the server"}


async def test_ignored_term_is_killed_after_the_grace(hostlab: HostLab,
                                                      ssh: SshExecutor) -> None:
    host = hostlab.hosts[0]
    server = server_of(hostlab, host)
    command = "trap '' TERM; sleep 305; sleep 305"
    task = asyncio.create_task(ssh.run(server, command, timeout=600))
    await started(host.user, "^sleep 305$")
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as info:
        await task
    assert await gone(host.user, "sleep 305")
    assert "KILL" in info.value.args[0]


def test_exec_process_sigint_exits_130_and_stops_the_remote(hostlab: HostLab,
                                                            tmp_path: Path) -> None:
    host = hostlab.hosts[1]
    home = tmp_path / "home"
    home.mkdir()
    cfg = home / "shturman.yaml"
    cfg.write_text(
        f"servers:\n  - name: {host.name}\n    host: {host.host}\n    port: {host.port}\n"
        f"    user: {host.user}\n    key_path: {hostlab.client_key}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    env.update(SHTURMAN_HOME=str(home), SHTURMAN_CONFIG=str(cfg), SHTURMAN_LANGUAGE="en")
    shturman = [sys.executable, "-c", "import sys; from shturman.app import main; "
                "sys.argv[0] = 'shturman'; sys.exit(main())"]
    subprocess.run([*shturman, "init"], env=env, capture_output=True, check=True)
    proc = subprocess.Popen([*shturman, "exec", "--in-process", "--yes", host.name, "--",
                             "sleep 306; echo done"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not remote_pids(host.user, "^sleep 306$"):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the remote command never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, (out, err)
    assert "done" not in out
    assert not remote_pids(host.user, "sleep 306"), "the remote command survived Ctrl-C"
    assert "stopped" in err, err  # the CLI says what became of the remote command
    rows = subprocess.run([*shturman, "audit", "--json", "--server", host.name], env=env,
                          capture_output=True, text=True, check=True)
    (entry,) = [e for e in map(json.loads, rows.stdout.splitlines()) if e["action"] == "command"]
    assert entry["command"] == "sleep 306; echo done"
    assert entry["outcome"] == "interrupted"
    assert entry["detail"].startswith("interrupted") and "stopped" in entry["detail"], entry
