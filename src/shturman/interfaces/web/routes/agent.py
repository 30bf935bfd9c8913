"""The agent HTTP API, for peers and scripts: JSON only, ``Authorization: Bearer shtk_…`` only
(a session cookie is ignored here, so no CSRF question arises).

- ``GET /agent/health``: cheap and read-only (the token is looked up without a write) — what
  a peer's watchdog calls every minute.
- ``GET /agent/vm/status``, ``GET /agent/logs/{service}``: reads (any role); the logs are read
  through the policy in read-only mode.
- ``POST /agent/vm/reboot``, ``/agent/service/restart``, ``/agent/code/deploy``: a run job
  (``JobService.submit_run``, actor ``agent-api:USER``) like any other channel's — its commands
  pass the policy and its ``confirm`` steps wait for an approval; ``POST /agent/backup``: a
  backup job. These need the operator role (a viewer's token gets 403) and answer 202 with
  ``{job_id, run_id, url}``; ``GET /agent/jobs/{id}`` follows a job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from shturman.domain.jobs import Priority
from shturman.domain.models import Actor
from shturman.domain.users import Role
from shturman.interfaces.web.auth import Forbidden, NotAuthenticated
from shturman.interfaces.web.deps import Services, WebUser, services
from shturman.services.monitoring.agent_api import restart_text

if TYPE_CHECKING:
    from shturman.services.monitoring.agent_api import AgentApi

router = APIRouter(prefix="/agent", tags=["agent"])

NAME = r"^[A-Za-z0-9][A-Za-z0-9@._:-]{0,127}$"  # a server or service name, nothing else


def agent_api(request: Request) -> AgentApi:
    found: AgentApi = request.app.state.agent
    return found


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if header[:7].lower() != "bearer ":
        raise NotAuthenticated
    return header[7:].strip()


async def _token_user(request: Request) -> WebUser:
    user = await services(request).tokens.bearer_user(_bearer(request))
    if user is None:
        raise NotAuthenticated
    found = WebUser(user, "token")
    request.state.web_user = found
    return found


async def _health_user(request: Request) -> WebUser:
    user = await agent_api(request).identify(_bearer(request))  # no write
    if user is None:
        raise NotAuthenticated
    found = WebUser(user, "token")
    request.state.web_user = found
    return found


async def _operator(who: Annotated[WebUser, Depends(_token_user)]) -> WebUser:
    if not who.may(Role.OPERATOR):
        raise Forbidden(Role.OPERATOR)
    return who


Reader = Annotated[WebUser, Depends(_token_user)]
Changer = Annotated[WebUser, Depends(_operator)]
Api = Annotated["AgentApi", Depends(agent_api)]


class ServerIn(BaseModel):
    server: str = Field(pattern=NAME)


class ServiceIn(ServerIn):
    service: str = Field(pattern=NAME)


class DeployIn(ServiceIn):
    request: str | None = Field(default=None, max_length=4000)  # what to deploy, in words
    ref: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._/-]{1,128}$")


class Accepted(BaseModel):
    job_id: int
    run_id: str | None
    url: str


def _actor(who: WebUser) -> Actor:
    return Actor("agent-api", who.name)


async def _run(svc: Any, who: WebUser, text: str, server: str) -> JSONResponse:
    job = await svc.jobs.submit_run(text, _actor(who), server=server, lang=who.lang)
    shown = Accepted(job_id=job.id, run_id=job.run_id,
                     url=f"/runs/{job.run_id}" if job.run_id else f"/agent/jobs/{job.id}")
    return JSONResponse(shown.model_dump(), status_code=202)


@router.get("/health", summary="Is this instance alive (cheap, read-only)")
async def health(who: Annotated[WebUser, Depends(_health_user)], api: Api) -> dict[str, Any]:
    return (await api.health()).as_json()


@router.get("/vm/status", summary="This instance's view of its servers")
async def vm_status(who: Reader, api: Api) -> dict[str, Any]:
    return {"instance": api.instance, "servers": await api.servers()}


@router.get("/logs/{service}", summary="Recent log lines of a service (read-only)")
async def logs(service: Annotated[str, PathParam(pattern=NAME)], who: Reader, api: Api,
               server: Annotated[str, Query(pattern=NAME)],
               lines: Annotated[int, Query(ge=1, le=2000)] = 100) -> dict[str, Any]:
    found = await api.logs(server, service, lines, _actor(who))
    return found.as_json()


@router.get("/jobs/{job_id}", summary="A job submitted here: its state and result")
async def job(job_id: int, who: Reader, svc: Services) -> dict[str, Any]:
    return (await svc.jobs.show(job_id)).as_json()


@router.post("/vm/reboot", status_code=202, response_model=Accepted,
             summary="Reboot a server (a run: the policy asks for an approval)")
async def reboot(body: ServerIn, who: Changer, svc: Services) -> JSONResponse:
    return await _run(svc, who, f"reboot {body.server}", body.server)


@router.post("/service/restart", status_code=202, response_model=Accepted,
             summary="Restart a service (a run through the policy and approvals)")
async def restart(body: ServiceIn, who: Changer, svc: Services) -> JSONResponse:
    return await _run(svc, who, restart_text(body.service, body.server), body.server)


@router.post("/code/deploy", status_code=202, response_model=Accepted,
             summary="Deploy a service's code (a run with the request text)")
async def deploy(body: DeployIn, who: Changer, svc: Services) -> JSONResponse:
    text = body.request or (f"deploy {body.service} on {body.server}"
                            + (f" at {body.ref}" if body.ref else ""))
    return await _run(svc, who, text, body.server)


@router.post("/backup", status_code=202, response_model=Accepted,
             summary="Back up a server's configs (a backup job)")
async def backup(body: ServerIn, who: Changer, svc: Services) -> JSONResponse:
    server = (await svc.inventory.get(body.server)).name  # unknown → 400 before queueing
    job = await svc.jobs.submit("backup", {"servers": [server]}, priority=Priority.HIGH,
                                server=server, actor=_actor(who))
    shown = Accepted(job_id=job.id, run_id=None, url=f"/agent/jobs/{job.id}")
    return JSONResponse(shown.model_dump(), status_code=202)
