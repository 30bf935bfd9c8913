"""The one enforcement point: policy → approval → run → redact → audit, in every mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from shturman.domain.approval import ApprovalDecision, ApprovalOutcome, ApprovalRequest
from shturman.domain.events import Event, as_data, kind_of
from shturman.domain.models import AccessProfile, Actor, CommandOutcome, RunMode, local_server
from shturman.hosts import GuardedExecutor
from shturman.policy import Policy
from shturman.policy.redaction import Redactor
from shturman.services.audit import AuditTrail
from shturman.store import Database
from shturman.store.repositories import AuditRepo
from tests.fakes import RecordingExecutor, StaticApprover

ACTOR = Actor("test", "op")
SERVER = local_server()


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[GuardedExecutor, RecordingExecutor,
                                                       AuditTrail]]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'g.db'}")
    await db.migrate()
    audit = AuditTrail(AuditRepo(db.engine))
    executor = RecordingExecutor({"cat /srv/app.env.example": (0, "DB_PASSWORD=hunter2-secret\n")})
    guarded = GuardedExecutor(executor, Policy.load(), audit,
                              redact=Redactor(["hunter2-secret"]).redact)
    yield guarded, executor, audit
    await audit.close()
    await db.close()


@pytest.mark.parametrize("mode", list(RunMode))
async def test_block_never_runs_in_any_mode(setup: Any, mode: RunMode) -> None:
    guarded, executor, audit = setup
    result = await guarded.run(SERVER, "rm -rf /", actor=ACTOR, mode=mode,
                               approver=StaticApprover(True))
    assert result.result.outcome is CommandOutcome.BLOCKED
    assert executor.ran == []
    rows = await audit.recent()
    assert rows[-1].outcome == "blocked" and rows[-1].decision == "block"


@pytest.mark.parametrize(("mode", "approver", "runs", "outcome"), [
    (RunMode.INTERACTIVE, None, False, ApprovalOutcome.UNAVAILABLE),
    (RunMode.INTERACTIVE, StaticApprover(False), False, ApprovalOutcome.DENIED),
    (RunMode.INTERACTIVE, StaticApprover(True), True, ApprovalOutcome.APPROVED),
    (RunMode.AUTONOMOUS, None, True, ApprovalOutcome.PRE_APPROVED),
    (RunMode.DRY_RUN, StaticApprover(True), False, ApprovalOutcome.DENIED),
    (RunMode.READONLY, StaticApprover(True), False, ApprovalOutcome.DENIED),
])
async def test_confirm_tier_by_mode(setup: Any, mode: RunMode, approver: Any, runs: bool,
                                    outcome: ApprovalOutcome) -> None:
    guarded, executor, audit = setup
    result = await guarded.run(SERVER, "systemctl restart nginx", actor=ACTOR, mode=mode,
                               approver=approver)
    assert result.approval is not None and result.approval.outcome is outcome
    assert bool(executor.ran) is runs
    last = (await audit.recent())[-1]
    assert last.outcome == ("ok" if runs else "denied")
    assert outcome.value in last.detail


async def test_allow_runs_without_asking(setup: Any) -> None:
    guarded, executor, _ = setup
    approver = StaticApprover(False)
    result = await guarded.run(SERVER, "df -h", actor=ACTOR, approver=approver)
    assert result.result.ok and executor.ran == [("local", "df -h")] and not approver.asked


async def test_readonly_server_never_runs_confirm(setup: Any) -> None:
    guarded, executor, _ = setup
    server = replace(SERVER, profile=AccessProfile.READONLY)
    result = await guarded.run(server, "systemctl restart nginx", actor=ACTOR,
                               mode=RunMode.AUTONOMOUS)
    assert result.result.outcome is CommandOutcome.BLOCKED
    assert "server.readonly" in result.verdict.rule_ids and not executor.ran


async def test_approval_is_bound_to_exact_command(setup: Any) -> None:
    guarded, executor, _ = setup

    class Swapper:
        """An approver that answers for a different command than it was asked about."""

        async def decide(self, request: ApprovalRequest) -> ApprovalDecision:
            return ApprovalDecision(ApprovalOutcome.APPROVED, "evil", request.server,
                                    request.command + " && rm -rf /tmp/x")

    result = await guarded.run(SERVER, "systemctl restart nginx", actor=ACTOR,
                               approver=Swapper())
    assert result.result.outcome is CommandOutcome.DENIED and not executor.ran


async def test_output_and_audit_are_redacted(setup: Any) -> None:
    guarded, _, audit = setup
    result = await guarded.run(SERVER, "cat /srv/app.env.example", actor=ACTOR)
    assert "hunter2-secret" not in result.result.stdout.text
    rows = await audit.recent()
    stored = await audit.output(rows[-1].id or 0)
    assert stored is not None and "hunter2-secret" not in stored.stdout


async def test_events_in_order(setup: Any) -> None:
    guarded, _, _ = setup
    seen: list[str] = []

    async def sink(event: Event) -> None:
        seen.append(kind_of(event))

    await guarded.run(SERVER, "systemctl restart nginx", actor=ACTOR,
                      approver=StaticApprover(True), events=sink)
    assert seen == ["policy_decision", "approval_requested", "approval_decided",
                    "command_started"]


# modes × tiers: autonomy pre-approves only a known, bounded change; a human-only confirm
# waits for the approver in every mode (denied, recorded, when there is none)
KNOWN = "systemctl restart nginx"  # confirm, pre-approvable
HUMAN = "systemctl stop sshd"  # confirm, a person only
UNKNOWN = "frobnicate --all"  # confirm because the policy does not know it


@pytest.mark.parametrize(("mode", "command", "approver", "runs", "outcome"), [
    (RunMode.INTERACTIVE, KNOWN, None, False, ApprovalOutcome.UNAVAILABLE),
    (RunMode.INTERACTIVE, HUMAN, StaticApprover(True), True, ApprovalOutcome.APPROVED),
    (RunMode.AUTONOMOUS, KNOWN, None, True, ApprovalOutcome.PRE_APPROVED),
    (RunMode.AUTONOMOUS, KNOWN, StaticApprover(False), True, ApprovalOutcome.PRE_APPROVED),
    (RunMode.AUTONOMOUS, HUMAN, None, False, ApprovalOutcome.UNAVAILABLE),
    (RunMode.AUTONOMOUS, UNKNOWN, None, False, ApprovalOutcome.UNAVAILABLE),
    (RunMode.AUTONOMOUS, HUMAN, StaticApprover(False), False, ApprovalOutcome.DENIED),
    (RunMode.AUTONOMOUS, UNKNOWN, StaticApprover(True), True, ApprovalOutcome.APPROVED),
    (RunMode.DRY_RUN, KNOWN, StaticApprover(True), False, ApprovalOutcome.DENIED),
    (RunMode.DRY_RUN, HUMAN, StaticApprover(True), False, ApprovalOutcome.DENIED),
    (RunMode.READONLY, KNOWN, StaticApprover(True), False, ApprovalOutcome.DENIED),
    (RunMode.READONLY, HUMAN, StaticApprover(True), False, ApprovalOutcome.DENIED),
])
async def test_modes_by_tier(setup: Any, mode: RunMode, command: str, approver: Any, runs: bool,
                             outcome: ApprovalOutcome) -> None:
    guarded, executor, audit = setup
    events: list[tuple[str, dict[str, Any]]] = []

    async def sink(event: Event) -> None:
        events.append((kind_of(event), as_data(event)))

    result = await guarded.run(SERVER, command, actor=ACTOR, mode=mode, approver=approver,
                               events=sink)
    assert result.approval is not None and result.approval.outcome is outcome
    assert bool(executor.ran) is runs
    assert result.verdict.preapprovable is (command == KNOWN)
    last = (await audit.recent())[-1]
    assert last.outcome == ("ok" if runs else "denied") and outcome.value in last.detail
    asked = [d for k, d in events if k == "approval_requested"]
    if mode is RunMode.AUTONOMOUS and command != KNOWN:
        # the human-only tier is never pre-approved: it reaches the approver, or is denied
        if approver is None:
            assert "a person is needed" in last.detail and not asked
        else:
            assert approver.asked and asked and asked[0]["needs_human"]
            assert asked[0]["preapprovable"] is False
    if command == KNOWN and mode is RunMode.AUTONOMOUS:
        assert approver is None or not approver.asked


@pytest.mark.parametrize("mode", list(RunMode))
@pytest.mark.parametrize("command", ["rm -rf /", "df -h"])
async def test_block_and_allow_ignore_tiers(setup: Any, mode: RunMode, command: str) -> None:
    guarded, executor, _ = setup
    approver = StaticApprover(True)
    result = await guarded.run(SERVER, command, actor=ACTOR, mode=mode, approver=approver)
    assert not result.verdict.preapprovable and not approver.asked
    assert bool(executor.ran) is (command == "df -h")
