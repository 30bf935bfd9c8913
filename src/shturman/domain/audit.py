"""Which audit rows to show: a filter every channel can build (all fields optional)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class AuditFilter:
    server: str | None = None
    actor: str | None = None  # a substring of the actor ("web:anna", "anna", "telegram:")
    decision: str | None = None  # allow | confirm | block
    outcome: str | None = None  # ok, failed, denied, blocked, approved, refused …
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    run_id: str | None = None
    limit: int = 100
