"""The one-time setup link (``/setup?token=…``): creates the first admin, then never again.

Public (no session can exist yet). `shturman serve --open` / `shturman web --open` print the
link while no admin exists (``services.setup_link``). The token travels in the form: it is the
secret another site cannot know, so it also stands for the CSRF token. A used, expired or
unknown token — or any admin existing — is refused with 401 (the token is this page's
credential: without a valid one it is as closed as every other page). Success opens a
session and shows the first screen (``/welcome``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shturman.domain.errors import UserError
from shturman.domain.texts import say
from shturman.interfaces.web import errors
from shturman.interfaces.web.auth import SESSION_COOKIE
from shturman.interfaces.web.deps import Config, Services, WebServices
from shturman.interfaces.web.pages import pages
from shturman.services.admin import InvalidInput
from shturman.services.setup_link import SetupLinks

public = APIRouter()


def _links(svc: WebServices) -> SetupLinks:
    if svc.setup_links is None:  # the composition root always hands one
        raise RuntimeError("the web app was built without setup_links")
    return svc.setup_links


async def _page(request: Request, *, token: str, refused: bool, lang: str, name: str = "",
                error: str = "", status: int = 200) -> Response:
    response = await pages(request).page(request, "setup.html", None, status_code=status,
                                         token=token, refused=refused, admin_name=name,
                                         error=error)
    response.headers["cache-control"] = "no-store"
    return response


@public.get("/setup", response_class=HTMLResponse, include_in_schema=False)
async def setup_page(request: Request, svc: Services, cfg: Config, token: str = "") -> Response:
    valid = await _links(svc).valid(token)
    return await _page(request, token=token if valid else "", refused=not valid,
                       lang=cfg.language, status=200 if valid else 401)


@public.post("/setup", include_in_schema=False)
async def create_admin(request: Request, svc: Services, cfg: Config,
                       token: Annotated[str, Form(max_length=200)] = "",
                       name: Annotated[str, Form(max_length=64)] = "",
                       password: Annotated[str, Form(max_length=1024)] = "",
                       password2: Annotated[str, Form(max_length=1024)] = "",
                       language: Annotated[str, Form(pattern="^(ru|en)$")] = "ru"
                       ) -> Response:
    links = _links(svc)
    lang = cfg.language
    if not await links.attempt(token):
        return await _page(request, token="", refused=True, lang=lang, status=401)
    if password != password2:
        return await _page(request, token=token, refused=False, lang=lang, name=name,
                           error=say("admin.err.password_mismatch", lang), status=400)
    try:
        user = await links.redeem(token, name.strip(), password, language)
    except InvalidInput as exc:
        return await _page(request, token=token, refused=False, lang=lang, name=name,
                           error=say(exc.key, lang, **exc.values), status=400)
    except UserError as exc:
        shown = errors.describe(exc, lang)
        return await _page(request, token=token, refused=False, lang=lang, name=name,
                           error=shown.message, status=shown.status)
    if user is None:
        return await _page(request, token="", refused=True, lang=lang, status=401)
    session = await svc.tokens.open_session(user.name, cfg.session_lifetime)
    response = RedirectResponse("/welcome", status_code=303)
    response.set_cookie(SESSION_COOKIE, session, max_age=int(cfg.session_lifetime),
                        httponly=True, samesite="lax", secure=cfg.secure_cookies, path="/")
    return response
