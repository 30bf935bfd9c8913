"""What is stored and how, as a table (pure: no I/O)."""

from __future__ import annotations

import pytest

from shturman.domain.backups import SkipReason, StoredFile
from shturman.policy.redaction import Redactor
from shturman.services.backups.restore import write_command
from shturman.services.backups.rules import REDACTED_KEY, REDACTED_VALUES, FileRules

RULES = FileRules(["*.log", "/srv/cache/*"], Redactor())


@pytest.mark.parametrize(("path", "reason", "rule"), [
    ("/etc/ssl/private/site.key", SkipReason.SECRET, "secrets.private_key"),
    ("/opt/app/.env", SkipReason.SECRET, "secrets.credential_store"),
    ("/opt/app/prod.env", SkipReason.SECRET, "secrets.credential_store"),
    ("/etc/shadow", SkipReason.SECRET, "secrets.password_hashes"),
    ("/var/log/nginx/error.log", SkipReason.EXCLUDED, "exclude:*.log"),
    ("/srv/cache/blob", SkipReason.EXCLUDED, "exclude:/srv/cache/*"),
    ("/etc/nginx/nginx.conf", None, ""),
    ("/opt/app/.env.example", None, ""),
])
def test_skip_by_path(path: str, reason: SkipReason | None, rule: str) -> None:
    found = RULES.skip(path)
    assert (found.reason, found.rule) == (reason, rule) if found else reason is None


@pytest.mark.parametrize(("text", "redacted", "kept"), [
    ("listen 80;\r\nroot /srv;\r\n", "", "listen 80;\r\nroot /srv;\r\n"),  # exact bytes kept
    ("requirepass s3cr3tvalue\n", REDACTED_VALUES, "requirepass [REDACTED]\n"),
    ("db_password = hunter22\n", REDACTED_VALUES, "db_password = [REDACTED]\n"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n", REDACTED_KEY,
     "[REDACTED PRIVATE KEY]\n"),
])
def test_keep_by_content(text: str, redacted: str, kept: str) -> None:
    got = RULES.keep("/etc/x.conf", text.encode())
    assert (got.redacted, got.data) == (redacted, kept.encode())


def test_binary_is_skipped() -> None:
    assert RULES.keep("/x", b"\x00\x01").skipped.reason is SkipReason.BINARY  # type: ignore[union-attr]
    assert RULES.keep("/x", "é".encode("latin-1")).skipped.reason is SkipReason.BINARY  # type: ignore[union-attr]


def test_write_command_writes_exact_bytes() -> None:
    def stored(data: bytes, mode: int | None = 0o644) -> StoredFile:
        return StoredFile("vm1", "/etc/a b.conf", "c" * 40, data, mode)

    assert write_command(stored(b"x\n"), True, 0o644) == (
        "cat > '/etc/a b.conf' <<'SHTURMAN_EOF'\nx\nSHTURMAN_EOF")
    assert write_command(stored(b"no newline"), True, 0o600) == (
        "head -c 10 > '/etc/a b.conf' <<'SHTURMAN_EOF' && chmod 0644 '/etc/a b.conf'\n"
        "no newline\nSHTURMAN_EOF")
    assert write_command(stored(b"SHTURMAN_EOF\n", None), False, None) == (
        "mkdir -p /etc && cat > '/etc/a b.conf' <<'SHTURMAN_EOF_'\nSHTURMAN_EOF\n"
        "SHTURMAN_EOF_")
