"""A server's health: every check's state (ok / failing / down / recovered) with its last
change and latest results, and a chart of the last 24 h — disk, memory, load, check latency —
drawn here as inline SVG (no JavaScript needed; with htmx the chart refreshes itself).

Everyone may read it (viewer and up). ``GET /servers/{name}/health`` is the page,
``/servers/{name}/health/chart`` the chart alone (what htmx swaps in),
``GET /api/servers/{name}/health`` the same as JSON. An unknown server is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from shturman.domain.errors import UnknownServerError
from shturman.domain.texts import say
from shturman.interfaces.web.auth import Viewer
from shturman.interfaces.web.deps import Services, WebServices
from shturman.interfaces.web.pages import pages
from shturman.interfaces.web.schemas import Problem
from shturman.services.monitoring.history import HealthHistory, HealthView, Metric, Series

page = APIRouter()
api = APIRouter(prefix="/api", tags=["health"])

WIDTH, HEIGHT = 560, 120  # one panel of the chart, in SVG user units
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 8, 18  # room for the axis labels
FIXED_TOP = {Metric.DISK: 100.0, Metric.MEMORY: 100.0}  # percent: the whole scale
REFRESH = 60  # seconds between two htmx refreshes of the chart


# --- the chart's geometry (pure) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    at: datetime
    value: float


@dataclass(frozen=True, slots=True)
class Panel:
    """One series drawn: its dots, the polyline through them, the y scale's top."""

    metric: Metric
    dots: tuple[Dot, ...]
    line: str  # the polyline's ``points`` attribute
    top: float
    readings: int
    low: float | None
    high: float | None
    latest: float | None


def scale_top(series: Series) -> float:
    fixed = FIXED_TOP.get(series.metric)
    if fixed is not None:
        return fixed
    high = max((p.value for p in series.points), default=0.0)
    return _nice(high * 1.15) if high > 0 else 1.0


def _nice(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above ``value``."""
    step = 10.0 ** (len(str(int(value))) - 1) if value >= 1 else 0.01
    while step * 10 < value:
        step *= 10
    for factor in (1, 2, 2.5, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def panel(series: Series, since: datetime, until: datetime) -> Panel:
    """Where each point of ``series`` falls in a WIDTH × HEIGHT panel (time on x)."""
    span = max(1.0, (until - since).total_seconds())
    top = scale_top(series)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    dots = tuple(Dot(
        round(LEFT + inner_w * (p.at - since).total_seconds() / span, 1),
        round(TOP + inner_h * (1 - min(p.value, top) / top), 1), p.at, p.value)
        for p in series.points)
    values = [p.value for p in series.points]
    return Panel(series.metric, dots, " ".join(f"{d.x},{d.y}" for d in dots), top,
                 series.readings, min(values, default=None), max(values, default=None),
                 series.latest)


def shown(metric: Metric, value: float | None) -> str:
    if value is None:
        return "—"
    if metric is Metric.LATENCY:
        return f"{value:.3f}"
    return f"{value:.1f}" if metric is not Metric.LOAD else f"{value:.2f}"


# --- JSON -----------------------------------------------------------------------------


class ResultOut(BaseModel):
    at: datetime
    ok: bool
    value: float | None
    duration: float
    detail: str


class CheckOut(BaseModel):
    check: str
    state: str
    since: datetime
    failures: int
    incident: int
    detail: str
    updated_at: datetime | None
    run_id: str | None
    history: list[ResultOut]


class PointOut(BaseModel):
    at: datetime
    value: float


class HealthOut(BaseModel):
    server: str
    since: datetime
    until: datetime
    checks: list[CheckOut]
    series: dict[str, list[PointOut]]

    @classmethod
    def of(cls, view: HealthView) -> HealthOut:
        return cls(server=view.server, since=view.since, until=view.until, checks=[
            CheckOut(check=c.status.check, state=c.status.state.value, since=c.status.since,
                     failures=c.status.failures, incident=c.status.incident,
                     detail=c.status.detail, updated_at=c.status.updated_at,
                     run_id=c.status.run_id,
                     history=[ResultOut(at=r.at, ok=r.ok, value=r.value, duration=r.duration,
                                        detail=r.detail) for r in c.results])
            for c in view.checks], series={
            s.metric.value: [PointOut(at=p.at, value=p.value) for p in s.points]
            for s in view.series})


# --- routes ---------------------------------------------------------------------------


def history_of(svc: WebServices) -> HealthHistory:
    if svc.health is None:  # the composition root always hands one
        raise RuntimeError("the web app was built without health")
    return svc.health


def _panels(view: HealthView) -> list[Panel]:
    return [panel(s, view.since, view.until) for s in view.series]


def _chart_values(view: HealthView) -> dict[str, Any]:
    hours = round((view.until - view.since).total_seconds() / 3600)
    return {"view": view, "panels": _panels(view), "hours": hours, "shown": shown,
            "geometry": {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": RIGHT,
                         "top": TOP, "bottom": BOTTOM}, "refresh": REFRESH}


async def _unknown(request: Request, me: Viewer, name: str) -> Response:
    return await pages(request).page(request, "error.html", me, status_code=404, status=404,
                                     message=say("web.health.unknown_server", me.lang,
                                                 name=name))


@page.get("/servers/{name}/health", response_class=HTMLResponse, include_in_schema=False)
async def health_page(request: Request, name: str, me: Viewer, svc: Services) -> Response:
    try:
        view = await history_of(svc).view(name)
    except UnknownServerError:
        return await _unknown(request, me, name)
    return await pages(request).page(request, "health.html", me, **_chart_values(view))


@page.get("/servers/{name}/health/chart", response_class=HTMLResponse,
          include_in_schema=False)
async def health_chart(request: Request, name: str, me: Viewer, svc: Services) -> Response:
    try:
        view = await history_of(svc).view(name, history=0)
    except UnknownServerError:
        return await _unknown(request, me, name)
    return HTMLResponse(pages(request).fragment("_chart.html", me.lang, **_chart_values(view)))


@api.get("/servers/{name}/health", response_model=HealthOut,
         responses={404: {"model": Problem}},
         summary="A server's checks, their latest results and the last 24 h of readings")
async def health_json(name: str, me: Viewer, svc: Services) -> Response:
    try:
        view = await history_of(svc).view(name)
    except UnknownServerError:
        return JSONResponse(Problem(error="unknown_server", message=say(
            "web.health.unknown_server", me.lang, name=name)).model_dump(), status_code=404)
    return JSONResponse(HealthOut.of(view).model_dump(mode="json"))
