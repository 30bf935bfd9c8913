"""The JSON API's bodies (pydantic at the edge; they make the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from shturman.domain.approval import PendingApproval
from shturman.domain.models import AuditEntry, RunMode, Server
from shturman.domain.notifications import Notification
from shturman.domain.runs import RunEvent, RunRecord


class Health(BaseModel):
    status: str
    version: str


class Me(BaseModel):
    name: str
    role: str
    language: str
    via: str


class RunOut(BaseModel):
    id: str
    created_at: datetime
    actor: str
    request: str
    mode: str
    status: str
    servers: list[str]
    route: str
    summary: str
    verified: bool
    finished_at: datetime | None

    @classmethod
    def of(cls, r: RunRecord) -> RunOut:
        return cls(id=r.id, created_at=r.created_at, actor=r.actor, request=r.request,
                   mode=r.mode, status=r.status, servers=list(r.servers), route=r.route,
                   summary=r.summary, verified=r.verified, finished_at=r.finished_at)


class EventOut(BaseModel):
    """One stored event: its kind and the fields of that kind (docs/architecture.md)."""

    run_id: str
    seq: int
    at: datetime
    type: str
    data: dict[str, Any]

    @classmethod
    def of(cls, e: RunEvent) -> EventOut:
        return cls(run_id=e.run_id, seq=e.seq, at=e.at, type=e.type, data=dict(e.data))


class RunDetail(BaseModel):
    run: RunOut
    events: list[EventOut]


class RunIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    server: str | None = None
    mode: RunMode = RunMode.INTERACTIVE


class RunSubmitted(BaseModel):
    job_id: int
    run_id: str
    url: str  # the run's page; its events: /api/runs/{run_id}/events (SSE)


class ApprovalOut(BaseModel):
    id: str
    server: str
    command: str
    reasons: list[str]
    run_id: str | None
    expires_at: datetime
    status: str
    decided_by: str

    @classmethod
    def of(cls, a: PendingApproval) -> ApprovalOut:
        return cls(id=a.id, server=a.server, command=a.command, reasons=list(a.reasons),
                   run_id=a.run_id, expires_at=a.expires_at, status=a.status.value,
                   decided_by=a.decided_by)


class NotificationOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    action: str
    url: str  # where acting on it leads (POST /notifications/{id}/act redirects there)
    created_at: datetime | None
    read: bool

    @classmethod
    def of(cls, n: Notification, url: str) -> NotificationOut:
        return cls(id=n.id, kind=n.kind.value, title=n.title, body=n.body,
                   action=n.action.value, url=url, created_at=n.created_at, read=not n.unread)


class Unread(BaseModel):
    count: int


class Done(BaseModel):
    ok: bool


class ActOut(BaseModel):
    action: str
    url: str


class ServerOut(BaseModel):
    name: str
    address: str
    aliases: list[str]
    services: list[str]
    tags: list[str]
    profile: str

    @classmethod
    def of(cls, s: Server) -> ServerOut:
        return cls(name=s.name, address=s.address, aliases=list(s.aliases),
                   services=list(s.services), tags=list(s.tags), profile=s.profile.value)


class AuditOut(BaseModel):
    id: int | None
    at: datetime
    actor: str
    server: str
    action: str
    command: str
    decision: str
    exit_code: int | None
    duration: float | None
    outcome: str
    detail: str
    run_id: str | None

    @classmethod
    def of(cls, a: AuditEntry) -> AuditOut:
        return cls(id=a.id, at=a.at, actor=a.actor, server=a.server, action=a.action,
                   command=a.command, decision=a.decision, exit_code=a.exit_code,
                   duration=a.duration, outcome=a.outcome, detail=a.detail, run_id=a.run_id)


class Problem(BaseModel):
    """An error: a machine-readable reason and a sentence in the user's language."""

    error: str
    message: str
