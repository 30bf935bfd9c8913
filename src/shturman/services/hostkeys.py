"""Host keys as a use-case: pin the key a server presents now (`server trust`)."""

from __future__ import annotations

from typing import Any

from shturman.domain.models import Server


async def pin_presented(ssh: Any, server: Server) -> str:
    """Fetch the server's host key (no credential is sent), pin it, return its fingerprint.
    ``ssh`` is the container's SSH executor (it pins through the inventory)."""
    from shturman.hosts.ssh import fingerprint

    key_line: str = await ssh.first_contact(server)
    return fingerprint(key_line)
