"""Redaction holds everywhere: plant every secret format in commands, outputs and a run's
request, then grep every table (all columns of all rows), every file under SHTURMAN_HOME and
every CLI output for it. Nothing may be found; the data directory and database are private."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shturman.app import build
from shturman.config import load_settings
from shturman.domain.models import Actor, AuthMethod, RunMode, Server
from shturman.services.runs import RunRequest
from tests.fakes import ScriptedModel

SHTURMAN = str(Path(sys.executable).parent / "shturman")

VAULT_PW = "Vault-Pw-Q7xk29Lm"  # stored in the vault: exact-value redaction
KEY_BODY_A = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
KEY_BODY_B = "MIIEowIBAAKCAQEAzXq9bQwErTyUiOpAsDfGhJkLzXcVbNm1234567890abcdefghij"
PEM_A = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY_BODY_A}\n-----END OPENSSH PRIVATE KEY-----\n"
PEM_B = f"-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY_B}\n-----END RSA PRIVATE KEY-----\n"

# (text planted, the secret part that must never be seen)
PLANTED: list[tuple[str, str]] = [
    (PEM_B, KEY_BODY_B),  # another key, while one (PEM_A) is in the vault
    ("jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbjQyIn0.Sig-Nature_x9Q8w7E6r5T4y3U",
     "Sig-Nature_x9Q8w7E6r5T4y3U"),
    ("bot 5512345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawX", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawX"),
    ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("hook https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFG/XyZ123abcDEF456ghiJKL789",
     "XyZ123abcDEF456ghiJKL789"),
    ("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Az9+kQ2/wErTyU8iOpA==;"
     "EndpointSuffix=core.windows.net", "Az9+kQ2/wErTyU8iOpA=="),
    ('{"user": "app", "password": "Js0nPw-5f3e2d1c"}', "Js0nPw-5f3e2d1c"),
    ("mysql -u root -pMyS3cretPw9 -e status", "MyS3cretPw9"),
    ("requirepass R3disPass-77aa", "R3disPass-77aa"),
    ("PGPASSWORD=PgPw-0c9b8a7 psql -h db", "PgPw-0c9b8a7"),
    ("root:$6$saltsalt$Kq0hQ8pX1zR3yT5uV7wA9bC2dE4fG6hJ8kL0mN2pQ4rS6tU8vW0xY2z:19000:0:99999:7:::",
     "Kq0hQ8pX1zR3yT5uV7wA9bC2dE4fG6hJ8kL0mN2pQ4rS6tU8vW0xY2z"),
    ("app:$y$j9T$Ab1Cd2Ef3Gh4$Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8Nn7Mm6:19000:0:99999:7:::",
     "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8Nn7Mm6"),
    ("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: k\nPublic-Lines: 1\n"
     "AAAAC3NzaC1lZDI1NTE5AAAAIPuttyPub\nPrivate-Lines: 1\nAAAAIPuTTyPr1vAtE0987zyxwvu\n"
     "Private-MAC: 0123456789abcdef\n", "AAAAIPuTTyPr1vAtE0987zyxwvu"),
    (f"clear {VAULT_PW}", VAULT_PW),
    (f"lower {VAULT_PW.lower()}", VAULT_PW.lower()),
    (f"b64 {base64.b64encode(VAULT_PW.encode()).decode()}",
     base64.b64encode(VAULT_PW.encode()).decode().rstrip("=")),
    (f"auth {base64.b64encode(f'admin:{VAULT_PW}'.encode()).decode()}",
     base64.b64encode(f"admin:{VAULT_PW}".encode()).decode()[8:-2]),
    (f"split {VAULT_PW[:6]}\x1b[0m{VAULT_PW[6:]} and \x1b[31mred\x1b[0m", VAULT_PW[6:]),
]
SECRETS = [secret for _, secret in PLANTED] + [KEY_BODY_A]


def _found(text: str) -> list[str]:
    low = text.lower()
    hits = [s for s in SECRETS if s in text]
    hits += [VAULT_PW] if VAULT_PW.lower() in low else []
    return hits


def sh(env: dict[str, str], *args: str, ok: bool = True) -> str:
    r = subprocess.run([SHTURMAN, *args], env=env, capture_output=True, text=True, timeout=120,
                       check=False)
    if ok:
        assert r.returncode in (0, 1), f"{args}: {r.stdout}\n{r.stderr}"
    return r.stdout + r.stderr


def plan(*commands: str) -> dict[str, Any]:
    return {"summary": "look", "steps": [{"id": "s1", "title": "look", "verify": [],
                                          "actions": [{"tool": "run_command", "server": "local",
                                                       "args": {"command": c}}
                                                      for c in commands]}]}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    e["SHTURMAN_HOME"] = str(tmp_path / "home")
    e["SHTURMAN_CONFIG"] = str(tmp_path / "shturman.yaml")
    return e


async def test_planted_secrets_are_found_nowhere(env: dict[str, str], tmp_path: Path) -> None:
    home = tmp_path / "home"
    sh(env, "init")
    notes = tmp_path / "notes.txt"
    notes.write_text("\n".join(text for text, _ in PLANTED) + "\n", encoding="utf-8")

    settings = load_settings(tmp_path / "shturman.yaml", home=home)
    c = await build(settings)
    try:
        await c.inventory.add(Server("prod", "192.0.2.10", auth=AuthMethod.PASSWORD),
                              actor="test", password=VAULT_PW)
        await c.inventory.add(Server("keyed", "192.0.2.11", auth=AuthMethod.KEY),
                              actor="test", private_key=PEM_A)
    finally:
        await c.close()

    outputs = [
        sh(env, "exec", "local", "--in-process", "--", "cat", str(notes)),
        sh(env, "exec", "local", "--in-process", "--json", "--", "cat", str(notes)),
        sh(env, "exec", "local", "--in-process", "--", "echo", VAULT_PW.lower()),
        sh(env, "exec", "local", "--in-process", "--", "mysql -u root -pMyS3cretPw9 -e status"),
    ]

    model = ScriptedModel([plan(f"cat {notes}", f"echo {VAULT_PW}",
                                "PGPASSWORD=PgPw-0c9b8a7 psql -h db -c 'select 1'")])
    c = await build(load_settings(tmp_path / "shturman.yaml", home=home), model=model.model)
    try:
        record, events = await c.runs.run(RunRequest(
            f"check the db, password is {VAULT_PW} and {VAULT_PW.lower()}",
            Actor("test", "op"), RunMode.AUTONOMOUS))
        shown = json.dumps([e.as_json() for e in events], ensure_ascii=False)
        assert not _found(shown), "events as streamed"
        assert any(e.type == "command_started" and "[REDACTED]" in e.data["command"]
                   for e in events)
        assert not model.saw(VAULT_PW) and not model.saw(KEY_BODY_B)
    finally:
        await c.close()

    outputs += [
        sh(env, "history"), sh(env, "history", "--json"),
        sh(env, "runs", "show", record.id), sh(env, "runs", "show", record.id, "--json"),
        sh(env, "audit", "-n", "200"), sh(env, "audit", "-n", "200", "--json"),
        sh(env, "policy", "explain", f"mysql -u root -pMyS3cretPw9 -e status; {PLANTED[9][0]}"),
    ]
    for out in outputs:
        assert not _found(out), out
        assert "\x1b" not in out  # raw escapes never reach the terminal
    assert any("[REDACTED PRIVATE KEY]" in out for out in outputs)

    db = sqlite3.connect(home / "shturman.db")
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert {"runs", "run_events", "audit_log", "command_outputs", "incidents"} <= set(tables)
        rows = 0
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                rows += 1
                cells = " ".join(c.decode("latin-1") if isinstance(c, bytes) else str(c)
                                 for c in row)
                assert not _found(cells), (table, cells)
        assert rows > 20
    finally:
        db.close()
    for path in home.rglob("*"):
        if path.is_file():
            assert not _found(path.read_bytes().decode("utf-8", "replace")), path


def test_data_directory_and_database_are_private(env: dict[str, str], tmp_path: Path) -> None:
    home = tmp_path / "home"
    (tmp_path / "shturman.yaml").write_text("servers: []\n", encoding="utf-8")
    sh(env, "history")  # the first command of a fresh install creates everything
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name in ("shturman.db", "shturman.db-wal", "shturman.db-shm"):
        if (home / name).exists():
            assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    assert (home / "shturman.db").exists()
    log = home / "logs" / "shturman.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    os.chmod(home / "shturman.db", 0o644)  # an older install: tightened on the next start
    sh(env, "history")
    assert stat.S_IMODE((home / "shturman.db").stat().st_mode) == 0o600


def test_log_records_are_redacted(tmp_path: Path) -> None:
    import logging

    from shturman.observability.logging import configure, get_logger, use_redactor
    from shturman.policy.redaction import Redactor

    configure(tmp_path / "logs")
    try:
        use_redactor(Redactor([VAULT_PW]).redact)
        get_logger("test").info("sent", command="mysql -u root -pMyS3cretPw9 -e status",
                                note=f"pw {VAULT_PW.lower()}")
        logging.getLogger("test.stdlib").warning("token=%s and \x1b[31m%s", "Tok3nValue9",
                                                 VAULT_PW)
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = (tmp_path / "logs" / "shturman.log").read_text(encoding="utf-8")
        assert "sent" in text and "[REDACTED]" in text
        assert not _found(text) and "Tok3nValue9" not in text and "\x1b" not in text
        assert stat.S_IMODE((tmp_path / "logs" / "shturman.log").stat().st_mode) == 0o600
    finally:
        use_redactor(None)
        logging.basicConfig(handlers=[logging.NullHandler()], force=True)
