"""`shturman backup run|list|restore` as a user runs them: a real process, a real host."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.backups.conftest import NGINX_CONF, backup_config, plant_tree
from tests.hostlab.lab import HostLab, TestHost

pytestmark = pytest.mark.sshd
SHTURMAN = str(Path(sys.executable).parent / "shturman")


@pytest.fixture
def env(tmp_path: Path, hostlab: HostLab) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    e["SHTURMAN_HOME"] = str(tmp_path / "home")
    e["SHTURMAN_CONFIG"] = str(tmp_path / "shturman.yaml")
    (tmp_path / "shturman.yaml").write_text(
        backup_config(hostlab, tmp_path / "backups.git", None), encoding="utf-8")
    return e


def sh(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    # stdin is a pipe, never a terminal: a confirm without --yes must be denied
    r = subprocess.run([SHTURMAN, *args], env=env, input="", capture_output=True, text=True,
                       timeout=120, check=False)
    if ok:
        assert r.returncode == 0, f"{args}: {r.stdout}\n{r.stderr}"
    return r


def test_restore_goes_through_the_policy(env: dict[str, str], lab_host: TestHost) -> None:
    root = plant_tree(lab_host)
    conf = str(root / "nginx.conf")
    sh(env, "init")
    first = json.loads(sh(env, "backup", "run", "vm1", "--json").stdout)
    assert first["servers"][0]["commit"]
    lab_host.run_as(f"echo 'worker_processes 8;' > {conf}", check=True)
    second = sh(env, "backup", "run", "vm1")
    assert "vm1" in second.stdout and f"M {conf}" in second.stdout
    listed = json.loads(sh(env, "backup", "list", "vm1", conf, "--json").stdout)
    assert len(listed) == 2
    old = listed[1]["commit"]

    # no terminal, no --yes: shown, denied (fail closed), the file untouched
    denied = sh(env, "backup", "restore", "vm1", conf, "--at", old[:10], ok=False)
    assert denied.returncode == 1, denied.stderr
    assert "-worker_processes 8;" in denied.stdout and "+worker_processes 1;" in denied.stdout
    assert (root / "nginx.conf").read_text() == "worker_processes 8;\n"

    lab_host.run_as(f"echo 'worker_processes 9;' > {conf}", check=True)  # not backed up yet
    done = sh(env, "backup", "restore", "vm1", conf, "--at", old, "--yes")
    assert (root / "nginx.conf").read_text() == NGINX_CONF
    assert "восстановлен" in done.stdout
    audit = [json.loads(x) for x in sh(env, "audit", "--json", "-n", "50").stdout.splitlines()]
    writes = [a for a in audit if a["action"] == "command" and conf in a["command"]
              and "cat >" in a["command"]]
    assert {a["decision"] for a in writes} == {"confirm"}
    assert any(a["outcome"] == "denied" for a in writes)
    assert any(a["outcome"] == "ok" and "approval=approved by cli:--yes" in a["detail"]
               for a in writes)
    # the file as it was before the restore was snapshotted
    snaps = json.loads(sh(env, "backup", "list", "vm1", conf, "--json").stdout)
    assert snaps[0]["summary"].startswith("snapshot (before restore")
    assert snaps[0]["commit"][:12] in done.stdout
    saved = subprocess.run(["git", "-C", str(Path(env["SHTURMAN_CONFIG"]).parent / "backups.git"),
                            "show", f"{snaps[0]['commit']}:vm1{conf}"], capture_output=True,
                           text=True, check=True).stdout
    assert saved == "worker_processes 9;\n"
    same = sh(env, "backup", "restore", "vm1", conf, "--at", old)
    assert "нечего восстанавливать" in same.stdout


def test_restore_refusals_are_clear(env: dict[str, str], lab_host: TestHost) -> None:
    root = plant_tree(lab_host)
    sh(env, "init")
    sh(env, "backup", "run", "vm1")
    unknown = sh(env, "backup", "restore", "nosuch", "/etc/hosts", ok=False)
    assert unknown.returncode == 2 and "nosuch" in unknown.stderr
    missing = sh(env, "backup", "restore", "vm1", "/no/such/file.conf", ok=False)
    assert missing.returncode == 2 and "Нет резервной копии vm1:/no/such/file.conf" in \
        missing.stderr
    redacted = sh(env, "backup", "restore", "vm1", str(root / "conf.d/app.conf"), ok=False)
    assert redacted.returncode == 2 and "замаскированными" in redacted.stderr
    key = sh(env, "backup", "restore", "vm1", str(root / "ssl/server.key"), ok=False)
    assert key.returncode == 2 and "secrets.private_key" in key.stderr
    bad = sh(env, "backup", "restore", "vm1", str(root / "nginx.conf"), "--at", "deadbeef",
             ok=False)
    assert bad.returncode == 2 and "deadbeef" in bad.stderr
    env_en = {**env, "SHTURMAN_LANGUAGE": "en"}
    english = sh(env_en, "backup", "restore", "vm1", "/no/such/file.conf", ok=False)
    assert "No backup of vm1:/no/such/file.conf" in english.stderr
