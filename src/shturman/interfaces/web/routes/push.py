"""Web Push: the VAPID public key for the page, and the caller's own browser subscriptions.

A subscription always belongs to the user asking (the body names no user; an endpoint that
is another user's is refused with 409, never taken over). The settings page's block
(``templates/_push.html`` + ``static/push.js``) calls these with the session's CSRF token;
``static/sw.js`` shows what arrives.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from shturman.interfaces.i18n import t
from shturman.interfaces.web.auth import Viewer
from shturman.interfaces.web.deps import Services, WebServices
from shturman.interfaces.web.schemas import Done, Problem
from shturman.services.push import PushService, acceptable_endpoint

page = APIRouter()  # no page of its own: the block on /settings (templates/_push.html)
api = APIRouter(prefix="/api/push", tags=["push"])

_B64URL = r"^[A-Za-z0-9_-]+={0,2}$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PushKeys(_Body):
    p256dh: str = Field(min_length=80, max_length=128, pattern=_B64URL)
    auth: str = Field(min_length=16, max_length=64, pattern=_B64URL)


class SubscriptionIn(_Body):
    """``PushSubscription.toJSON()`` of the browser (``expirationTime`` is ignored)."""

    endpoint: str = Field(min_length=10, max_length=1024)
    keys: PushKeys
    expirationTime: int | None = None  # the browser's spelling


class EndpointIn(_Body):
    endpoint: str = Field(min_length=1, max_length=1024)


class PushKeyOut(BaseModel):
    public_key: str  # base64url: the page's applicationServerKey
    subscriptions: int  # of the caller


class SubscriptionOut(BaseModel):
    endpoint: str
    created_at: datetime | None
    last_sent_at: datetime | None


def _push(svc: WebServices) -> PushService:
    if svc.push is None:  # the composition root always wires it; a bare test app may not
        from fastapi import HTTPException

        raise HTTPException(404)
    return svc.push


@api.get("/key", response_model=PushKeyOut, summary="The VAPID public key")
async def key(me: Viewer, svc: Services) -> PushKeyOut:
    push = _push(svc)
    return PushKeyOut(public_key=await push.public_key(),
                      subscriptions=len(await push.subscriptions(me.name)))


@api.get("/subscriptions", response_model=list[SubscriptionOut], summary="My devices")
async def mine(me: Viewer, svc: Services) -> list[SubscriptionOut]:
    return [SubscriptionOut(endpoint=s.endpoint, created_at=s.created_at,
                            last_sent_at=s.last_sent_at)
            for s in await _push(svc).subscriptions(me.name)]


@api.post("/subscriptions", response_model=SubscriptionOut, status_code=201,
          summary="Subscribe this browser (for me)",
          responses={409: {"model": Problem}, 400: {"model": Problem}})
async def subscribe(body: SubscriptionIn, me: Viewer, svc: Services
                    ) -> Response | SubscriptionOut:
    if not acceptable_endpoint(body.endpoint):
        return JSONResponse(Problem(error="push_endpoint",
                                    message=t("push.err.endpoint", me.lang)).model_dump(),
                            status_code=400)
    stored = await _push(svc).subscribe(me.name, body.endpoint, body.keys.p256dh,
                                        body.keys.auth)
    if stored is None:
        return JSONResponse(Problem(error="push_taken",
                                    message=t("push.err.taken", me.lang)).model_dump(),
                            status_code=409)
    return SubscriptionOut(endpoint=stored.endpoint, created_at=stored.created_at,
                           last_sent_at=stored.last_sent_at)


@api.post("/unsubscribe", response_model=Done, summary="Forget this browser (mine only)")
async def unsubscribe(body: EndpointIn, me: Viewer, svc: Services) -> Done:
    return Done(ok=await _push(svc).unsubscribe(me.name, body.endpoint))
