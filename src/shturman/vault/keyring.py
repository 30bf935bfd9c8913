"""The master keys: a file with one Fernet key per line, newest first."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from shturman.domain.errors import VaultError


def create_key_file(path: Path) -> bool:
    """Create a new key file (mode 0600). Returns False when one already exists."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as fh:
        fh.write(Fernet.generate_key().decode() + "\n")
    return True


class Keyring:
    """Loads keys, encrypts with the newest, decrypts with any (MultiFernet)."""

    def __init__(self, keys: list[bytes], path: Path | None = None) -> None:
        if not keys:
            raise VaultError("vault key is empty / ключ хранилища пуст")
        try:
            self._fernets = [Fernet(k) for k in keys]
        except (ValueError, TypeError) as exc:
            raise VaultError(
                "vault key is malformed (expected Fernet keys) / ключ хранилища повреждён"
            ) from exc
        self._multi = MultiFernet(self._fernets)
        self._keys = keys
        self.path = path

    @classmethod
    def from_file(cls, path: Path) -> Keyring:
        if not path.is_file():
            raise VaultError(
                f"vault key file {path} is missing; run `shturman init` or restore the key / "
                f"нет файла ключа {path}: выполните `shturman init` или восстановите ключ"
            )
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise VaultError(
                f"vault key file {path} is readable by others (mode {mode:o}); "
                f"run `chmod 600 {path}` / файл ключа {path} доступен другим (права {mode:o}): "
                f"выполните `chmod 600 {path}`"
            )
        keys = [line.strip().encode() for line in path.read_text().splitlines() if line.strip()]
        return cls(keys, path)

    @classmethod
    def from_value(cls, value: str) -> Keyring:
        return cls([k.strip().encode() for k in value.split(",") if k.strip()])

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._multi.encrypt(plaintext)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._multi.decrypt(token)
        except InvalidToken as exc:
            raise VaultError(
                "cannot decrypt a stored secret: wrong vault key / "
                "не удалось расшифровать секрет: неверный ключ хранилища"
            ) from exc

    def rotate_token(self, token: bytes) -> bytes:
        try:
            return self._multi.rotate(token)
        except InvalidToken as exc:
            raise VaultError("cannot rotate a secret: wrong vault key") from exc

    def with_new_key(self) -> Keyring:
        """A keyring whose newest key is fresh; old keys still decrypt."""
        return Keyring([Fernet.generate_key(), *self._keys], self.path)

    def save(self) -> None:
        """Write keys atomically (newest first) to the key file."""
        if self.path is None:
            raise VaultError("this vault key comes from the environment; rotate it there")
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("".join(k.decode() + "\n" for k in self._keys))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def only_newest(self) -> Keyring:
        return Keyring(self._keys[:1], self.path)


class LazyKeyring(Keyring):
    """Loads the real keyring on first use, so commands that need no secret work without it."""

    def __init__(self, loader: Callable[[], Keyring]) -> None:  # no super(): nothing loaded yet
        self._loader = loader
        self._real: Keyring | None = None

    def _get(self) -> Keyring:
        if self._real is None:
            self._real = self._loader()
        return self._real

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._get().encrypt(plaintext)

    def decrypt(self, token: bytes) -> bytes:
        return self._get().decrypt(token)

    def rotate_token(self, token: bytes) -> bytes:
        return self._get().rotate_token(token)

    def with_new_key(self) -> Keyring:
        return self._get().with_new_key()
