"""Background jobs as data: what was asked (JobSpec), what the queue holds (Job), and each
try (JobAttempt). The database row is the truth for a job's state, whichever backend runs it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

JobPayload = dict[str, Any]  # JSON object: what the handler of its kind needs


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # its deadline passed before it started
    INTERRUPTED = "interrupted"  # its process died (or stopped) after it may have run something

    @property
    def final(self) -> bool:
        return self not in (JobStatus.QUEUED, JobStatus.RUNNING)


class Priority(IntEnum):
    """Lower runs first."""

    HIGH = 1
    MEDIUM = 5
    LOW = 10


class AttemptOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETRY = "retry"  # an infrastructure failure before anything ran: tried again later
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    RESUMED = "resumed"  # its process died before the job had done anything: queued again


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A request to run ``kind`` with ``payload``. ``timeout``/``max_attempts`` None: the
    configured defaults. ``deadline``: not started by then → expired. ``server``: counted
    against that server's concurrency limit."""

    kind: str
    payload: JobPayload = field(default_factory=dict)
    priority: int = Priority.MEDIUM
    server: str | None = None
    deadline: datetime | None = None
    timeout: float | None = None
    max_attempts: int | None = None
    actor: str = "system"
    schedule: str | None = None
    run_id: str | None = None  # a run job's run, known (and followable) from submission


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    status: JobStatus
    priority: int
    payload: JobPayload
    created_at: datetime
    server: str | None = None
    actor: str = "system"
    schedule: str | None = None
    deadline: datetime | None = None
    timeout: float = 0.0
    attempts: int = 0
    max_attempts: int = 1
    not_before: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    owner: str | None = None
    heartbeat_at: datetime | None = None
    cancel_requested: bool = False
    run_id: str | None = None
    progress: JobPayload = field(default_factory=dict)
    result: JobPayload | None = None
    error: str = ""

    @property
    def may_have_acted(self) -> bool:
        """True once the handler said it is about to do something that must not repeat."""
        return bool(self.progress.get("acted"))

    def as_json(self) -> JobPayload:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "id": self.id, "kind": self.kind, "status": self.status.value,
            "priority": self.priority, "created_at": iso(self.created_at),
            "run_id": self.run_id, "server": self.server, "actor": self.actor,
            "schedule": self.schedule, "deadline": iso(self.deadline), "timeout": self.timeout,
            "attempts": self.attempts, "max_attempts": self.max_attempts,
            "started_at": iso(self.started_at), "finished_at": iso(self.finished_at),
            "owner": self.owner, "cancel_requested": self.cancel_requested,
            "progress": self.progress, "result": self.result, "error": self.error,
            "payload": self.payload,
        }


@dataclass(frozen=True, slots=True)
class JobAttempt:
    job_id: int
    number: int
    worker: str
    started_at: datetime
    finished_at: datetime | None = None
    outcome: AttemptOutcome | None = None
    error: str = ""

    def as_json(self) -> JobPayload:
        return {
            "number": self.number, "worker": self.worker,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "outcome": self.outcome.value if self.outcome else None, "error": self.error,
        }
