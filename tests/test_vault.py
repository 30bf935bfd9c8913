"""Vault: encryption at rest, rotation, missing or wrong keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from shturman.domain.errors import VaultError
from shturman.store import Database
from shturman.store.repositories import CredentialRepo
from shturman.vault import Keyring, SecretKind, Vault, create_key_file


async def _vault(tmp_path: Path) -> tuple[Vault, Database, Path]:
    key = tmp_path / "vault.key"
    assert create_key_file(key)
    assert not create_key_file(key)  # never overwritten
    assert key.stat().st_mode & 0o777 == 0o600
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'v.db'}")
    await db.migrate()
    return Vault(Keyring.from_file(key), CredentialRepo(db.engine)), db, key


async def test_roundtrip_and_rotation(tmp_path: Path) -> None:
    vault, db, key = await _vault(tmp_path)
    await vault.put("prod", SecretKind.PASSWORD, "hunter2-very-secret")
    old_key = key.read_text()
    assert await vault.rotate() == 1
    assert key.read_text() != old_key
    assert len(key.read_text().split()) == 1  # old key retired
    fresh = Vault(Keyring.from_file(key), CredentialRepo(db.engine))
    assert await fresh.password("prod") == "hunter2-very-secret"
    # the old key alone can no longer decrypt
    old = Vault(Keyring([old_key.strip().encode()]), CredentialRepo(db.engine))
    with pytest.raises(VaultError, match="wrong vault key"):
        await old.password("prod")
    await db.close()


async def test_wrong_and_missing_key(tmp_path: Path) -> None:
    vault, db, key = await _vault(tmp_path)
    await vault.put("prod", SecretKind.PASSWORD, "p@ss")
    wrong = Vault(Keyring([Fernet.generate_key()]), CredentialRepo(db.engine))
    with pytest.raises(VaultError, match="wrong vault key"):
        await wrong.password("prod")
    with pytest.raises(VaultError, match="missing"):
        Keyring.from_file(tmp_path / "nope.key")
    key.chmod(0o644)
    with pytest.raises(VaultError, match="readable by others"):
        Keyring.from_file(key)
    bad = tmp_path / "bad.key"
    bad.write_text("not-a-key\n")
    bad.chmod(0o600)
    with pytest.raises(VaultError, match="malformed"):
        Keyring.from_file(bad)
    await db.close()


async def test_plaintext_never_in_database_file(tmp_path: Path) -> None:
    vault, db, _ = await _vault(tmp_path)
    secret = "Sup3r-Secret-Passw0rd-XYZ"
    await vault.put("prod", SecretKind.PASSWORD, secret)
    await db.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("v.db*"))
    assert secret.encode() not in raw
