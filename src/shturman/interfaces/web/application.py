"""The web app factory: :func:`create_app` builds the FastAPI app from the services and the
settings the composition root hands it.

Routes: ``/healthz``, ``/login`` and ``/static`` are public; everything else — pages, the JSON
API under ``/api`` and its schema at ``/api/openapi.json`` — sits behind
``auth.authenticated`` (a session, or an API token), mounted once here so no route can forget it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shturman.domain.errors import ShturmanError
from shturman.interfaces.i18n import t
from shturman.interfaces.web import errors
from shturman.interfaces.web.auth import CsrfRejected, Forbidden, NotAuthenticated, authenticated
from shturman.interfaces.web.deps import WebConfig, WebServices, WebUser
from shturman.interfaces.web.pages import Pages, pages
from shturman.interfaces.web.routes import (
    account,
    approvals,
    audit,
    chat,
    health,
    login,
    metrics,
    notifications,
    runs,
    servers,
    setup,
    tasks,
)
from shturman.interfaces.web.routes import agent as agent_routes
from shturman.interfaces.web.routes import push as push_routes
from shturman.interfaces.web.schemas import Health, Problem
from shturman.interfaces.web.throttle import LoginThrottle
from shturman.observability.logging import get_logger

if TYPE_CHECKING:
    from shturman.services.monitoring.agent_api import AgentApi

log = get_logger(__name__)

HTMX = "vendor/htmx.min.js"  # filled by scripts/setup-web.sh from the npm registry


def create_app(services: WebServices, config: WebConfig, *,
               agent: AgentApi | None = None) -> FastAPI:
    """``agent``: the agent HTTP API's use-case (routes/agent.py); without it no ``/agent``."""
    htmx = (config.static_dir / HTMX).is_file()
    if not htmx:
        log.warning("web.htmx_missing", path=str(config.static_dir / HTMX),
                    fix="run `make install` (scripts/setup-web.sh): pages still work, "
                        "without in-place updates")
    app = FastAPI(title="Shturman", version=config.version or "0",
                  description="Shturman's JSON API: runs, approvals, notifications, servers, "
                  "audit. Authenticate with `Authorization: Bearer TOKEN` "
                  "(`shturman user token NAME`) or a session cookie (then unsafe requests "
                  "need the `X-CSRF-Token` header).",
                  openapi_url=None, docs_url=None, redoc_url=None)
    app.state.services = services
    app.state.config = config
    app.state.pages = Pages(htmx)
    app.state.throttle = LoginThrottle(config.login_attempts, config.login_window)
    app.state.closing = asyncio.Event()  # set on shutdown: live streams end
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=config.static_dir), name="static")

    @app.get("/healthz", response_model=Health, tags=["health"], summary="Liveness (no auth)")
    async def healthz() -> Health:
        return Health(status="ok", version=config.version)

    app.include_router(login.public)
    app.include_router(setup.public)  # the one-time link that creates the first admin
    guarded = [Depends(authenticated)]
    for module in (runs, approvals, notifications, servers, health, audit, account, tasks, chat):
        app.include_router(module.page, dependencies=guarded)
        app.include_router(module.api, dependencies=guarded)
    app.include_router(login.page, dependencies=guarded)
    app.include_router(push_routes.api, dependencies=guarded)  # Web Push (routes/push.py)
    app.include_router(metrics.router)  # its own auth: a token or an admin (routes/metrics.py)
    if agent is not None:  # bearer tokens only: its own auth (routes/agent.py)
        app.state.agent = agent
        app.include_router(agent_routes.router)

    @app.get("/api/openapi.json", include_in_schema=False, dependencies=guarded)
    async def openapi() -> dict[str, Any]:
        return app.openapi()

    _errors(app)
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/agent/")) or (
        "text/html" not in request.headers.get("accept", "text/html"))


def _lang(request: Request) -> str:
    who: WebUser | None = getattr(request.state, "web_user", None)
    if who is not None:
        return who.lang
    found: WebConfig = request.app.state.config
    return found.language


async def _problem(request: Request, status: int, reason: str, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse(Problem(error=reason, message=message).model_dump(),
                            status_code=status)
    who: WebUser | None = getattr(request.state, "web_user", None)
    return await pages(request).page(request, "error.html", who, status_code=status,
                                     message=message, status=status)


def _errors(app: FastAPI) -> None:
    """The ONE place errors become responses (texts: errors.describe and the catalogue)."""

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        if _wants_json(request):
            return JSONResponse(Problem(error="unauthenticated",
                                        message=t("web.err.login", _lang(request))
                                        ).model_dump(), status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/runs"
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return await _problem(request, 403, "forbidden",
                              t("web.err.forbidden", _lang(request), role=exc.needed.value))

    @app.exception_handler(CsrfRejected)
    async def csrf(request: Request, exc: CsrfRejected) -> Response:
        return await _problem(request, 403, "csrf", t("web.err.csrf", _lang(request)))

    @app.exception_handler(ShturmanError)
    async def shturman(request: Request, exc: ShturmanError) -> Response:
        shown = errors.describe(exc, _lang(request))
        return await _problem(request, shown.status, shown.reason, shown.message)

    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> Response:
        key = "web.err.not_found" if exc.status_code == 404 else "web.err.http"
        return await _problem(request, exc.status_code, "http",
                              t(key, _lang(request), status=exc.status_code))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors())
        return await _problem(request, 422, "invalid",
                              t("web.err.invalid", _lang(request), fields=fields or "?"))


class SecurityHeaders:
    """No framing, no sniffing, scripts and styles from this origin only."""

    HEADERS: ClassVar[tuple[tuple[bytes, bytes], ...]] = (
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"content-security-policy", b"default-src 'self'; script-src 'self'; "
         b"style-src 'self'; img-src 'self' data:; connect-src 'self'; "
         b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *self.HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)
