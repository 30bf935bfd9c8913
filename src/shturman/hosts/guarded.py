"""GuardedExecutor: the ONE enforcement point. policy → approval → run → redact → audit.

Nothing reaches a server except through :meth:`GuardedExecutor.run`. The command that was judged
is byte-for-byte the command that runs. Decisions are final per call: ``block`` never runs in any
mode; ``confirm`` runs only with an approval bound to this exact server and command (or a mode that
pre-approves the tier: autonomous mode pre-approves only a verdict that is
``preapprovable`` — every confirm reason a known, bounded change; the rest go to the approver);
with no approver it is denied (fail closed).

:class:`InboxApprover` is the approver for every channel that is not this terminal: it stores
the request in an :class:`ApprovalInbox` (the store, behind a protocol: hosts never imports it)
and waits until any process answers through ``ApprovalService.decide``; no answer in time is a
denial. The mode rules above stay here, in one place, whichever approver is used.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol, cast

from shturman.domain.approval import (
    ApprovalDecision,
    ApprovalOutcome,
    ApprovalRequest,
)
from shturman.domain.errors import HostError, ShturmanError
from shturman.domain.events import (
    ApprovalDecided,
    ApprovalRequested,
    CommandStarted,
    Event,
    EventSink,
    PolicyDecided,
)
from shturman.domain.models import (
    AccessProfile,
    Actor,
    AuditEntry,
    CommandOutcome,
    CommandResult,
    Decision,
    Output,
    RunMode,
    Server,
)
from shturman.domain.verdict import Reason, Verdict
from shturman.hosts.executor import Executor
from shturman.observability import metrics


class CommandPolicy(Protocol):
    def check(self, command: str, server: Server | None = None) -> Verdict: ...


class PeerPolicy(CommandPolicy, Protocol):
    """A policy told which hosts are registered servers (an ssh/scp/rsync to another host
    needs confirmation): ``shturman.policy.Policy``."""

    def check(self, command: str, server: Server | None = None,
              peers: frozenset[str] | None = None) -> Verdict: ...


class Peers(Protocol):
    """The registered servers (the inventory), whose names, aliases and addresses are the
    hosts a command may reach over ssh without a person deciding."""

    async def all(self) -> Sequence[Server]: ...


# a command line naming none of these connects to no other host: the inventory is not read
_REMOTE_CLIENTS = ("ssh", "scp", "sftp", "rsync", "mosh", "slogin")


class Approver(Protocol):
    async def decide(self, request: ApprovalRequest) -> ApprovalDecision: ...


class ApprovalInbox(Protocol):
    """Where a request waits for an answer from any process or channel."""

    async def submit(self, request: ApprovalRequest, expires_at: datetime) -> None: ...

    async def wait(self, request: ApprovalRequest, expires_at: datetime
                   ) -> ApprovalDecision | None:
        """The answer once given; None when none came before ``expires_at`` (the request is
        then closed as expired, atomically, so a late answer does nothing)."""
        ...

    async def withdraw(self, request: ApprovalRequest) -> None:
        """The waiting side stopped before an answer: close the request (nobody will run it)."""
        ...


class InboxApprover:
    """Stores the request, waits for an answer from any process; silence until the timeout
    denies (``timed_out``). A stopped wait (Ctrl-C, SIGTERM) withdraws the request."""

    def __init__(self, inbox: ApprovalInbox, timeout: float) -> None:
        self._inbox = inbox
        self._timeout = timeout

    async def decide(self, request: ApprovalRequest) -> ApprovalDecision:
        expires_at = datetime.now(UTC) + timedelta(seconds=self._timeout)
        try:  # a stop while storing withdraws too (whatever got stored is closed)
            await self._inbox.submit(request, expires_at)
            decision = await self._inbox.wait(request, expires_at)
        except (asyncio.CancelledError, KeyboardInterrupt):
            await asyncio.shield(self._inbox.withdraw(request))
            raise
        if decision is None:
            return ApprovalDecision(ApprovalOutcome.TIMED_OUT, "inbox", request.server,
                                    request.command, "no answer in time: denied")
        return decision


class AuditSink(Protocol):
    async def record(self, entry: AuditEntry, stdout: str = "", stderr: str = "",
                     stdout_bytes: int = 0, stderr_bytes: int = 0) -> int: ...

    async def begin(self, entry: AuditEntry) -> int: ...

    def complete(self, audit_id: int, *, exit_code: int | None, duration: float,
                 outcome: str, detail: str, stdout: str, stderr: str, stdout_bytes: int,
                 stderr_bytes: int) -> None: ...


# Where what happens below a command — a host key pinned on first contact — is told: the
# events of the run (or exec) that is running the command, set for the duration of the call.
# Each asyncio task has its own, so concurrent runs in one daemon never see each other's.
_LISTENER: ContextVar[EventSink | None] = ContextVar("shturman_event_listener", default=None)


async def announce(event: Event) -> None:
    """Tell the current run (if any) about something that happened under its command."""
    sink = _LISTENER.get()
    if sink is not None:
        await sink(event)


@contextlib.contextmanager
def listening(sink: EventSink) -> Iterator[None]:
    """Send :func:`announce`d events to ``sink`` inside the block."""
    token = _LISTENER.set(sink)
    try:
        yield
    finally:
        _LISTENER.reset(token)


@dataclass(frozen=True, slots=True)
class GuardedResult:
    """What the caller learns: the verdict, the approval (if any) and the redacted result."""

    verdict: Verdict
    result: CommandResult
    approval: ApprovalDecision | None = None


class Snapshots(Protocol):
    """Saves files as they are before a command changes them (the config backups to git).
    Returns the commit that holds them; raises when they could not be saved."""

    async def snapshot(self, server: str, paths: Sequence[str], reason: str, *,
                       actor: Actor) -> str: ...


class GuardedExecutor:
    def __init__(
        self,
        executor: Executor,
        policy: CommandPolicy,
        audit: AuditSink,
        *,
        redact: Callable[[str], str] = lambda s: s,
        default_timeout: float = 120.0,
        snapshots: Snapshots | None = None,
        peers: Peers | None = None,
    ) -> None:
        self._executor = executor
        self._policy = policy
        self._audit = audit
        self._redact = redact
        self._timeout = default_timeout
        self.snapshots = snapshots  # set by the composition root once backups exist
        # the inventory: its hosts reach the policy, so `ssh HOST …` to a host that is not
        # a registered server needs confirmation (without it, every such host does)
        self.peers = peers
        self._known: frozenset[str] = frozenset()  # as last read by run(); judge() uses it

    async def known_hosts(self, command: str) -> frozenset[str]:
        """The registered servers' names, aliases and addresses, read afresh from ``peers``
        when the command could connect to another host. No inventory (or one that cannot be
        read): the empty set, so every host is unknown — stricter, never looser."""
        if not any(c in command for c in _REMOTE_CLIENTS):
            return self._known
        if self.peers is None:
            return frozenset()
        from shturman.policy.peers import known_names

        try:
            servers = await self.peers.all()
        except Exception:
            self._known = frozenset()
            return self._known
        self._known = known_names(n for s in servers for n in (s.name, s.host, *s.aliases))
        return self._known

    def judge(self, server: Server, command: str,
              peers: frozenset[str] | None = None) -> Verdict:
        """The policy verdict for this server, with the server's access profile applied.
        ``peers`` defaults to the registered hosts as last read by :meth:`run` (none before
        the first read: every host an ssh/scp/rsync reaches is then unknown)."""
        known = peers if peers is not None else self._known
        try:
            if any(c in command for c in _REMOTE_CLIENTS):
                verdict = cast("PeerPolicy", self._policy).check(command, server, peers=known)
            else:
                verdict = self._policy.check(command, server)
        except Exception as exc:  # fail closed: refused, and audited by run()
            reason = Reason("policy.error", Decision.BLOCK,
                            f"the policy could not judge this command ({type(exc).__name__})",
                            f"политика не смогла проверить команду ({type(exc).__name__})",
                            command)
            return Verdict(Decision.BLOCK, (reason,), (), command)
        if server.profile is AccessProfile.READONLY and verdict.decision is Decision.CONFIRM:
            reason = Reason("server.readonly", Decision.BLOCK,
                            f"server {server.name} is read-only",
                            f"сервер {server.name} только для чтения", command)
            verdict = Verdict(Decision.BLOCK, (*verdict.reasons, reason), verdict.commands,
                              verdict.command)
        return verdict

    async def run(
        self,
        server: Server,
        command: str,
        *,
        actor: Actor,
        mode: RunMode = RunMode.INTERACTIVE,
        approver: Approver | None = None,
        run_id: str | None = None,
        timeout: float | None = None,
        events: EventSink | None = None,
        diff: str = "",
        touches: Sequence[str] = (),
    ) -> GuardedResult:
        """``touches``: the files the command changes; once it may run they are snapshotted
        first (``snapshots``), and a snapshot that fails refuses the command — nothing is
        changed that could not be saved."""
        verdict = self.judge(server, command, await self.known_hosts(command))
        metrics.POLICY_DECISIONS.labels(decision=verdict.decision.value).inc()
        await _emit(events, PolicyDecided(
            server=server.name, command=command, decision=verdict.decision.value,
            reasons=tuple(f"{r.rule_id}: {r.en}" for r in verdict.reasons),
            reasons_ru=tuple(f"{r.rule_id}: {r.ru}" for r in verdict.reasons),
            preapprovable=verdict.preapprovable))
        approval: ApprovalDecision | None = None
        refusal: tuple[CommandOutcome, str] | None = None
        if verdict.decision is Decision.BLOCK:
            refusal = (CommandOutcome.BLOCKED, "blocked by policy")
        elif verdict.decision is Decision.CONFIRM:
            request = ApprovalRequest(server.name, command, verdict, str(actor), run_id, diff)
            try:
                approval = await self._approve(request, mode, approver, events)
            except (asyncio.CancelledError, KeyboardInterrupt):
                # Ctrl-C / SIGTERM while a person was asked: not run, and said so in the audit
                stopped = _refused(server, command, CommandOutcome.DENIED,
                                   "interrupted while waiting for approval: not run")
                entry = self._entry(server, command, actor, run_id, verdict, None, stopped)
                await asyncio.shield(self._audit.record(replace(entry, outcome="interrupted")))
                raise
            if not (approval.approved and approval.matches(request)):
                refusal = (CommandOutcome.DENIED, f"not approved ({approval.outcome.value})")
        snapshot = ""
        if refusal is None and touches and self.snapshots is not None:
            try:
                snapshot = await self.snapshots.snapshot(
                    server.name, list(touches), f"before: {command.splitlines()[0][:120]}",
                    actor=actor)
            except (ShturmanError, OSError) as exc:
                refusal = (CommandOutcome.DENIED,
                           f"no snapshot of {', '.join(touches)} could be taken ({exc}): "
                           "not changed")
        if refusal is not None:
            result = _refused(server, command, *refusal)
            await self._record(server, command, actor, run_id, verdict, approval, result)
            return GuardedResult(verdict, result, approval)

        running = _refused(server, command, CommandOutcome.OK, "")
        note = f"snapshot {snapshot[:12]}" if snapshot else ""
        entry = self._entry(server, command, actor, run_id, verdict, approval, running, note)
        audit_id = await self._audit.begin(replace(entry, outcome="running", exit_code=None,
                                                   duration=None))
        await _emit(events, CommandStarted(server=server.name, command=command))
        try:
            with listening(events) if events is not None else contextlib.nullcontext():
                raw = await self._executor.run(server, command, timeout=timeout or self._timeout)
        except HostError as exc:
            self._complete(audit_id, server, command, actor, run_id, verdict, approval,
                           _refused(server, command, CommandOutcome.ERROR, exc.detail), note)
            raise
        except Exception as exc:  # e.g. a wrong vault key: the row ends, never stays `running`
            self._complete(audit_id, server, command, actor, run_id, verdict, approval,
                           _refused(server, command, CommandOutcome.ERROR,
                                    self._redact(str(exc))), note)
            raise
        except (asyncio.CancelledError, KeyboardInterrupt) as exc:
            # Ctrl-C / SIGTERM mid-command: the row ends `interrupted`, never stays `running`;
            # an executor that tried to stop the command says how that went (SshExecutor)
            said = exc.args[0] if isinstance(exc, asyncio.CancelledError) and exc.args else None
            detail = said if isinstance(said, str) and said.startswith("interrupted") else (
                "interrupted while running; remote outcome unknown")
            self._audit.complete(audit_id, exit_code=None, duration=0.0, outcome="interrupted",
                                 detail=detail,
                                 stdout="", stderr="", stdout_bytes=0, stderr_bytes=0)
            raise
        result = self._redacted(raw)
        metrics.count_command(result.outcome.value, result.duration)
        self._complete(audit_id, server, command, actor, run_id, verdict, approval, result, note)
        return GuardedResult(verdict, result, approval)

    async def _approve(self, request: ApprovalRequest, mode: RunMode, approver: Approver | None,
                       events: EventSink | None) -> ApprovalDecision:
        def decided(outcome: ApprovalOutcome, who: str, note: str) -> ApprovalDecision:
            return ApprovalDecision(outcome, who, request.server, request.command, note)

        verdict = request.verdict
        # why a person must answer: the confirm reasons autonomy may not pre-approve
        human = [f"{r.rule_id}: {r.en}" for r in verdict.human_reasons]
        if mode is RunMode.AUTONOMOUS and verdict.preapprovable:
            decision = decided(ApprovalOutcome.PRE_APPROVED, f"mode:{mode.value}",
                               "autonomous mode pre-approves known, bounded changes")
        elif mode in (RunMode.DRY_RUN, RunMode.READONLY):
            decision = decided(ApprovalOutcome.DENIED, f"mode:{mode.value}",
                               f"{mode.value} mode runs only read-only commands")
        elif approver is None:
            why = (f"autonomous mode pre-approves only known changes; a person is needed "
                   f"({'; '.join(human)}); " if mode is RunMode.AUTONOMOUS else "")
            decision = decided(ApprovalOutcome.UNAVAILABLE, "none",
                               f"{why}no approver available: denied (fail closed)")
        else:
            await _emit(events, ApprovalRequested(
                approval_id=request.approval_id, server=request.server,
                command=request.command,
                reasons=tuple(f"{r.rule_id}: {r.en}" for r in verdict.reasons),
                diff=request.diff, preapprovable=verdict.preapprovable,
                needs_human=tuple(human),
                needs_human_ru=tuple(f"{r.rule_id}: {r.ru}" for r in verdict.human_reasons)))
            decision = await approver.decide(request)
        await _emit(events, ApprovalDecided(
            approval_id=request.approval_id, server=request.server, command=request.command,
            outcome=decision.outcome.value, approver=decision.approver, note=decision.note))
        return decision

    def _redacted(self, result: CommandResult) -> CommandResult:
        def clean(o: Output) -> Output:
            return Output(self._redact(o.text), o.total_bytes, o.truncated, o.binary)

        return CommandResult(result.server, result.command, result.exit_code,
                             clean(result.stdout), clean(result.stderr), result.duration,
                             result.outcome, self._redact(result.error))

    def _complete(self, audit_id: int, server: Server, command: str, actor: Actor,
                  run_id: str | None, verdict: Verdict, approval: ApprovalDecision | None,
                  result: CommandResult, note: str = "") -> None:
        entry = self._entry(server, command, actor, run_id, verdict, approval, result, note)
        self._audit.complete(audit_id, exit_code=entry.exit_code,
                             duration=entry.duration or 0.0, outcome=entry.outcome,
                             detail=entry.detail, stdout=result.stdout.text,
                             stderr=result.stderr.text, stdout_bytes=result.stdout.total_bytes,
                             stderr_bytes=result.stderr.total_bytes)

    async def _record(self, server: Server, command: str, actor: Actor, run_id: str | None,
                      verdict: Verdict, approval: ApprovalDecision | None,
                      result: CommandResult) -> None:
        entry = self._entry(server, command, actor, run_id, verdict, approval, result)
        await self._audit.record(entry, result.stdout.text, result.stderr.text,
                                 result.stdout.total_bytes, result.stderr.total_bytes)

    def _entry(self, server: Server, command: str, actor: Actor, run_id: str | None,
               verdict: Verdict, approval: ApprovalDecision | None,
               result: CommandResult, note: str = "") -> AuditEntry:
        """``note``: what happened on the way (the snapshot taken before a change)."""
        detail = "; ".join(f"{r.rule_id}: {r.en}" for r in verdict.reasons)
        if approval is not None:
            detail = f"{detail}; approval={approval.outcome.value} by {approval.approver}"
            if approval.outcome is ApprovalOutcome.UNAVAILABLE:
                detail = f"{detail} ({approval.note})"
        if result.error:
            detail = f"{detail}; {result.error}"
        if note:
            detail = f"{detail}; {note}"
        return AuditEntry(
            at=datetime.now(UTC),
            actor=str(actor),
            server=server.name,
            action="command",
            command=self._redact(command),
            decision=verdict.decision.value,
            exit_code=result.exit_code,
            duration=round(result.duration, 6),
            outcome=result.outcome.value,
            detail=self._redact(detail.strip("; ")),
            run_id=run_id,
        )


def _refused(server: Server, command: str, outcome: CommandOutcome, why: str) -> CommandResult:
    empty = Output("", 0)
    return CommandResult(server.name, command, None, empty, empty, 0.0, outcome, why)


async def _emit(events: EventSink | None, event: Event) -> None:
    if events is not None:
        await events(event)
