"""Approvals across processes: a run stores its request and waits; any channel answers.

``ApprovalService`` is the store behind ``hosts.guarded.InboxApprover`` (``submit``, ``wait``,
``withdraw``) and the ONE way an answer gets in: :meth:`ApprovalService.decide`. An answer is
bound to that request (its id, server and the digest of the exact command), takes effect once
(an atomic update of a ``pending`` row), is audited with who gave it, and an expired, replayed,
abandoned or unauthorised answer changes nothing and says why (:class:`ApprovalError`).
"""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import replace
from datetime import UTC, datetime

from shturman.domain.approval import (
    ApprovalDecision,
    ApprovalOutcome,
    ApprovalRequest,
    ApprovalStatus,
    PendingApproval,
)
from shturman.domain.errors import ApprovalError
from shturman.domain.models import AuditEntry, Decision
from shturman.domain.users import ANSWERING_ROLES, Principal
from shturman.hosts.guarded import InboxApprover
from shturman.observability import metrics
from shturman.services.audit import AuditTrail
from shturman.services.notifications import NotificationService
from shturman.store.repositories.approvals import ApprovalRepo
from shturman.store.repositories.signals import APPROVALS, Signals

_OUTCOMES = {
    ApprovalStatus.APPROVED: ApprovalOutcome.APPROVED,
    ApprovalStatus.DENIED: ApprovalOutcome.DENIED,
    ApprovalStatus.EXPIRED: ApprovalOutcome.TIMED_OUT,
    ApprovalStatus.CANCELLED: ApprovalOutcome.DENIED,
    ApprovalStatus.ABANDONED: ApprovalOutcome.DENIED,
}

# why an answer to a closed request did nothing (ApprovalError.reason)
_REFUSALS = {
    ApprovalStatus.EXPIRED: "expired",
    ApprovalStatus.ABANDONED: "abandoned",
    ApprovalStatus.CANCELLED: "abandoned",  # its run stopped before the answer
}


def digest(command: str) -> str:
    return hashlib.sha256(command.encode("utf-8", "surrogateescape")).hexdigest()


class ApprovalService:
    def __init__(self, repo: ApprovalRepo, signals: Signals, audit: AuditTrail,
                 notifications: NotificationService) -> None:
        self._repo = repo
        self._signals = signals
        self._audit = audit
        self._notifications = notifications
        self._waiter = waiter_id(os.getpid())

    def approver(self, timeout: float) -> InboxApprover:
        """The approver a run hands to the GuardedExecutor to wait for any channel."""
        return InboxApprover(self, timeout)

    # --- the waiting side (hosts.guarded.ApprovalInbox) ---

    async def submit(self, request: ApprovalRequest, expires_at: datetime) -> None:
        verdict = request.verdict
        stored = PendingApproval(
            id=request.approval_id, server=request.server, command=request.command,
            digest=digest(request.command),
            reasons=tuple(f"{r.rule_id}: {r.en}" for r in verdict.reasons),
            reasons_ru=tuple(f"{r.rule_id}: {r.ru}" for r in verdict.reasons),
            diff=request.diff, run_id=request.run_id, requested_by=request.actor,
            roles=tuple(r.value for r in ANSWERING_ROLES), created_at=datetime.now(UTC),
            expires_at=expires_at, waiter=self._waiter)
        await self._repo.add(stored)
        await self._notifications.approval_requested(
            await self._repo.get(stored.id) or stored)

    async def wait(self, request: ApprovalRequest, expires_at: datetime
                   ) -> ApprovalDecision | None:
        async with (self._signals.watch(APPROVALS, request.approval_id) as wakeup,
                    metrics.awaiting_approval()):
            while True:
                row = await self._repo.get(request.approval_id)
                if row is None:  # deleted under us: nothing approves it
                    return _decision(request, ApprovalOutcome.DENIED, "inbox", "request gone")
                if row.status is not ApprovalStatus.PENDING:
                    return self._answer(request, row)
                left = (expires_at - datetime.now(UTC)).total_seconds()
                if left <= 0:
                    if await self._repo.close(row.id, ApprovalStatus.EXPIRED, by="inbox",
                                              note="no answer in time: denied"):
                        await self._notifications.approval_closed(row.id)
                        return None
                    continue  # answered at the last moment: read the answer
                await wakeup.wait(min(left, self._signals.interval))

    async def withdraw(self, request: ApprovalRequest) -> None:
        if await self._repo.close(request.approval_id, ApprovalStatus.CANCELLED, by="inbox",
                                  note="the waiting run stopped"):
            await self._notifications.approval_closed(request.approval_id)

    def _answer(self, request: ApprovalRequest, row: PendingApproval) -> ApprovalDecision:
        if (row.server, row.digest) != (request.server, digest(request.command)):
            return _decision(request, ApprovalOutcome.DENIED, "inbox",
                             "the answer was for another server or command")
        return _decision(request, _OUTCOMES[row.status], row.decided_by or "inbox", row.note)

    # --- every channel ---

    async def pending(self) -> list[PendingApproval]:
        """Requests still waiting for an answer. Ones whose time is up, or whose waiting
        process on this machine has died, are closed on the way (expired / abandoned)."""
        waiting = []
        for row in await self._repo.pending():
            if await self._close_stale(row) is None:
                waiting.append(row)
        return waiting

    async def get(self, approval_id: str) -> PendingApproval | None:
        return await self._repo.get(approval_id)

    async def decide(self, approval_id: str, actor: Principal, approve: bool
                     ) -> PendingApproval:
        """Answer one request. Returns it as answered; raises :class:`ApprovalError`
        (and changes nothing) when the answer cannot take effect."""
        row = await self._repo.get(approval_id)
        if row is None:
            await self._refused(approval_id, None, actor, approve, "unknown")
            raise ApprovalError(approval_id, "unknown")
        if actor.role.value not in row.roles:
            await self._refused(approval_id, row, actor, approve, "forbidden")
            raise ApprovalError(approval_id, "forbidden", role=actor.role.value)
        stale = await self._close_stale(row) if row.status is ApprovalStatus.PENDING else None
        if stale is not None or row.status is not ApprovalStatus.PENDING:
            status = stale or row.status
            reason = _REFUSALS.get(status, "answered")
            await self._refused(approval_id, row, actor, approve, reason)
            raise ApprovalError(approval_id, reason, status=status.value)
        status = ApprovalStatus.APPROVED if approve else ApprovalStatus.DENIED
        if not await self._repo.close(row.id, status, by=str(actor.actor), unexpired=True,
                                      note=f"answered by {actor.actor} ({actor.role.value})"):
            again = await self._repo.get(row.id)
            now_status = again.status if again is not None else ApprovalStatus.EXPIRED
            if now_status is ApprovalStatus.PENDING:  # its time ran out just now
                await self._repo.close(row.id, ApprovalStatus.EXPIRED, by="inbox",
                                       note="no answer in time: denied")
                now_status = ApprovalStatus.EXPIRED
            reason = "expired" if now_status is ApprovalStatus.EXPIRED else "answered"
            await self._refused(approval_id, row, actor, approve, reason)
            raise ApprovalError(approval_id, reason, status=now_status.value)
        metrics.APPROVALS.labels(decision=status.value).inc()
        await self._audit.record(_entry(row, actor, approve, status.value,
                                        f"approval {row.id}: {status.value}"))
        await self._notifications.approval_closed(row.id)
        answered = await self._repo.get(row.id)
        return answered or replace(row, status=status)

    async def _close_stale(self, row: PendingApproval) -> ApprovalStatus | None:
        """Close a pending row nobody can use any more; the status it got (or None)."""
        if row.expires_at <= datetime.now(UTC):
            status, note = ApprovalStatus.EXPIRED, "no answer in time: denied"
        elif not waiter_alive(row.waiter):
            status, note = ApprovalStatus.ABANDONED, "the waiting process is gone"
        else:
            return None
        if await self._repo.close(row.id, status, by="inbox", note=note):
            await self._notifications.approval_closed(row.id)
            return status
        fresh = await self._repo.get(row.id)
        return fresh.status if fresh is not None else status

    async def _refused(self, approval_id: str, row: PendingApproval | None, actor: Principal,
                       approve: bool, reason: str) -> None:
        """An answer that did nothing is audited too (who tried, and why it was refused)."""
        detail = f"approval {approval_id}: answer refused ({reason})"
        await self._audit.record(_entry(row, actor, approve, "refused", detail))


def _entry(row: PendingApproval | None, actor: Principal, approve: bool, outcome: str,
           detail: str) -> AuditEntry:
    answer = "approve" if approve else "deny"
    return AuditEntry(
        at=datetime.now(UTC), actor=str(actor.actor), server=row.server if row else "",
        action="approval", command=row.command if row else "", decision=Decision.CONFIRM.value,
        outcome=outcome, detail=f"{detail}; answer={answer}; role={actor.role.value}",
        run_id=row.run_id if row else None)


def _decision(request: ApprovalRequest, outcome: ApprovalOutcome, who: str, note: str
              ) -> ApprovalDecision:
    return ApprovalDecision(outcome, who, request.server, request.command, note)


def waiter_id(pid: int) -> str:
    """``host:pid:start`` — the process start time tells a reused pid from the waiter."""
    return f"{socket.gethostname()}:{pid}:{_started(pid)}"


def waiter_alive(waiter: str) -> bool:
    """Is the waiting process still there? Only knowable on its own machine: a waiter on
    another host (a distributed worker) counts as alive until its request expires."""
    host, _, rest = waiter.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    return not started or _started(pid) == started


def _started(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""
