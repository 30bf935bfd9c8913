"""Approvals: a human's yes/no, bound to the exact server and command."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
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
    # names this one request everywhere (events, the inbox, `approvals approve ID`)
    approval_id: str = field(default_factory=lambda: secrets.token_hex(6))

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


class ApprovalStatus(StrEnum):
    """Where a stored (inbox) approval request stands. Only ``pending`` can change, once."""

    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"  # nobody answered in time: the waiting side denied it
    CANCELLED = "cancelled"  # the waiting run stopped (Ctrl-C, SIGTERM) before an answer
    ABANDONED = "abandoned"  # the waiting process died: an answer would reach nobody


@dataclass(frozen=True, slots=True)
class PendingApproval:
    """A stored approval request, as any channel sees it."""

    id: str
    server: str
    command: str  # as shown (redacted); the binding is ``digest``, of the exact command
    digest: str
    reasons: tuple[str, ...]
    reasons_ru: tuple[str, ...]
    diff: str
    run_id: str | None
    requested_by: str
    roles: tuple[str, ...]  # who may answer
    created_at: datetime
    expires_at: datetime
    status: ApprovalStatus = ApprovalStatus.PENDING
    waiter: str = ""  # "host:pid" of the process that waits for the answer
    decided_by: str = ""
    decided_at: datetime | None = None
    note: str = ""
