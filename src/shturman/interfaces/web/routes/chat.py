"""The chat: the user's conversation with the agent (history kept per user).

A message starts a run (a background job, the user as the actor); the run's events appear
under it — live over server-sent events while it runs (``/chat/runs/{id}/events``: each event
as an HTML fragment), from the store otherwise, so the page reads without JavaScript. An
approval request shows approve/deny buttons bound to that request's id, posting to the
approvals routes. ``/chat?task=ID`` opens it with a task's context: its text as a ready first
message, its server selected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse
from starlette.exceptions import HTTPException

from shturman.domain.approval import ApprovalStatus
from shturman.domain.errors import UnknownRunError
from shturman.domain.models import RunMode, RunStatus
from shturman.domain.runs import RunEvent
from shturman.domain.tasks import ChatMessage, Task, TaskError
from shturman.domain.users import Role
from shturman.interfaces.web import live
from shturman.interfaces.web.auth import Operator, Viewer
from shturman.interfaces.web.deps import Services, WebServices, WebUser
from shturman.interfaces.web.pages import pages
from shturman.interfaces.web.timeline import EventView, view

if TYPE_CHECKING:
    from shturman.services.chat import ChatService

page = APIRouter()
api = APIRouter(prefix="/api", tags=["chat"])

MODES = tuple(m.value for m in RunMode)
LIVE = (RunStatus.PENDING.value, RunStatus.RUNNING.value)
SHOWN_RUNS = 10  # the latest runs of the history are shown with their events


@dataclass(frozen=True, slots=True)
class RunBlock:
    """A run under the message that started it, as the page shows it."""

    id: str
    status: str
    live: bool
    last: int
    events: list[EventView]
    pending: frozenset[str]  # approval ids still waiting for an answer


class MessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    server: str | None = Field(default=None, max_length=128)
    mode: RunMode = RunMode.INTERACTIVE
    task_id: int | None = None


class MessageOut(BaseModel):
    id: int
    role: str
    text: str
    run_id: str | None
    task_id: int | None
    created_at: datetime | None

    @classmethod
    def of(cls, m: ChatMessage) -> MessageOut:
        return cls(id=m.id, role=m.role.value, text=m.text, run_id=m.run_id,
                   task_id=m.task_id, created_at=m.created_at)


def chat_of(svc: WebServices) -> ChatService:
    if svc.chat is None:
        raise HTTPException(503)
    return svc.chat


async def _block(svc: WebServices, run_id: str, lang: str) -> RunBlock | None:
    record, events = await svc.runs.replay(run_id)
    if record is None:
        return None
    asked = {e.data.get("approval_id") for e in events if e.type == "approval_requested"}
    pending = set()
    for approval_id in asked:
        found = await svc.approvals.get(str(approval_id))
        if found is not None and found.status is ApprovalStatus.PENDING:
            pending.add(found.id)
    return RunBlock(record.id, record.status, record.status in LIVE,
                    events[-1].seq if events else -1, [view(e, lang) for e in events],
                    frozenset(pending))


async def _context(svc: WebServices, task_id: int | None) -> Task | None:
    if task_id is None or svc.tasks is None:
        return None
    try:
        return await svc.tasks.get(task_id)
    except TaskError as exc:
        raise HTTPException(404) from exc


async def _send(svc: WebServices, me: WebUser, body: MessageIn) -> ChatMessage:
    try:
        return await chat_of(svc).send(me.name, me.principal.actor, body.text,
                                       server=body.server or None, mode=body.mode,
                                       lang=me.lang, task_id=body.task_id)
    except TaskError as exc:
        raise HTTPException(404) from exc


# --- pages ---

@page.get("/chat", response_class=HTMLResponse, include_in_schema=False)
async def chat_page(request: Request, me: Viewer, svc: Services, task: int | None = None
                    ) -> Response:
    history = await chat_of(svc).history(me.name, 100)
    runs = [m.run_id for m in history if m.run_id and m.role.value == "user"]
    blocks: dict[str, RunBlock] = {}
    for run_id in runs[-SHOWN_RUNS:]:
        block = await _block(svc, run_id, me.lang)
        if block is not None:
            blocks[run_id] = block
    context = await _context(svc, task)
    return await pages(request).page(
        request, "chat.html", me, history=history, blocks=blocks, context=context,
        text=context.text if context is not None else "",
        server=(context.target or "") if context is not None else "",
        servers=await svc.inventory.all(), modes=MODES, mode=RunMode.INTERACTIVE.value,
        allowed=me.may(Role.OPERATOR))


@page.post("/chat", include_in_schema=False)
async def send(me: Operator, svc: Services,
               text: Annotated[str, Form(min_length=1, max_length=4000)],
               server: Annotated[str, Form(max_length=128)] = "",
               mode: Annotated[RunMode, Form()] = RunMode.INTERACTIVE,
               task_id: Annotated[str, Form(max_length=12)] = "") -> Response:
    sent = await _send(svc, me, MessageIn(
        text=text, server=server or None, mode=mode,
        task_id=int(task_id) if task_id.isdigit() else None))
    return RedirectResponse(f"/chat#m{sent.id}", status_code=303)


@page.get("/chat/runs/{run_id}/events", include_in_schema=False)
async def chat_run_events(request: Request, me: Viewer, svc: Services, run_id: str,
                          after: int | None = None) -> EventSourceResponse:
    """A chat run's events as they happen, each an HTML fragment of the conversation."""
    record, _ = await svc.runs.replay(run_id)
    if record is None:
        raise UnknownRunError(run_id)
    lang, html = me.lang, pages(request)
    may_answer = me.may(Role.OPERATOR)

    def render(event: RunEvent) -> str:
        ev = view(event, lang)
        return html.fragment("_chat_event.html", lang, ev=ev, me=me, may_answer=may_answer,
                             pending=ev.kind == "approval_requested")

    async def status() -> str:
        found, _ = await svc.runs.replay(run_id)
        return found.status if found is not None else ""

    return live.run_stream(request, record.id, live.resume_after(request, after), render,
                           status)


# --- API ---

@api.get("/chat", response_model=list[MessageOut], summary="My conversation, oldest first")
async def api_history(me: Viewer, svc: Services) -> list[MessageOut]:
    return [MessageOut.of(m) for m in await chat_of(svc).history(me.name, 500)]


@api.post("/chat", response_model=MessageOut, status_code=202,
          summary="Say something to the agent (operator): it starts a run")
async def api_send(body: MessageIn, me: Operator, svc: Services) -> MessageOut:
    return MessageOut.of(await _send(svc, me, body))
