"""Route tests over ASGI against the real app, container and SQLite store (DESIGN.md §6)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from shturman.domain.models import Actor, RunMode
from shturman.interfaces.web import create_app
from tests.web.conftest import PASSWORDS, finished_run, login

# /setup is opened by its one-time token (refused without one: tests/web/test_setup_link.py)
PUBLIC = {"/healthz", "/login", "/setup"}


async def test_healthz_answers_without_a_login(client: httpx.AsyncClient) -> None:
    answer = await client.get("/healthz")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"


def _walk(routes: list[Any]) -> list[APIRoute]:
    """Every endpoint, inside included routers too (FastAPI ≥ 0.16x keeps them nested)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (inner := getattr(route, "original_router", None)) is not None:
            found.extend(_walk(inner.routes))
    return found


def _routes(web: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in _walk(web.app.routes):
        if route.path not in PUBLIC:
            path = route.path.replace("{notification_id}", "1").replace("{audit_id}", "1")
            path = path.replace("{run_id}", "r").replace("{approval_id}", "a")
            found.extend((method, path) for method in sorted(route.methods or ()))
    return found


async def test_every_route_but_healthz_and_login_needs_a_session_or_token(
        web: Any, client: httpx.AsyncClient, users: Any) -> None:
    routes = _routes(web)
    assert len(routes) > 30 and ("GET", "/api/openapi.json") in routes
    for method, path in routes:
        answer = await client.request(method, path)
        assert answer.status_code == 401, (method, path, answer.status_code)
        assert answer.json()["error"] == "unauthenticated"
        page = await client.request(method, path, headers={"accept": "text/html"})
        assert page.status_code in (401, 303), (method, path)
        if not path.startswith(("/api/", "/agent/")):  # machine APIs answer 401, pages redirect
            assert page.status_code == 303 and page.headers["location"].startswith("/login")
    bad = await client.get("/api/me", headers={"authorization": "Bearer shtk_not-a-token"})
    assert bad.status_code == 401
    client.cookies.set("shturman_session", "forged")
    assert (await client.get("/api/me")).status_code == 401


async def test_no_user_yet_the_login_page_says_how_to_add_one(client: httpx.AsyncClient
                                                               ) -> None:
    page = await client.get("/login")
    assert "shturman user add NAME --role admin --password-stdin" in page.text
    assert "ещё нет" in page.text  # Russian by default


async def test_session_cookie_is_httponly_samesite_and_secure_when_configured(
        client: httpx.AsyncClient, users: Any, web: Any, make_client: Any) -> None:
    answer = await login(client, "oleg")
    assert answer.status_code == 303 and answer.headers["location"] == "/runs"
    cookie = next(v for k, v in answer.headers.multi_items()
                  if k == "set-cookie" and v.startswith("shturman_session="))
    flags = {p.strip().lower() for p in cookie.split(";")}
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "secure" not in flags
    secure = create_app(web.app.state.services,
                        dataclasses.replace(web.app.state.config, secure_cookies=True))
    async with make_client(app=secure, scheme="https") as other:
        answer = await login(other, "oleg")
    cookie = next(v for k, v in answer.headers.multi_items()
                  if k == "set-cookie" and v.startswith("shturman_session="))
    assert "secure" in {p.strip().lower() for p in cookie.split(";")}
    assert "shturman_session" not in answer.text  # the token is never in a page


async def test_wrong_password_and_login_rate_limit(make_client: Any, users: Any) -> None:
    async with make_client("10.0.0.7") as c:
        for _ in range(5):
            wrong = await login(c, "oleg", "nope")
            assert wrong.status_code == 401 and "Неверное имя или пароль" in wrong.text
        throttled = await login(c, "oleg")  # even the right password waits now
        assert throttled.status_code == 429
        assert "Слишком много неудачных попыток" in throttled.text
        assert (await c.get("/api/me")).status_code == 401
        other = await login(c, "anna")  # another name from this address still may
        assert other.status_code == 303
    async with make_client("10.0.0.8") as c:  # and the same name from another address
        assert (await login(c, "oleg")).status_code == 303


async def test_login_form_without_its_token_is_refused(client: httpx.AsyncClient,
                                                       users: Any) -> None:
    answer = await client.post("/login", data={"name": "oleg", "password": PASSWORDS["oleg"]})
    assert answer.status_code == 403 and "shturman_session" not in answer.headers.get(
        "set-cookie", "")


async def test_unsafe_requests_need_the_csrf_token(sign_in: Any) -> None:
    oleg = await sign_in("oleg")
    c = oleg.client
    refused = await c.post("/approvals/abc/approve", data={})
    assert refused.status_code == 403 and refused.json()["error"] == "csrf"
    wrong = await c.post("/approvals/abc/approve", data={"csrf_token": "x" * 64})
    assert wrong.status_code == 403
    api = await c.post("/api/runs", json={"text": "uptime", "server": "local"})
    assert api.status_code == 403 and api.json()["error"] == "csrf"
    assert (await c.post("/logout")).status_code == 403  # logging out is a form too
    taken = await c.post("/approvals/abc/approve", data={"csrf_token": oleg.csrf})
    assert taken.status_code == 303 and taken.headers["location"].endswith(
        "notice=unknown_approval")


async def test_logout_ends_the_session(sign_in: Any) -> None:
    vera = await sign_in("vera")
    assert (await vera.client.get("/api/me")).json()["role"] == "viewer"
    out = await vera.client.post("/logout", data={"csrf_token": vera.csrf})
    assert out.status_code == 303
    old = vera.client.cookies.get("shturman_session")
    assert old is None or (await vera.client.get("/api/me")).status_code == 401


async def test_viewer_reads_but_cannot_run_or_approve(sign_in: Any) -> None:
    vera = await sign_in("vera")
    c = vera.client
    for path in ("/runs", "/approvals", "/servers", "/audit", "/notifications", "/settings"):
        assert (await c.get(path)).status_code == 200, path
    no = await c.post("/approvals/abc/approve", data={"csrf_token": vera.csrf})
    assert no.status_code == 403
    no = await c.post("/runs", data={"csrf_token": vera.csrf, "text": "uptime"})
    assert no.status_code == 403
    no = await c.post("/api/runs", json={"text": "uptime"},
                      headers={"x-csrf-token": vera.csrf})
    assert no.status_code == 403 and no.json()["error"] == "forbidden"


async def test_api_tokens_authenticate_machines(container: Any, users: Any,
                                                client: httpx.AsyncClient) -> None:
    token = await container.tokens.issue("oleg", "ci")
    assert token.startswith("shtk_")
    auth = {"authorization": f"Bearer {token}"}
    me = await client.get("/api/me", headers=auth)
    assert me.status_code == 200 and me.json() == {"name": "oleg", "role": "operator",
                                                   "language": "en", "via": "token"}
    started = await client.post("/api/runs", headers=auth,  # no CSRF: no cookie involved
                                json={"text": "uptime", "server": "local", "mode": "readonly"})
    assert started.status_code == 202, started.text
    assert started.json()["url"] == f"/runs/{started.json()['run_id']}"
    viewer = await container.tokens.issue("vera")
    answer = await client.post("/api/approvals/abc/approve",
                               headers={"authorization": f"Bearer {viewer}"})
    assert answer.status_code == 403
    unknown = await client.post("/api/approvals/abc/approve", headers=auth)
    assert unknown.status_code == 404 and unknown.json()["error"] == "approval_unknown"
    assert await container.tokens.revoke_all("oleg") >= 1
    assert (await client.get("/api/me", headers=auth)).status_code == 401
    audit = await container.audit.recent(20)
    assert any(a.action == "api_token_issued" for a in audit)
    assert not any(token in (a.detail + a.command) for a in audit)  # only its digest is kept


async def test_openapi_schema_is_served_to_the_authenticated(client: httpx.AsyncClient,
                                                             sign_in: Any) -> None:
    assert (await client.get("/api/openapi.json")).status_code == 401
    vera = await sign_in("vera")
    schema = (await vera.client.get("/api/openapi.json")).json()
    paths = schema["paths"]
    for path in ("/healthz", "/api/runs", "/api/runs/{run_id}/events", "/api/approvals",
                 "/api/approvals/{approval_id}/approve", "/api/notifications/unread",
                 "/api/servers", "/api/audit", "/api/me"):
        assert path in paths, path
    assert not any(p.startswith(("/login", "/runs/")) for p in paths)  # pages are not API


def _sse(text: str) -> list[dict[str, str]]:
    messages = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            key, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            fields[key] = fields[key] + "\n" + value if key in fields else value
        if fields:
            messages.append(fields)
    return messages


async def test_sse_of_a_finished_run_delivers_every_event_and_resumes(
        container: Any, sign_in: Any, workers: Any) -> None:
    oleg = await sign_in("oleg")
    job = await container.jobs.submit_run("покажи место на диске", Actor("web", "oleg"),
                                          server="local", mode=RunMode.INTERACTIVE)
    record = await finished_run(container, job.run_id)
    assert record.status == "succeeded"
    _, stored = await container.runs.replay(job.run_id)
    answer = await oleg.client.get(f"/api/runs/{job.run_id}/events")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    messages = _sse(answer.text)
    events = [m for m in messages if m.get("event") == "run_event"]
    assert [int(m["id"]) for m in events] == [e.seq for e in stored]
    assert [json.loads(m["data"])["type"] for m in events] == [e.type for e in stored]
    assert json.loads(events[-1]["data"])["type"] == "run_finished"
    assert messages[-1] == {"event": "end", "data": "succeeded"}
    resumed = _sse((await oleg.client.get(f"/api/runs/{job.run_id}/events",
                                          headers={"last-event-id": "2"})).text)
    assert [int(m["id"]) for m in resumed if "id" in m] == [e.seq for e in stored[3:]]
    html = _sse((await oleg.client.get(f"/runs/{job.run_id}/events?after=0")).text)
    fragments = [m["data"] for m in html if m.get("event") == "run_event"]
    assert len(fragments) == len(stored) - 1 and 'id="ev-1"' in fragments[0]
    page = await oleg.client.get(f"/runs/{job.run_id}")
    assert page.status_code == 200 and "run_finished" in page.text
    assert "data-stream" not in page.text  # finished: nothing to follow
    missing = await oleg.client.get("/api/runs/no-such-run/events")
    assert missing.status_code == 404 and missing.json()["error"] == "unknown_run"


async def test_new_run_form_starts_a_job_and_redirects_to_its_page(
        container: Any, sign_in: Any) -> None:
    oleg = await sign_in("oleg")
    form = await oleg.client.get("/runs/new")
    assert form.status_code == 200 and 'value="local"' in form.text
    answer = await oleg.client.post("/runs", data={
        "csrf_token": oleg.csrf, "text": "покажи место на диске", "server": "local",
        "mode": "interactive"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/runs/")
    run_id = answer.headers["location"].rsplit("/", 1)[1]
    job = await container.jobs.for_run(run_id)
    assert job is not None and job.actor == "web:oleg"
    page = await oleg.client.get(f"/runs/{run_id}")
    assert "data-stream" in page.text  # pending: the page follows it live
    bad = await oleg.client.post("/runs", data={"csrf_token": oleg.csrf, "text": "uptime",
                                                "server": "nowhere"},
                                 headers={"accept": "text/html"})
    assert bad.status_code == 400 and "nowhere" in bad.text


@pytest.mark.parametrize("approve", [True, False])
async def test_approval_from_the_page_lets_the_waiting_run_go_on(
        container: Any, sign_in: Any, workers: Any, tmp_path: Any, approve: bool) -> None:
    marker = tmp_path / "approved-marker"
    job = await container.jobs.submit_run(f"выполни `touch {marker}` на local",
                                          Actor("web", "oleg"), server="local")
    from tests.web.conftest import pending_approval

    waiting = await pending_approval(container, job.run_id)
    vera, oleg = await sign_in("vera"), await sign_in("oleg")
    listed = await oleg.client.get("/approvals")
    assert waiting.id in listed.text and f"touch {marker}" in listed.text
    assert f'{waiting.id}/approve"' not in (await vera.client.get("/approvals")).text  # no buttons
    assert f'{waiting.id}/approve"' in listed.text
    refused = await vera.client.post(f"/approvals/{waiting.id}/approve",
                                     data={"csrf_token": vera.csrf})
    assert refused.status_code == 403
    verb = "approve" if approve else "deny"
    answer = await oleg.client.post(f"/approvals/{waiting.id}/{verb}",
                                    data={"csrf_token": oleg.csrf})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/approvals?notice={'approved' if approve else 'denied'}"
    again = await oleg.client.post(f"/approvals/{waiting.id}/approve",
                                   data={"csrf_token": oleg.csrf}, follow_redirects=True)
    assert "already answered" in again.text  # oleg reads English
    htmx = await oleg.client.post(f"/approvals/{waiting.id}/deny", headers={"hx-request": "true"},
                                  data={"csrf_token": oleg.csrf})
    assert htmx.status_code == 200 and htmx.text.startswith("<article")
    assert "already answered" in htmx.text
    await finished_run(container, job.run_id)
    assert marker.exists() is approve  # the waiting run went on (or did not run it)
    _, events = await container.runs.replay(job.run_id)
    decided = [e for e in events if e.type == "approval_decided"]
    assert decided and decided[0].data["outcome"] == ("approved" if approve else "denied")
    ran = [e for e in events if e.type == "command_started"]
    assert len(ran) == (1 if approve else 0)
    answered = await container.approvals.get(waiting.id)
    assert answered.decided_by == "web:oleg"
    audit = [a for a in await container.audit.recent(100) if a.action == "approval"]
    assert {a.outcome for a in audit} >= {"refused", "approved" if approve else "denied"}
