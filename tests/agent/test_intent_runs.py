"""Routine requests handled with no model, end to end on real hosts."""

from __future__ import annotations

from typing import Any

from shturman.domain.models import Actor, RunMode
from shturman.services.runs import RunRequest
from tests.fakes import StaticApprover
from tests.hostlab import faults
from tests.hostlab.lab import HostLab

ACTOR = Actor("test", "op")


def types(events: list[Any]) -> list[str]:
    return [e.type for e in events]


async def test_disk_usage_on_local(make_container: Any) -> None:
    c = await make_container()
    record, events = await c.runs.run(RunRequest("скока места на диске?", ACTOR,
                                                 server="local"))
    assert record.status == "succeeded", record.summary
    assert record.route == "intent"
    kinds = types(events)
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert "plan" in kinds and "command_finished" in kinds
    assert [e.seq for e in events] == list(range(len(events)))
    assert "Место на диске" in record.summary
    audit = await c.audit.recent(10)
    assert any(a.command.startswith("df") and a.decision == "allow" for a in audit)
    # persisted before shown: the stored stream equals what was yielded
    _, stored = await c.runs.replay(record.id)
    assert [e.type for e in stored] == kinds


async def test_nothing_actionable(make_container: Any) -> None:
    c = await make_container()
    record, events = await c.runs.run(RunRequest("привет!", ACTOR))
    assert record.status == "succeeded"
    assert record.route == "none"
    assert not any(e.type == "command_started" for e in events)


async def test_open_ended_without_model_says_what_to_configure(make_container: Any) -> None:
    c = await make_container()
    record, _ = await c.runs.run(RunRequest("разберись, почему /api медленный и настрой "
                                            "кэширование", ACTOR))
    assert record.status == "failed"
    assert "SHTURMAN_LLM__PROVIDER" in record.summary


async def test_unknown_server_is_a_clear_failure(make_container: Any, hostlab: HostLab) -> None:
    c = await make_container(hostlab)
    record, events = await c.runs.run(RunRequest("сколько места на диске на db9", ACTOR))
    assert record.status == "failed"
    assert "db9" in record.summary
    assert not any(e.type == "command_started" for e in events)


async def test_repair_port_taken_autonomous(make_container: Any, hostlab: HostLab) -> None:
    host = hostlab.hosts[0]
    port = host.ports["webapp"]
    host.systemctl("stop", "webapp")
    with faults.take_port(port, host):
        host.systemctl("start", "webapp")
        assert not faults.http_ok(f"http://127.0.0.1:{port}/")
        c = await make_container(hostlab)
        record, events = await c.runs.run(RunRequest(
            f"webapp на {host.name} упал, почини", ACTOR, RunMode.AUTONOMOUS))
        refused = [(a.command, a.outcome, a.detail) for a in await c.audit.recent(200)
                   if a.outcome in ("blocked", "denied")]
        assert record.status == "succeeded", (record.summary, refused)
        assert record.verified
        assert faults.http_ok(f"http://127.0.0.1:{port}/")
        kinds = types(events)
        assert "autocorrection" in kinds and "verification" in kinds
        approvals = [e for e in events if e.type == "approval_decided"]
        assert approvals and all(e.data["outcome"] == "pre_approved" for e in approvals)
    host.systemctl("stop", "webapp")


async def test_restart_needs_approval_and_fails_closed(make_container: Any,
                                                       hostlab: HostLab) -> None:
    host = hostlab.hosts[0]
    c = await make_container(hostlab)
    record, events = await c.runs.run(RunRequest(f"перезапусти webapp на {host.name}", ACTOR,
                                                 RunMode.INTERACTIVE))
    assert record.status == "failed"
    denied = [e for e in events if e.type == "approval_decided"]
    assert denied and denied[0].data["outcome"] == "unavailable"
    audit = await c.audit.recent(20)
    assert any(a.outcome == "denied" and "restart" in a.command for a in audit)
    # an approver that says yes: the same request now runs and is verified
    approver = StaticApprover(approve=True)
    record, _ = await c.runs.run(RunRequest(f"перезапусти webapp на {host.name}", ACTOR),
                                 approver)
    assert record.status == "succeeded", record.summary
    assert record.verified
    assert approver.asked and approver.asked[0].command == "systemctl restart webapp"
    assert approver.asked[0].server == host.name
    host.systemctl("stop", "webapp")


async def test_dry_run_changes_nothing(make_container: Any, hostlab: HostLab) -> None:
    host = hostlab.hosts[0]
    host.systemctl("stop", "webapp")
    c = await make_container(hostlab)
    record, _ = await c.runs.run(RunRequest(f"запусти webapp на {host.name}", ACTOR,
                                            RunMode.DRY_RUN))
    assert faults.unit_state(host, "webapp") != "active"
    assert record.status == "succeeded"
    assert not record.verified


async def test_health_overview_names_each_listed_service(make_container: Any,
                                                          hostlab: HostLab) -> None:
    host = hostlab.hosts[0]
    host.systemctl("start", "webapp")
    c = await make_container(hostlab)
    record, _ = await c.runs.run(RunRequest(f"как дела у {host.name}?", ACTOR))
    assert record.route == "intent" and "webapp: active" in record.summary, record.summary
    host.systemctl("stop", "webapp")
    try:
        record, _ = await c.runs.run(RunRequest(f"статус всех сервисов на {host.name}", ACTOR))
        assert "webapp: inactive" in record.summary or "webapp: failed" in record.summary, (
            record.summary)
        assert record.status != "succeeded" or "✗" in record.summary
    finally:
        host.systemctl("start", "webapp")


async def test_the_server_the_operator_names_is_where_the_commands_run(
        make_container: Any, hostlab: HostLab) -> None:
    """`run --server vm1 "сколько места на диске"`: the engine, seeing no server in the text,
    planned for `local`; the named server wins (as `plan --server` does), every command runs
    there and nowhere else."""
    c = await make_container(hostlab)
    name = hostlab.hosts[0].name
    record, events = await c.runs.run(RunRequest("сколько места на диске", ACTOR, server=name))
    assert record.status == "succeeded", record.summary
    started = [e.payload.server for e in events if e.type == "command_started"]
    assert started and set(started) == {name}
    assert all(a.server == name for a in await c.audit.recent(20) if a.action == "command")


async def test_logs_of_a_unit_nobody_lists_say_it_is_not_found(
        make_container: Any, hostlab: HostLab) -> None:
    """«логи nosuchunit на vm1»: that unit's logs (not a scan of the host's errors), and a
    unit the host lacks is said as such."""
    c = await make_container(hostlab)
    name = hostlab.hosts[0].name
    record, _ = await c.runs.run(RunRequest(f"логи nosuchunit на {name}", ACTOR))
    assert record.route == "intent", record.summary
    assert f"юнит nosuchunit не найден на {name}" in record.summary
