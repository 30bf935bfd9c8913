"""Fixtures for the web tests: the real app on the real container (SQLite in a temporary home),
users of each role, an httpx client over ASGI, and helpers to log in and run jobs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.jobs.test_worker import until

PASSWORDS = {"anna": "anna-пароль-1", "oleg": "oleg-password-2", "vera": "vera-password-3"}
ROLES = {"anna": "admin", "oleg": "operator", "vera": "viewer"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Session:
    client: httpx.AsyncClient
    csrf: str


@pytest.fixture
async def users(container: Any) -> dict[str, str]:
    for name, role in ROLES.items():
        await container.users.add(name, role, password=PASSWORDS[name],
                                  language="en" if name == "oleg" else "ru")
    return ROLES


@pytest.fixture
def web(container: Any) -> Any:
    """The web component on any free port (started only by the browser tests)."""
    return container.web_server(port=0)


@pytest.fixture
def make_client(web: Any) -> Callable[..., Any]:
    def make(address: str = "127.0.0.1", app: Any = None, scheme: str = "http"
             ) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app or web.app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url=f"{scheme}://testserver")

    return make


@pytest.fixture
async def client(make_client: Callable[..., httpx.AsyncClient]) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client() as c:
        yield c


async def login(client: httpx.AsyncClient, name: str, password: str | None = None
                ) -> httpx.Response:
    form = await client.get("/login")
    token = CSRF.search(form.text)
    assert token, form.text
    return await client.post("/login", data={
        "name": name, "password": PASSWORDS[name] if password is None else password,
        "csrf_token": token.group(1), "next": "/runs"})


@pytest.fixture
async def sign_in(make_client: Callable[..., httpx.AsyncClient], users: dict[str, str]
                  ) -> AsyncIterator[Callable[[str], Awaitable[Session]]]:
    """``await sign_in("oleg")``: a client logged in as that user, and its CSRF token."""
    opened: list[httpx.AsyncClient] = []

    async def open_as(name: str) -> Session:
        c = make_client()
        opened.append(c)
        answer = await login(c, name)
        assert answer.status_code == 303, answer.text
        page = await c.get("/runs")
        found = CSRF.search(page.text)
        assert found, page.text
        return Session(c, found.group(1))

    yield open_as
    for c in opened:
        await c.aclose()


@pytest.fixture
async def workers(container: Any) -> AsyncIterator[Any]:
    """The job workers that carry out the runs the web app submits."""
    runtime = container.jobs_runtime(workers=True)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def finished_run(container: Any, run_id: str, timeout: float = 90) -> Any:
    async def done() -> bool:
        record, _ = await container.runs.replay(run_id)
        return record is not None and record.status not in ("pending", "running")

    await until(done, timeout)
    record, _ = await container.runs.replay(run_id)
    return record


async def pending_approval(container: Any, run_id: str, timeout: float = 60) -> Any:
    found: list[Any] = []

    async def asked() -> bool:
        found[:] = [a for a in await container.approvals.pending() if a.run_id == run_id]
        return bool(found)

    await until(asked, timeout)
    return found[0]
