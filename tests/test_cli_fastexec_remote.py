"""`shturman exec SERVER… -- CMD` to real sshd hosts with no daemon: answered before typer,
pydantic and SQLAlchemy load (``app.light_exec``), with the same targets, decisions, rows,
exit codes, host-key pins and audit rows as the typer path (`--timeout=N` sends a command
there: the fast path leaves that form to typer)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.hostlab.lab import HostLab
from tests.test_cli_fastexec import HEAVY, SHTURMAN, audit_commands, loaded_modules, sh


@pytest.fixture
def env(tmp_path: Path, hostlab: HostLab) -> dict[str, str]:
    """vm1 and vm2 from the config file (vm2 tagged `web`), vm3 registered with `server add`."""
    config = tmp_path / "s.yaml"
    lines = ["servers:"]
    for h, tags in ((hostlab.hosts[0], "[web]"), (hostlab.hosts[1], "[web, db]")):
        lines += [f"  - name: {h.name}", f"    host: {h.host}", f"    port: {h.port}",
                  f"    user: {h.user}", f"    key_path: {hostlab.client_key}",
                  f"    aliases: [{h.name}-alias]", f"    tags: {tags}"]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    e = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    e.update(SHTURMAN_HOME=str(tmp_path / "home"), SHTURMAN_CONFIG=str(config),
             XDG_CACHE_HOME=str(tmp_path / "cache"), SHTURMAN_LANGUAGE="en")
    subprocess.run([SHTURMAN, "init"], env=e, capture_output=True, check=True)
    h = hostlab.hosts[2]
    added = sh(e, "server", "add", "vm3", "--host", h.host, "--port", str(h.port), "--user",
               h.user, "--key", str(hostlab.client_key))
    assert added.returncode == 0, added.stderr
    return e


def rows(stdout: str) -> list[dict[str, object]]:
    found = [json.loads(line) for line in stdout.splitlines()]
    for row in found:
        assert float(str(row.pop("duration", 0) or 0)) >= 0
    return found


def host_keys(env: dict[str, str]) -> dict[str, str]:
    db = Path(env["SHTURMAN_HOME"]) / "shturman.db"
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT server, fingerprint FROM host_keys").fetchall())


def test_remote_exec_loads_no_heavy_library(env: dict[str, str]) -> None:
    first = sh(env, "exec", "vm1", "vm3", "--", "true")  # pins vm1 (vm3: pinned when added)
    assert first.returncode == 0, first.stderr
    modules = loaded_modules(env, "exec", "vm1", "vm3", "--", "true")
    assert "shturman.interfaces.cli.fastpath" in modules and "asyncssh" in modules
    assert not {m for m in modules if m.split(".")[0] in HEAVY}
    # local alone never imports asyncssh
    assert "asyncssh" not in loaded_modules(env, "exec", "local", "--", "true")


@pytest.mark.parametrize("targets, command, yes", [
    (["vm1", "vm3"], "echo out; echo err >&2; exit 3", False),  # allow, fails
    (["vm2-alias", "local"], "id -un", False),  # an alias and `local`
    (["@web"], "hostname >/dev/null; echo tagged", False),  # a tag: vm1, vm2
    (["all"], "uptime >/dev/null", False),  # every server but local
    (["vm1"], "rm -rf /", False),  # block
    (["vm2"], "touch /tmp/shturman-remote-fastexec-never", False),  # confirm, no terminal
    (["vm3", "vm1"], "sleep 0", True),  # --yes
])
def test_fast_and_typer_paths_answer_alike(env: dict[str, str], targets: list[str],
                                           command: str, yes: bool) -> None:
    flags = ["--yes"] if yes else []
    sh(env, "exec", "--yes", "all", "--", "true")  # every host key pinned beforehand
    before = len(audit_commands(env))
    fast = sh(env, "exec", *flags, "--json", *targets, "--", command)
    middle = len(audit_commands(env))
    typer = sh(env, "exec", *flags, "--json", "--timeout=120", *targets, "--", command)
    assert fast.returncode == typer.returncode, (fast.stderr, typer.stderr)
    assert rows(fast.stdout) == rows(typer.stdout)
    assert "Warning" not in fast.stderr + typer.stderr  # no library noise on the terminal
    audit = audit_commands(env)
    fast_rows, typer_rows = audit[before:middle], audit[middle:]
    assert len(fast_rows) == len(typer_rows) > 0
    key = lambda r: str(r["server"])  # noqa: E731 (servers finish in any order)
    assert sorted(fast_rows, key=key) == sorted(typer_rows, key=key)
    human_fast = sh(env, "exec", *flags, *targets, "--", command)
    human_typer = sh(env, "exec", *flags, "--timeout=120", *targets, "--", command)
    assert human_fast.returncode == human_typer.returncode
    assert sorted(human_fast.stdout.splitlines()) == sorted(human_typer.stdout.splitlines())
    if targets == ["@web"]:
        assert sorted(str(r["server"]) for r in rows(fast.stdout)) == ["vm1", "vm2"]
    if targets == ["all"]:
        assert sorted(str(r["server"]) for r in rows(fast.stdout)) == ["vm1", "vm2", "vm3"]
    assert not Path("/tmp/shturman-remote-fastexec-never").exists()


@pytest.mark.parametrize("targets", [["nosuch"], ["vm1", "nosuch"]])
def test_unknown_server_is_the_same_error_before_anything_runs(env: dict[str, str],
                                                               targets: list[str]) -> None:
    before = len(audit_commands(env))
    fast = sh(env, "exec", *targets, "--", "echo never")
    typer = sh(env, "exec", "--timeout=120", *targets, "--", "echo never")
    assert fast.returncode == typer.returncode == 2
    assert fast.stderr == typer.stderr and "nosuch" in fast.stderr
    assert "typer" not in loaded_modules(env, "exec", *targets, "--", "echo never")
    assert len(audit_commands(env)) == before  # nothing ran, anywhere


def test_first_contact_pins_the_host_key_and_says_so(env: dict[str, str]) -> None:
    assert "vm1" not in host_keys(env)
    first = sh(env, "exec", "--json", "vm1", "--", "echo hi")
    assert first.returncode == 0, first.stderr
    pinned = host_keys(env)
    assert pinned["vm1"].startswith("SHA256:") and pinned["vm1"] in first.stderr
    again = sh(env, "exec", "--json", "vm1", "--", "echo hi")
    assert again.returncode == 0 and pinned["vm1"] not in again.stderr
    actions = [json.loads(x) for x in sh(env, "audit", "--json", "-n", "50").stdout.splitlines()]
    assert [a["server"] for a in actions if a["action"] == "host_key_pinned"].count("vm1") == 1


def test_a_changed_host_key_is_refused_on_the_fast_path(env: dict[str, str]) -> None:
    assert sh(env, "exec", "vm1", "--", "true").returncode == 0
    db = Path(env["SHTURMAN_HOME"]) / "shturman.db"
    other = sh(env, "exec", "vm3", "--", "true")  # vm3's key: another host's, a wrong pin
    assert other.returncode == 0
    with sqlite3.connect(db) as conn:
        line = conn.execute("SELECT key_line FROM host_keys WHERE server = 'vm3'").fetchone()[0]
        conn.execute("UPDATE host_keys SET key_line = ? WHERE server = 'vm1'", (line,))
    refused = sh(env, "exec", "--json", "vm1", "--", "echo never")
    typer = sh(env, "exec", "--json", "--timeout=120", "vm1", "--", "echo never")
    assert refused.returncode == typer.returncode != 0
    assert rows(refused.stdout) == rows(typer.stdout)
    assert "CHANGED" in json.dumps(rows(refused.stdout))
