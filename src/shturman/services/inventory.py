"""The server registry: YAML inventory + servers added with `server add` + the built-in `local`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from shturman.domain.errors import ServerExistsError, UnknownServerError
from shturman.domain.models import LOCAL_SERVER, AuditEntry, Server, local_server
from shturman.hosts.guarded import AuditSink
from shturman.store.repositories import ServerRepo
from shturman.vault import SecretKind, Vault


class Inventory:
    def __init__(self, configured: Sequence[Server], repo: ServerRepo, vault: Vault,
                 audit: AuditSink) -> None:
        self._configured = {s.name: s for s in configured}
        self._repo = repo
        self._vault = vault
        self._audit = audit
        self.pinned_now: list[tuple[str, str]] = []  # (server, fingerprint) pinned this process

    async def all(self) -> list[Server]:
        """Every server: `local` first, then the config file's, then the registered ones."""
        stored = [s for s in await self._repo.list() if s.name not in self._configured]
        return [local_server(), *self._configured.values(), *stored]

    async def get(self, name: str) -> Server:
        """A server by name or alias (case-insensitive)."""
        for server in await self.all():
            if server.answers_to(name):
                return server
        raise UnknownServerError(name)

    async def source(self, name: str) -> str:
        if name == LOCAL_SERVER:
            return "built-in"
        return "config" if name in self._configured else "registry"

    async def add(self, server: Server, *, actor: str, password: str | None = None,
                  private_key: str | None = None, passphrase: str | None = None) -> None:
        if server.name == LOCAL_SERVER or server.name in self._configured:
            raise ServerExistsError(server.name)
        await self._repo.add(server)
        for kind, value in ((SecretKind.PASSWORD, password),
                            (SecretKind.PRIVATE_KEY, private_key),
                            (SecretKind.PASSPHRASE, passphrase)):
            if value:
                await self._vault.put(server.name, kind, value)
        await self._log(actor, server.name, "server_add", f"{server.address} auth={server.auth}")

    async def remove(self, name: str, *, actor: str) -> None:
        if name in self._configured or name == LOCAL_SERVER:
            raise ServerExistsError(name)  # lives in the config file: edit it there
        if not await self._repo.remove(name):
            raise UnknownServerError(name)
        await self._vault.forget(name)
        await self._repo.forget_host_key(name)
        await self._log(actor, name, "server_rm", "")

    async def host_key(self, name: str) -> tuple[str, str] | None:
        return await self._repo.host_key(name)

    # HostKeyPins (hosts/)
    async def pinned(self, server: Server) -> str | None:
        pin = await self._repo.host_key(server.name)
        return None if pin is None else pin[0]

    async def pin(self, server: Server, key_line: str, fingerprint: str) -> None:
        await self._repo.pin_host_key(server.name, server.host, server.port, key_line,
                                      fingerprint)
        self.pinned_now.append((server.name, fingerprint))
        await self._log("system", server.name, "host_key_pinned", fingerprint)

    async def unpin(self, name: str, *, actor: str) -> None:
        await self._repo.forget_host_key(name)
        await self._log(actor, name, "host_key_forgotten", "")

    async def update_services(self, name: str, services: Sequence[str]) -> None:
        server = await self.get(name)
        await self._repo.update(replace(server, services=tuple(services)))

    async def _log(self, actor: str, server: str, action: str, detail: str) -> None:
        await self._audit.record(AuditEntry(datetime.now(UTC), actor, server, action,
                                            detail=detail))
