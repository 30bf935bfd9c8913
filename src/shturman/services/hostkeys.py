"""Reaching a server for the first time as a use-case, for every channel: register it and log
in once (pinning its host key on the way, or taking the registration back when the login
fails), and `trust` — pin the key a server presents now, after a reinstall."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from shturman.domain.errors import HostError
from shturman.domain.events import HostKeyPinned
from shturman.domain.models import Server
from shturman.services.inventory import Inventory


@dataclass(frozen=True, slots=True)
class Added:
    how: Literal["added", "attached"]  # new, or credentials for a config file's server
    pinned: tuple[HostKeyPinned, ...] = ()  # host keys pinned by the first login
    connected: bool = False


class ServerAccess:
    """``ssh`` is the container's SSH executor (it pins through the inventory)."""

    def __init__(self, inventory: Inventory, ssh: Any) -> None:
        self._inventory = inventory
        self._ssh = ssh

    async def add(self, server: Server, *, actor: str, password: str | None = None,
                  private_key: str | None = None, passphrase: str | None = None,
                  connect: bool = True) -> Added:
        """Register ``server`` and (``connect``) log in once. A failed login raises its
        HostError with nothing half-registered left behind."""
        how = await self._inventory.add(server, actor=actor, password=password,
                                        private_key=private_key, passphrase=passphrase)
        if not connect:
            return Added(how)
        try:
            with self._inventory.pins() as pinned:
                await self._ssh.connection(server)
        except HostError as exc:
            await self._inventory.undo_add(server.name, how, actor=actor,
                                           why=type(exc).__name__)
            raise
        return Added(how, tuple(pinned), connected=True)

    async def trust(self, name: str, *, actor: str) -> tuple[Server, str]:
        """Forget the pinned key, fetch the one the server presents (no credential is sent)
        and pin it. Returns the server and the new key's fingerprint."""
        from shturman.hosts.ssh import fingerprint

        server = await self._inventory.get(name)
        await self._inventory.unpin(server.name, actor=actor)
        key_line: str = await self._ssh.first_contact(server)
        return server, fingerprint(key_line)
