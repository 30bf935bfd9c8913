"""Approvals: a human's yes/no, bound to the exact server and command."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shturman.domain.verdict import Verdict


class ApprovalOutcome(StrEnum):
    APPROVED = "approved"
    DENIED = "denied"
    TIMED_OUT = "timed_out"
    PRE_APPROVED = "pre_approved"  # the run's mode approves this tier
    UNAVAILABLE = "unavailable"  # no approver: fail closed


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    server: str
    command: str
    verdict: Verdict
    actor: str
    run_id: str | None = None
    diff: str = ""  # for file writes: what will change

    @property
    def binding(self) -> tuple[str, str]:
        """What the approval is bound to: exactly this server and this command."""
        return (self.server, self.command)


@dataclass(frozen=True, slots=True)
class ApprovalDecision:
    outcome: ApprovalOutcome
    approver: str
    server: str
    command: str
    note: str = ""

    @property
    def approved(self) -> bool:
        return self.outcome in (ApprovalOutcome.APPROVED, ApprovalOutcome.PRE_APPROVED)

    def matches(self, request: ApprovalRequest) -> bool:
        return (self.server, self.command) == request.binding
