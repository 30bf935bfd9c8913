"""Tasks: the list and the create form, a task's card (its analysis, live while it is being
analysed), delegation to the agent, and the agent's task form; the same as JSON under /api.

Viewers read; operators and admins create, delegate and start. Delegating leads where the
user's ``delegate_ui`` setting says: the chat with the task's context (``/chat?task=ID``,
the default) or the agent's task form (``/tasks/ID/run``: task, server, mode, the plan, start).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from shturman.domain.models import RunMode
from shturman.domain.tasks import DelegateUi, Task, TaskError, TaskStatus
from shturman.domain.users import Role
from shturman.interfaces.web.auth import Operator, Viewer
from shturman.interfaces.web.deps import Services, WebServices, WebUser
from shturman.interfaces.web.pages import pages

if TYPE_CHECKING:
    from shturman.services.tasks import TaskService

page = APIRouter()
api = APIRouter(prefix="/api", tags=["tasks"])

MODES = tuple(m.value for m in RunMode)
LIVE = (TaskStatus.NEW, TaskStatus.ANALYSING)


class TaskIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    server: str | None = Field(default=None, max_length=128)


class AnalysisOut(BaseModel):
    can_delegate_to_ai: bool
    reason: str
    matched_server: str | None
    complexity: str
    estimated_minutes: float
    recommended_mode: str
    analysed_at: datetime


class TaskOut(BaseModel):
    id: int
    title: str
    description: str
    server: str | None
    created_by: str
    status: str
    analysis: AnalysisOut | None
    run_id: str | None
    url: str
    created_at: datetime | None

    @classmethod
    def of(cls, task: Task) -> TaskOut:
        a = task.analysis
        return cls(id=task.id, title=task.title, description=task.description,
                   server=task.server, created_by=task.created_by, status=task.status.value,
                   analysis=None if a is None else AnalysisOut(
                       can_delegate_to_ai=a.can_delegate_to_ai, reason=a.reason,
                       matched_server=a.matched_server, complexity=a.complexity,
                       estimated_minutes=a.estimated_minutes,
                       recommended_mode=a.recommended_mode, analysed_at=a.analysed_at),
                   run_id=task.run_id, url=f"/tasks/{task.id}", created_at=task.created_at)


class Delegated(BaseModel):
    task: TaskOut
    ui: str
    url: str


def tasks_of(svc: WebServices) -> TaskService:
    if svc.tasks is None:
        raise HTTPException(503)
    return svc.tasks


async def found(svc: WebServices, task_id: int) -> Task:
    try:
        return await tasks_of(svc).get(task_id)
    except TaskError as exc:
        raise HTTPException(404) from exc


def delegated_url(task: Task, ui: DelegateUi) -> str:
    return f"/chat?task={task.id}" if ui == "chat" else f"/tasks/{task.id}/run"


async def _delegate(svc: WebServices, me: WebUser, task_id: int) -> tuple[Task, DelegateUi]:
    await found(svc, task_id)
    try:
        task, ui = await tasks_of(svc).delegate(task_id, me.name)
    except TaskError as exc:
        raise HTTPException(409) from exc
    if ui == "chat" and svc.chat is not None:
        await svc.chat.delegated(me.name, task, me.lang)
    return task, ui


async def _card(request: Request, me: WebUser, svc: WebServices, task: Task, *,
                fragment: bool) -> Response:
    values: dict[str, Any] = {
        "task": task, "live": task.status in LIVE, "allowed": me.may(Role.OPERATOR),
        "ui": await tasks_of(svc).delegate_ui(me.name)}
    if fragment:
        return HTMLResponse(pages(request).fragment("_task_card.html", me.lang, me=me,
                                                    **values))
    return await pages(request).page(request, "task.html", me, **values)


# --- pages ---

@page.get("/tasks", response_class=HTMLResponse, include_in_schema=False)
async def tasks_page(request: Request, me: Viewer, svc: Services) -> Response:
    return await pages(request).page(
        request, "tasks.html", me, tasks=await tasks_of(svc).list(200),
        servers=await svc.inventory.all(), allowed=me.may(Role.OPERATOR))


@page.post("/tasks", include_in_schema=False)
async def create_task(request: Request, me: Operator, svc: Services,
                      title: Annotated[str, Form(min_length=1, max_length=200)],
                      description: Annotated[str, Form(max_length=4000)] = "",
                      server: Annotated[str, Form(max_length=128)] = "") -> Response:
    task = await tasks_of(svc).create(title, description, server or None, me.user,
                                      me.principal.actor)
    return RedirectResponse(f"/tasks/{task.id}", status_code=303)


@page.get("/tasks/{task_id}", response_class=HTMLResponse, include_in_schema=False)
async def task_page(request: Request, me: Viewer, svc: Services, task_id: int) -> Response:
    return await _card(request, me, svc, await found(svc, task_id), fragment=False)


@page.get("/tasks/{task_id}/card", response_class=HTMLResponse, include_in_schema=False)
async def task_card(request: Request, me: Viewer, svc: Services, task_id: int) -> Response:
    """The card alone: the page polls it while the analysis runs."""
    return await _card(request, me, svc, await found(svc, task_id), fragment=True)


@page.get("/tasks/{task_id}/delegate", response_class=HTMLResponse, include_in_schema=False)
async def delegate_page(request: Request, me: Viewer, svc: Services, task_id: int
                        ) -> Response:
    """Where a ``delegate`` link leads: the card, with its delegate button."""
    return await _card(request, me, svc, await found(svc, task_id), fragment=False)


@page.post("/tasks/{task_id}/delegate", include_in_schema=False)
async def delegate(me: Operator, svc: Services, task_id: int) -> Response:
    task, ui = await _delegate(svc, me, task_id)
    return RedirectResponse(delegated_url(task, ui), status_code=303)


@page.get("/tasks/{task_id}/run", response_class=HTMLResponse, include_in_schema=False)
async def task_form(request: Request, me: Viewer, svc: Services, task_id: int,
                    server: str | None = None, mode: str = "") -> Response:
    """The agent's task form: the task, its server, the mode, the plan (nothing runs)."""
    task = await found(svc, task_id)
    chosen = task.target if server is None else server
    recommended = task.analysis.recommended_mode if task.analysis is not None else ""
    mode = mode if mode in MODES else (recommended if recommended in MODES
                                       else RunMode.INTERACTIVE.value)
    plan = await tasks_of(svc).plan(task, chosen)
    return await pages(request).page(
        request, "task_run.html", me, task=task, servers=await svc.inventory.all(),
        server=chosen or "", mode=mode, modes=MODES, plan=plan,
        allowed=me.may(Role.OPERATOR))


@page.post("/tasks/{task_id}/run", include_in_schema=False)
async def start_task(me: Operator, svc: Services, task_id: int,
                     server: Annotated[str, Form(max_length=128)] = "",
                     mode: Annotated[RunMode, Form()] = RunMode.INTERACTIVE) -> Response:
    await found(svc, task_id)
    try:
        job = await tasks_of(svc).start(task_id, me.principal.actor, server=server or None,
                                        mode=mode, lang=me.lang)
    except TaskError as exc:
        raise HTTPException(409) from exc
    return RedirectResponse(f"/runs/{job.run_id}", status_code=303)


# --- API ---

@api.get("/tasks", response_model=list[TaskOut], summary="Tasks, newest first")
async def list_tasks(me: Viewer, svc: Services) -> list[TaskOut]:
    return [TaskOut.of(t) for t in await tasks_of(svc).list(500)]


@api.post("/tasks", response_model=TaskOut, status_code=201,
          summary="Create a task (operator): its analysis runs as a background job")
async def api_create_task(body: TaskIn, me: Operator, svc: Services) -> TaskOut:
    return TaskOut.of(await tasks_of(svc).create(body.title, body.description,
                                                 body.server or None, me.user,
                                                 me.principal.actor))


@api.get("/tasks/{task_id}", response_model=TaskOut, summary="A task and its analysis")
async def api_get_task(task_id: int, me: Viewer, svc: Services) -> TaskOut:
    return TaskOut.of(await found(svc, task_id))


@api.post("/tasks/{task_id}/delegate", response_model=Delegated,
          summary="Delegate to the agent (operator): where to continue (delegate_ui)")
async def api_delegate(task_id: int, me: Operator, svc: Services) -> Delegated:
    task, ui = await _delegate(svc, me, task_id)
    return Delegated(task=TaskOut.of(task), ui=ui, url=delegated_url(task, ui))
