"""The audit log with filters (server, actor, decision, outcome, date range) and a command's
full stored output (redacted, capped)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from shturman.domain.audit import AuditFilter
from shturman.interfaces.web.auth import Viewer
from shturman.interfaces.web.deps import Services
from shturman.interfaces.web.pages import pages
from shturman.interfaces.web.schemas import AuditOut

page = APIRouter()
api = APIRouter(prefix="/api", tags=["audit"])
DECISIONS = ("allow", "confirm", "block")


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def audit_filter(server: Annotated[str, Query(max_length=128)] = "",
                 actor: Annotated[str, Query(max_length=255)] = "",
                 decision: Annotated[str, Query(max_length=16)] = "",
                 outcome: Annotated[str, Query(max_length=16)] = "",
                 since: Annotated[str, Query(description="YYYY-MM-DD, inclusive")] = "",
                 until: Annotated[str, Query(description="YYYY-MM-DD, inclusive")] = "",
                 run_id: Annotated[str, Query(max_length=36)] = "",
                 limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> AuditFilter:
    first, last = _day(since), _day(until)
    return AuditFilter(
        server=server or None, actor=actor or None,
        decision=decision if decision in DECISIONS else None, outcome=outcome or None,
        since=datetime.combine(first, time(), UTC) if first else None,
        until=datetime.combine(last + timedelta(days=1), time(), UTC) if last else None,
        run_id=run_id or None, limit=limit)


Filter = Annotated[AuditFilter, Depends(audit_filter)]


@page.get("/audit", response_class=HTMLResponse, include_in_schema=False)
async def audit_page(request: Request, me: Viewer, svc: Services, f: Filter) -> Response:
    q = request.query_params
    return await pages(request).page(
        request, "audit.html", me, rows=await svc.audit.search(f),
        servers=[s.name for s in await svc.inventory.all()], decisions=DECISIONS,
        q={k: q.get(k, "") for k in ("server", "actor", "decision", "outcome", "since",
                                     "until", "run_id")})


@page.get("/audit/{audit_id}/output", response_class=HTMLResponse, include_in_schema=False)
async def output_page(request: Request, me: Viewer, svc: Services, audit_id: int) -> Response:
    stored = await svc.audit.output(audit_id)  # None: the command printed nothing
    return await pages(request).page(request, "output.html", me, audit_id=audit_id,
                                     out=stored)


@api.get("/audit", response_model=list[AuditOut], summary="Audit rows, newest first")
async def list_audit(me: Viewer, svc: Services, f: Filter) -> list[AuditOut]:
    return [AuditOut.of(a) for a in await svc.audit.search(f)]
