"""The rest of the web app's contract: `shturman web` and `serve` (SIGTERM clean), every
notification action leads somewhere, audit filters, and a missing htmx only degrades."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from shturman.domain.audit import AuditFilter
from shturman.domain.models import AuditEntry
from shturman.domain.notifications import NotificationAction, NotificationKind
from shturman.interfaces.web import create_app
from tests.jobs.test_processes import ROOT, SHTURMAN


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    (tmp_path / "shturman.yaml").write_text("language: en\n")
    env.update({"SHTURMAN_HOME": str(tmp_path / "home"),
                "SHTURMAN_CONFIG": str(tmp_path / "shturman.yaml"),
                "PYTHONPATH": str(ROOT), **extra})
    return env


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([SHTURMAN, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


async def _serving(proc: subprocess.Popen[str], pattern: str) -> str:
    """The URL the process prints once it listens."""
    assert proc.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 60)
    found = re.search(pattern, line)
    assert found, line + (proc.stderr.read() if proc.stderr and proc.poll() is not None else "")
    return found.group(1)


async def test_shturman_web_serves_until_sigterm(tmp_path: Path) -> None:
    proc = _start(["web", "--port", "0"], _env(tmp_path))
    try:
        url = await _serving(proc, r"shturman web: (http://127\.0\.0\.1:\d+)")
        async with httpx.AsyncClient(base_url=url, timeout=10) as c:
            assert (await c.get("/healthz")).json()["status"] == "ok"
            assert (await c.get("/api/runs")).status_code == 401
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


async def test_serve_runs_the_web_app_when_enabled(tmp_path: Path) -> None:
    from tests.postgres import _free_port

    port = _free_port()
    env = _env(tmp_path, SHTURMAN_WEB__ENABLED="true", SHTURMAN_WEB__PORT=str(port))
    proc = _start(["serve"], env)
    try:
        await _serving(proc, r"(listening on \S+)")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
            assert (await c.get("/healthz")).status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


@pytest.mark.parametrize("action", list(NotificationAction))
async def test_every_notification_action_leads_to_a_page(
        action: NotificationAction, container: Any, sign_in: Any) -> None:
    data = {NotificationAction.ANSWER_APPROVAL: {"approval_id": "abc123"},
            NotificationAction.SHOW_RUN: {"run_id": "r-1"},
            NotificationAction.DELEGATE: {"text": "перезапусти nginx", "server": "local"},
            NotificationAction.NONE: {}}[action]
    n = await container.notifications.notify(NotificationKind.ALERT, "oleg", "title", "body",
                                             action, data)
    oleg = await sign_in("oleg")
    acted = await oleg.client.post(f"/notifications/{n.id}/act",
                                   data={"csrf_token": oleg.csrf})
    assert acted.status_code == 303
    target = acted.headers["location"]
    assert target.startswith(("/approvals/", "/runs/", "/runs/new?", "/notifications"))
    page = await oleg.client.get(target, headers={"accept": "text/html"})
    # the route exists: a page, or its own "no such run/approval" answer — never a bare 404
    assert page.status_code in (200, 404)
    assert "Page not found" not in page.text
    if action is NotificationAction.DELEGATE:
        assert "перезапусти nginx" in page.text  # the new-run form, filled in
    listed = (await oleg.client.get("/api/notifications")).json()
    assert listed[0]["url"] == target and listed[0]["read"] is True


async def test_audit_filters(container: Any, sign_in: Any) -> None:
    now = datetime.now(UTC)
    rows = [AuditEntry(now - timedelta(days=3), "web:oleg", "local", "command", "uptime",
                       "allow", 0, 0.1, "ok"),
            AuditEntry(now, "telegram:vera", "db", "command", "systemctl restart pg",
                       "confirm", 0, 0.3, "ok"),
            AuditEntry(now, "cli:root", "db", "command", "rm -rf /", "block", None, 0.0,
                       "blocked")]
    for row in rows:
        await container.audit.record(row)
    vera = await sign_in("vera")

    async def search(**q: str) -> list[str]:
        answer = await vera.client.get("/api/audit", params=q)
        assert answer.status_code == 200
        return [a["command"] for a in answer.json()]

    assert await search(server="db") == ["rm -rf /", "systemctl restart pg"]
    assert await search(decision="confirm") == ["systemctl restart pg"]
    assert await search(outcome="blocked") == ["rm -rf /"]
    assert await search(actor="oleg") == ["uptime"]
    today = now.date().isoformat()
    assert "uptime" not in await search(since=today)
    assert await search(until=(now - timedelta(days=2)).date().isoformat()) == ["uptime"]
    page = await vera.client.get("/audit", params={"server": "db", "decision": "block"})
    assert "rm -rf /" in page.text and "systemctl restart pg" not in page.text
    assert await container.audit.search(AuditFilter(server="nowhere")) == []


async def test_missing_htmx_degrades_with_a_notice_in_the_log(
        web: Any, tmp_path: Path, sign_in: Any, make_client: Any) -> None:
    from structlog.testing import capture_logs

    static = tmp_path / "static"
    static.mkdir()
    (static / "app.js").write_text("")
    with capture_logs() as logs:
        app = create_app(web.app.state.services,
                         dataclasses.replace(web.app.state.config, static_dir=static))
    assert any(e["event"] == "web.htmx_missing" and "setup-web.sh" in e["fix"] for e in logs)
    await sign_in("oleg")  # users exist
    async with make_client(app=app) as c:
        from tests.web.conftest import login

        assert (await login(c, "oleg")).status_code == 303
        page = await c.get("/approvals")
    assert page.status_code == 200 and "htmx.min.js" not in page.text
    shipped = web.app.state.config.static_dir / "vendor" / "htmx.min.js"
    if shipped.exists():  # set up by `make install`: pages load it
        assert "htmx.min.js" in (await (await sign_in("vera")).client.get("/runs")).text


async def test_pages_escape_what_they_show(container: Any, sign_in: Any) -> None:
    await container.notifications.notify(NotificationKind.ALERT, "oleg",
                                         "<script>alert(1)</script>", "<b>x</b>")
    oleg = await sign_in("oleg")
    page = (await oleg.client.get("/notifications")).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    headers = (await oleg.client.get("/runs")).headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


async def test_language_follows_the_user(sign_in: Any, container: Any) -> None:
    vera = await sign_in("vera")  # ru
    assert "Запуски" in (await vera.client.get("/runs")).text
    saved = await vera.client.post("/settings", data={"csrf_token": vera.csrf,
                                                      "language": "en"})
    assert saved.status_code == 303
    assert "Runs" in (await vera.client.get("/runs")).text
    assert (await container.users.get("vera")).language == "en"


async def test_bell_stream_sends_the_count_and_ends_on_shutdown(
        container: Any, web: Any, users: Any) -> None:
    """Over real HTTP (uvicorn): the ASGI test transport buffers whole responses, and this
    stream only ends when the app stops."""
    await container.notifications.notify(NotificationKind.ALERT, "oleg", "t", "b")
    await web.start()
    try:
        async with httpx.AsyncClient(base_url=web.url, timeout=10) as c:
            from tests.web.conftest import login

            assert (await login(c, "oleg")).status_code == 303
            async with c.stream("GET", "/notifications/stream") as stream:
                lines = stream.aiter_lines()
                async for line in lines:
                    if line.startswith("data:"):
                        assert line == "data: 1"
                        break
                await container.notifications.notify(NotificationKind.ALERT, "oleg", "t", "b")
                async for line in lines:  # the change arrives without a reload
                    if line.startswith("data:"):
                        assert line == "data: 2"
                        break
            assert (await c.get("/api/notifications/unread")).json() == {"count": 2}
    finally:
        await asyncio.wait_for(web.stop(), 30)
