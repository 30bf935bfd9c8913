"""`shturman serve` keeps connections warm; `shturman exec` hands its work to it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
