"""Issue 8 without a model, on real hosts: explicit commands run exactly as typed (a blocked one
says why, in the user's language, and fails), and a conditional start checks before it acts."""

from __future__ import annotations

import time
from typing import Any

from shturman.domain.models import Actor, RunMode
from shturman.services.runs import RunRequest
from tests.hostlab import faults
from tests.hostlab.lab import HostLab, TestHost

ACTOR = Actor("test", "op")


def _stop_webapp(host: TestHost) -> None:
    """Leave the host as the next test expects: webapp stopped and its port free."""
    host.systemctl("stop", "webapp")
    deadline = time.monotonic() + 10
    while faults.port_open(host.ports["webapp"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not faults.port_open(host.ports["webapp"]), "webapp's port is still taken"


async def test_explicit_command_runs_exactly(make_container: Any, hostlab: HostLab) -> None:
    host = hostlab.hosts[0]
    c = await make_container(hostlab)
    record, events = await c.runs.run(RunRequest(
        f"выполни `echo shturman-explicit-1` на {host.name}", ACTOR))
    assert record.status == "succeeded", record.summary
    assert record.route == "intent"
    started = [e for e in events if e.type == "run_started"]
    assert started[0].data["intent"] == "run_command"
    ran = [e.data["command"] for e in events if e.type == "command_finished"]
    assert ran == ["echo shturman-explicit-1"]
    assert "shturman-explicit-1" in record.summary
    audit = await c.audit.recent(10)
    assert any(a.command == "echo shturman-explicit-1" and a.server == host.name for a in audit)


async def test_blocked_explicit_command_says_why_in_russian(make_container: Any,
                                                            hostlab: HostLab) -> None:
    host = hostlab.hosts[0]
    c = await make_container(hostlab)
    record, events = await c.runs.run(RunRequest(f"выполни: rm -rf / на {host.name}", ACTOR,
                                                 RunMode.AUTONOMOUS))
    assert record.status == "failed"
    assert "заблокировано политикой" in record.summary, record.summary
    assert "rm -rf /" in record.summary
    assert not any(e.type == "command_started" for e in events)
    audit = await c.audit.recent(10)
    assert any(a.command == "rm -rf /" and a.outcome == "blocked" for a in audit)


async def test_blocked_explicit_command_says_why_in_english(make_container: Any,
                                                            hostlab: HostLab) -> None:
    host = hostlab.hosts[0]
    c = await make_container(hostlab, language="en")
    record, _ = await c.runs.run(RunRequest(f"run `rm -rf /` on {host.name}", ACTOR,
                                            RunMode.AUTONOMOUS))
    assert record.status == "failed"
    assert "blocked by the policy" in record.summary, record.summary
    assert "заблокировано" not in record.summary


async def test_explicit_restart_is_verified(make_container: Any, hostlab: HostLab) -> None:
    host = hostlab.hosts[0]
    c = await make_container(hostlab)
    record, events = await c.runs.run(RunRequest(
        f"выполни: systemctl restart webapp на {host.name}", ACTOR, RunMode.AUTONOMOUS))
    assert record.status == "succeeded", record.summary
    assert record.verified
    assert any(e.type == "verification" and e.data["ok"] for e in events)
    assert faults.unit_active(host, "webapp")
    _stop_webapp(host)


async def test_explicit_change_without_probe_is_not_success(make_container: Any,
                                                            hostlab: HostLab) -> None:
    host = hostlab.hosts[0]
    marker = host.home / "explicit-marker"
    c = await make_container(hostlab)
    record, _ = await c.runs.run(RunRequest(
        f"выполни `touch {marker}` на {host.name}", ACTOR, RunMode.AUTONOMOUS))
    assert marker.exists()  # it ran …
    assert record.status == "escalated", record.summary  # … but nothing proved its effect
    assert not record.verified
    assert "проверки, подтверждающей её результат, нет" in record.summary


async def test_conditional_start_does_nothing_when_active(make_container: Any,
                                                          hostlab: HostLab) -> None:
    host = hostlab.hosts[0]
    host.systemctl("start", "webapp")
    assert faults.unit_active(host, "webapp")
    c = await make_container(hostlab)
    record, events = await c.runs.run(RunRequest(
        f"проверь webapp на {host.name} и подними, если лежит", ACTOR, RunMode.AUTONOMOUS))
    assert record.status == "succeeded", record.summary
    ran = [e.data["command"] for e in events if e.type == "command_finished"]
    assert not any("start" in command and "is-active" not in command for command in ran), ran
    assert "уже работает" in record.summary
    _stop_webapp(host)


async def test_conditional_start_starts_and_verifies_when_down(make_container: Any,
                                                               hostlab: HostLab) -> None:
    host = hostlab.hosts[0]
    _stop_webapp(host)
    c = await make_container(hostlab)
    record, events = await c.runs.run(RunRequest(
        f"is webapp running on {host.name}? if not, start it", ACTOR, RunMode.AUTONOMOUS))
    assert record.status == "succeeded", record.summary
    assert record.verified
    ran = [e.data["command"] for e in events if e.type == "command_finished"]
    assert "systemctl start webapp" in ran
    assert faults.unit_active(host, "webapp")
    _stop_webapp(host)


async def test_unnamed_service_is_asked_not_guessed(make_container: Any,
                                                    hostlab: HostLab) -> None:
    host = hostlab.hosts[0]
    c = await make_container(hostlab)
    record, events = await c.runs.run(RunRequest(f"перезапусти сервис на {host.name}", ACTOR,
                                                 RunMode.AUTONOMOUS))
    assert record.status == "failed"
    assert "webapp" in record.summary and "Уточните" in record.summary, record.summary
    assert not any(e.type == "command_started" for e in events)
    plan = next(e for e in events if e.type == "plan")
    assert plan.data["ask"] == {"what": "service", "candidates": ["webapp"]}
