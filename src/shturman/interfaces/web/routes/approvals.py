"""Approvals: the pending requests, one request's card, and the answer.

An answer goes through ``ApprovalService.decide(id, principal, approve)`` only: bound to that
request's id (and so to its server and exact command), once; a second or late press changes
nothing and says so ("already answered", "expired"). Viewers may look, never answer (403).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shturman.domain.approval import PendingApproval
from shturman.domain.errors import ApprovalError
from shturman.domain.users import Role
from shturman.interfaces.web.auth import Operator, Viewer
from shturman.interfaces.web.deps import Services, WebServices, WebUser
from shturman.interfaces.web.errors import approval_notice
from shturman.interfaces.web.pages import pages
from shturman.interfaces.web.schemas import ApprovalOut

page = APIRouter()
api = APIRouter(prefix="/api", tags=["approvals"])


@page.get("/approvals", response_class=HTMLResponse, include_in_schema=False)
async def approvals_page(request: Request, me: Viewer, svc: Services) -> Response:
    return await pages(request).page(request, "approvals.html", me,
                                     approvals=await svc.approvals.pending(),
                                     may_answer=me.may(Role.OPERATOR))


@page.get("/approvals/{approval_id}", response_class=HTMLResponse, include_in_schema=False)
async def approval_page(request: Request, me: Viewer, svc: Services, approval_id: str
                        ) -> Response:
    found = await svc.approvals.get(approval_id)
    if found is None:
        raise ApprovalError(approval_id, "unknown")
    return await pages(request).page(request, "approval.html", me, a=found,
                                     may_answer=me.may(Role.OPERATOR), result="")


async def _answer(request: Request, me: WebUser, svc: WebServices, approval_id: str,
                  approve: bool) -> Response:
    try:
        answered: PendingApproval | None = await svc.approvals.decide(approval_id,
                                                                      me.principal, approve)
        notice = "approved" if approve else "denied"
    except ApprovalError as exc:
        answered, notice = await svc.approvals.get(approval_id), approval_notice(exc)
    if request.headers.get("hx-request") == "true":  # htmx: swap the card in place
        html = pages(request).fragment("_approval.html", me.lang, a=answered, me=me,
                                       may_answer=False, result=notice, id=approval_id)
        return HTMLResponse(html)
    return RedirectResponse(f"/approvals?notice={notice}", status_code=303)


@page.post("/approvals/{approval_id}/approve", include_in_schema=False)
async def approve(request: Request, me: Operator, svc: Services, approval_id: str
                  ) -> Response:
    return await _answer(request, me, svc, approval_id, True)


@page.post("/approvals/{approval_id}/deny", include_in_schema=False)
async def deny(request: Request, me: Operator, svc: Services, approval_id: str) -> Response:
    return await _answer(request, me, svc, approval_id, False)


# --- API ---

@api.get("/approvals", response_model=list[ApprovalOut], summary="Requests waiting for an answer")
async def list_approvals(me: Viewer, svc: Services) -> list[ApprovalOut]:
    return [ApprovalOut.of(a) for a in await svc.approvals.pending()]


@api.get("/approvals/{approval_id}", response_model=ApprovalOut, summary="One request")
async def get_approval(approval_id: str, me: Viewer, svc: Services) -> ApprovalOut:
    found = await svc.approvals.get(approval_id)
    if found is None:
        raise ApprovalError(approval_id, "unknown")
    return ApprovalOut.of(found)


@api.post("/approvals/{approval_id}/approve", response_model=ApprovalOut,
          summary="Approve (operator); 409 when already answered or expired")
async def api_approve(approval_id: str, me: Operator, svc: Services) -> ApprovalOut:
    return ApprovalOut.of(await svc.approvals.decide(approval_id, me.principal, True))


@api.post("/approvals/{approval_id}/deny", response_model=ApprovalOut,
          summary="Deny (operator); 409 when already answered or expired")
async def api_deny(approval_id: str, me: Operator, svc: Services) -> ApprovalOut:
    return ApprovalOut.of(await svc.approvals.decide(approval_id, me.principal, False))
