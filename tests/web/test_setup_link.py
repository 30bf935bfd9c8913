"""The one-time setup link that creates the first admin, against the real app and a real
database (SQLite and PostgreSQL): issued only while no admin exists, stored as a digest only,
single use, expiring; a used, expired or forged link creates nothing; the admin it creates
logs in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shturman.config import Settings, load_settings
from shturman.services.setup_link import SETUP_OWNER
from shturman.services.tokens import digest
from shturman.store.tables import user_tokens
from tests.web.conftest import CSRF

PASSWORD = "first-admin-пароль-1"


@pytest.fixture
def settings(home: Path, db_url: str) -> Settings:
    return load_settings(home=home, database_url=db_url)


async def _token_rows(container: Any) -> list[dict[str, Any]]:
    async with container.db.engine.connect() as conn:
        rows = (await conn.execute(select(user_tokens))).mappings().all()
    return [dict(r) for r in rows]


def _form(token: str, name: str = "boss", password: str = PASSWORD,
          password2: str | None = None, language: str = "ru") -> dict[str, str]:
    return {"token": token, "name": name, "password": password,
            "password2": password if password2 is None else password2, "language": language}


async def _names(container: Any) -> list[str]:
    return [u.name for u in await container.users.all()]


async def test_the_link_creates_the_first_admin_once(
        container: Any, client: httpx.AsyncClient, make_client: Callable[[], Any]) -> None:
    links = container.setup_links
    assert await links.needed()
    token = await links.issue()
    assert token is not None and len(token) >= 40

    # only the digest is stored, never the token
    rows = await _token_rows(container)
    assert [(r["user"], r["kind"], r["digest"]) for r in rows] == [
        (SETUP_OWNER, "setup", digest(token))]
    assert all(token not in str(v) for r in rows for v in r.values())
    assert rows[0]["expires_at"] is not None

    page = await client.get(f"/setup?token={token}")
    assert page.status_code == 200 and 'name="password2"' in page.text
    assert page.headers["cache-control"] == "no-store"

    # refusals that keep the link usable: a mismatch, a short password, a bad name
    mismatch = await client.post("/setup", data=_form(token, password2="something-else-1"))
    assert mismatch.status_code == 400 and 'role="alert"' in mismatch.text
    short = await client.post("/setup", data=_form(token, password="short"))
    assert short.status_code == 400
    bad_name = await client.post("/setup", data=_form(token, name="bad name"))
    assert bad_name.status_code == 400
    assert await _names(container) == []

    created = await client.post("/setup", data=_form(token, language="en"))
    assert created.status_code == 303 and created.headers["location"] == "/welcome"
    assert "shturman_session" in created.headers["set-cookie"]
    assert "httponly" in created.headers["set-cookie"].lower()
    boss = await container.users.get("boss")
    assert boss.role.value == "admin" and boss.language == "en"
    assert await container.users.check_password("boss", PASSWORD)
    welcome = await client.get("/welcome")  # the session the link opened
    assert welcome.status_code == 200 and 'id="steps"' in welcome.text
    assert {r["kind"] for r in await _token_rows(container)} == {"session"}
    assert not await links.needed()

    # used: refused, nothing created
    async with make_client() as other:
        again = await other.post("/setup", data=_form(token, name="intruder"))
        assert again.status_code == 401
        assert (await other.get(f"/setup?token={token}")).status_code == 401
    assert await _names(container) == ["boss"]
    # an admin exists: no new link is issued
    assert await links.issue() is None

    # the admin logs in with the password from the link's form
    async with make_client() as fresh:
        form = await fresh.get("/login")
        csrf = CSRF.search(form.text)
        assert csrf
        logged = await fresh.post("/login", data={"name": "boss", "password": PASSWORD,
                                                  "csrf_token": csrf.group(1), "next": "/"})
        assert logged.status_code == 303, logged.text
        home = await fresh.get("/")
        assert home.status_code == 303 and home.headers["location"] == "/welcome"

    audit = {(e.action, e.actor) for e in await container.audit.recent(50)}
    assert ("setup_link_issued", "web:setup") in audit
    assert ("setup_admin_created", "web:boss") in audit
    assert ("setup_link_refused", "web:setup") in audit


async def test_expired_forged_and_replaced_links_create_nothing(
        container: Any, client: httpx.AsyncClient) -> None:
    links = container.setup_links
    forged = "A" * 43
    for token in ("", forged, "x"):
        assert (await client.get(f"/setup?token={token}")).status_code == 401
        refused = await client.post("/setup", data=_form(token))
        assert refused.status_code == 401, token
        assert 'name="password"' not in refused.text  # no form to fill in

    expired = await links.issue(lifetime=0.5)
    assert expired is not None
    await asyncio.sleep(1.0)
    assert not await links.valid(expired)
    assert (await client.post("/setup", data=_form(expired))).status_code == 401

    old = await links.issue()
    new = await links.issue()  # only the newest link works
    assert old and new and old != new
    assert (await client.post("/setup", data=_form(old))).status_code == 401
    assert await _names(container) == []
    assert len([r for r in await _token_rows(container) if r["kind"] == "setup"]) == 1

    # two racing uses of one link: exactly one admin
    answers = await asyncio.gather(client.post("/setup", data=_form(new, name="first")),
                                   client.post("/setup", data=_form(new, name="second")))
    assert sorted(a.status_code for a in answers) == [303, 401]
    assert len(await _names(container)) == 1


async def test_no_link_while_an_admin_exists_but_one_while_only_others_do(
        container: Any, client: httpx.AsyncClient) -> None:
    await container.users.add("oleg", "operator", password="oleg-password-2")
    links = container.setup_links
    token = await links.issue()  # nobody could administer this instance yet
    assert token is not None
    taken = await client.post("/setup", data=_form(token, name="oleg"))
    assert taken.status_code == 400 and "«oleg»" in taken.text  # taken: the link stays usable
    assert await links.valid(token)
    assert (await container.users.get("oleg")).role.value == "operator"
    await container.users.add("anna", "admin", password="anna-password-1")
    assert not await links.valid(token)
    assert (await client.post("/setup", data=_form(token))).status_code == 401
    assert sorted(await _names(container)) == ["anna", "oleg"]
    assert await links.issue() is None
    assert await container.open_path() == "/"
