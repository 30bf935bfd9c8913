"""`shturman exec local -- CMD` with no daemon: answered before typer, pydantic and SQLAlchemy
load, with the same policy decisions, output, exit codes and audit rows as the typer path."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SHTURMAN = str(Path(sys.executable).parent / "shturman")
HEAVY = ("typer", "pydantic", "sqlalchemy", "alembic")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    e.update(SHTURMAN_HOME=str(tmp_path / "home"), SHTURMAN_CONFIG=str(tmp_path / "s.yaml"),
             XDG_CACHE_HOME=str(tmp_path / "cache"), SHTURMAN_LANGUAGE="en")
    subprocess.run([SHTURMAN, "init"], env=e, capture_output=True, check=True)
    return e


def sh(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHTURMAN, *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def loaded_modules(env: dict[str, str], *args: str) -> set[str]:
    r = subprocess.run([sys.executable, "-X", "importtime", "-c",
                        "import sys; from shturman.app import main; sys.argv[0] = 'shturman'; "
                        "main()", *args], env=env, capture_output=True, text=True, check=False)
    return {line.rsplit("|", 1)[1].strip() for line in r.stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


def audit_commands(env: dict[str, str]) -> list[dict[str, object]]:
    r = sh(env, "audit", "--json", "-n", "100")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    return [{k: v for k, v in row.items() if k not in ("id", "at", "duration")}
            for row in rows if row["action"] == "command"]


CASES = [
    ("echo out; echo err >&2; exit 3", False),  # allow, fails
    ("echo hello", False),  # allow, ok
    ("rm -rf /", False),  # block
    ("touch /tmp/shturman-fastexec-never", False),  # confirm, no terminal: denied
    ("sleep 0", True),  # --yes
]


def test_fast_path_loads_no_heavy_library(env: dict[str, str]) -> None:
    sh(env, "exec", "local", "--", "true")  # the settings cache is written on first use
    for form in (["exec", "local", "--", "true"], ["exec", "--in-process", "local", "--",
                                                    "true"]):
        modules = loaded_modules(env, *form)
        assert "shturman.interfaces.cli.fastpath" in modules
        assert not {m for m in modules if m.split(".")[0] in HEAVY}, form
    # a form it leaves to typer still works (and loads typer): the control
    assert "typer" in loaded_modules(env, "exec", "--timeout=30", "local", "--", "true")


@pytest.mark.parametrize("command, yes", CASES)
def test_fast_and_typer_paths_answer_alike(env: dict[str, str], command: str,
                                           yes: bool) -> None:
    flags = ["--yes"] if yes else []
    fast = sh(env, "exec", *flags, "--json", "local", "--", command)
    before = len(audit_commands(env))
    typer = sh(env, "exec", *flags, "--json", "--timeout=120", "local", "--", command)
    assert fast.returncode == typer.returncode
    a, b = json.loads(fast.stdout), json.loads(typer.stdout)
    assert a.pop("duration") >= 0 and b.pop("duration") >= 0
    assert a == b
    rows = audit_commands(env)
    assert len(rows) == before + 1 and rows[-2:][0] == rows[-1], rows[-2:]
    # human output too (the same rows printer)
    human_fast = sh(env, "exec", *flags, "local", "--", command)
    human_typer = sh(env, "exec", *flags, "--timeout=120", "local", "--", command)
    assert human_fast.stdout == human_typer.stdout
    assert human_fast.returncode == human_typer.returncode
    assert not Path("/tmp/shturman-fastexec-never").exists()


def test_outputs_are_redacted_with_vault_values(env: dict[str, str]) -> None:
    secret = "fastpath-secret-9f3a1c77e2"
    added = subprocess.run(
        [SHTURMAN, "server", "add", "pw", "--host", "127.0.0.1", "--port", "1", "--user", "x",
         "--password-stdin", "--no-connect"], env=env, input=secret + "\n",
        capture_output=True, text=True, check=False)
    assert added.returncode == 0, added.stderr
    r = sh(env, "exec", "--json", "local", "--", f"echo token is {secret}")
    assert r.returncode == 0 and secret not in r.stdout and "REDACTED" in r.stdout
    assert "sqlalchemy" not in loaded_modules(env, "exec", "local", "--", "true")
    home = Path(env["SHTURMAN_HOME"])
    for path in home.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_a_database_needing_migration_goes_the_full_way(tmp_path: Path) -> None:
    e = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    e.update(SHTURMAN_HOME=str(tmp_path / "fresh"), XDG_CACHE_HOME=str(tmp_path / "c"))
    r = sh(e, "exec", "--json", "local", "--", "echo first")  # no `init`: no database yet
    assert r.returncode == 0 and json.loads(r.stdout)["stdout"] == "first\n", r.stderr
    assert audit_commands(e)[-1]["command"] == "echo first"


def test_an_invalid_config_is_reported_as_before(env: dict[str, str]) -> None:
    Path(env["SHTURMAN_CONFIG"]).write_text("ssh:\n  command_timeout: -1\n", encoding="utf-8")
    r = sh(env, "exec", "local", "--", "true")
    assert r.returncode == 3 and "command_timeout" in r.stderr


def test_sigint_stops_the_command_and_records_it(env: dict[str, str], tmp_path: Path) -> None:
    marker = tmp_path / "started"
    proc = subprocess.Popen([SHTURMAN, "exec", "--yes", "local", "--",
                             f"touch {marker}; sleep 333; echo late"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and "late" not in out, err
    left = subprocess.run(["pgrep", "-f", "^sleep 333$"], capture_output=True, text=True,
                          check=False)
    assert left.stdout.strip() == ""
    row = audit_commands(env)[-1]
    assert row["outcome"] == "interrupted" and str(row["command"]).endswith("echo late")
