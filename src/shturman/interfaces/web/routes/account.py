"""Who am I, and my own settings (language). Admin settings come with round two."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shturman.interfaces.web.auth import Viewer
from shturman.interfaces.web.deps import Services
from shturman.interfaces.web.pages import pages
from shturman.interfaces.web.schemas import Me

page = APIRouter()
api = APIRouter(prefix="/api", tags=["account"])


@page.get("/", include_in_schema=False)
async def home(me: Viewer) -> Response:
    return RedirectResponse("/runs", status_code=303)


@page.get("/settings", response_class=HTMLResponse, include_in_schema=False)
async def settings_page(request: Request, me: Viewer) -> Response:
    return await pages(request).page(request, "settings.html", me)


@page.post("/settings", include_in_schema=False)
async def save_settings(me: Viewer, svc: Services,
                        language: Annotated[str, Form(pattern="^(ru|en)$")]) -> Response:
    await svc.users.set(me.name, language=language)
    return RedirectResponse("/settings?notice=saved", status_code=303)


@api.get("/me", response_model=Me, summary="Who this session or token is")
async def whoami(me: Viewer) -> Me:
    return Me(name=me.name, role=me.user.role.value, language=me.lang, via=me.via)
