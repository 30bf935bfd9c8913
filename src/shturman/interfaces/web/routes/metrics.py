"""``GET /metrics``: every metric of this process (observability/metrics.py) in the
Prometheus text format.

Who may read it: a request with an API token (``Authorization: Bearer shtk_…``, any role — a
scraper gets a viewer's token: `shturman user add prometheus --role viewer`, then
`shturman user token prometheus`), or an admin's browser session. With
``web.metrics_public: true`` anyone who reaches the port may (for a scraper on a private
network; the metrics carry no command, address or user, but they do name servers and checks).
Not from loopback by address alone: behind a reverse proxy on the same host every request
comes from loopback.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shturman.domain.users import Role
from shturman.interfaces.web.auth import Forbidden, authenticated
from shturman.interfaces.web.deps import config
from shturman.observability.metrics import REGISTRY

router = APIRouter()


async def may_read_metrics(request: Request) -> None:
    """Public when configured; else a token of any user, or an admin session."""
    if config(request).metrics_public:
        return
    who = await authenticated(request)  # NotAuthenticated: 401 (mapped in application.py)
    if who.via != "token" and not who.may(Role.ADMIN):
        raise Forbidden(Role.ADMIN)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    await may_read_metrics(request)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
