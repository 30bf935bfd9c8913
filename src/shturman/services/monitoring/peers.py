"""The peer watchdog: this instance watches other Shturman instances (``monitoring.peers``)
and brings a stuck one back (docs/monitoring.md, "Peers and cross-reboot").

One ``peer_check`` job per peer calls its ``GET /agent/health`` (with the peer's API token);
when that fails, SSH to the peer's server is tried too (``true`` through the GuardedExecutor,
read-only). The result is stored and moved through the same state machine as every other
check (``agent:PEER`` on the peer's server; alerts on transitions only). After
``failures_before_action`` consecutive failures the watchdog acts:

- SSH works → a run that restarts the peer's service there (``restart SERVICE on SERVER``),
  through the policy: its ``confirm`` waits for an approval unless the peer says
  ``restart_requires_confirmation: false`` (then the run is autonomous);
- SSH is down too → a ``peer_action`` job power-cycles the server through its provider
  (services/monitoring/power.py), after an approval unless ``reboot_requires_confirmation:
  false``.

The storm guard (cool-down after each action, at most N power-cycles per hour, one in flight)
is decided by the store (store/repositories/peers.py) in the transaction that records the
action; an action held back is recorded, audited and announced once per streak. Every action
is audited and announced (a notification of kind ``alert`` for every user).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from shturman.domain.approval import ApprovalDecision, ApprovalOutcome, ApprovalRequest
from shturman.domain.errors import ShturmanError
from shturman.domain.jobs import JobPayload, JobSpec, Priority
from shturman.domain.models import Actor, AuditEntry, Decision, RunMode
from shturman.domain.monitoring import CheckResult, CheckStatus, Transition, advance
from shturman.domain.notifications import NotificationAction, NotificationKind
from shturman.domain.peers import (
    Claim,
    HoldReason,
    Limits,
    PeerAction,
    PeerActionKind,
    PeerActionStatus,
)
from shturman.domain.texts import say
from shturman.domain.verdict import Reason, Verdict
from shturman.hosts.guarded import Approver, GuardedExecutor
from shturman.jobs import HandlerRegistry, JobContext, Schedule
from shturman.observability.logging import get_logger
from shturman.services.audit import AuditTrail
from shturman.services.inventory import Inventory
from shturman.services.monitoring.agent_api import restart_text
from shturman.services.monitoring.alerts import Alert, AlertSender
from shturman.services.monitoring.power import PowerPlan, PowerSwitch
from shturman.services.notifications import NotificationService
from shturman.services.users import UserService
from shturman.store.repositories.monitoring import MonitoringRepo
from shturman.store.repositories.peers import PeerRepo
from shturman.tools.base import ToolContext

if TYPE_CHECKING:
    from shturman.config import MonitoringSettings, PeerSettings
    from shturman.services.approvals import ApprovalService
    from shturman.services.jobs import JobService

log = get_logger("shturman.monitoring.peers")

PEER_CHECK_KIND = "peer_check"
PEER_ACTION_KIND = "peer_action"
AGENT_CHECK = "agent"  # the check's name on the peer's server: ``agent:PEER``

Tokens = Callable[["PeerSettings"], Awaitable[str | None]]


@dataclass(frozen=True, slots=True)
class PeerRound:
    """One ``peer_check``: what the agent and SSH answered, what it did to the check's
    state, and the action taken or held back (None: nothing to do)."""

    peer: str
    result: CheckResult
    ssh: bool | None  # None: not tried (the agent answered)
    transition: Transition
    claim: Claim | None = None

    @property
    def action(self) -> PeerAction | None:
        return self.claim.action if self.claim is not None else None

    def as_json(self) -> JobPayload:
        action = self.action
        return {"peer": self.peer, "ok": self.result.ok, "detail": self.result.detail,
                "ssh": self.ssh, "state": self.transition.status.state.value,
                "failures": self.transition.status.failures,
                "action": action.as_json() if action is not None else None,
                "held": action.reason if action is not None and action.held else None,
                "until": self.claim.until.isoformat()
                if self.claim is not None and self.claim.until else None}


class ConfiguredApproval:
    """The approver of a peer whose config says ``reboot_requires_confirmation: false``:
    the operator decided in the config (outside the agent's reach); blocks still block."""

    async def decide(self, request: ApprovalRequest) -> ApprovalDecision:
        return ApprovalDecision(ApprovalOutcome.APPROVED, "config:reboot_requires_confirmation",
                                request.server, request.command,
                                "confirmation switched off for this peer in the config")


class PeerWatch:
    def __init__(self, cfg: MonitoringSettings, inventory: Inventory, checks: MonitoringRepo,
                 repo: PeerRepo, guarded: GuardedExecutor, switch: PowerSwitch,
                 alerts: AlertSender, notifications: NotificationService, users: UserService,
                 audit: AuditTrail, approvals: Callable[[], ApprovalService],
                 jobs: Callable[[], JobService], tokens: Tokens, *, instance: str,
                 approval_timeout: float = 300.0, language: str = "ru") -> None:
        self._cfg = cfg
        self._inventory = inventory
        self._checks = checks
        self._repo = repo
        self._guarded = guarded
        self._switch = switch
        self._alerts = alerts
        self._notifications = notifications
        self._users = users
        self._audit = audit
        self._approvals = approvals
        self._jobs = jobs
        self._tokens = tokens
        self._instance = instance
        self._approval_timeout = approval_timeout
        self._lang = language

    @property
    def peers(self) -> list[PeerSettings]:
        return list(self._cfg.peers)

    def peer(self, name: str) -> PeerSettings:
        for peer in self._cfg.peers:
            if peer.name == name:
                return peer
        raise KeyError(name)

    @property
    def limits(self) -> Limits:
        wd = self._cfg.watchdog
        return Limits(wd.cooldown_seconds, wd.max_reboots_per_hour, wd.action_timeout)

    async def actions(self, peer: str | None = None, limit: int = 50) -> list[PeerAction]:
        return await self._repo.recent(peer, limit=limit)

    # --- one check ------------------------------------------------------------------------

    async def check_peer(self, name: str) -> PeerRound:
        """Check one peer now: its agent, else SSH to its server; store the result, move
        the state, alert on transitions, act (or hold back) after enough failures."""
        peer = self.peer(name)
        server = (await self._inventory.get(peer.server)).name
        started = time.monotonic()
        ok, detail = await self._agent(peer)
        ssh: bool | None = None
        if not ok:
            ssh, why = await self._ssh(server)
            detail = f"{detail}; ssh {server}: {why}"
        result = CheckResult(server, f"{AGENT_CHECK}:{peer.name}", ok, detail[:1000],
                             datetime.now(UTC), None, round(time.monotonic() - started, 4))
        [transition] = await self._checks.record([result], self._decide)
        if transition.alert is not None:
            await self._alerts.send(Alert(transition))
        claim = None
        if not ok and transition.status.failures >= self._cfg.watchdog.failures_before_action:
            claim = await self._act(peer, server, bool(ssh), transition.status)
        return PeerRound(peer.name, result, ssh, transition, claim)

    def _decide(self, stored: CheckStatus | None, result: CheckResult) -> Transition:
        return advance(stored, result, down_after=self._cfg.watchdog.failures_before_action,
                       alert_failing=self._cfg.alert_on_failing)

    async def _agent(self, peer: PeerSettings) -> tuple[bool, str]:
        import httpx

        token = await self._tokens(peer)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = peer.url.rstrip("/") + "/agent/health"
        try:
            async with httpx.AsyncClient(timeout=peer.timeout, follow_redirects=False) as web:
                response = await web.get(url, headers=headers)
        except httpx.HTTPError as exc:
            return False, f"agent {url}: {type(exc).__name__}"
        if response.status_code != 200:
            return False, f"agent {url}: HTTP {response.status_code}"
        try:
            body = response.json()
        except ValueError:
            return False, f"agent {url}: not JSON"
        said = body.get("status") if isinstance(body, dict) else None
        if said != "ok" or not isinstance(body, dict):
            return False, f"agent {url}: status {said!r}"
        return True, (f"agent {body.get('instance') or peer.name} "
                      f"{body.get('version') or ''} answers".replace("  ", " "))

    async def _ssh(self, server: str) -> tuple[bool, str]:
        target = await self._inventory.get(server)
        ctx = ToolContext(self._guarded, {target.name: target}, self._actor("checks"),
                          mode=RunMode.READONLY, command_timeout=20.0, lang="en")
        record = await ctx.sh(target.name, "true")
        if record.outcome == "ok":
            return True, "answers"
        text = record.error or record.stderr.strip() or f"exit {record.exit_code}"
        return False, f"{record.outcome}: {text.splitlines()[-1] if text.strip() else text}"[:300]

    # --- acting ---------------------------------------------------------------------------

    async def _act(self, peer: PeerSettings, server: str, ssh: bool,
                   status: CheckStatus) -> Claim:
        actor = self._actor(peer.name)
        if not ssh and peer.power is None:
            claim = await self._repo.hold(peer.name, server, PeerActionKind.POWER,
                                          HoldReason.NO_PROVIDER, status.detail)
            await self._held(peer, claim)
            return claim
        kind = PeerActionKind.RESTART if ssh else PeerActionKind.POWER
        plan = None if ssh else await self._switch.plan(peer)
        claim = await self._repo.claim(
            peer.name, server, kind, self.limits, actor=str(actor),
            provider=plan.kind if plan is not None else "",
            detail=plan.command if plan is not None else restart_text(
                peer.service, server))
        if not claim.granted:
            await self._held(peer, claim)
            return claim
        if plan is None:
            return Claim(await self._restart(peer, server, claim.action, status), True)
        return Claim(await self._request_power(peer, server, plan, claim.action, status), True)

    async def _restart(self, peer: PeerSettings, server: str, action: PeerAction,
                       status: CheckStatus) -> PeerAction:
        text = restart_text(peer.service, server)
        mode = RunMode.INTERACTIVE if peer.restart_requires_confirmation else RunMode.AUTONOMOUS
        try:
            job = await self._jobs().submit_run(text, self._actor(peer.name), server=server,
                                                mode=mode, priority=Priority.HIGH)
        except ShturmanError as exc:
            failed = await self._repo.update(action.id, status=PeerActionStatus.FAILED,
                                             detail=f"{text}: {exc}", finished=True)
            await self._record(peer, server, "peer_restart", text, "failed", str(exc))
            return failed or action
        updated = await self._repo.update(action.id, job_id=job.id, run_id=job.run_id)
        await self._record(peer, server, "peer_restart", text, "requested",
                           f"run {job.run_id} ({mode.value}): {status.detail}")
        await self._announce("peer.restart.title", "peer.restart.body",
                             NotificationAction.SHOW_RUN if job.run_id else NotificationAction.NONE,
                             {"peer": peer.name, "server": server, "run_id": job.run_id},
                             peer=peer.name, server=server, service=peer.service,
                             run=job.run_id or job.id, detail=status.detail)
        log.info("peers.restart_requested", peer=peer.name, server=server, run=job.run_id)
        return updated or action

    async def _request_power(self, peer: PeerSettings, server: str, plan: PowerPlan,
                             action: PeerAction, status: CheckStatus) -> PeerAction:
        job = await self._jobs().submit(
            PEER_ACTION_KIND, {"action_id": action.id}, priority=Priority.HIGH, server=server,
            timeout=self._cfg.watchdog.action_timeout, max_attempts=1,
            actor=self._actor(peer.name))
        updated = await self._repo.update(action.id, job_id=job.id)
        await self._record(peer, server, "peer_power", plan.command, "requested",
                           f"{plan.kind} on {plan.server}; job {job.id}: {status.detail}")
        confirm = "peer.power.confirm" if peer.reboot_requires_confirmation \
            else "peer.power.no_confirm"
        await self._announce("peer.power.title", "peer.power.body", NotificationAction.NONE,
                             {"peer": peer.name, "server": server, "action_id": action.id},
                             peer=peer.name, server=server, provider=plan.kind,
                             command=plan.command, detail=status.detail, confirm_key=confirm)
        log.info("peers.power_requested", peer=peer.name, server=server, provider=plan.kind,
                 job=job.id)
        return updated or action

    async def power_cycle(self, action_id: int, ctx: JobContext | None = None) -> JobPayload:
        """The ``peer_action`` job: ask (unless the config says not to), then power-cycle
        through the provider; the outcome is stored, audited and announced."""
        action = await self._repo.get(action_id)
        if action is None or action.status is not PeerActionStatus.REQUESTED:
            return {"action_id": action_id, "skipped": "not waiting (answered already?)"}
        peer = self.peer(action.peer)
        plan = await self._switch.plan(peer)
        actor = self._actor(peer.name)
        approver: Approver = (self._approvals().approver(self._approval_timeout)
                              if peer.reboot_requires_confirmation else ConfiguredApproval())
        if plan.kind != "ssh":  # ssh is approved inside the GuardedExecutor
            request = ApprovalRequest(action.server, plan.command, _verdict(peer, plan),
                                      str(actor))
            await self._repo.update(action.id, approval_id=request.approval_id)
            decision = await approver.decide(request)
            if not (decision.approved and decision.matches(request)):
                return await self._finish(peer, action, plan, PeerActionStatus.DENIED,
                                          f"not approved ({decision.outcome.value}: "
                                          f"{decision.approver})")
            await self._repo.update(action.id, status=PeerActionStatus.APPROVED)
        if ctx is not None:
            await ctx.acted("power action started")  # never again on a crash
        outcome = await self._switch.run(peer, plan, actor=actor, approver=approver,
                                         instance=self._instance)
        final = (PeerActionStatus.DENIED if outcome.refused else
                 PeerActionStatus.DONE if outcome.ok else PeerActionStatus.FAILED)
        return await self._finish(peer, action, plan, final, outcome.detail)

    async def _finish(self, peer: PeerSettings, action: PeerAction, plan: PowerPlan,
                      status: PeerActionStatus, detail: str) -> JobPayload:
        await self._repo.update(action.id, status=status, detail=f"{plan.command}: {detail}",
                                finished=True)
        await self._record(peer, action.server, "peer_power", plan.command, status.value,
                           detail)
        key = {PeerActionStatus.DONE: "peer.power.done",
               PeerActionStatus.DENIED: "peer.power.denied"}.get(status, "peer.power.failed")
        await self._announce(key, None, NotificationAction.NONE,
                             {"peer": peer.name, "server": action.server,
                              "action_id": action.id, "status": status.value},
                             body=detail, peer=peer.name, server=action.server,
                             provider=plan.kind)
        log.info("peers.power_finished", peer=peer.name, status=status.value)
        return {"action_id": action.id, "peer": peer.name, "status": status.value,
                "detail": detail}

    async def _held(self, peer: PeerSettings, claim: Claim) -> None:
        held = claim.action
        until = claim.until.strftime("%Y-%m-%d %H:%M:%S UTC") if claim.until else "-"
        log.info("peers.action_held", peer=peer.name, reason=held.reason, until=until)
        if not claim.new:
            return
        await self._record(peer, held.server, "peer_held", held.action.value, held.reason,
                           f"{held.action.value} held: {held.reason} until {until}")
        await self._announce("peer.held.title", f"peer.held.{held.reason}",
                             NotificationAction.NONE,
                             {"peer": peer.name, "server": held.server,
                              "reason": held.reason, "action_id": held.id},
                             peer=peer.name, server=held.server, until=until,
                             limit=self._cfg.watchdog.max_reboots_per_hour)

    # --- telling ----------------------------------------------------------------------------

    async def _announce(self, title: str, body_key: str | None, action: NotificationAction,
                        data: dict[str, object], **values: object) -> None:
        """A notification of kind ``alert`` for every user (each in their language)."""
        recipients: list[tuple[str | None, str]] = [
            (u.name, u.language) for u in await self._users.all()]
        for user, lang in recipients or [(None, self._lang)]:
            shown = dict(values)
            if "confirm_key" in shown:
                shown["confirm"] = say(str(shown.pop("confirm_key")), lang)
            text = say(body_key, lang, **shown) if body_key else str(shown.get("body", ""))
            await self._notifications.notify(NotificationKind.ALERT, user,
                                             say(title, lang, **shown), text, action,
                                             dict(data))

    async def _record(self, peer: PeerSettings, server: str, what: str, command: str,
                      outcome: str, detail: str) -> None:
        await self._audit.record(AuditEntry(datetime.now(UTC), str(self._actor(peer.name)),
                                            server, what, command=command, outcome=outcome,
                                            detail=detail[:2000]))

    @staticmethod
    def _actor(peer: str) -> Actor:
        return Actor("watchdog", peer)


def _verdict(peer: PeerSettings, plan: PowerPlan) -> Verdict:
    """Why a person must answer a power action that does not pass through a server's
    executor (``command`` runs on the Shturman host, ``webhook`` is a POST)."""
    where = "on the Shturman host" if plan.kind == "command" else "to the power webhook"
    reason = Reason("watchdog.power", Decision.CONFIRM,
                    f"power-cycle {peer.server} (peer {peer.name}) via {plan.kind} {where}",
                    f"перезагрузка {peer.server} (пир {peer.name}) через {plan.kind}",
                    plan.command)
    return Verdict(Decision.CONFIRM, (reason,), (plan.command,), plan.command)


def peer_schedules(cfg: MonitoringSettings) -> list[Schedule]:
    """One ``peer_check`` schedule per peer (``peer_check:NAME``), every
    ``watchdog.interval`` seconds (the scheduler skips a tick whose check still runs)."""
    if not cfg.watchdog.enabled:
        return []
    return [Schedule(f"{PEER_CHECK_KIND}:{p.name}", JobSpec(
        kind=PEER_CHECK_KIND, payload={"peer": p.name}, priority=int(Priority.HIGH),
        server=p.server, timeout=cfg.check_timeout, actor="watchdog"),
        every=cfg.watchdog.interval) for p in cfg.peers]


def register(registry: HandlerRegistry, watch: Callable[[], PeerWatch]) -> None:
    """``peer_check`` (payload ``{"peer": NAME}``: reads only, its actions are guarded by the
    store) and ``peer_action`` (``{"action_id": N}``: one power action, never retried)."""
    from shturman.domain.errors import UnknownServerError

    async def check(payload: JobPayload, ctx: JobContext) -> JobPayload:
        name = str(payload["peer"])
        try:
            done = await watch().check_peer(name)
        except KeyError:
            return {"peer": name, "skipped": "unknown peer (removed from the config?)"}
        except UnknownServerError as exc:
            return {"peer": name, "skipped": f"unknown server {exc.name}"}
        return done.as_json()

    async def act(payload: JobPayload, ctx: JobContext) -> JobPayload:
        return await watch().power_cycle(int(payload["action_id"]), ctx)

    registry.register(PEER_CHECK_KIND, check)
    registry.register(PEER_ACTION_KIND, act)


__all__ = ["PEER_ACTION_KIND", "PEER_CHECK_KIND", "PeerRound", "PeerWatch",
           "peer_schedules", "register"]
