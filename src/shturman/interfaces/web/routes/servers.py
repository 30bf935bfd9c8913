"""Servers: the inventory, read-only for now (adding and editing come with round two).
Nothing secret is shown: a ``Server`` carries no credential."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from shturman.interfaces.web.auth import Viewer
from shturman.interfaces.web.deps import Services
from shturman.interfaces.web.pages import pages
from shturman.interfaces.web.schemas import ServerOut

page = APIRouter()
api = APIRouter(prefix="/api", tags=["servers"])


@page.get("/servers", response_class=HTMLResponse, include_in_schema=False)
async def servers_page(request: Request, me: Viewer, svc: Services) -> Response:
    servers = await svc.inventory.all()
    return await pages(request).page(request, "servers.html", me, servers=[
        (s, await svc.inventory.source(s.name)) for s in servers])


@api.get("/servers", response_model=list[ServerOut], summary="The inventory")
async def list_servers(me: Viewer, svc: Services) -> list[ServerOut]:
    return [ServerOut.of(s) for s in await svc.inventory.all()]
