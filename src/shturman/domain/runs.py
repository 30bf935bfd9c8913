"""Runs, their events and the incidents they leave behind."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    RUN_STARTED = "run_started"
    PLAN = "plan"
    STEP_STARTED = "step_started"
    COMMAND_PROPOSED = "command_proposed"
    POLICY_DECISION = "policy_decision"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_DECIDED = "approval_decided"
    COMMAND_STARTED = "command_started"
    COMMAND_OUTPUT = "command_output"
    COMMAND_FINISHED = "command_finished"
    AUTOCORRECTION = "autocorrection"
    STEP_FINISHED = "step_finished"
    ESCALATED = "escalated"
    VERIFICATION = "verification"
    RUN_FINISHED = "run_finished"


@dataclass(frozen=True, slots=True)
class RunEvent:
    run_id: str
    seq: int
    at: datetime
    type: str
    data: dict[str, Any] = field(default_factory=dict)  # JSON-safe values only

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "type": self.type,
            **self.data,
        }


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: str
    created_at: datetime
    actor: str
    request: str
    mode: str
    status: str
    servers: tuple[str, ...] = ()
    route: str = ""
    summary: str = ""
    verified: bool = False
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Incident:
    run_id: str
    created_at: datetime
    server: str
    query: str
    intent: str
    commands: tuple[str, ...]
    outcome: str
    summary: str
    duration: float
