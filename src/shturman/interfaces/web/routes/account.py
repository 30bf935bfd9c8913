"""Who am I, my own settings, the admin settings, and the first screen.

- Everyone: language (ru/en), what «delegate» opens (``users.settings["delegate_ui"]`` =
  ``chat`` | ``task_form``, default ``chat``) and voice replies (``users.settings["voice"]``).
- Admins: the model provider, the Telegram allowlist (users, their Telegram id, their role)
  and each registered server's access profile — every change audited with who made it
  (``services.admin``); anyone else gets 403. These are web routes, never tools: the agent
  cannot reach them.
- ``/`` sends a new admin (no server registered yet) to ``/welcome``: what to do next.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import replace
from typing import Annotated, Literal, cast

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from shturman.domain.errors import ServerExistsError, ShturmanError, UnknownServerError, UserError
from shturman.domain.models import LOCAL_SERVER, AccessProfile
from shturman.domain.texts import say
from shturman.interfaces.web import errors
from shturman.interfaces.web.auth import Admin, Viewer
from shturman.interfaces.web.deps import Config, Services, WebServices, WebUser
from shturman.interfaces.web.pages import pages
from shturman.interfaces.web.routes.servers import explain
from shturman.interfaces.web.schemas import Me
from shturman.services.admin import PROVIDERS, InvalidInput, SettingsAdmin

page = APIRouter()
api = APIRouter(prefix="/api", tags=["account"])

DELEGATE_UI = ("chat", "task_form")
DONE = frozenset({"prefs", "model", "telegram", "role", "profile"})


def delegate_ui(me: WebUser) -> str:
    chosen = me.user.settings.get("delegate_ui")
    return chosen if chosen in DELEGATE_UI else "chat"


def _settings_admin(svc: WebServices) -> SettingsAdmin:
    if svc.settings_admin is None:  # the composition root always hands one
        raise RuntimeError("the web app was built without settings_admin")
    return svc.settings_admin


@page.get("/", include_in_schema=False)
async def home(me: Viewer, svc: Services) -> Response:
    if me.user.role.value == "admin" and await _new_install(svc):
        return RedirectResponse("/welcome", status_code=303)
    return RedirectResponse("/runs", status_code=303)


async def _new_install(svc: WebServices) -> bool:
    return all(s.name == LOCAL_SERVER for s in await svc.inventory.all())


@page.get("/welcome", response_class=HTMLResponse, include_in_schema=False)
async def welcome(request: Request, me: Viewer, svc: Services, cfg: Config,
                  lang: Literal["ru", "en"] | None = None) -> Response:
    shown = me if lang is None else replace(me, user=replace(me.user, language=lang))
    model = cfg.model_configured
    if not model and svc.settings_admin is not None:
        model = (await svc.settings_admin.model()).configured
    steps = [("server", not await _new_install(svc), "/servers/new", "admin.welcome.go_servers"),
             ("telegram", me.user.telegram_id is not None, "/settings#telegram",
              "admin.welcome.go_settings"),
             ("model", model, "/settings#model", "admin.welcome.go_settings")]
    return await pages(request).page(request, "welcome.html", shown, steps=steps,
                                     other="en" if shown.lang == "ru" else "ru")


@page.get("/settings", response_class=HTMLResponse, include_in_schema=False)
async def settings_page(request: Request, me: Viewer, svc: Services, cfg: Config) -> Response:
    return await _settings(request, me, svc, cfg)


async def _settings(request: Request, me: WebUser, svc: WebServices, cfg: Config, *,
                    error: str = "", status: int = 200) -> Response:
    done = request.query_params.get("done", "")
    values: dict[str, object] = {
        "delegate_ui": delegate_ui(me), "voice": bool(me.user.settings.get("voice")),
        "delegate_choices": DELEGATE_UI, "error": error,
        "done": say(f"admin.done.{done}", me.lang) if done in DONE else "",
        "is_admin": me.user.role.value == "admin"}
    if values["is_admin"]:
        admin = _settings_admin(svc)
        servers = []
        for s in await svc.inventory.all():
            source = await svc.inventory.source(s.name)
            servers.append((s, source, svc.inventory.origin(s.name)))
        values.update(model=await admin.model(), providers=PROVIDERS,
                      running=cfg.model_configured,
                      people=await admin.people(), roles=("admin", "operator", "viewer"),
                      servers=servers, profiles=[p.value for p in AccessProfile])
    return await pages(request).page(request, "settings.html", me, status_code=status,
                                     **values)


@page.post("/settings", include_in_schema=False)
async def save_settings(me: Viewer, svc: Services,
                        language: Annotated[str, Form(pattern="^(ru|en)$")],
                        delegate: Annotated[str, Form(alias="delegate_ui",
                                                      pattern="^(chat|task_form)$")] = "",
                        voice: Annotated[str, Form()] = "") -> Response:
    settings: dict[str, object] = {"voice": voice in ("on", "1", "true")}
    if delegate:
        settings["delegate_ui"] = delegate
    await svc.users.set(me.name, language=language, settings=settings)
    return RedirectResponse("/settings?done=prefs", status_code=303)


async def _admin_change(request: Request, me: WebUser, svc: WebServices, cfg: Config,
                        done: str, change: Awaitable[object]) -> Response:
    """Run an admin change; a refusal is shown on the settings page in the user's language."""
    try:
        await change
    except (InvalidInput, ServerExistsError, UnknownServerError) as exc:
        _, _, message = explain(exc, me.lang)
        return await _settings(request, me, svc, cfg, error=message, status=400)
    except UserError as exc:
        shown = errors.describe(exc, me.lang)
        return await _settings(request, me, svc, cfg, error=shown.message,
                               status=shown.status)
    return RedirectResponse(f"/settings?done={done}#{done}", status_code=303)


@page.post("/settings/model", include_in_schema=False)
async def save_model(request: Request, me: Admin, svc: Services, cfg: Config,
                     provider: Annotated[str, Form()] = "",
                     model: Annotated[str, Form()] = "",
                     base_url: Annotated[str, Form()] = "",
                     api_key: Annotated[str, Form()] = "",
                     forget_key: Annotated[str, Form()] = "") -> Response:
    return await _admin_change(request, me, svc, cfg, "model", _settings_admin(svc).save_model(
        provider=provider.strip() or None, model=model.strip() or None,
        base_url=base_url.strip() or None, api_key=api_key.strip() or None,
        forget_key=bool(forget_key), actor=str(me.principal.actor)))


@page.post("/settings/telegram", include_in_schema=False)
async def save_telegram(request: Request, me: Admin, svc: Services, cfg: Config,
                        name: Annotated[str, Form()],
                        telegram_id: Annotated[str, Form()] = "",
                        action: Annotated[str, Form(pattern="^(link|unlink)$")] = "link"
                        ) -> Response:
    admin = _settings_admin(svc)
    actor = str(me.principal.actor)
    if action == "unlink":
        return await _admin_change(request, me, svc, cfg, "telegram",
                                   admin.unlink_telegram(name, actor=actor))
    try:
        number = int(telegram_id.strip())
    except ValueError:
        number = -1
    if number <= 0:
        return await _admin_change(request, me, svc, cfg, "telegram", _raise(InvalidInput(
            "admin.err.telegram_id", value=telegram_id)))
    return await _admin_change(request, me, svc, cfg, "telegram",
                               admin.link_telegram(name, number, actor=actor))


@page.post("/settings/role", include_in_schema=False)
async def save_role(request: Request, me: Admin, svc: Services, cfg: Config,
                    name: Annotated[str, Form()],
                    role: Annotated[str, Form(pattern="^(admin|operator|viewer)$")]
                    ) -> Response:
    return await _admin_change(request, me, svc, cfg, "role", _settings_admin(svc).set_role(
        name, role, actor=str(me.principal.actor)))


@page.post("/settings/profile", include_in_schema=False)
async def save_profile(request: Request, me: Admin, svc: Services, cfg: Config,
                       server: Annotated[str, Form()],
                       profile: Annotated[str, Form()]) -> Response:
    return await _admin_change(request, me, svc, cfg, "profile",
                               _settings_admin(svc).set_profile(
                                   server, profile, actor=str(me.principal.actor)))


async def _raise(exc: ShturmanError) -> None:
    raise exc


class Preferences(BaseModel):
    language: Literal["ru", "en"]
    delegate_ui: Literal["chat", "task_form"]
    voice: bool


@api.get("/me", response_model=Me, summary="Who this session or token is")
async def whoami(me: Viewer) -> Me:
    return Me(name=me.name, role=me.user.role.value, language=me.lang, via=me.via)


@api.get("/me/settings", response_model=Preferences, summary="My own settings")
async def my_settings(me: Viewer) -> Preferences:
    return Preferences(language="en" if me.lang == "en" else "ru",
                       delegate_ui=cast("Literal['chat', 'task_form']", delegate_ui(me)),
                       voice=bool(me.user.settings.get("voice")))


@api.put("/me/settings", response_model=Preferences, summary="Change my own settings")
async def put_my_settings(body: Preferences, me: Viewer, svc: Services) -> Preferences:
    user = await svc.users.set(me.name, language=body.language, settings={
        "delegate_ui": body.delegate_ui, "voice": body.voice})
    return Preferences(language=body.language, delegate_ui=body.delegate_ui,
                       voice=bool(user.settings.get("voice")))
