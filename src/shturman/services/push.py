"""Web Push (issue 11, item 11): the VAPID key pair, each user's browser subscriptions, and a
push for the notifications that want someone's answer soon.

- **Keys**: one P-256 key pair, made on first use and kept: the private key in the vault
  (entry :data:`VAPID_SECRET`, never shown), the public key served to the page
  (:meth:`PushService.public_key`), which hands it to ``PushManager.subscribe()``.
- **Subscriptions**: a browser's endpoint and keys, stored per user; an endpoint is never
  taken over by another user; removed on unsubscribe and when the push service answers
  404/410 (the browser dropped it).
- **What is pushed**: new :data:`PUSHED` notifications (a delegation suggestion, an approval
  request), to the users who see them in the bell: the notification's user, or every
  subscribed user for one meant for everyone. :class:`NotificationService` calls
  :meth:`PushService.notified` with the stored (redacted) notifications; delivery runs in the
  background, so a slow or failing push service never holds up or breaks the notification
  (each failure is logged and counted in ``shturman_push_total{outcome}``).
"""

from __future__ import annotations

import asyncio
import json
from base64 import urlsafe_b64encode
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from shturman.domain.notifications import Notification, NotificationKind
from shturman.domain.push import PushMessage, PushSubscription
from shturman.observability.logging import get_logger
from shturman.observability.metrics import PUSHES

if TYPE_CHECKING:
    from shturman.store.repositories.push import PushSubscriptionRepo
    from shturman.vault import Vault

log = get_logger(__name__)

VAPID_SECRET = "@webpush-vapid"  # the vault entry of the private key (not a server name)
PUSHED = frozenset({NotificationKind.DELEGATION_SUGGESTED,
                    NotificationKind.AUTO_EXECUTION_SUGGESTION,
                    NotificationKind.APPROVAL_REQUESTED})
TTL = 12 * 3600  # seconds a push service keeps a push for a browser that is offline
BODY_LIMIT = 300  # characters of the notification's body a push carries
GONE = frozenset({404, 410})  # the push service's word that a subscription no longer exists
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def b64url(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def acceptable_endpoint(endpoint: str) -> bool:
    """A push service's URL: ``https://``, or ``http://`` on this machine's loopback only."""
    try:
        parts = urlsplit(endpoint)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and (host in LOOPBACK or host.startswith("127."))


class PushService:
    """``url_for``: where a notification leads (a path of the web app), handed in by the
    composition root; ``learn``: tells the redactor a new secret (the private key)."""

    def __init__(self, repo: PushSubscriptionRepo, vault: Vault,
                 url_for: Callable[[Notification], str], subject: str, *,
                 timeout: float = 10.0, learn: Callable[[list[str]], None] | None = None
                 ) -> None:
        self._repo = repo
        self._vault = vault
        self._url_for = url_for
        self._subject = subject
        self._timeout = timeout
        self._learn = learn
        self._key: Any = None  # the py_vapid signer, once loaded
        self._key_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    # --- keys ---

    async def public_key(self) -> str:
        """The VAPID public key (base64url, uncompressed point): the page's
        ``applicationServerKey``. Made and kept on first use."""
        from cryptography.hazmat.primitives import serialization

        signer = await self._signer()
        raw: bytes = signer.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return b64url(raw)

    async def _signer(self) -> Any:
        async with self._key_lock:
            if self._key is None:
                from cryptography.hazmat.primitives.serialization import load_pem_private_key
                from py_vapid import Vapid02

                from shturman.vault import SecretKind

                pem = await self._vault.get(VAPID_SECRET, SecretKind.PRIVATE_KEY)
                if pem is None:
                    await self._vault.put(VAPID_SECRET, SecretKind.PRIVATE_KEY, _new_key())
                    # another process may have made one at the same moment: the stored wins
                    pem = await self._vault.get(VAPID_SECRET, SecretKind.PRIVATE_KEY)
                    assert pem is not None
                    log.info("push.vapid_created", vault_entry=VAPID_SECRET)
                if self._learn is not None:
                    self._learn([line for line in pem.splitlines() if len(line) > 16])
                self._key = Vapid02(load_pem_private_key(pem.encode(), password=None))
            return self._key

    # --- subscriptions ---

    async def subscribe(self, user: str, endpoint: str, p256dh: str, auth: str
                        ) -> PushSubscription | None:
        """``user``'s browser at ``endpoint``; None when that endpoint is another user's."""
        return await self._repo.add(user, endpoint, p256dh, auth)

    async def unsubscribe(self, user: str, endpoint: str) -> bool:
        return await self._repo.remove(endpoint, user)

    async def subscriptions(self, user: str) -> list[PushSubscription]:
        return await self._repo.of([user])

    # --- pushes ---

    def notified(self, items: Sequence[Notification]) -> None:
        """The notification service's listener: pushes the :data:`PUSHED` ones in the
        background (:meth:`drain` waits for them)."""
        wanted = [n for n in items if n.kind in PUSHED]
        if not wanted:
            return
        task = asyncio.get_running_loop().create_task(self._deliver_all(wanted))
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            PUSHES.labels(outcome="failed").inc()
            log.warning("push.delivery_failed", error=type(exc).__name__, detail=str(exc)[:200])

    async def drain(self, timeout: float = 10.0) -> None:
        """Waits for pushes still under way (then gives up on them)."""
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in late:
            task.cancel()

    async def _deliver_all(self, items: Sequence[Notification]) -> None:
        import aiohttp

        targets = [(self.message(n), sub) for n in items
                   for sub in await self._repo.of(None if n.user is None else [n.user])]
        if not targets:
            return
        signer = await self._signer()
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            await asyncio.gather(*(self._deliver(session, signer, sub, message)
                                   for message, sub in targets))

    def message(self, n: Notification) -> PushMessage:
        body = n.body if len(n.body) <= BODY_LIMIT else n.body[:BODY_LIMIT - 1] + "…"
        return PushMessage(title=n.title[:120], body=body, url=self._url_for(n),
                           tag=f"shturman-{n.kind.value}-{n.id}")

    async def _deliver(self, session: Any, signer: Any, sub: PushSubscription,
                       message: PushMessage) -> None:
        import aiohttp
        from pywebpush import WebPushException, webpush_async

        payload = json.dumps({"title": message.title, "body": message.body,
                              "url": message.url, "tag": message.tag}, ensure_ascii=False)
        urgency = "high" if "approval" in message.tag else "normal"
        try:
            await webpush_async(
                {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}},
                payload, vapid_private_key=signer, vapid_claims={"sub": self._subject},
                ttl=TTL, headers={"Urgency": urgency}, aiohttp_session=session,
                timeout=aiohttp.ClientTimeout(total=self._timeout))
        except WebPushException as exc:
            status = exc.status_code
            if status in GONE:
                await self._repo.remove(sub.endpoint)
                PUSHES.labels(outcome="gone").inc()
                log.info("push.subscription_gone", user=sub.user, status=status)
                return
            PUSHES.labels(outcome="failed").inc()
            log.warning("push.rejected", user=sub.user, status=status)
            return
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            PUSHES.labels(outcome="failed").inc()
            log.warning("push.unreachable", user=sub.user, error=type(exc).__name__)
            return
        await self._repo.sent(sub.id)
        PUSHES.labels(outcome="sent").inc()


def _new_key() -> str:
    """A new P-256 private key (PKCS#8 PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()
