"""The command line's edges (issue 8, items 4 and 6): every `✗` says what is wrong and what to
do, `server add` checks the login, config-defined servers take credentials, modes, versions."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostlab.lab import HostLab
from tests.test_cli import env, sh  # noqa: F401  (the fixture and the runner)

CLI = Path(__file__).resolve().parent.parent / "src" / "shturman" / "interfaces" / "cli"

# Every place the CLI prints `✗`, by file: a new one must be walked below (and added here).
CROSS_SITES = {
    "runtime.py": 1,   # describe(): every ShturmanError (walked in test_every_cross_says_the_fix)
    "run_cmd.py": 2,   # runs show: ambiguous prefix, no such run
    "rows.py": 2,      # exec: a server's failed row (its own error text), the ✗ mark of a result
    "fastpath.py": 1,  # an error a running daemon relayed (already a sentence from describe())
    "render.py": 1,    # the ✗ mark of a failed verification in a run's events
    "follow_cmd.py": 2,  # runs follow: ambiguous prefix, no such run (run_cmd.py's sentences)
    "user_cmd.py": 1,  # user add/set --password-stdin with nothing on stdin
    "policy_batch.py": 1,  # policy check --jsonl: a worker died (test_cli_policy_jobs.py)
    "bot_cmd.py": 1,   # bot set-token with nothing on stdin
    "health_cmd.py": 1,  # the ✗ mark of a failed check in `health SERVER --history`
}


@pytest.fixture(scope="module")
def hostlab() -> Iterator[HostLab]:
    """Own lab users (shcli*): the shared `shtest*` users are re-homed by concurrent suites."""
    base = Path(tempfile.mkdtemp(prefix="shturman-cli-lab-", dir="/tmp"))
    lab = HostLab(base, 2, with_units=False, user_prefix="shcli")
    try:
        lab.start()
        yield lab
    finally:
        lab.stop()
        shutil.rmtree(base, ignore_errors=True)


def crosses(text: str) -> list[str]:
    return [line for line in text.splitlines() if "✗" in line]


def test_every_cross_site_is_known() -> None:
    found = {p.name: p.read_text(encoding="utf-8").count("✗") for p in CLI.glob("*.py")}
    assert {k: v for k, v in found.items() if v} == CROSS_SITES


def test_every_cross_says_the_fix(env: dict[str, str], tmp_path: Path,  # noqa: F811
                                  hostlab: HostLab) -> None:
    h = hostlab.hosts[0]
    cfg = Path(env["SHTURMAN_CONFIG"])
    sh(env, "init")
    cfg.write_text(f"servers:\n  - name: web\n    host: {h.host}\n    port: {h.port}\n"
                   f"    user: {h.user}\n", encoding="utf-8")
    key = ("--key", str(hostlab.client_key))
    cases: list[tuple[tuple[str, ...], int, list[str]]] = [
        # (argv, exit code, words the sentence must hold: what is wrong + what to do)
        (("server", "show", "nosuch"), 2, ["«nosuch»", "shturman server list",
                                           "shturman server add nosuch"]),
        (("server", "rm", "local"), 2, ["local", "встроенный"]),
        (("server", "add", "local", "--host", "10.0.0.1", *key, "--no-connect"), 2,
         ["local", "другое имя"]),
        (("server", "rm", "web"), 2, ["«web»", f"{cfg}:2", "удалите"]),
        (("server", "add", "web", "--host", "10.9.9.9", "--user", h.user, "--port",
          str(h.port), *key), 2, ["«web»", f"{cfg}:2", "host", "10.9.9.9"]),
        (("server", "add", "dup", "--host", h.host, "--port", str(h.port), "--user", h.user,
          *key, "--no-connect"), 0, []),
        (("server", "add", "dup", "--host", h.host, *key, "--no-connect"), 2,
         ["«dup»", "shturman server rm dup"]),
        (("audit", "--server", "nosuch"), 2, ["«nosuch»", "server list"]),
        (("runs", "show", "zzzz"), 2, ["«zzzz»", "shturman history"]),
    ]
    for argv, code, words in cases:
        r = sh(env, *argv, ok=False)
        assert r.returncode == code, (argv, r.stdout, r.stderr)
        if code == 0:
            continue
        lines = crosses(r.stderr)
        assert len(lines) == 1, (argv, r.stderr)
        for word in words:
            assert word in lines[0], (argv, word, lines[0])
        assert not re.fullmatch(r"✗ \S+", lines[0].strip()), lines[0]
        assert "pydantic" not in r.stderr and "http" not in r.stderr, r.stderr
    # English mode: the same errors in English only
    en = {**env, "SHTURMAN_LANGUAGE": "en"}
    r = sh(en, "server", "rm", "web", ok=False)
    assert "defined in the config file" in r.stderr and "задан" not in r.stderr


def test_ambiguous_run_prefix(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    sh(env, "init")
    for _ in range(2):  # two recorded runs (their outcome does not matter here)
        sh(env, "run", "--mode", "dry_run", "покажи uptime", ok=False)
    db = sqlite3.connect(tmp_path / "home" / "shturman.db")
    ids = [r[0] for r in db.execute("SELECT id FROM runs")]
    db.close()
    assert len(ids) >= 2, "two runs needed"
    r = sh(env, "runs", "show", "", ok=False)
    assert r.returncode == 2 and "нескольким запускам" in r.stderr, r.stderr
    assert sh(env, "runs", "show", ids[0][:8]).returncode == 0


def test_server_add_checks_the_login(env: dict[str, str], hostlab: HostLab,  # noqa: F811
                                     tmp_path: Path) -> None:
    sh(env, "init")
    h = hostlab.hosts[0]
    base = ("--host", h.host, "--port", str(h.port))
    pub = Path(str(hostlab.client_key) + ".pub")
    r = sh(env, "server", "add", "a", *base, "--user", h.user, "--key", str(pub), ok=False)
    assert r.returncode == 2 and "открытый ключ" in r.stderr and str(hostlab.client_key) in r.stderr
    r = sh(env, "server", "add", "a", *base, "--user", "nobody-here", "--key",
           str(hostlab.client_key), ok=False)
    assert r.returncode == 4 and "nobody-here" in r.stderr and "authorized_keys" in r.stderr
    r = sh(env, "server", "add", "a", "--host", "127.0.0.1", "--port", "1", "--user", h.user,
           "--key", str(hostlab.client_key), ok=False)
    assert r.returncode == 4 and "127.0.0.1:1" in r.stderr and "--no-connect" in r.stderr
    r = sh(env, "server", "add", "bad name", *base, "--key", str(hostlab.client_key), ok=False)
    assert r.returncode == 2 and "bad name" in r.stderr and "pydantic" not in r.stderr
    # nothing half-registered after the failures
    names = [s["name"] for s in json.loads(sh(env, "server", "list", "--json").stdout)]
    assert names == ["local"]
    ok = sh(env, "server", "add", "a", *base, "--user", h.user, "--key", str(hostlab.client_key))
    assert hostlab.host_fingerprint(h) in ok.stdout


def test_config_server_takes_credentials(env: dict[str, str], hostlab: HostLab) -> None:  # noqa: F811
    h = hostlab.hosts[1]
    sh(env, "init")
    Path(env["SHTURMAN_CONFIG"]).write_text(
        f"servers:\n  - name: cfg\n    host: {h.host}\n    port: {h.port}\n    user: {h.user}\n",
        encoding="utf-8")
    r = sh(env, "server", "add", "cfg", "--host", h.host, "--port", str(h.port), "--user",
           h.user, "--key", str(hostlab.client_key))
    assert "shturman.yaml:2" in r.stdout and "хранилищ" in r.stdout
    assert sh(env, "exec", "cfg", "--", "whoami").stdout.strip().endswith(h.user)


def test_version_lang_and_modes(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    assert re.fullmatch(r"shturman \d+\.\d+\.\d+\n", sh(env, "--version").stdout)
    bad = sh(env, "policy", "check", "--lang", "de", "ls", ok=False)
    assert bad.returncode == 2 and "'de'" in bad.stderr
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    sh(env, "init")
    assert home.stat().st_mode & 0o777 == 0o700
    assert (home / "shturman.db").stat().st_mode & 0o777 == 0o600


def test_run_with_unknown_or_ambiguous_server_runs_nothing(env: dict[str, str],  # noqa: F811
                                                          tmp_path: Path) -> None:
    sh(env, "init")
    Path(env["SHTURMAN_CONFIG"]).write_text(
        "servers:\n"
        "  - {name: a1, host: 192.0.2.1, aliases: [прод]}\n"
        "  - {name: a2, host: 192.0.2.2, aliases: [прод]}\n", encoding="utf-8")
    before = sh(env, "audit", "--json").stdout
    r = sh(env, "run", "--mode", "autonomous", "--server", "nosuch", "перезапусти nginx", ok=False)
    assert r.returncode == 2 and "«nosuch»" in r.stderr, r.stderr
    r = sh(env, "run", "--mode", "autonomous", "--server", "прод", "покажи uptime", ok=False)
    assert r.returncode == 2 and "a1, a2" in r.stderr, r.stderr
    assert sh(env, "audit", "--json").stdout == before  # nothing ran, nothing recorded
    db = sqlite3.connect(tmp_path / "home" / "shturman.db")
    assert db.execute("SELECT count(*) FROM runs").fetchone() == (0,)
    db.close()


def _wait_for_running_row(db_path: Path, deadline_s: float = 60.0) -> None:
    import time

    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if db_path.exists():
            db = sqlite3.connect(db_path)
            try:
                rows = db.execute("SELECT outcome FROM audit_log WHERE action = 'command'").fetchall()
            except sqlite3.OperationalError:
                rows = []
            db.close()
            if ("running",) in rows:
                return
        time.sleep(0.1)
    raise AssertionError("the command never started")


def test_interrupted_exec_leaves_no_running_row(env: dict[str, str],  # noqa: F811
                                                tmp_path: Path) -> None:
    import signal
    import subprocess

    from tests.test_cli import SHTURMAN

    sh(env, "init")
    for sig in (signal.SIGINT, signal.SIGTERM):
        proc = subprocess.Popen([SHTURMAN, "exec", "--in-process", "local", "--", "sleep 30"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        _wait_for_running_row(tmp_path / "home" / "shturman.db")
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 130, (sig, stderr)
        assert "прервано" in stderr
        outcomes = [json.loads(x)["outcome"] for x in sh(env, "audit", "--json").stdout.splitlines()
                    if json.loads(x)["action"] == "command"]
        assert "running" not in outcomes and outcomes[0] == "interrupted", (sig, outcomes)


def test_server_table_keeps_the_address_at_80_columns(env: dict[str, str]) -> None:  # noqa: F811
    sh(env, "init")
    Path(env["SHTURMAN_CONFIG"]).write_text(
        "servers:\n  - name: production-web-01\n    host: 203.0.113.200\n    port: 2222\n"
        "    user: deploy\n    aliases: [прод, production, main-web]\n"
        "    services: [nginx, admin-api, grok-voice, postgresql]\n    tags: [web, eu]\n",
        encoding="utf-8")
    table = sh({**env, "COLUMNS": "80"}, "server", "list").stdout
    assert "deploy@203.0.113.200:2222" in table and "production-web-01" in table, table
    assert max(len(line) for line in table.splitlines()) <= 80
