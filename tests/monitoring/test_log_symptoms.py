"""Errors in logs as a symptom, on a real sshd test host: a running service logs an error
(a traceback, "Address already in use", "No such file", an OOM kill) to its log file or only
to its journal → the ``logs:SERVER`` check finds it once (the cursor is kept: the same lines
are never reported twice), and the symptom starts a diagnosis run by the server's
``autofix`` (``off``: an alert that names the repair request, no run)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shturman.app import Container
from shturman.domain.jobs import JobStatus
from shturman.domain.notifications import NotificationAction, NotificationKind
from shturman.services.monitoring import schedules
from tests.hostlab.faults import unit_active, wait_until
from tests.hostlab.lab import HostLab, TestHost
from tests.hostlab.units import install_python_service
from tests.monitoring.conftest import Factory

Make = Callable[..., Any]

# a service that logs what it is told to: the lines of ~/apps/NAME/emit go to its stdout
# (the journal) and, with --logfile, to that file too
LOGGER_SCRIPT = '''\
import argparse, os, sys, time
p = argparse.ArgumentParser()
p.add_argument("--name"); p.add_argument("--port", type=int); p.add_argument("--logfile")
a = p.parse_args()
emit = os.path.join(os.path.dirname(os.path.abspath(__file__)), "emit")
print(f"{a.name} started", flush=True)
while True:
    if os.path.exists(emit):
        with open(emit) as fh:
            text = fh.read()
        os.unlink(emit)
        if a.logfile:
            with open(a.logfile, "a") as log:
                log.write(text)
        sys.stdout.write(text)
        sys.stdout.flush()
    time.sleep(0.05)
'''

TRACEBACK = """Traceback (most recent call last):
  File "/srv/app/main.py", line 12, in <module>
    import missing_module
ModuleNotFoundError: No module named 'missing_module'
"""
FAULTS = {
    "traceback": TRACEBACK,
    "port": "2026-12-03 13:00:01,123 ERROR OSError: [Errno 98] Address already in use "
            "(pid 4242)\n",
    "missing": "2026-12-03 13:00:02 app[311]: FileNotFoundError: [Errno 2] No such file or "
               "directory: '/srv/app/config.yaml'\n",
    "oom": "Out of memory: Killed process 5151 (python3) total-vm:1048576kB\n",
}


@pytest.fixture
def logger_service(hostlab: HostLab, tmp_path: Path) -> Iterator[Callable[..., TestHost]]:
    """Install and start logger units on vm1; stopped afterwards."""
    host = hostlab.hosts[0]
    started: list[str] = []

    def install(name: str, *, logfile: bool = False) -> TestHost:
        """``logfile``: it also writes ~/logs/NAME.log."""
        script = tmp_path / "logger.py"
        script.write_text(LOGGER_SCRIPT, encoding="utf-8")
        log = host.home / "logs" / f"{name}.log" if logfile else None
        args = ("--logfile", str(log)) if log is not None else ()
        install_python_service(host, name, script, args=args)
        if log is not None:
            log.unlink(missing_ok=True)
        host.journal_path(name).unlink(missing_ok=True)
        done = host.systemctl("start", name)
        assert done.returncode == 0, done.stderr
        started.append(name)
        assert wait_until(lambda: unit_active(host, name), timeout=20), f"{name} not active"
        return host

    try:
        yield install
    finally:
        for name in started:
            host.systemctl("stop", name)


def emit(host: TestHost, service: str, text: str) -> None:
    """The service logs ``text`` (it picks the file up within a moment)."""
    target = host.home / "apps" / service / "emit"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chown(tmp, host.uid, host.gid)
    tmp.rename(target)
    assert wait_until(lambda: not target.exists(), timeout=20), f"{service} did not log"


@pytest.fixture
def make(from_config: Factory, hostlab: HostLab) -> Make:
    host = hostlab.hosts[0]

    async def factory(services: list[str], own: dict[str, Any], autofix: str = "off",
                      **logs: Any) -> Container:
        data = {"language": "en", "servers": [{
            "name": host.name, "host": host.host, "port": host.port, "user": host.user,
            "key_path": str(hostlab.client_key), "services": services}],
            "monitoring": {"local": False, "autofix": autofix,
                           "logs": {"interval": 30, **logs},
                           "servers": {host.name: own}}}
        return await from_config(data)

    return factory


async def log_alerts(c: Container) -> list[Any]:
    return [n for n in reversed(await c.notifications.list(limit=300))
            if n.kind is NotificationKind.ALERT and "signatures" in n.data]


async def run_jobs(c: Container) -> list[Any]:
    return [j for j in await c.jobs.recent(limit=100) if j.kind == "run"]


async def test_log_file_errors_found_once_autofix_off_alerts_only(
        make: Make, logger_service: Callable[..., TestHost]) -> None:
    host = logger_service("applog", logfile=True)
    logfile = host.home / "logs" / "applog.log"
    c = await make([], {"log_services": [], "log_files": {str(logfile): "applog"}})

    # the logs:vm1 schedule: a check job with {"logs": true}
    found = {s.name: s for s in schedules(await c.monitoring.targets(), c.monitoring,
                                          c.settings.monitoring)}
    assert found["logs:vm1"].spec.kind == "check"
    assert found["logs:vm1"].spec.payload == {"server": "vm1", "logs": True}
    assert found["logs:vm1"].every == 30

    emit(host, "applog", "old ERROR from before Shturman watched\n")
    first = await c.monitoring.check_logs("vm1")  # the first read only sets the cursor
    assert first.results[0].ok and await log_alerts(c) == []

    emit(host, "applog", "".join(FAULTS.values()))
    job = await c.jobs.submit("check", {"server": "vm1", "logs": True}, server="vm1")
    runtime = c.jobs_runtime(workers=True, scheduler=False)
    await runtime.start()
    try:
        for _ in range(600):
            shown = await c.jobs.show(job.id)
            if shown.job.status.final:
                break
            await asyncio.sleep(0.1)
    finally:
        await runtime.stop()
    assert shown.job.status is JobStatus.SUCCEEDED, shown.as_json()
    (status,) = [s for s in await c.monitoring.health("vm1") if s.check == "logs"]
    assert status.state.value == "failing" and "5 new" in status.detail, status.detail

    told = await log_alerts(c)
    assert len(told) == 1  # one alert for the service, however many signatures
    alert = told[0]
    assert alert.data["source"] == f"file:{logfile}" and len(alert.data["signatures"]) == 5
    assert "applog" in alert.title and "vm1" in alert.title
    lines = alert.body.splitlines()
    assert lines[:3] == ["Traceback (most recent call last):",
                         "ModuleNotFoundError: No module named 'missing_module'",
                         FAULTS["port"].strip()], lines
    # autofix off: no run; the alert hands the repair request to a person
    assert await run_jobs(c) == []
    assert alert.action is NotificationAction.DELEGATE
    assert alert.data["text"] == "repair applog.service on vm1"  # not listed: the unit form

    # nothing new: no repeat of the same lines
    again = await c.monitoring.check_logs("vm1")
    assert again.results[0].ok, again.results[0].detail
    assert len(await log_alerts(c)) == 1
    # the same faults again (other pids, other times): seen within the cool-down, no alert
    emit(host, "applog", FAULTS["port"].replace("4242", "4343").replace("13:00:01", "14:00:09"))
    repeat = await c.monitoring.check_logs("vm1")
    assert not repeat.results[0].ok and "0 new" in repeat.results[0].detail
    assert len(await log_alerts(c)) == 1
    # a fault not seen before is news
    emit(host, "applog", "panic: runtime error: index out of range\n")
    fresh = await c.monitoring.check_logs("vm1")
    assert "1 new" in fresh.results[0].detail
    assert len(await log_alerts(c)) == 2


async def test_log_error_starts_a_diagnosis_run_with_autofix(
        make: Make, logger_service: Callable[..., TestHost]) -> None:
    host = logger_service("applog2", logfile=True)
    logfile = host.home / "logs" / "applog2.log"
    c = await make([], {"log_services": [], "log_files": {str(logfile): "applog2"}},
                   autofix="safe")
    await c.monitoring.check_logs("vm1")
    emit(host, "applog2", FAULTS["port"] + FAULTS["missing"])
    done = await c.monitoring.check_logs("vm1")
    runs = await run_jobs(c)
    assert len(runs) == 1 and done.runs == [runs[0].run_id]  # one run per service
    assert runs[0].payload["text"] == "repair applog2.service on vm1"
    assert runs[0].payload["mode"] == "autonomous" and runs[0].server == "vm1"
    plan = await c.runs.decide(runs[0].payload["text"])
    assert plan["intent"] == "service_repair" and plan["args"] == {"service": "applog2"}, plan
    (alert,) = await log_alerts(c)
    assert alert.action is NotificationAction.SHOW_RUN and alert.data["run_id"] == runs[0].run_id
    # no new lines: no second run
    await c.monitoring.check_logs("vm1")
    assert len(await run_jobs(c)) == 1


async def test_journal_only_service_is_read_from_its_journal(
        make: Make, logger_service: Callable[..., TestHost]) -> None:
    host = logger_service("jsvc")  # logs to stdout only: the journal
    c = await make(["jsvc"], {})
    assert [s.key for s in c.monitoring.log_sources(await c.inventory.get("vm1"))] == [
        "journal:jsvc"]
    await c.monitoring.check_logs("vm1")
    emit(host, "jsvc", TRACEBACK + FAULTS["oom"])
    done = await c.monitoring.check_logs("vm1")
    assert not done.results[0].ok
    (alert,) = await log_alerts(c)
    assert alert.data["source"] == "journal:jsvc"
    assert any("ModuleNotFoundError" in line for line in alert.body.splitlines()), alert.body
    read = [a for a in await c.audit.recent(100) if a.action == "command"
            and a.command.startswith("journalctl -u jsvc.service")]
    assert read and all(a.decision == "allow" for a in read)
    # the journal printed no cursor: where it stopped is remembered by its last lines
    same = await c.monitoring.check_logs("vm1")
    assert same.results[0].ok, same.results[0].detail
    emit(host, "jsvc", "jsvc: heartbeat fine\n")
    calm = await c.monitoring.check_logs("vm1")
    assert calm.results[0].ok, calm.results[0].detail
    assert len(await log_alerts(c)) == 1 and await run_jobs(c) == []
