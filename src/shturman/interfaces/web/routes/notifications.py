"""Notifications: the list, mark read, act (a redirect to what it is about), the bell's count
(SSE; ``/api/notifications/unread`` for polling when SSE is unavailable).

Every ``NotificationAction`` has a destination here (:func:`action_url`): no dead links.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, assert_never
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sse_starlette import EventSourceResponse

from shturman.domain.notifications import Notification, NotificationAction
from shturman.interfaces.web import live
from shturman.interfaces.web.auth import Viewer
from shturman.interfaces.web.deps import Services, WebServices
from shturman.interfaces.web.pages import pages
from shturman.interfaces.web.schemas import ActOut, Done, NotificationOut, Unread

page = APIRouter()
api = APIRouter(prefix="/api", tags=["notifications"])


def action_url(n: Notification) -> str:
    """Where acting on ``n`` leads (each a page of this app)."""
    return destination(n.action, n.data)


def destination(action: NotificationAction, data: Mapping[str, Any]) -> str:
    match action:
        case NotificationAction.ANSWER_APPROVAL:
            return f"/approvals/{quote(str(data.get('approval_id', '')), safe='')}"
        case NotificationAction.SHOW_RUN:
            return f"/runs/{quote(str(data.get('run_id', '')), safe='')}"
        case NotificationAction.DELEGATE if data.get("task_id") is not None:
            return f"/tasks/{quote(str(data['task_id']), safe='')}/delegate"  # routes/tasks.py
        case NotificationAction.DELEGATE:  # no task: the new-run form, filled in
            query = {"text": str(data.get("text", ""))}
            if data.get("server"):
                query["server"] = str(data["server"])
            return "/runs/new?" + urlencode(query)
        case NotificationAction.NONE:
            return "/notifications"
        case other:
            assert_never(other)


async def unread(svc: WebServices, user: str) -> int:
    return len(await svc.notifications.list(user, unread=True, limit=100))


@page.get("/notifications", response_class=HTMLResponse, include_in_schema=False)
async def notifications_page(request: Request, me: Viewer, svc: Services) -> Response:
    items = await svc.notifications.list(me.name, limit=100)
    return await pages(request).page(request, "notifications.html", me,
                                     items=[(n, action_url(n)) for n in items])


@page.post("/notifications/{notification_id}/read", include_in_schema=False)
async def mark_read(request: Request, me: Viewer, svc: Services, notification_id: int
                    ) -> Response:
    await svc.notifications.mark_read(notification_id, me.name)
    if request.headers.get("hx-request") == "true":
        return HTMLResponse("")  # the row's read button disappears
    return RedirectResponse("/notifications?notice=read", status_code=303)


@page.post("/notifications/read-all", include_in_schema=False)
async def mark_all_read(me: Viewer, svc: Services) -> Response:
    for n in await svc.notifications.list(me.name, unread=True, limit=500):
        await svc.notifications.mark_read(n.id, me.name)
    return RedirectResponse("/notifications?notice=all_read", status_code=303)


@page.post("/notifications/{notification_id}/act", include_in_schema=False)
async def act(me: Viewer, svc: Services, notification_id: int) -> Response:
    acted = await _act(svc, me.name, notification_id)
    # delegating a task is itself a POST (with this form's CSRF token): 307 re-sends it there,
    # so one click delegates; the same URL by GET shows the task's card with the button
    delegates = acted.action == NotificationAction.DELEGATE.value and acted.url.startswith(
        "/tasks/")
    return RedirectResponse(acted.url, status_code=307 if delegates else 303)


async def _act(svc: WebServices, user: str, notification_id: int) -> ActOut:
    acted = await svc.notifications.act(notification_id, user)
    if acted is None:  # not there (for this user)
        return ActOut(action=NotificationAction.NONE.value, url="/notifications")
    action, data = acted
    return ActOut(action=action.value, url=destination(action, data))


@page.get("/notifications/stream", include_in_schema=False)
async def stream(request: Request, me: Viewer, svc: Services) -> EventSourceResponse:
    async def count() -> int:
        return await unread(svc, me.name)

    return live.count_stream(request, count)


# --- API ---

@api.get("/notifications", response_model=list[NotificationOut], summary="Newest first")
async def list_notifications(me: Viewer, svc: Services, unread_only: bool = False
                             ) -> list[NotificationOut]:
    items = await svc.notifications.list(me.name, unread=unread_only, limit=200)
    return [NotificationOut.of(n, action_url(n)) for n in items]


@api.get("/notifications/unread", response_model=Unread, summary="The bell's count")
async def unread_count(me: Viewer, svc: Services) -> Unread:
    return Unread(count=await unread(svc, me.name))


@api.post("/notifications/{notification_id}/read", response_model=Done)
async def api_mark_read(notification_id: int, me: Viewer, svc: Services) -> Done:
    return Done(ok=await svc.notifications.mark_read(notification_id, me.name))


@api.post("/notifications/{notification_id}/act", response_model=ActOut,
          summary="Act on it: marks it read and says where it leads")
async def api_act(notification_id: int, me: Viewer, svc: Services) -> ActOut:
    return await _act(svc, me.name, notification_id)
