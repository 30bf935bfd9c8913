"""One test body, two approvers: the in-memory `StaticApprover` and the `InboxApprover` (its
answer given from another task through `ApprovalService.decide`). The mode rules live in
GuardedExecutor, so both must give the same outcomes; the inbox is asked only when a person
must answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from shturman.app import container
from shturman.config import load_settings
from shturman.domain.approval import ApprovalDecision, ApprovalOutcome, ApprovalRequest
from shturman.domain.models import Actor, RunMode, local_server
from shturman.hosts import GuardedExecutor
from shturman.services.users import local_principal
from tests.fakes import RecordingExecutor, StaticApprover

HUMAN_ONLY = "rm -r /tmp/shturman-contract-dir"  # confirm, a person must answer
PREAPPROVABLE = "touch /tmp/shturman-contract-file"  # confirm, autonomous may pre-approve


@dataclass
class AnsweredInbox:
    """The InboxApprover, with a person answering every stored request from another task."""

    c: Any
    approve: bool
    asked: list[ApprovalRequest] = field(default_factory=list)

    async def decide(self, request: ApprovalRequest) -> ApprovalDecision:
        self.asked.append(request)
        waiting = asyncio.create_task(self.c.approvals.approver(30).decide(request))
        for _ in range(200):
            if await self.c.approvals.get(request.approval_id) is not None:
                break
            await asyncio.sleep(0.02)
        await self.c.approvals.decide(request.approval_id, local_principal(), self.approve)
        decision: ApprovalDecision = await asyncio.wait_for(waiting, 30)
        return decision


@pytest.fixture
async def c(home: Path) -> AsyncIterator[Any]:
    async with container(load_settings(home=home)) as built:
        yield built


def approver(kind: str, c: Any, approve: bool) -> Any:
    return StaticApprover(approve) if kind == "static" else AnsweredInbox(c, approve)


@pytest.mark.parametrize("kind", ["static", "inbox"])
@pytest.mark.parametrize(("mode", "command", "approve", "runs", "asked", "outcome"), [
    (RunMode.INTERACTIVE, HUMAN_ONLY, True, True, True, ApprovalOutcome.APPROVED),
    (RunMode.INTERACTIVE, HUMAN_ONLY, False, False, True, ApprovalOutcome.DENIED),
    (RunMode.INTERACTIVE, PREAPPROVABLE, True, True, True, ApprovalOutcome.APPROVED),
    (RunMode.AUTONOMOUS, PREAPPROVABLE, False, True, False, ApprovalOutcome.PRE_APPROVED),
    (RunMode.AUTONOMOUS, HUMAN_ONLY, False, False, True, ApprovalOutcome.DENIED),
    (RunMode.DRY_RUN, HUMAN_ONLY, True, False, False, ApprovalOutcome.DENIED),
    (RunMode.READONLY, PREAPPROVABLE, True, False, False, ApprovalOutcome.DENIED),
])
async def test_modes_are_the_same_for_every_approver(
        c: Any, kind: str, mode: RunMode, command: str, approve: bool, runs: bool,
        asked: bool, outcome: ApprovalOutcome) -> None:
    executor = RecordingExecutor()
    guarded = GuardedExecutor(executor, c.policy, c.audit)
    chosen = approver(kind, c, approve)
    result = await guarded.run(local_server(), command, actor=Actor("test", "op"), mode=mode,
                               approver=chosen)
    assert result.approval is not None and result.approval.outcome is outcome
    assert bool(executor.ran) is runs
    assert bool(chosen.asked) is asked
    if kind == "inbox" and asked:
        stored = await c.approvals.get(chosen.asked[0].approval_id)
        assert stored.status.value == ("approved" if approve else "denied")
        assert result.approval.approver == str(local_principal().actor)
    assert await c.approvals.pending() == []
