"""Alerts leave once per transition: notifications for every user in their language, and the
webhook (a real HTTP server on loopback) gets exactly one POST per transition, retried when
the receiver fails. HTTP checks are made from the Shturman host."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from shturman.domain.monitoring import CheckState
from shturman.domain.notifications import NotificationKind
from tests.hostlab.lab import HostLab

pytestmark = pytest.mark.usefixtures("webapp_running")


@dataclass
class Receiver:
    """A loopback HTTP server: records POST bodies; ``fail_first`` answers 503 that often;
    GET / answers ``status``."""

    url: str = ""
    posts: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    fail_first: int = 0
    status: int = 200


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    got = Receiver()

    async def hook(request: web.Request) -> web.Response:
        got.attempts += 1
        if got.attempts <= got.fail_first:
            return web.Response(status=503)
        got.posts.append(json.loads(await request.text()))
        return web.Response(status=204)

    async def page(request: web.Request) -> web.Response:
        return web.Response(status=got.status, text="hello")

    app = web.Application()
    app.router.add_post("/hook", hook)
    app.router.add_get("/", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    got.url = f"http://127.0.0.1:{port}"
    yield got
    await runner.cleanup()


async def test_webhook_one_post_per_transition(monitored: Any, hostlab: HostLab,
                                               receiver: Receiver) -> None:
    c = await monitored(hostlab, webhook=f"{receiver.url}/hook", http=f"{receiver.url}/")
    receiver.status = 503
    for _ in range(4):
        await c.monitoring.check_server("vm1")
    await c.monitoring.drain()
    assert [(p["event"], p["check"]) for p in receiver.posts] == [
        ("check_down", f"http:{receiver.url}/")]
    down = receiver.posts[0]
    assert down["server"] == "vm1" and down["state"] == "down" and down["failures"] == 3
    assert down["detail"] == "HTTP 503 ≠ 200" and down["previous"] == "failing"
    receiver.status = 200
    for _ in range(2):
        await c.monitoring.check_server("vm1")
    await c.monitoring.drain()
    assert [p["event"] for p in receiver.posts] == ["check_down", "check_recovered"]
    assert receiver.attempts == 2
    health = {s.check: s.state for s in await c.monitoring.health("vm1")}
    assert health[f"http:{receiver.url}/"] is CheckState.OK


async def test_webhook_retried_when_the_receiver_fails(monitored: Any, hostlab: HostLab,
                                                       receiver: Receiver) -> None:
    receiver.fail_first = 2
    c = await monitored(hostlab, webhook=f"{receiver.url}/hook", down_after=1,
                        http=f"{receiver.url}/")
    receiver.status = 500
    await c.monitoring.check_server("vm1")
    await c.monitoring.drain()
    assert receiver.attempts == 3  # two 503s, then delivered
    assert [p["event"] for p in receiver.posts] == ["check_down"]


async def test_alert_for_every_user_in_their_language(monitored: Any, hostlab: HostLab,
                                                      receiver: Receiver) -> None:
    c = await monitored(hostlab, down_after=1, http=f"{receiver.url}/")
    await c.users.add("anna", "operator", language="ru")
    await c.users.add("bob", "viewer", language="en")
    receiver.status = 502
    await c.monitoring.check_server("vm1")
    told = [n for n in await c.notifications.list(limit=50)
            if n.kind is NotificationKind.ALERT]
    by_user = {n.user: n for n in told}
    assert set(by_user) == {"anna", "bob"}
    assert "не работает" in by_user["anna"].title
    assert "is down" in by_user["bob"].title
    assert "HTTP 502" in by_user["bob"].body


async def test_http_check_from_the_shturman_host(monitored: Any, hostlab: HostLab,
                                                 receiver: Receiver) -> None:
    c = await monitored(hostlab, http=f"{receiver.url}/")
    done = await c.monitoring.check_server("vm1")
    (http,) = [r for r in done.results if r.check.startswith("http:")]
    assert http.ok and http.value == 200.0 and http.detail == "HTTP 200"
