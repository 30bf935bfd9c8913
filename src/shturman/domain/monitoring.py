"""Health checks as data: what is checked (Check), what one round found (CheckResult), where
each check stands (CheckStatus, with its CheckState) and what a result changed (Transition).

The state machine is :func:`advance`, a pure function: the stored status of a check and a new
result in, the next status and whether it is worth an alert out.

    ok ──fail──▶ failing (1 … N-1 consecutive failures) ──fail──▶ down (N)
     ▲              │ success                                      │ success
     │              ▼                                              ▼
     └──success── recovered ◀──────────────────────────────────────┘

A failure after ``recovered`` starts a new incident (``failing`` again, or ``down`` at once when
N is 1). Alerts go out on transitions only: entering ``down``; ``recovered`` when the incident
was alerted; entering ``failing`` only when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any


class CheckState(StrEnum):
    OK = "ok"
    FAILING = "failing"
    DOWN = "down"
    RECOVERED = "recovered"

    @property
    def healthy(self) -> bool:
        return self in (CheckState.OK, CheckState.RECOVERED)


class CheckKind(StrEnum):
    REACHABILITY = "reachability"  # a trivial command through the normal executor path
    DISK = "disk"
    MEMORY = "memory"
    LOAD = "load"
    FAILED_UNITS = "failed_units"
    SERVICE = "service"  # one listed service is active
    HTTP = "http"  # an URL answers with the expected status (from the Shturman host)


class Autofix(StrEnum):
    """What a check going ``down`` may start on its own (per server)."""

    OFF = "off"  # only the alert
    SAFE = "safe"  # a repair run for a listed service that is down (autonomous mode)
    ALL = "all"  # also for units the service manager reports failed (autonomous mode)


@dataclass(frozen=True, slots=True)
class Check:
    """One check of one server. ``target``: the service name or the URL of the kinds that
    have one."""

    server: str
    kind: CheckKind
    target: str = ""

    @property
    def name(self) -> str:
        return f"{self.kind.value}:{self.target}" if self.target else self.kind.value


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What one run of a check found. ``value``: the measured number when there is one
    (percent used, load per core, HTTP status), for the time series."""

    server: str
    check: str
    ok: bool
    detail: str
    at: datetime
    value: float | None = None
    duration: float = 0.0


@dataclass(frozen=True, slots=True)
class CheckStatus:
    """Where a check stands, as stored. ``since``: when it entered ``state``; ``failures``:
    consecutive failures; ``incident``: numbers the failure episodes of this check;
    ``worst``: the worst state this incident reached; ``alerted``: an alert of this incident
    went out; ``run_id``: the diagnosis run started for this incident, if any."""

    server: str
    check: str
    state: CheckState
    since: datetime
    failures: int = 0
    incident: int = 0
    worst: CheckState = CheckState.OK
    alerted: bool = False
    detail: str = ""
    updated_at: datetime | None = None
    run_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The `shturman health --json` row (DESIGN.md §5: exactly these keys)."""
        return {"server": self.server, "check": self.check, "state": self.state.value,
                "since": self.since.isoformat(), "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Transition:
    """What one result did to a check. ``alert``: the state this transition announces
    (``down``, ``recovered`` or ``failing``), or None."""

    before: CheckState | None
    status: CheckStatus
    alert: CheckState | None = None

    @property
    def changed(self) -> bool:
        return self.before is not self.status.state

    @property
    def new_incident_down(self) -> bool:
        """This result took the check down: the moment a diagnosis may start."""
        return self.alert is CheckState.DOWN


def advance(previous: CheckStatus | None, result: CheckResult, *, down_after: int = 3,
            alert_failing: bool = False) -> Transition:
    """The next status of a check after ``result`` (pure; ``down_after`` ≥ 1)."""
    before = previous.state if previous is not None else None
    base = previous if previous is not None else CheckStatus(
        result.server, result.check, CheckState.OK, result.at)
    troubled = before in (CheckState.FAILING, CheckState.DOWN)
    if result.ok:
        state = CheckState.RECOVERED if troubled else CheckState.OK
        status = _moved(base, result, state, failures=0)
        announce = state is CheckState.RECOVERED and base.alerted
        return Transition(before, status, CheckState.RECOVERED if announce else None)
    failures = base.failures + 1 if troubled else 1
    state = CheckState.DOWN if failures >= max(1, down_after) else CheckState.FAILING
    status = _moved(base, result, state, failures=failures)
    if not troubled:  # a new incident: its own number, alert and diagnosis run
        status = replace(status, incident=base.incident + 1, worst=state, alerted=False,
                         run_id=None)
    elif state is CheckState.DOWN:
        status = replace(status, worst=CheckState.DOWN)
    alert: CheckState | None = None
    if state is CheckState.DOWN and before is not CheckState.DOWN:
        alert = CheckState.DOWN
    elif state is CheckState.FAILING and not troubled and alert_failing:
        alert = CheckState.FAILING
    if alert is not None:
        status = replace(status, alerted=True)
    return Transition(before, status, alert)


def _moved(base: CheckStatus, result: CheckResult, state: CheckState, *,
           failures: int) -> CheckStatus:
    """``base`` moved to ``state`` by ``result``: ``since`` kept while the state stays."""
    stays = state is base.state and base.updated_at is not None
    return replace(base, state=state, since=base.since if stays else result.at,
                   failures=failures, detail=result.detail, updated_at=result.at)
