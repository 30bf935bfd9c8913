"""Web Push against a real local push service: an aiohttp server on loopback that takes the
POST the way a push service does. The test is the browser: it makes a real subscription key
pair (ECDH P-256 + a 16-byte auth secret), subscribes through the API with the CSRF token,
triggers a delegation suggestion and an approval request, decrypts what arrived (aes128gcm,
``http_ece``) with its private key and checks the VAPID signature against the served key."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import http_ece
import pytest
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from shturman.domain.approval import PendingApproval
from shturman.domain.notifications import NotificationKind
from shturman.observability.metrics import PUSHES
from shturman.services.push import VAPID_SECRET, PushService
from shturman.store.repositories.push import PushSubscriptionRepo
from shturman.vault import SecretKind
from tests.jobs.test_worker import until


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: Any  # case-insensitive, as HTTP headers are
    body: bytes


@dataclass
class PushServer:
    """What a push service does with a push: take it (201), or say the subscription is gone."""

    origin: str = ""
    received: list[Received] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)  # path → status (default 201)

    def endpoint(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    async def take(self, request: web.Request) -> web.Response:
        self.received.append(Received(request.path, request.headers.copy(),
                                      await request.read()))
        status = self.answers.get(request.path, 201)
        return web.Response(status=status, headers={"Location": request.path} if
                            status == 201 else {})

    def at(self, name: str) -> list[Received]:
        return [r for r in self.received if r.path == f"/push/{name}"]


@pytest.fixture
async def push_server() -> AsyncIterator[PushServer]:
    server = PushServer()
    app = web.Application()
    app.router.add_post("/push/{name}", server.take)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.origin = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


@dataclass
class Browser:
    """A browser's push subscription: its key pair and auth secret (as PushManager makes)."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth,
                                 version="aes128gcm")
        found: dict[str, Any] = json.loads(plain)
        return found


def verify_vapid(authorization: str, served_key: str, origin: str) -> dict[str, Any]:
    """RFC 8292: ``vapid t=JWT,k=KEY``; the JWT is ES256-signed by the key the page was given."""
    scheme, _, rest = authorization.partition(" ")
    assert scheme == "vapid", authorization
    parts = dict(p.split("=", 1) for p in rest.split(","))
    assert parts["k"] == served_key
    head, claims, signature = parts["t"].split(".")
    assert json.loads(unb64url(head)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64url(signature)
    assert len(raw) == 64
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(served_key))
    public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    found: dict[str, Any] = json.loads(unb64url(claims))
    assert found["aud"] == origin and found["exp"] > time.time()
    assert found["sub"].startswith("mailto:")
    return found


def count(outcome: str) -> float:
    return PUSHES.labels(outcome=outcome)._value.get()  # type: ignore[attr-defined,no-any-return]


async def _subscribe(session: Any, browser: Browser) -> Any:
    return await session.client.post("/api/push/subscriptions", json=browser.subscription(),
                                      headers={"x-csrf-token": session.csrf})


async def test_a_delegation_suggestion_arrives_encrypted_and_signed(
        container: Any, sign_in: Any, workers: Any, push_server: PushServer) -> None:
    oleg = await sign_in("oleg")  # English
    served = await oleg.client.get("/api/push/key")
    assert served.status_code == 200, served.text
    public_key = served.json()["public_key"]
    assert len(unb64url(public_key)) == 65 and unb64url(public_key)[0] == 4
    browser = Browser(push_server.endpoint("oleg-laptop"))
    no_csrf = await oleg.client.post("/api/push/subscriptions", json=browser.subscription())
    assert no_csrf.status_code == 403
    made = await _subscribe(oleg, browser)
    assert made.status_code == 201, made.text
    assert made.json()["endpoint"] == browser.endpoint
    assert browser.subscription()["keys"]["auth"] not in made.text  # never echoed
    assert (await oleg.client.get("/api/push/key")).json()["subscriptions"] == 1

    task = await oleg.client.post("/api/tasks", json={"title": "перезапусти nginx на local"},
                                  headers={"x-csrf-token": oleg.csrf})
    assert task.status_code == 201, task.text
    task_id = task.json()["id"]

    async def pushed() -> bool:
        return bool(push_server.at("oleg-laptop"))

    await until(pushed, 60)
    got = push_server.at("oleg-laptop")[0]
    assert got.headers["Content-Encoding"] == "aes128gcm"
    assert int(got.headers["TTL"]) > 0
    message = browser.decrypt(got.body)
    assert message["url"] == f"/tasks/{task_id}/delegate"
    assert f"#{task_id}" in message["title"] or str(task_id) in message["title"]
    assert "перезапусти nginx на local" in message["title"]
    assert message["tag"].startswith("shturman-auto_execution_suggestion-")
    verify_vapid(got.headers["Authorization"], public_key, push_server.origin)
    # a stranger's key does not verify it: the check above can fail
    other = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    with pytest.raises((AssertionError, InvalidSignature)):
        verify_vapid(got.headers["Authorization"].replace(public_key, b64url(other)),
                     b64url(other), push_server.origin)
    # the key pair is kept: the private key in the vault, the same public key next time
    pem = await container.vault.get(VAPID_SECRET, SecretKind.PRIVATE_KEY)
    assert pem is not None and "PRIVATE KEY" in pem
    again = PushService(PushSubscriptionRepo(container.db.engine), container.vault,
                        lambda n: "/", "mailto:x@example.org")
    assert await again.public_key() == public_key
    # no secret in any response: not the private key, not the browser's auth secret
    secret_lines = [line for line in pem.splitlines() if len(line) > 16]
    for path in ("/api/push/key", "/api/push/subscriptions", "/settings", "/notifications",
                 "/api/notifications", f"/api/tasks/{task_id}"):
        answer = await oleg.client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        assert not any(line in answer.text for line in secret_lines), path
        assert browser.subscription()["keys"]["auth"] not in answer.text, path
    # a notification of another kind is not pushed
    before = len(push_server.received)
    await container.notifications.notify(NotificationKind.RUN_FINISHED, "oleg", "done", "ok")
    await container.push.drain()
    assert len(push_server.received) == before


async def test_approval_requests_reach_answering_users_and_gone_subscriptions_go(
        container: Any, sign_in: Any, push_server: PushServer) -> None:
    anna, oleg, vera = await sign_in("anna"), await sign_in("oleg"), await sign_in("vera")
    phone, gone = Browser(push_server.endpoint("anna-phone")), Browser(
        push_server.endpoint("anna-old"))
    broken, down = Browser(push_server.endpoint("oleg-broken")), Browser(
        "http://127.0.0.1:9/push/nobody-listens")
    viewer = Browser(push_server.endpoint("vera"))
    push_server.answers["/push/anna-old"] = 410
    push_server.answers["/push/oleg-broken"] = 500
    for who, browser in ((anna, phone), (anna, gone), (oleg, broken), (oleg, down),
                         (vera, viewer)):
        made = await _subscribe(who, browser)
        assert made.status_code == 201, made.text
    sent, lost, failed = count("sent"), count("gone"), count("failed")
    expires = datetime.now(UTC) + timedelta(minutes=5)
    approval = PendingApproval(
        id="ap-push-1", server="local", command="systemctl restart nginx", digest="d",
        reasons=("svc: changes a service",), reasons_ru=("svc: меняет службу",), diff="",
        run_id=None, requested_by="web:oleg", roles=("operator", "admin"),
        created_at=datetime.now(UTC), expires_at=expires)
    # the push service failing in every way does not break creating the notifications
    await container.notifications.approval_requested(approval)
    stored = [n for n in await container.notifications.list(limit=20)
              if n.kind is NotificationKind.APPROVAL_REQUESTED]
    assert sorted(n.user for n in stored) == ["anna", "oleg"]  # who may answer
    await container.push.drain(timeout=30)
    message = phone.decrypt(push_server.at("anna-phone")[0].body)
    assert message["url"] == "/approvals/ap-push-1"
    assert "local" in message["title"] and "systemctl restart nginx" in message["body"]
    assert push_server.at("anna-old") and push_server.at("oleg-broken")
    assert not push_server.at("vera")  # a viewer does not get approval requests
    left = {s.endpoint for s in await container.push.subscriptions("anna")}
    assert left == {phone.endpoint}  # 410: removed
    assert {s.endpoint for s in await container.push.subscriptions("oleg")} == {
        broken.endpoint, down.endpoint}  # 500 and unreachable: kept, tried again next time
    assert count("sent") == sent + 1 and count("gone") == lost + 1
    assert count("failed") == failed + 2
    assert (await anna.client.get("/api/push/subscriptions")).json()[0]["last_sent_at"]
    # unsubscribe removes it: nothing more arrives there
    gone_now = await anna.client.post("/api/push/unsubscribe",
                                      json={"endpoint": phone.endpoint},
                                      headers={"x-csrf-token": anna.csrf})
    assert gone_now.json() == {"ok": True}
    assert await container.push.subscriptions("anna") == []


async def test_nobody_subscribes_for_someone_else(
        container: Any, sign_in: Any, make_client: Any, push_server: PushServer) -> None:
    anna, vera = await sign_in("anna"), await sign_in("vera")
    annas = Browser(push_server.endpoint("anna"))
    assert (await _subscribe(anna, annas)).status_code == 201
    async with make_client() as stranger:  # no session
        refused = await stranger.post("/api/push/subscriptions", json=annas.subscription())
        assert refused.status_code == 401
        assert (await stranger.get("/api/push/key")).status_code == 401
    # the body names no user: a viewer cannot say whose it is
    named = {**Browser(push_server.endpoint("v2")).subscription(), "user": "anna"}
    answer = await vera.client.post("/api/push/subscriptions", json=named,
                                    headers={"x-csrf-token": vera.csrf})
    assert answer.status_code == 422
    # anna's endpoint is not taken over, with other keys or hers
    for keys_of in (Browser(annas.endpoint), annas):
        taken = await _subscribe(vera, keys_of)
        assert taken.status_code == 409 and taken.json()["error"] == "push_taken"
    mine = await container.push.subscriptions("anna")
    assert [(s.endpoint, s.p256dh) for s in mine] == [
        (annas.endpoint, annas.subscription()["keys"]["p256dh"])]
    assert await container.push.subscriptions("vera") == []
    no = await vera.client.post("/api/push/unsubscribe", json={"endpoint": annas.endpoint},
                                headers={"x-csrf-token": vera.csrf})
    assert no.json() == {"ok": False}
    assert len(await container.push.subscriptions("anna")) == 1
    assert annas.endpoint not in (await vera.client.get("/api/push/subscriptions")).text
    # the server posts only to push services: https, or http on loopback
    for endpoint in ("http://10.1.2.3/push/x", "file:///etc/passwd", "ftp://127.0.0.1/x",
                     "https://user:pw@push.example.org/x"):
        bad = await _subscribe(vera, Browser(endpoint))
        assert bad.status_code in (400, 422), (endpoint, bad.status_code)


async def test_subscriptions_are_stored_per_user_on_sqlite_and_postgresql(db_url: str) -> None:
    from shturman.store import Database

    database = Database(db_url)
    await database.migrate()
    try:
        repo = PushSubscriptionRepo(database.engine)
        a = await repo.add("anna", "https://push.example.org/a", "k1", "s1")
        assert a is not None and a.user == "anna" and a.last_sent_at is None
        again = await repo.add("anna", "https://push.example.org/a", "k2", "s2")  # new keys
        assert again is not None and (again.id, again.p256dh, again.auth) == (a.id, "k2", "s2")
        assert await repo.add("vera", "https://push.example.org/a", "k3", "s3") is None
        await repo.add("vera", "https://push.example.org/v", "k4", "s4")
        assert [s.user for s in await repo.of(["anna"])] == ["anna"]
        assert [s.user for s in await repo.of(None)] == ["anna", "vera"]
        assert await repo.of([]) == []
        await repo.sent(a.id)
        found = await repo.find("https://push.example.org/a")
        assert found is not None and found.last_sent_at is not None
        assert not await repo.remove("https://push.example.org/a", "vera")  # not hers
        assert await repo.remove("https://push.example.org/a", "anna")
        assert await repo.find("https://push.example.org/a") is None
    finally:
        await database.close()


async def test_the_settings_block_says_push_needs_javascript(sign_in: Any) -> None:
    anna = await sign_in("anna")  # Russian
    page = await anna.client.get("/settings")
    assert page.status_code == 200
    assert 'id="push"' in page.text and "<noscript>" in page.text
    assert "Push-уведомлениям нужен JavaScript" in page.text
    assert 'id="push-subscribe" hidden' in page.text  # shown by push.js only
    assert '/static/push.js' in page.text
    oleg = await sign_in("oleg")
    assert "Push notifications need JavaScript" in (await oleg.client.get("/settings")).text
    for script in ("/static/push.js", "/static/sw.js"):
        served = await anna.client.get(script)
        assert served.status_code == 200 and "javascript" in served.headers["content-type"]
    sw = (await anna.client.get("/static/sw.js")).text
    assert "showNotification" in sw and "openWindow" in sw


async def test_the_service_worker_shows_a_push_in_chromium(
        container: Any, web: Any, users: Any) -> None:
    """Debian's chromium: push.js registers sw.js and offers to subscribe; a push delivered to
    the worker (DevTools ``ServiceWorker.deliverPushMessage``) becomes a notification with
    the title and the page to open; without JavaScript no button is offered."""
    from tests.web.test_browser import CHROMIUM, _log_in, _shot

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make install`", pytrace=False)
    from playwright.async_api import async_playwright

    await web.start()
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            try:
                context = await browser.new_context()
                await context.grant_permissions(["notifications"], origin=web.url)
                page = await context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                await _log_in(page, web.url, "oleg")
                await page.goto(f"{web.url}/settings")
                await page.wait_for_selector("#push-subscribe", state="visible")
                assert await page.text_content("#push-state") == "This device is not subscribed."
                registration = await page.evaluate(
                    "navigator.serviceWorker.getRegistration('/static/')"
                    ".then(r => r && r.active ? r.active.scriptURL : "
                    "navigator.serviceWorker.ready.then(x => x.active.scriptURL))")
                assert registration == f"{web.url}/static/sw.js"
                await _shot(page, "settings-push")
                cdp = await context.new_cdp_session(page)
                await cdp.send("ServiceWorker.enable")
                found: list[dict[str, Any]] = []
                cdp.on("ServiceWorker.workerRegistrationUpdated",
                       lambda e: found.extend(e["registrations"]))

                async def registered() -> bool:
                    return any(r["scopeURL"].endswith("/static/") for r in found)

                await until(registered, 20)
                reg_id = next(r["registrationId"] for r in found
                              if r["scopeURL"].endswith("/static/"))
                await cdp.send("ServiceWorker.deliverPushMessage", {
                    "origin": web.url, "registrationId": reg_id,
                    "data": json.dumps({"title": "Задача #7: перезапусти nginx",
                                        "body": "агент может", "url": "/tasks/7/delegate",
                                        "tag": "shturman-auto_execution_suggestion-1"})})
                worker = next(w for w in context.service_workers
                              if w.url.endswith("/static/sw.js"))
                shown: list[Any] = []

                async def notified() -> bool:
                    shown[:] = await worker.evaluate(
                        "self.registration.getNotifications()"
                        ".then(ns => ns.map(n => [n.title, n.body, n.data && n.data.url]))")
                    return bool(shown)

                await until(notified, 20)
                assert shown[0] == ["Задача #7: перезапусти nginx", "агент может",
                                    f"{web.url}/tasks/7/delegate"]
                assert errors == []
                plain = await browser.new_context(java_script_enabled=False)
                nojs = await plain.new_page()
                await _log_in(nojs, web.url, "anna")
                await nojs.goto(f"{web.url}/settings")
                # (chromium with scripts off still parses <noscript> as scripted, so its text
                # is checked in the HTML above; here: no script, no subscribe button)
                assert "Push-уведомлениям нужен JavaScript" in await nojs.content()
                assert not await nojs.is_visible("#push-subscribe")
                assert not await nojs.is_visible("#push-state")
            finally:
                await browser.close()
    finally:
        await web.stop()
