"""Servers: the inventory — list (everyone), add, edit and delete (admin), test (operator).

Secrets (password, private key, passphrase) are write-only: they go straight to the vault
(``services.admin``), and no page, form or API response ever carries one back — an edit form
shows them empty, and an empty field keeps what is stored. A form that fails is shown again
with what was typed, minus the secrets.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from shturman.domain.errors import (
    AuthError,
    CommandTimeout,
    HostError,
    HostKeyError,
    ServerExistsError,
    ShturmanError,
    UnknownServerError,
)
from shturman.domain.models import AccessProfile, AuthMethod, Server, ServerFacts
from shturman.domain.texts import say
from shturman.interfaces.web.auth import Admin, Operator, Viewer
from shturman.interfaces.web.deps import Services, WebServices, WebUser
from shturman.interfaces.web.pages import pages
from shturman.interfaces.web.schemas import Problem, ServerOut
from shturman.services.admin import InvalidInput, Secrets, ServerAdmin

page = APIRouter()
api = APIRouter(prefix="/api", tags=["servers"])

DONE = frozenset({"added", "added_local", "saved", "removed"})  # ?done=KEY (a closed set)
FACTS = ("os", "kernel", "service_manager", "disk", "memory", "uptime")


def explain(exc: ShturmanError, lang: str) -> tuple[int, str, str]:
    """(status, reason, sentence) of what an admin action ran into, in ``lang``."""
    if isinstance(exc, InvalidInput):
        return 400, exc.key.removeprefix("admin.err."), say(exc.key, lang, **exc.values)
    if isinstance(exc, ServerExistsError):
        key = {"local": "admin.err.exists_local", "config": "admin.err.exists_config"}.get(
            exc.kind, "admin.err.exists")
        return 409, "server_exists", say(key, lang, name=exc.name,
                                         where=exc.where or "shturman.yaml")
    if isinstance(exc, UnknownServerError):
        return 404, "unknown_server", say("admin.err.unknown_server", lang, name=exc.name)
    if isinstance(exc, HostError):
        return 502, "host_error", say("admin.test.failed", lang, name=exc.server,
                                      reason=host_reason(exc, lang))
    raise exc


def host_reason(exc: HostError, lang: str) -> str:
    if isinstance(exc, HostKeyError):
        return say("admin.hosterr.host_key", lang, name=exc.server)
    if isinstance(exc, AuthError):
        return say("admin.hosterr.auth", lang)
    if isinstance(exc, CommandTimeout):
        return say("admin.hosterr.timeout", lang)
    return say("admin.hosterr.unreachable", lang, detail=exc.detail.split(" / ")[0])


def admin_of(svc: WebServices) -> ServerAdmin:
    if svc.server_admin is None:  # the composition root always hands one
        raise RuntimeError("the web app was built without server_admin")
    return svc.server_admin


def _split(value: Any) -> tuple[str, ...]:
    return tuple(p.strip() for p in str(value or "").replace("\n", ",").split(",") if p.strip())


def _form_of(data: Any, name: str | None = None) -> tuple[Server, Secrets]:
    def field(key: str) -> str:
        value = data.get(key, "")
        return value.strip() if isinstance(value, str) else ""

    try:
        port = int(field("port") or 22)
    except ValueError:
        raise InvalidInput("admin.err.port", port=field("port")) from None
    try:
        auth = AuthMethod(field("auth") or "key")
        profile = AccessProfile(field("profile") or "operator")
    except ValueError:
        raise InvalidInput("admin.err.profile", profile=field("profile")) from None
    form = Server(name=name or field("name"), host=field("host"), port=port,
                      user=field("user") or "root", auth=auth,
                      key_path=field("key_path") or None, aliases=_split(data.get("aliases")),
                      services=_split(data.get("services")), tags=_split(data.get("tags")),
                      profile=profile)
    raw_key = data.get("private_key", "")
    key = raw_key.strip() + "\n" if isinstance(raw_key, str) and raw_key.strip() else None
    secrets = Secrets(password=data.get("password") or None, private_key=key,
                      passphrase=data.get("passphrase") or None)
    return form, secrets


def _blank(server: Server | None = None) -> dict[str, Any]:
    """The form's visible values (never a secret)."""
    s = server or Server(name="")
    return {"name": s.name, "host": s.host, "port": s.port, "user": s.user,
            "auth": s.auth.value, "key_path": s.key_path or "",
            "aliases": ", ".join(s.aliases), "services": ", ".join(s.services),
            "tags": ", ".join(s.tags), "profile": s.profile.value}


def _shown(form: Server) -> dict[str, Any]:
    return _blank(form)


async def _form_page(request: Request, me: WebUser, *, editing: str | None,
                     values: dict[str, Any], error: str = "", status: int = 200) -> Response:
    return await pages(request).page(
        request, "server_form.html", me, status_code=status, editing=editing, values=values,
        error=error, auths=[a.value for a in AuthMethod],
        profiles=[p.value for p in AccessProfile])


@page.get("/servers", response_class=HTMLResponse, include_in_schema=False)
async def servers_page(request: Request, me: Viewer, svc: Services) -> Response:
    rows = []
    for s in await svc.inventory.all():
        source = await svc.inventory.source(s.name)
        rows.append((s, source, svc.inventory.origin(s.name)))
    done = request.query_params.get("done", "")
    return await pages(request).page(request, "servers.html", me, servers=rows,
                                     done=say(f"admin.done.{done}", me.lang)
                                     if done in DONE else "")


@page.get("/servers/new", response_class=HTMLResponse, include_in_schema=False)
async def new_server_page(request: Request, me: Admin) -> Response:
    return await _form_page(request, me, editing=None, values=_blank())


@page.post("/servers/new", include_in_schema=False)
async def add_server(request: Request, me: Admin, svc: Services) -> Response:
    data = await request.form()
    values = {k: data.get(k, "") for k in _blank()}
    try:
        form, secrets = _form_of(data)
        values = _shown(form)
        added = await admin_of(svc).add(form, secrets, actor=str(me.principal.actor))
    except (InvalidInput, ServerExistsError, UnknownServerError, HostError) as exc:
        status, _, message = explain(exc, me.lang)
        return await _form_page(request, me, editing=None, values=values, error=message,
                                status=status)
    done = "added" if added.connected else "added_local"
    return RedirectResponse(f"/servers?done={done}", status_code=303)


async def _registered(svc: WebServices, name: str) -> Server:
    server = await svc.inventory.get(name)
    if server.name != name or not await admin_of(svc).editable(name):
        raise ServerExistsError(server.name, kind="config" if await svc.inventory.source(
            server.name) == "config" else "local", where=svc.inventory.origin(server.name))
    return server


@page.get("/servers/{name}/edit", response_class=HTMLResponse, include_in_schema=False)
async def edit_server_page(request: Request, name: str, me: Admin, svc: Services) -> Response:
    try:
        server = await _registered(svc, name)
    except (ServerExistsError, UnknownServerError) as exc:
        return await _refused(request, me, exc)
    return await _form_page(request, me, editing=server.name, values=_blank(server))


@page.post("/servers/{name}/edit", include_in_schema=False)
async def edit_server(request: Request, name: str, me: Admin, svc: Services) -> Response:
    data = await request.form()
    values = {**{k: data.get(k, "") for k in _blank()}, "name": name}
    try:
        await _registered(svc, name)
        form, secrets = _form_of(data, name)
        values = _shown(form)
        await admin_of(svc).edit(form, secrets, actor=str(me.principal.actor))
    except (InvalidInput, ServerExistsError, UnknownServerError) as exc:
        status, _, message = explain(exc, me.lang)
        return await _form_page(request, me, editing=name, values=values, error=message,
                                status=status)
    return RedirectResponse("/servers?done=saved", status_code=303)


@page.get("/servers/{name}/delete", response_class=HTMLResponse, include_in_schema=False)
async def delete_server_page(request: Request, name: str, me: Admin, svc: Services
                             ) -> Response:
    try:
        server = await _registered(svc, name)
    except (ServerExistsError, UnknownServerError) as exc:
        return await _refused(request, me, exc)
    return await pages(request).page(request, "server_delete.html", me, server=server)


@page.post("/servers/{name}/delete", include_in_schema=False)
async def delete_server(request: Request, name: str, me: Admin, svc: Services) -> Response:
    try:
        await _registered(svc, name)
        await admin_of(svc).remove(name, actor=str(me.principal.actor))
    except (ServerExistsError, UnknownServerError) as exc:
        return await _refused(request, me, exc)
    return RedirectResponse("/servers?done=removed", status_code=303)


@page.post("/servers/{name}/test", response_class=HTMLResponse, include_in_schema=False)
async def test_server(request: Request, name: str, me: Operator, svc: Services) -> Response:
    facts: ServerFacts | None = None
    error = ""
    status = 200
    try:
        facts = await admin_of(svc).test(name, actor=me.principal.actor)
    except (UnknownServerError, HostError) as exc:
        status, _, error = explain(exc, me.lang)
    return await pages(request).page(
        request, "server_test.html", me, status_code=status, server=name, error=error,
        facts=[] if facts is None else [(k, getattr(facts, k)) for k in FACTS
                                         if getattr(facts, k)])


async def _refused(request: Request, me: WebUser, exc: ShturmanError) -> Response:
    status, _, message = explain(exc, me.lang)
    return await pages(request).page(request, "error.html", me, status_code=status,
                                     message=message, status=status)


# --- the JSON API ---


class ServerIn(BaseModel):
    """A server to add or change. The secrets are write-only: no response carries them."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", description="Required on POST; on PUT the path names it.")
    host: str = ""
    port: int = 22
    user: str = "root"
    auth: Literal["key", "password", "agent", "local"] = "key"
    key_path: str | None = Field(default=None,
                                 description="A key file on the Shturman machine")
    private_key: SecretStr | None = Field(default=None, description="Write-only")
    passphrase: SecretStr | None = Field(default=None, description="Write-only")
    password: SecretStr | None = Field(default=None, description="Write-only")
    aliases: list[str] = []
    services: list[str] = []
    tags: list[str] = []
    profile: Literal["readonly", "operator", "admin"] = "operator"

    def parts(self, name: str | None = None) -> tuple[Server, Secrets]:
        def secret(value: SecretStr | None) -> str | None:
            return value.get_secret_value() or None if value is not None else None

        form = Server(name=name or self.name.strip(), host=self.host.strip(),
                          port=self.port, user=self.user.strip() or "root",
                          auth=AuthMethod(self.auth), key_path=self.key_path or None,
                          aliases=tuple(self.aliases), services=tuple(self.services),
                          tags=tuple(self.tags), profile=AccessProfile(self.profile))
        return form, Secrets(password=secret(self.password),
                             private_key=secret(self.private_key),
                             passphrase=secret(self.passphrase))


class ServerTestOut(BaseModel):
    server: str
    ok: bool
    facts: dict[str, str] = {}
    error: str = ""


def _problem(exc: ShturmanError, lang: str) -> JSONResponse:
    status, reason, message = explain(exc, lang)
    return JSONResponse(Problem(error=reason, message=message).model_dump(),
                        status_code=status)


@api.get("/servers", response_model=list[ServerOut], summary="The inventory")
async def list_servers(me: Viewer, svc: Services) -> list[ServerOut]:
    return [ServerOut.of(s) for s in await svc.inventory.all()]


@api.post("/servers", response_model=ServerOut, status_code=201,
          summary="Add a server (admin): registers it and logs in once",
          responses={400: {"model": Problem}, 409: {"model": Problem},
                     502: {"model": Problem}})
async def api_add_server(body: ServerIn, me: Admin, svc: Services) -> Response | ServerOut:
    try:
        form, secrets = body.parts()
        await admin_of(svc).add(form, secrets, actor=str(me.principal.actor))
        return ServerOut.of(await svc.inventory.get(form.name))
    except (InvalidInput, ServerExistsError, UnknownServerError, HostError) as exc:
        return _problem(exc, me.lang)


@api.put("/servers/{name}", response_model=ServerOut,
         summary="Change a registered server (admin); empty secrets keep the stored ones",
         responses={400: {"model": Problem}, 404: {"model": Problem},
                    409: {"model": Problem}})
async def api_edit_server(name: str, body: ServerIn, me: Admin, svc: Services
                          ) -> Response | ServerOut:
    try:
        await _registered(svc, name)
        form, secrets = body.parts(name)
        return ServerOut.of(await admin_of(svc).edit(form, secrets,
                                                     actor=str(me.principal.actor)))
    except (InvalidInput, ServerExistsError, UnknownServerError) as exc:
        return _problem(exc, me.lang)


@api.delete("/servers/{name}", status_code=204,
            summary="Delete a registered server and its secrets (admin)",
            responses={404: {"model": Problem}, 409: {"model": Problem}})
async def api_delete_server(name: str, me: Admin, svc: Services) -> Response:
    try:
        await _registered(svc, name)
        await admin_of(svc).remove(name, actor=str(me.principal.actor))
    except (ServerExistsError, UnknownServerError) as exc:
        return _problem(exc, me.lang)
    return Response(status_code=204)


@api.post("/servers/{name}/test", response_model=ServerTestOut,
          summary="Log in and run the read-only probes (operator)",
          responses={404: {"model": Problem}})
async def api_test_server(name: str, me: Operator, svc: Services) -> Response | ServerTestOut:
    try:
        facts = await admin_of(svc).test(name, actor=me.principal.actor)
    except UnknownServerError as exc:
        return _problem(exc, me.lang)
    except HostError as exc:
        return ServerTestOut(server=name, ok=False, error=host_reason(exc, me.lang))
    return ServerTestOut(server=name, ok=True, facts={k: str(getattr(facts, k)) for k in FACTS
                                                      if getattr(facts, k)})
