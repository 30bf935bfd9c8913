"""What of a server's files goes into the backup repository, and how.

By path, before anything is read: credential material (the policy's own classifier,
``policy.secrets.classify_path``: private keys, ``*.env``, credential stores, shadow files …)
and the configured exclude globs are never fetched. By content, after reading: binary files
are skipped; text goes through the ONE redaction pass (vault values and secret patterns such
as ``password = …``, ``requirepass``, tokens, private key blocks) and a copy with anything
masked is stored redacted — marked so, and never restored.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shturman.domain.backups import Skipped, SkipReason
from shturman.policy.redaction import KEY_MARK, MARK
from shturman.policy.secrets import classify_path

REDACTED_KEY = "redaction.private_key"
REDACTED_VALUES = "redaction.secret_values"


@dataclass(frozen=True, slots=True)
class Kept:
    """What is stored for a file: the bytes, and the redaction rule applied (if any)."""

    data: bytes | None
    redacted: str = ""
    skipped: Skipped | None = None


class FileRules:
    def __init__(self, exclude: Sequence[str], redact: Callable[[str], str]) -> None:
        self._exclude = tuple(exclude)
        self._redact = redact

    def skip(self, path: str) -> Skipped | None:
        """Refused by path (never read): credential material or an exclude glob."""
        secret = classify_path(path)
        if secret is not None:
            return Skipped(path, SkipReason.SECRET, f"secrets.{secret.kind.value}")
        name = posixpath.basename(path)
        for glob in self._exclude:
            if fnmatch.fnmatchcase(name, glob) or fnmatch.fnmatchcase(path, glob):
                return Skipped(path, SkipReason.EXCLUDED, f"exclude:{glob}")
        return None

    def keep(self, path: str, data: bytes) -> Kept:
        """The copy to store: skipped when binary, redacted when secrets are inside."""
        if b"\0" in data:
            return Kept(None, skipped=Skipped(path, SkipReason.BINARY, "NUL byte"))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return Kept(None, skipped=Skipped(path, SkipReason.BINARY, "not UTF-8"))
        cleaned = self._redact(text)
        if cleaned.count(KEY_MARK) > text.count(KEY_MARK):
            return Kept(cleaned.encode(), REDACTED_KEY)
        if cleaned.count(MARK) + cleaned.count(KEY_MARK) > text.count(MARK) + text.count(
                KEY_MARK):
            return Kept(cleaned.encode(), REDACTED_VALUES)
        return Kept(data)  # unchanged: the exact bytes (the redactor also normalises text)
