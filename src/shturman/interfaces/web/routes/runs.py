"""Runs: the list, a run's page (its event timeline, live while it runs), the new-run form,
and the same as JSON under /api (events as server-sent events)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sse_starlette import EventSourceResponse

from shturman.domain.errors import UnknownRunError
from shturman.domain.models import RunMode, RunStatus
from shturman.domain.runs import RunEvent, RunRecord
from shturman.domain.users import Role
from shturman.interfaces.web import live
from shturman.interfaces.web.auth import Operator, Viewer
from shturman.interfaces.web.deps import Services, WebServices, WebUser
from shturman.interfaces.web.pages import pages
from shturman.interfaces.web.schemas import (
    EventOut,
    RunDetail,
    RunIn,
    RunOut,
    RunSubmitted,
)
from shturman.interfaces.web.timeline import view

page = APIRouter()
api = APIRouter(prefix="/api", tags=["runs"])

LIVE = (RunStatus.PENDING.value, RunStatus.RUNNING.value)
MODES = tuple(m.value for m in RunMode)


async def _run(svc: WebServices, run_id: str) -> tuple[RunRecord, list[RunEvent]]:
    record, events = await svc.runs.replay(run_id)
    if record is None:
        raise UnknownRunError(run_id)
    return record, events


async def _submit(svc: WebServices, me: WebUser, text: str, server: str | None,
                  mode: RunMode) -> RunSubmitted:
    job = await svc.jobs.submit_run(text.strip(), me.principal.actor, server=server or None,
                                    mode=mode, lang=me.user.language)
    assert job.run_id is not None  # reserved at submission (JobService knows the runs)
    return RunSubmitted(job_id=job.id, run_id=job.run_id, url=f"/runs/{job.run_id}")


def _status(svc: WebServices, run_id: str) -> Callable[[], Awaitable[str]]:
    async def now() -> str:
        record, _ = await svc.runs.replay(run_id)
        return record.status if record is not None else ""

    return now


# --- pages ---

@page.get("/runs", response_class=HTMLResponse, include_in_schema=False)
async def runs_page(request: Request, me: Viewer, svc: Services) -> Response:
    return await pages(request).page(request, "runs.html", me,
                                     runs=await svc.runs.history(100))


@page.get("/runs/new", response_class=HTMLResponse, include_in_schema=False)
async def new_run_page(request: Request, me: Viewer, svc: Services, text: str = "",
                       server: str = "", mode: str = RunMode.INTERACTIVE.value) -> Response:
    return await pages(request).page(
        request, "run_new.html", me, servers=await svc.inventory.all(), text=text,
        server=server, mode=mode if mode in MODES else RunMode.INTERACTIVE.value,
        modes=MODES, allowed=me.may(Role.OPERATOR), error="")


@page.post("/runs", include_in_schema=False)
async def start_run(request: Request, me: Operator, svc: Services,
                    text: Annotated[str, Form(min_length=1, max_length=4000)],
                    server: Annotated[str, Form(max_length=128)] = "",
                    mode: Annotated[RunMode, Form()] = RunMode.INTERACTIVE) -> Response:
    submitted = await _submit(svc, me, text, server, mode)
    return RedirectResponse(submitted.url, status_code=303)


@page.get("/runs/{run_id}", response_class=HTMLResponse, include_in_schema=False)
async def run_page(request: Request, me: Viewer, svc: Services, run_id: str) -> Response:
    record, events = await _run(svc, run_id)
    views = [view(e, me.lang) for e in events]
    live_now = record.status in LIVE
    last = events[-1].seq if events else -1
    commands = await svc.audit.recent(200, run_id=record.id)
    return await pages(request).page(
        request, "run.html", me, run=record, events=views, live=live_now, last=last,
        commands=[c for c in commands if c.action == "command"])


@page.get("/runs/{run_id}/events", include_in_schema=False)
async def run_page_events(request: Request, me: Viewer, svc: Services, run_id: str,
                          after: int | None = None) -> EventSourceResponse:
    """The run page's live timeline: each event as an HTML fragment."""
    record, _ = await _run(svc, run_id)
    lang, html = me.lang, pages(request)

    def render(event: RunEvent) -> str:
        return html.fragment("_event.html", lang, ev=view(event, lang))

    return live.run_stream(request, record.id, live.resume_after(request, after), render,
                           _status(svc, record.id))


# --- API ---

@api.get("/runs", response_model=list[RunOut], summary="Recent runs, newest first")
async def list_runs(me: Viewer, svc: Services,
                    limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[RunOut]:
    return [RunOut.of(r) for r in await svc.runs.history(limit)]


@api.post("/runs", response_model=RunSubmitted, status_code=202,
          summary="Start a run as a background job (operator)")
async def submit_run(body: RunIn, me: Operator, svc: Services) -> RunSubmitted:
    return await _submit(svc, me, body.text, body.server, body.mode)


@api.get("/runs/{run_id}", response_model=RunDetail, summary="A run and its events")
async def get_run(run_id: str, me: Viewer, svc: Services) -> RunDetail:
    record, events = await _run(svc, run_id)
    return RunDetail(run=RunOut.of(record), events=[EventOut.of(e) for e in events])


@api.get("/runs/{run_id}/events", summary="The run's events as server-sent events",
         description="Each event is an SSE message `run_event` whose id is its `seq` and "
         "whose data is the event as JSON; a reconnect with `Last-Event-ID` (or `?after=SEQ`) "
         "continues after it. The stream ends with an `end` event (data: the final status).",
         response_class=EventSourceResponse)
async def run_events(request: Request, run_id: str, me: Viewer, svc: Services,
                     after: int | None = None) -> EventSourceResponse:
    record, _ = await _run(svc, run_id)

    def render(event: RunEvent) -> str:
        return json.dumps(event.as_json(), ensure_ascii=False)

    return live.run_stream(request, record.id, live.resume_after(request, after), render,
                           _status(svc, record.id))
