"""Vault: encrypted secrets per server, over a storage protocol implemented in store/."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from shturman.vault.keyring import Keyring


class SecretKind(StrEnum):
    PASSWORD = "password"
    PRIVATE_KEY = "private_key"
    PASSPHRASE = "passphrase"
    TOKEN = "token"


class SecretStore(Protocol):
    """Where encrypted blobs live (implemented by store.repositories.CredentialRepo)."""

    async def put(self, server: str, kind: str, blob: bytes) -> None: ...
    async def get(self, server: str, kind: str) -> bytes | None: ...
    async def all_blobs(self) -> list[tuple[str, str, bytes]]: ...
    async def delete_for(self, server: str) -> None: ...


class Vault:
    def __init__(self, keyring: Keyring, store: SecretStore) -> None:
        self._keyring = keyring
        self._store = store

    async def put(self, server: str, kind: SecretKind, plaintext: str) -> None:
        await self._store.put(server, kind.value, self._keyring.encrypt(plaintext.encode()))

    async def get(self, server: str, kind: SecretKind) -> str | None:
        """Plaintext of one secret. Only hosts/ calls this, while opening a connection."""
        blob = await self._store.get(server, kind.value)
        return None if blob is None else self._keyring.decrypt(blob).decode()

    async def forget(self, server: str) -> None:
        await self._store.delete_for(server)

    async def known_values(self) -> list[str]:
        """Every stored plaintext, for exact-value redaction of outputs. Never logged."""
        values: list[str] = []
        for _server, kind, blob in await self._store.all_blobs():
            text = self._keyring.decrypt(blob).decode()
            if kind == SecretKind.PRIVATE_KEY.value:
                values.extend(line for line in text.splitlines() if len(line) > 16)
            else:
                values.append(text)
        return values

    async def rotate(self) -> int:
        """Add a fresh key, re-encrypt every secret with it, drop old keys. Returns count."""
        new = self._keyring.with_new_key()
        # Crash-safe order: persist old+new keys, re-encrypt, then keep only the newest key.
        new.save()
        blobs = await self._store.all_blobs()
        rotated = [(server, kind, new.rotate_token(blob)) for server, kind, blob in blobs]
        for server, kind, blob in rotated:
            await self._store.put(server, kind, blob)
        newest = new.only_newest()
        newest.save()
        self._keyring = newest
        return len(rotated)

    # CredentialSource (hosts/): plaintext only while a connection opens.
    async def password(self, server: str) -> str | None:
        return await self.get(server, SecretKind.PASSWORD)

    async def private_key(self, server: str) -> str | None:
        return await self.get(server, SecretKind.PRIVATE_KEY)

    async def passphrase(self, server: str) -> str | None:
        return await self.get(server, SecretKind.PASSPHRASE)
