"""Checks on real sshd test hosts: a stopped service goes down after three rounds with one
alert (and a diagnosis run when autofix allows), comes back recovered with one more; an
unreachable server goes down; states survive a restart; old results are pruned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shturman.domain.jobs import JobStatus
from shturman.domain.monitoring import CheckResult, CheckState
from shturman.domain.notifications import NotificationAction, NotificationKind
from tests.hostlab.lab import HostLab

pytestmark = pytest.mark.usefixtures("webapp_running")


@pytest.fixture
def webapp_stopped(hostlab: HostLab, webapp_running: None) -> Iterator[Any]:
    host = hostlab.hosts[0]
    host.systemctl("stop", "webapp")
    try:
        yield host
    finally:
        host.systemctl("start", "webapp")


def states(rows: list[Any]) -> dict[str, CheckState]:
    return {s.check: s.state for s in rows}


async def alerts(c: Any) -> list[Any]:
    return [n for n in await c.notifications.list(limit=200) if n.kind is NotificationKind.ALERT]


async def run_jobs(c: Any) -> list[Any]:
    return [j for j in await c.jobs.recent(limit=100) if j.kind == "run"]


async def test_healthy_server_every_check_ok(monitored: Any, hostlab: HostLab) -> None:
    c = await monitored(hostlab)
    done = await c.monitoring.check_server("vm1")
    by_check = {r.check: r for r in done.results}
    assert set(by_check) == {"reachability", "disk", "memory", "load", "service:webapp"}
    assert all(r.ok for r in done.results), [(r.check, r.detail) for r in done.results]
    assert by_check["disk"].value is not None and by_check["load"].value is not None
    assert by_check["service:webapp"].detail == "webapp: active"
    assert set(states(await c.monitoring.health("vm1")).values()) == {CheckState.OK}
    assert await alerts(c) == []
    # the commands went through the guarded executor, read-only, audited
    audit = [a for a in await c.audit.recent(50) if a.server == "vm1" and a.action == "command"]
    assert {"true", "df -P", "cat /proc/meminfo", "nproc"} <= {a.command for a in audit}
    assert all(a.decision == "allow" and a.actor == "monitor:checks" for a in audit)


async def test_stopped_service_down_after_three_rounds_no_autofix(
        monitored: Any, hostlab: HostLab, webapp_stopped: Any) -> None:
    c = await monitored(hostlab, autofix="off")
    seen = []
    for _ in range(3):
        await c.monitoring.check_server("vm1")
        seen.append(states(await c.monitoring.health("vm1"))["service:webapp"])
    assert seen == [CheckState.FAILING, CheckState.FAILING, CheckState.DOWN]
    told = await alerts(c)
    assert len(told) == 1
    assert told[0].data["check"] == "service:webapp" and told[0].data["state"] == "down"
    assert "vm1" in told[0].title and "webapp" in told[0].title
    # autofix off: no run, the alert offers the repair request to a person
    assert await run_jobs(c) == []
    assert told[0].action is NotificationAction.DELEGATE
    assert told[0].data["text"] == "почини webapp на vm1"
    # more failing rounds: no second alert
    await c.monitoring.check_server("vm1")
    assert len(await alerts(c)) == 1
    # restored → recovered (and one recovery alert), then ok
    webapp_stopped.systemctl("start", "webapp")
    await c.monitoring.check_server("vm1")
    assert states(await c.monitoring.health("vm1"))["service:webapp"] is CheckState.RECOVERED
    await c.monitoring.check_server("vm1")
    assert states(await c.monitoring.health("vm1"))["service:webapp"] is CheckState.OK
    told = await alerts(c)
    assert [n.data["state"] for n in reversed(told)] == ["down", "recovered"]


async def test_autofix_safe_starts_one_diagnosis_run(
        monitored: Any, hostlab: HostLab, webapp_stopped: Any) -> None:
    c = await monitored(hostlab, autofix="safe")
    for _ in range(5):
        await c.monitoring.check_server("vm1")
    runs = await run_jobs(c)
    assert len(runs) == 1  # one per incident, not per tick
    job = runs[0]
    assert job.status is JobStatus.QUEUED and job.server == "vm1"
    assert job.payload["mode"] == "autonomous"
    assert job.payload["text"] == "почини webapp на vm1"
    plan = await c.runs.decide(job.payload["text"])
    assert plan["intent"] == "service_repair" and plan["args"] == {"service": "webapp"}
    told = await alerts(c)
    assert len(told) == 1 and told[0].action is NotificationAction.SHOW_RUN
    assert told[0].data["run_id"] == job.run_id
    (status,) = [s for s in await c.monitoring.health("vm1") if s.check == "service:webapp"]
    assert status.run_id == job.run_id


async def test_autofix_repairs_and_the_recovery_is_announced(
        monitored: Any, hostlab: HostLab, webapp_stopped: Any) -> None:
    """The whole loop: down → one alert → the repair run (a real worker) restarts the
    service → recovered → one recovery alert."""
    c = await monitored(hostlab, autofix="safe")
    for _ in range(3):
        await c.monitoring.check_server("vm1")
    (job,) = await run_jobs(c)
    runtime = c.jobs_runtime(workers=True, scheduler=False)
    await runtime.start()
    try:
        import asyncio

        for _ in range(1200):  # the run's own state, not a wall-clock assertion
            current = await c.jobs.show(job.id)
            if current.job.status.final:
                break
            await asyncio.sleep(0.1)
    finally:
        await runtime.stop()
    assert current.job.status is JobStatus.SUCCEEDED, current.as_json()
    await c.monitoring.check_server("vm1")
    assert states(await c.monitoring.health("vm1"))["service:webapp"] is CheckState.RECOVERED
    told = [n for n in await alerts(c)]
    assert [n.data["state"] for n in reversed(told)] == ["down", "recovered"]


async def test_unreachable_server_goes_down_alone(monitored: Any, hostlab: HostLab,
                                                  dead_port: int) -> None:
    c = await monitored(hostlab, dead_port=dead_port)
    for _ in range(3):
        done = await c.monitoring.check_server("gone")
        assert [r.check for r in done.results] == ["reachability"]  # nothing else is judged
    health = await c.monitoring.health("gone")
    assert [(s.check, s.state) for s in health] == [("reachability", CheckState.DOWN)]
    assert health[0].detail  # why: the connection error
    told = await alerts(c)
    assert len(told) == 1 and told[0].data["check"] == "reachability"


async def test_state_survives_a_restart(monitored: Any, hostlab: HostLab,
                                        webapp_stopped: Any) -> None:
    first = await monitored(hostlab)
    for _ in range(3):
        await first.monitoring.check_server("vm1")
    await first.close()
    again = await monitored(hostlab)  # the same home and database
    await again.monitoring.check_server("vm1")
    assert states(await again.monitoring.health("vm1"))["service:webapp"] is CheckState.DOWN
    assert len(await alerts(again)) == 1


async def test_retention_prunes_old_results(monitored: Any, hostlab: HostLab) -> None:
    c = await monitored(hostlab)
    repo = c.monitoring._repo
    old = datetime.now(UTC) - timedelta(days=30)
    await repo.record([CheckResult("vm1", "disk", True, "old", old, 10.0)],
                      c.monitoring._decide)
    assert any(r.detail == "old" for r in await c.monitoring.history("vm1", "disk"))
    await c.monitoring.check_server("vm1")  # the job prunes as it goes (14 days)
    kept = await c.monitoring.history("vm1", "disk")
    assert kept and all(r.detail != "old" for r in kept)
