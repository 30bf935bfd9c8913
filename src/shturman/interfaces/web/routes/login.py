"""Logging in and out (public: the login form; the logout needs the session's CSRF token).

No default password exists: with no user able to log in, the page says how to add one.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shturman.interfaces.web.auth import (
    CSRF_FIELD,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Viewer,
    same,
)
from shturman.interfaces.web.deps import Config, Services
from shturman.interfaces.web.pages import pages
from shturman.interfaces.web.throttle import LoginThrottle

public = APIRouter()
page = APIRouter()


def throttle(request: Request) -> LoginThrottle:
    found: LoginThrottle = request.app.state.throttle
    return found


def safe_next(value: str) -> str:
    """Only a path on this site (no scheme, no host, no `//evil`)."""
    parts = urlsplit(value)
    if (not value.startswith("/") or value.startswith("//") or parts.scheme or parts.netloc
            or "\\" in value):
        return "/runs"
    return value


@public.get("/login", response_class=HTMLResponse, include_in_schema=False)
async def login_form(request: Request, svc: Services, cfg: Config, next: str = "/runs"
                     ) -> Response:
    return await _form(request, svc, cfg, next)


async def _form(request: Request, svc: Services, cfg: Config, next: str, *,
                error: str = "", name: str = "", status_code: int = 200) -> Response:
    anyone = any(u.has_password for u in await svc.users.all())
    token = secrets.token_urlsafe(24)
    response = await pages(request).page(
        request, "login.html", None, status_code=status_code, csrf=token, next=safe_next(next),
        error=error, login_name=name, anyone=anyone)
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                        secure=cfg.secure_cookies, path="/login")
    return response


@public.post("/login", include_in_schema=False)
async def login(request: Request, svc: Services, cfg: Config,
                name: Annotated[str, Form(max_length=64)] = "",
                password: Annotated[str, Form(max_length=1024)] = "",
                csrf_token: Annotated[str, Form(alias=CSRF_FIELD, max_length=128)] = "",
                next: Annotated[str, Form(max_length=2000)] = "/runs") -> Response:
    from shturman.interfaces.i18n import t

    lang = cfg.language
    if not same(csrf_token, request.cookies.get(LOGIN_COOKIE, "")):
        return await _form(request, svc, cfg, next, error=t("web.login.expired", lang),
                           name=name, status_code=403)
    address = request.client.host if request.client else "?"
    limiter = throttle(request)
    wait = limiter.retry_after(address, name)
    if wait > 0:
        return await _form(request, svc, cfg, next, name=name, status_code=429,
                           error=t("web.login.throttled", lang, seconds=int(wait) + 1))
    if not name or not await svc.users.check_password(name, password):
        limiter.failed(address, name)
        return await _form(request, svc, cfg, next, error=t("web.login.wrong", lang),
                           name=name, status_code=401)
    limiter.succeeded(address, name)
    token = await svc.tokens.open_session(name, cfg.session_lifetime)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(cfg.session_lifetime),
                        httponly=True, samesite="lax", secure=cfg.secure_cookies, path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@page.post("/logout", include_in_schema=False)
async def logout(request: Request, me: Viewer, svc: Services, cfg: Config) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if cookie:
        await svc.tokens.close_session(cookie)
    response = RedirectResponse("/login?notice=logged_out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=cfg.secure_cookies)
    return response
