"""The server registry: YAML inventory + servers added with `server add` + the built-in `local`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Literal, Protocol

from shturman.domain.errors import AmbiguousServerError, ServerExistsError, UnknownServerError
from shturman.domain.events import Event, HostKeyPinned
from shturman.domain.models import (
    LOCAL_SERVER,
    AccessProfile,
    AuditEntry,
    Server,
    local_server,
)
from shturman.hosts.guarded import AuditSink, announce, listening
from shturman.vault import SecretKind, Vault


class ServerRecords(Protocol):
    """Where registered servers and pinned host keys are kept: the store's ``ServerRepo``,
    or ``store.sqlite_light.SqliteStore`` for `exec`'s fast start (reads and pins only)."""

    async def list(self) -> list[Server]: ...
    async def add(self, server: Server) -> None: ...
    async def update(self, server: Server) -> None: ...
    async def remove(self, name: str) -> bool: ...
    async def host_key(self, name: str) -> tuple[str, str] | None: ...
    async def pin_host_key(self, name: str, host: str, port: int, key_line: str,
                           fingerprint: str) -> None: ...
    async def forget_host_key(self, name: str) -> None: ...


class Inventory:
    def __init__(self, configured: Sequence[Server], repo: ServerRecords, vault: Vault,
                 audit: AuditSink, origins: Mapping[str, str] | None = None) -> None:
        self._configured = {s.name: s for s in configured}
        self._origins = dict(origins or {})  # name → "file:line" of config-defined servers
        self._repo = repo
        self._vault = vault
        self._audit = audit

    @staticmethod
    @contextlib.contextmanager
    def pins() -> Iterator[list[HostKeyPinned]]:
        """The host keys pinned inside the block by this task (and the tasks it starts) —
        never another client's: each asyncio task sees only its own."""
        seen: list[HostKeyPinned] = []

        async def keep(event: Event) -> None:
            if isinstance(event, HostKeyPinned):
                seen.append(event)

        with listening(keep):
            yield seen

    async def all(self) -> list[Server]:
        """Every server: `local` first, then the config file's, then the registered ones."""
        stored = [s for s in await self._repo.list() if s.name not in self._configured]
        return [local_server(), *self._configured.values(), *stored]

    async def get(self, name: str) -> Server:
        """A server by name or alias (case-insensitive); a name several answer to is an error."""
        everyone = await self.all()
        exact = [s for s in everyone if s.name.casefold() == name.strip().casefold()]
        matches = exact or [s for s in everyone if s.answers_to(name)]
        if len(matches) > 1:
            raise AmbiguousServerError(name, tuple(s.name for s in matches))
        if not matches:
            raise UnknownServerError(name)
        return matches[0]

    async def source(self, name: str) -> str:
        if name == LOCAL_SERVER:
            return "built-in"
        return "config" if name in self._configured else "registry"

    def origin(self, name: str) -> str:
        """Where a config-defined server is written ("file:line"), or ""."""
        return self._origins.get(name, "")

    async def add(self, server: Server, *, actor: str, password: str | None = None,
                  private_key: str | None = None,
                  passphrase: str | None = None) -> Literal["added", "attached"]:
        """Register a server, or attach credentials to the config file's server of that name.

        Attaching needs the same address and auth method as the file says; anything else is
        an error naming the file and line to edit.
        """
        if server.name == LOCAL_SERVER:
            raise ServerExistsError(server.name, kind="local")
        configured = self._configured.get(server.name)
        if configured is not None:
            differs = [f"{field} {theirs} ≠ {ours}" for field, theirs, ours in (
                ("host", configured.host, server.host), ("port", configured.port, server.port),
                ("user", configured.user, server.user),
                ("auth", configured.auth.value, server.auth.value)) if theirs != ours]
            if differs:
                raise ServerExistsError(server.name, kind="config", where=self.origin(server.name),
                                        detail="; ".join(differs))
            await self._store_secrets(server.name, password, private_key, passphrase)
            await self._log(actor, server.name, "server_credentials",
                            f"attached to the config's {server.address}")
            return "attached"
        await self._repo.add(server)
        await self._store_secrets(server.name, password, private_key, passphrase)
        await self._log(actor, server.name, "server_add", f"{server.address} auth={server.auth}")
        return "added"

    async def _store_secrets(self, name: str, password: str | None, private_key: str | None,
                             passphrase: str | None) -> None:
        for kind, value in ((SecretKind.PASSWORD, password),
                            (SecretKind.PRIVATE_KEY, private_key),
                            (SecretKind.PASSPHRASE, passphrase)):
            if value:
                await self._vault.put(name, kind, value)

    async def undo_add(self, name: str, how: Literal["added", "attached"], *, actor: str,
                       why: str) -> None:
        """Take back an `add` whose login check failed (nothing half-registered remains)."""
        if how == "added":
            await self._repo.remove(name)
            await self._repo.forget_host_key(name)
        await self._vault.forget(name)
        await self._log(actor, name, "server_add_undone", why)

    async def remove(self, name: str, *, actor: str) -> None:
        if name == LOCAL_SERVER:
            raise ServerExistsError(name, kind="local")
        if name in self._configured:  # lives in the config file: edit it there
            raise ServerExistsError(name, kind="config", where=self.origin(name))
        if not await self._repo.remove(name):
            raise UnknownServerError(name)
        await self._vault.forget(name)
        await self._repo.forget_host_key(name)
        await self._log(actor, name, "server_rm", "")

    async def edit(self, server: Server, *, actor: str, password: str | None = None,
                   private_key: str | None = None, passphrase: str | None = None) -> Server:
        """Change a registered server (same name); secrets given replace the stored ones,
        secrets not given stay. A new auth method drops the old method's secrets; a new
        address drops the pinned host key (the next login pins the new one)."""
        before = await self._registered(server.name)
        if before.auth != server.auth:
            await self._vault.forget(server.name)
        if (before.host, before.port) != (server.host, server.port):
            await self._repo.forget_host_key(server.name)
        await self._repo.update(server)
        await self._store_secrets(server.name, password, private_key, passphrase)
        changed = [f for f in ("host", "port", "user", "auth", "key_path", "aliases",
                               "services", "tags", "profile")
                   if getattr(before, f) != getattr(server, f)]
        replaced = [k for k, v in (("password", password), ("private key", private_key),
                                   ("passphrase", passphrase)) if v]
        await self._log(actor, server.name, "server_edit",
                        "changed: " + (", ".join(changed) or "nothing")
                        + (f"; secrets replaced: {', '.join(replaced)}" if replaced else ""))
        return server

    async def set_profile(self, name: str, profile: AccessProfile, *, actor: str) -> Server:
        """The access profile of a registered server (admin-only, audited)."""
        before = await self._registered(name)
        after = replace(before, profile=profile)
        await self._repo.update(after)
        await self._log(actor, name, "server_profile",
                        f"{before.profile.value} → {profile.value}")
        return after

    async def _registered(self, name: str) -> Server:
        """A server of the registry by exact name: `local` and the config file's are edited
        elsewhere (the config file: its "file:line" is in the error)."""
        if name == LOCAL_SERVER:
            raise ServerExistsError(name, kind="local")
        if name in self._configured:
            raise ServerExistsError(name, kind="config", where=self.origin(name))
        found = [s for s in await self._repo.list() if s.name == name]
        if not found:
            raise UnknownServerError(name)
        return found[0]

    async def host_key(self, name: str) -> tuple[str, str] | None:
        return await self._repo.host_key(name)

    # HostKeyPins (hosts/)
    async def pinned(self, server: Server) -> str | None:
        pin = await self._repo.host_key(server.name)
        return None if pin is None else pin[0]

    async def pin(self, server: Server, key_line: str, fingerprint: str) -> None:
        await self._repo.pin_host_key(server.name, server.host, server.port, key_line,
                                      fingerprint)
        await announce(HostKeyPinned(server=server.name, fingerprint=fingerprint))
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
