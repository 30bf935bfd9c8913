"""Runs, their events and the incidents they leave behind."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shturman.domain.events import Event, Unrecognised, parse


@dataclass(frozen=True, slots=True)
class RunEvent:
    run_id: str
    seq: int
    at: datetime
    type: str
    data: dict[str, Any] = field(default_factory=dict)  # JSON-safe values only

    @property
    def payload(self) -> Event | Unrecognised:
        """The event typed (match on its class)."""
        return parse(self.type, self.data)

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
