"""`shturman serve` keeps connections warm; `shturman exec` hands its work to it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.hostlab.lab import HostLab

SHTURMAN = str(Path(sys.executable).parent / "shturman")


def test_exec_through_the_daemon(tmp_path: Path, hostlab: HostLab) -> None:
    h = hostlab.hosts[0]
    cfg = tmp_path / "shturman.yaml"
    cfg.write_text(f"servers:\n  - name: vm1\n    host: {h.host}\n    port: {h.port}\n"
                   f"    user: {h.user}\n    key_path: {hostlab.client_key}\n",
                   encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    env.update(SHTURMAN_HOME=str(tmp_path / "home"), SHTURMAN_CONFIG=str(cfg))
    daemon = subprocess.Popen([SHTURMAN, "serve"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    sock = tmp_path / "home" / "shturman.sock"
    try:
        deadline = time.monotonic() + 30
        while not sock.exists() and time.monotonic() < deadline:
            assert daemon.poll() is None, daemon.stdout.read() if daemon.stdout else ""
            time.sleep(0.1)
        assert sock.exists(), "shturman serve did not create its socket"
        assert sock.stat().st_mode & 0o777 == 0o600

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([SHTURMAN, *args], env=env, capture_output=True, text=True,
                                  timeout=60, check=False)

        ok = run("exec", "--json", "vm1", "local", "--", "whoami")
        assert ok.returncode == 0, ok.stderr
        rows = {json.loads(x)["server"]: json.loads(x) for x in ok.stdout.splitlines()}
        assert rows["vm1"]["stdout"].strip() == h.user
        assert "pinned" in ok.stderr or "закреплён" in ok.stderr  # first contact is shown
        blocked = run("exec", "--json", "vm1", "--", "rm -rf /")
        assert blocked.returncode == 1 and json.loads(blocked.stdout)["outcome"] == "blocked"
        # needs approval and no terminal: the daemon hands it back; the CLI denies (fail closed)
        denied = run("exec", "vm1", "--", f"touch {h.home}/x")
        assert denied.returncode == 1 and not (h.home / "x").exists()
        unknown = run("exec", "nosuch", "--", "uptime")
        assert unknown.returncode == 2 and "nosuch" in unknown.stderr
        audit = [json.loads(x) for x in run("audit", "--json").stdout.splitlines()]
        seen = {(a["server"], a["command"], a["outcome"]) for a in audit
                if a["action"] == "command"}
        assert {("vm1", "whoami", "ok"), ("local", "whoami", "ok"),
                ("vm1", "rm -rf /", "blocked")} <= seen
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
    assert not sock.exists()  # removed on a clean stop
    # and without a daemon the CLI works in-process
    again = subprocess.run([SHTURMAN, "exec", "local", "--", "true"], env=env,
                           capture_output=True, text=True, timeout=60, check=False)
    assert again.returncode == 0, again.stderr


def _remote_sleeps(uid: int, marker: str) -> list[int]:
    """The test host user's processes whose command line is exactly ``sleep MARKER``."""
    from tests.hostlab.lab import user_pids

    found = []
    for pid in user_pids(uid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[:2] == [b"sleep", marker.encode()]:
            found.append(pid)
    return found


def _wait(pred: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return bool(pred())


@pytest.mark.parametrize("through", ["in_process", "daemon"])
def test_ctrl_c_during_exec_stops_the_remote_command(tmp_path: Path, hostlab: HostLab,
                                                    through: str) -> None:
    """Issue 8 item 6: Ctrl-C during `exec` over SSH stops the remote process group (killpg
    through sshd's `signal` request) and says so; the audit row ends `interrupted`."""
    h = hostlab.hosts[1]
    marker = "1000" if through == "in_process" else "1001"  # its own, should both run at once
    cfg = tmp_path / "shturman.yaml"
    cfg.write_text(f"servers:\n  - name: vm1\n    host: {h.host}\n    port: {h.port}\n"
                   f"    user: {h.user}\n    key_path: {hostlab.client_key}\n",
                   encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    env.update(SHTURMAN_HOME=str(tmp_path / "home"), SHTURMAN_CONFIG=str(cfg),
               SHTURMAN_LANGUAGE="en")
    daemon = None
    if through == "daemon":
        daemon = subprocess.Popen([SHTURMAN, "serve"], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        assert _wait(lambda: (tmp_path / "home" / "shturman.sock").exists(), 30), \
            "shturman serve did not open its socket"
    try:
        argv = [SHTURMAN, "exec", "--yes", "vm1", "--", f"sleep {marker}"]
        if through == "in_process":
            argv.insert(2, "--in-process")
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        assert _wait(lambda: _remote_sleeps(h.uid, marker), 30), "the remote sleep never started"
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 130, stderr
        assert _wait(lambda: not _remote_sleeps(h.uid, marker), 10), "remote sleep still runs"
        if through == "in_process":  # the daemon's client has gone: the audit row says it
            assert "was stopped on the server too" in stderr, stderr

        def interrupted() -> list[dict[str, Any]]:
            r = subprocess.run([SHTURMAN, "audit", "--json"], env=env, capture_output=True,
                               text=True, timeout=60, check=False)
            return [a for a in map(json.loads, r.stdout.splitlines())
                    if a["action"] == "command" and a["command"] == f"sleep {marker}"]

        assert _wait(lambda: [a["outcome"] for a in interrupted()] == ["interrupted"], 15), \
            interrupted()
        assert "stopped" in json.dumps(interrupted()[0]), interrupted()
    finally:
        if daemon is not None:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)


def test_run_and_plan_use_a_running_serve(tmp_path: Path) -> None:
    """`run` and `plan` hand their work to a running `shturman serve` (its questions are asked
    in the client's terminal) and work in-process when none is up. The proof that the daemon
    answered: the config file is broken after it started, which the in-process path reports."""
    from tests.test_tty_approval import run_in_tty

    cfg = tmp_path / "shturman.yaml"
    cfg.write_text("servers: []\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    env.update(SHTURMAN_HOME=str(tmp_path / "home"), SHTURMAN_CONFIG=str(cfg),
               SHTURMAN_LANGUAGE="en", COLUMNS="200", TERM="xterm")

    def sh(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([SHTURMAN, *args], env=env, capture_output=True, text=True,
                              input=stdin, timeout=120, check=False)

    daemon = subprocess.Popen([SHTURMAN, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        assert _wait(lambda: (tmp_path / "home" / "shturman.sock").exists(), 30)
        cfg.write_text("servers: [\n", encoding="utf-8")  # only the daemon has good settings
        planned = sh("plan", "--json", "uptime")
        assert planned.returncode == 0, planned.stderr
        assert json.loads(planned.stdout)["intent"] == "uptime"
        lines = '{"text": "uptime"}\nnot json\n{"text": "перезапусти nginx", "server": "local"}\n'
        batch = sh("plan", "--jsonl", "-", stdin=lines)
        answers = [json.loads(x) for x in batch.stdout.splitlines()]
        assert [a["intent"] for a in answers] == ["uptime", None, "service_restart"], batch
        assert "malformed line" in answers[1]["error"]
        ran = sh("run", "--json", "-s", "local", "покажи аптайм")
        assert ran.returncode == 0, ran.stderr
        assert json.loads(ran.stdout.splitlines()[-1])["status"] == "succeeded"
        unknown = sh("run", "-s", "nosuch", "покажи аптайм")  # refused before anything runs
        assert unknown.returncode == 2 and "nosuch" in unknown.stderr
        target = tmp_path / "approved"
        # the daemon asks; this terminal answers (a touch cannot be verified: exit 1 either way)
        for answer, outcome in (("n", "approval: denied"), ("y", "approval: approved")):
            got, screen = run_in_tty(["run", "-s", "local", f"выполни: touch {target}"],
                                     answer, env)
            assert got == 1 and target.exists() == (answer == "y"), screen
            assert f"touch {target}" in screen and "Run it?" in screen and outcome in screen
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
    broken = sh("plan", "--json", "uptime")  # no daemon: in-process, and the config is read
    assert broken.returncode == 3 and "shturman.yaml" in broken.stderr
    cfg.write_text("servers: []\n", encoding="utf-8")
    again = sh("run", "--json", "-s", "local", "покажи аптайм")
    assert again.returncode == 0, again.stderr
