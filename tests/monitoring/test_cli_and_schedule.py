"""`shturman health --json` (a real process, DESIGN §5 shape and exit codes), `shturman
monitor --once`, and the check schedules on the job scheduler: one `check` job per server per
interval, taken by workers that claim `check` jobs only."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shturman.domain.jobs import JobStatus
from shturman.domain.models import Actor
from tests.hostlab.lab import HostLab
from tests.monitoring.conftest import write_config

SHTURMAN = str(Path(sys.executable).parent / "shturman")
pytestmark = pytest.mark.usefixtures("webapp_running")


def cli(home: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    env.update(SHTURMAN_HOME=str(home), SHTURMAN_CONFIG=str(config))
    return subprocess.run([SHTURMAN, *args], env=env, capture_output=True, text=True,
                          timeout=180, check=False)


async def test_health_json_shape_and_exit_codes(monitored: Any, hostlab: HostLab,
                                                home: Path, tmp_path: Path) -> None:
    c = await monitored(hostlab)
    config = tmp_path / "shturman.yaml"
    empty = cli(home, config, "health", "--json")
    assert empty.returncode == 0 and json.loads(empty.stdout) == []
    await c.monitoring.check_server("vm1")
    done = cli(home, config, "health", "vm1", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows and all(set(r) == {"server", "check", "state", "since", "detail"}
                        for r in rows)
    assert {r["check"] for r in rows} >= {"reachability", "service:webapp"}
    assert {r["state"] for r in rows} == {"ok"}
    hostlab.hosts[0].systemctl("stop", "webapp")
    try:
        await c.monitoring.check_server("vm1")
    finally:
        hostlab.hosts[0].systemctl("start", "webapp")
    failing = cli(home, config, "health", "--json")
    assert failing.returncode == 1
    states = {(r["server"], r["check"]): r["state"] for r in json.loads(failing.stdout)}
    assert states[("vm1", "service:webapp")] == "failing"
    table = cli(home, config, "health", "vm1")
    assert table.returncode == 1 and "service:webapp" in table.stdout and "сбой" in table.stdout
    unknown = cli(home, config, "health", "db9")
    assert unknown.returncode != 0 and "db9" in unknown.stderr + unknown.stdout


def test_monitor_once_checks_and_prints(home: Path, tmp_path: Path, hostlab: HostLab) -> None:
    config = write_config(tmp_path / "shturman.yaml", hostlab)
    done = cli(home, config, "monitor", "--once", "vm1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "reachability" in done.stdout and "service:webapp" in done.stdout
    again = cli(home, config, "health", "vm1", "--json")
    assert {r["state"] for r in json.loads(again.stdout)} == {"ok"}


async def test_scheduler_fires_check_jobs_for_check_workers_only(
        monitored: Any, hostlab: HostLab) -> None:
    """The monitor's runtime: check schedules per server, workers for `check` jobs only —
    a queued `run` job is left for `serve`/`worker`."""
    c = await monitored(hostlab, overrides={})
    c.settings.monitoring.interval = 5  # the smallest allowed: one tick soon
    c.settings.monitoring.local = False
    await c.watch_servers()
    waiting = await c.jobs.submit("run", {"text": "uptime on vm1", "server": "vm1"},
                                  actor=Actor("test", "op"))
    runtime = c.jobs_runtime(workers=True, kinds=("check",))
    assert runtime.scheduler is not None
    await runtime.start()
    try:
        for _ in range(600):  # until the scheduler's job has run (state, not time)
            checks = [j for j in await c.jobs.recent(limit=50) if j.kind == "check"]
            if any(j.status.final for j in checks):
                break
            await asyncio.sleep(0.1)
    finally:
        await runtime.stop()
    checks = [j for j in await c.jobs.recent(limit=50) if j.kind == "check"]
    assert checks and {j.server for j in checks} == {"vm1"}
    assert all(j.schedule == "check:vm1" for j in checks)
    finished = [j for j in checks if j.status.final]
    assert finished[0].status is JobStatus.SUCCEEDED, finished[0].error
    assert finished[0].result is not None and finished[0].result["server"] == "vm1"
    assert (await c.jobs.show(waiting.id)).job.status is JobStatus.QUEUED
    assert {s.check for s in await c.monitoring.health("vm1")} >= {"reachability"}


def test_monitor_runs_until_sigterm(home: Path, tmp_path: Path, hostlab: HostLab) -> None:
    import signal

    config = write_config(tmp_path / "shturman.yaml", hostlab)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    env.update(SHTURMAN_HOME=str(home), SHTURMAN_CONFIG=str(config))
    proc = subprocess.Popen([SHTURMAN, "monitor"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "shturman monitor" in line and "2" in line, line  # local and vm1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
