"""The peer watchdog as data: what it did or held back about a peer (:class:`PeerAction`).

A peer is another Shturman instance this one watches (``monitoring.peers``). When its agent
endpoint fails ``failures_before_action`` times in a row the watchdog acts: its service is
restarted when SSH to its server works (``restart``), the server is power-cycled through the
configured provider when SSH does not answer either (``power``). An action it may not take now
is recorded ``held`` with the reason (a cool-down, the hourly cap, one still in flight, no
provider), once per streak of the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class PeerActionKind(StrEnum):
    RESTART = "restart"  # the agent's service, through a run (policy, approvals)
    POWER = "power"  # the peer's server, through its power provider


class PeerActionStatus(StrEnum):
    REQUESTED = "requested"  # submitted: a run (restart) or a power job waiting to act
    APPROVED = "approved"  # a person (or the config) said yes: the power action runs
    DENIED = "denied"  # nobody approved it (denied, expired) or the policy refused it
    DONE = "done"  # the provider did it
    FAILED = "failed"  # the provider tried and failed
    HELD = "held"  # not taken: ``reason`` says why


class HoldReason(StrEnum):
    IN_PROGRESS = "in_progress"  # a power action of this peer is still waiting or running
    COOLDOWN = "cooldown"  # the last action was less than ``cooldown_seconds`` ago
    HOURLY = "hourly"  # ``max_reboots_per_hour`` power-cycles in the last hour
    NO_PROVIDER = "no_provider"  # SSH is down too and no power provider is configured


IN_FLIGHT = (PeerActionStatus.REQUESTED, PeerActionStatus.APPROVED)


@dataclass(frozen=True, slots=True)
class PeerAction:
    id: int
    peer: str
    server: str
    action: PeerActionKind
    status: PeerActionStatus
    requested_at: datetime
    provider: str = ""
    reason: str = ""
    detail: str = ""
    actor: str = ""
    job_id: int | None = None
    run_id: str | None = None
    approval_id: str | None = None
    finished_at: datetime | None = None

    @property
    def held(self) -> bool:
        return self.status is PeerActionStatus.HELD

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "peer": self.peer, "server": self.server,
                "action": self.action.value, "status": self.status.value,
                "provider": self.provider, "reason": self.reason, "detail": self.detail,
                "job_id": self.job_id, "run_id": self.run_id, "approval_id": self.approval_id,
                "requested_at": self.requested_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None}


@dataclass(frozen=True, slots=True)
class Limits:
    """The storm guard: nothing for ``cooldown`` seconds after an action, at most
    ``per_hour`` power-cycles in any hour, a power action in flight for at most ``stale``
    seconds (then it no longer blocks: its job died)."""

    cooldown: float = 900.0
    per_hour: int = 2
    stale: float = 1200.0


@dataclass(frozen=True, slots=True)
class Claim:
    """What :meth:`PeerRepo.claim` decided: the action row (``requested``, or ``held`` with
    its reason); ``new``: a row was written now (a held row repeats only when the reason
    changes); ``until``: when a hold ends (None when it does not end on its own)."""

    action: PeerAction
    new: bool
    until: datetime | None = None

    @property
    def granted(self) -> bool:
        return not self.action.held
