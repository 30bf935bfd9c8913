"""Servers from the web app against the real sshd lab: add (log in once, pin the host key),
edit with write-only secrets, test, delete — with the roles, CSRF and no secret anywhere."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from shturman.vault import SecretKind
from tests.hostlab.lab import HostLab
from tests.web.conftest import Session

SignIn = Callable[[str], Awaitable[Session]]


def _form(s: Session, **values: Any) -> dict[str, Any]:
    return {"csrf_token": s.csrf, "port": "22", "auth": "key", "profile": "operator",
            **{k: str(v) for k, v in values.items()}}


def _key_lines(text: str) -> list[str]:
    """The private key's base64 body lines: any of them in a response would be a leak."""
    return [line for line in text.splitlines() if line and "PRIVATE KEY" not in line]


async def _pages_of(s: Session, *paths: str) -> str:
    shown = []
    for path in paths:
        answer = await s.client.get(path)
        assert answer.status_code < 500, (path, answer.status_code)
        shown.append(answer.text)
    return "\n".join(shown)


async def test_add_edit_test_delete_a_lab_server(sign_in: SignIn, container: Any,
                                                 hostlab: HostLab) -> None:
    h = hostlab.hosts[0]
    key_text = hostlab.client_key.read_text()
    anna = await sign_in("anna")  # admin, Russian
    responses: list[str] = []

    added = await anna.client.post("/servers/new", data=_form(
        anna, name="lab1", host=h.host, port=h.port, user=h.user, private_key=key_text,
        aliases="первая машина, first", services="webapp", tags="lab"))
    assert added.status_code == 303 and added.headers["location"] == "/servers?done=added"
    listing = await anna.client.get("/servers?done=added")
    responses.append(listing.text)
    assert 'data-server="lab1"' in listing.text and "ключ хоста закреплён" in listing.text
    server = await container.inventory.get("первая машина")
    assert server.name == "lab1" and server.services == ("webapp",) and server.tags == ("lab",)
    assert await container.vault.get("lab1", SecretKind.PRIVATE_KEY) == key_text.strip() + "\n"
    assert await container.inventory.host_key("lab1") is not None  # pinned by the first login

    # the operator tests it (English), the guarded executor runs the read-only probes
    oleg = await sign_in("oleg")
    tested = await oleg.client.post("/servers/lab1/test", data={"csrf_token": oleg.csrf})
    responses.append(tested.text)
    assert tested.status_code == 200, tested.text
    assert "The connection to lab1 works." in tested.text and "systemctl3" in tested.text
    api_test = await oleg.client.post("/api/servers/lab1/test",
                                      headers={"X-CSRF-Token": oleg.csrf})
    responses.append(api_test.text)
    assert api_test.json()["ok"] is True and api_test.json()["facts"]["service_manager"]

    # edit: the form never shows the key; empty secret fields keep it
    edit_page = await anna.client.get("/servers/lab1/edit")
    responses.append(edit_page.text)
    assert edit_page.status_code == 200 and 'value="webapp"' in edit_page.text
    edited = await anna.client.post("/servers/lab1/edit", data=_form(
        anna, host=h.host, port=h.port, user=h.user, aliases="первая машина",
        services="webapp, nginx", profile="readonly"))
    assert edited.status_code == 303, edited.text
    after = await container.inventory.get("lab1")
    assert after.services == ("webapp", "nginx") and after.profile.value == "readonly"
    assert await container.vault.get("lab1", SecretKind.PRIVATE_KEY) == key_text.strip() + "\n"
    again = await oleg.client.post("/servers/lab1/test", data={"csrf_token": oleg.csrf})
    assert "works" in again.text

    # the JSON API: PUT with a session needs the CSRF header; the key is never echoed
    put = await anna.client.put("/api/servers/lab1", headers={"X-CSRF-Token": anna.csrf},
                                json={"host": h.host, "port": h.port, "user": h.user,
                                      "auth": "key", "private_key": key_text,
                                      "services": ["webapp"], "aliases": ["первая машина"]})
    responses.append(put.text)
    assert put.status_code == 200 and put.json()["services"] == ["webapp"]

    audit = [e for e in await container.audit.recent(100) if e.server == "lab1"]
    actions = {(e.action, e.actor) for e in audit}
    assert ("server_add", "web:anna") in actions and ("server_edit", "web:anna") in actions
    assert ("server_test", "web:oleg") in actions

    responses.append(await _pages_of(anna, "/servers", "/servers/lab1/edit", "/api/servers",
                                     "/audit", "/api/audit", "/settings", "/runs",
                                     "/servers/lab1/delete"))
    for line in _key_lines(key_text):
        assert all(line not in text for text in responses), "a key line leaked"
    assert "PRIVATE KEY" not in "\n".join(responses)

    # delete: a confirm page, then the server, its secrets and its pin are gone
    gone = await anna.client.post("/servers/lab1/delete", data={"csrf_token": anna.csrf})
    assert gone.status_code == 303 and gone.headers["location"] == "/servers?done=removed"
    assert "lab1" not in [s.name for s in await container.inventory.all()]
    assert await container.vault.get("lab1", SecretKind.PRIVATE_KEY) is None
    assert await container.inventory.host_key("lab1") is None
    assert any(e.action == "server_rm" and e.actor == "web:anna"
               for e in await container.audit.recent(100))


async def test_password_server_and_a_failed_login_registers_nothing(
        sign_in: SignIn, container: Any, hostlab: HostLab) -> None:
    h = hostlab.hosts[1]
    anna = await sign_in("anna")
    wrong = "definitely-not-" + h.password
    refused = await anna.client.post("/servers/new", data=_form(
        anna, name="pw", host=h.host, port=h.port, user=h.user, auth="password",
        password=wrong))
    assert refused.status_code == 502, refused.text
    assert "сервер отклонил вход" in refused.text  # said in anna's language, in the form
    assert wrong not in refused.text and h.password not in refused.text
    assert 'value="pw"' in refused.text  # what was typed comes back, the password does not
    assert "pw" not in [s.name for s in await container.inventory.all()]
    assert await container.vault.get("pw", SecretKind.PASSWORD) is None

    api = await anna.client.post("/api/servers", headers={"X-CSRF-Token": anna.csrf}, json={
        "name": "pw", "host": h.host, "port": h.port, "user": h.user, "auth": "password",
        "password": h.password})
    assert api.status_code == 201, api.text
    assert h.password not in api.text and api.json()["name"] == "pw"
    assert await container.vault.get("pw", SecretKind.PASSWORD) == h.password
    seen = await _pages_of(anna, "/servers", "/servers/pw/edit", "/api/servers", "/audit",
                           "/api/audit")
    assert h.password not in seen
    # a wrong password stored by an edit fails the test, said as what to check
    unreachable = await anna.client.post("/api/servers", headers={"X-CSRF-Token": anna.csrf},
                                         json={"name": "dead", "host": "127.0.0.1", "port": 1,
                                               "user": "x", "auth": "password",
                                               "password": "p"})
    assert unreachable.status_code == 502 and "недоступен" in unreachable.json()["message"]
    assert "dead" not in [s.name for s in await container.inventory.all()]
    duplicate = await anna.client.post("/api/servers", headers={"X-CSRF-Token": anna.csrf},
                                       json={"name": "pw", "host": h.host, "port": h.port,
                                             "user": h.user, "auth": "password",
                                             "password": h.password})
    assert duplicate.status_code == 409 and "занято" in duplicate.json()["message"]
    removed = await anna.client.delete("/api/servers/pw", headers={"X-CSRF-Token": anna.csrf})
    assert removed.status_code == 204
    assert await container.vault.get("pw", SecretKind.PASSWORD) is None


async def test_bad_input_is_said_not_stored(sign_in: SignIn, container: Any) -> None:
    anna = await sign_in("anna")
    cases = [({"name": "bad name", "host": "h", "private_key": "x"}, "Недопустимое имя"),
             ({"name": "local", "host": "h"}, "Недопустимое имя"),
             ({"name": "k", "host": "h"}, "укажите файл ключа"),
             ({"name": "k", "host": "h", "private_key": "ssh-ed25519 AAAA x"}, "открытый ключ"),
             ({"name": "k", "host": "h", "auth": "password"}, "укажите пароль"),
             ({"name": "k", "host": "two words", "key_path": "/k"}, "Недопустимый адрес")]
    for values, said in cases:
        answer = await anna.client.post("/servers/new", data=_form(anna, **values))
        assert answer.status_code == 400 and said in answer.text, (values, answer.text)
    assert [s.name for s in await container.inventory.all()] == ["local"]
    local = await anna.client.get("/servers/local/edit")
    assert local.status_code == 409 and "local" in local.text


async def test_roles_and_csrf(sign_in: SignIn, client: httpx.AsyncClient, container: Any,
                              hostlab: HostLab) -> None:
    vera, oleg, anna = await sign_in("vera"), await sign_in("oleg"), await sign_in("anna")
    h = hostlab.hosts[0]
    body = {"name": "x1", "host": h.host, "port": h.port, "user": h.user,
            "private_key": hostlab.client_key.read_text()}
    listing = await vera.client.get("/servers")
    assert listing.status_code == 200 and "/servers/new" not in listing.text
    assert "/test" not in listing.text  # a viewer cannot test
    for s in (vera, oleg):
        assert (await s.client.get("/servers/new")).status_code == 403
        assert (await s.client.post("/servers/new", data=_form(s, **body))).status_code == 403
        assert (await s.client.post("/api/servers", json=body,
                                    headers={"X-CSRF-Token": s.csrf})).status_code == 403
        assert (await s.client.put("/api/servers/local", json=body,
                                   headers={"X-CSRF-Token": s.csrf})).status_code == 403
        assert (await s.client.delete("/api/servers/local",
                                      headers={"X-CSRF-Token": s.csrf})).status_code == 403
        assert (await s.client.post("/servers/local/delete",
                                    data={"csrf_token": s.csrf})).status_code == 403
    assert (await vera.client.post("/servers/local/test",
                                   data={"csrf_token": vera.csrf})).status_code == 403
    assert (await vera.client.post("/api/servers/local/test",
                                   headers={"X-CSRF-Token": vera.csrf})).status_code == 403
    # CSRF-less posts with a session are refused, even for an admin
    no_csrf = {k: v for k, v in _form(anna, **body).items() if k != "csrf_token"}
    assert (await anna.client.post("/servers/new", data=no_csrf)).status_code == 403
    assert (await anna.client.post("/api/servers", json=body)).status_code == 403
    assert (await anna.client.post("/servers/local/test", data={})).status_code == 403
    # nobody logged in
    assert (await client.post("/api/servers", json=body)).status_code == 401
    assert [s.name for s in await container.inventory.all()] == ["local"]
    # the operator's test of `local` works (no SSH)
    ok = await oleg.client.post("/servers/local/test", data={"csrf_token": oleg.csrf})
    assert ok.status_code == 200 and "works" in ok.text
