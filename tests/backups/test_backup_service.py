"""Backups of a real sshd host into git: what is committed, when, and what never is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shturman.domain.backups import ChangeKind, SkipReason
from shturman.domain.models import Actor
from tests.backups.conftest import (
    PASSWORD,
    PRIVATE_KEY_BODY,
    Factory,
    all_objects,
    backup_config,
    git,
    plant_tree,
)
from tests.hostlab.lab import HostLab, TestHost

pytestmark = pytest.mark.sshd


async def test_backup_commits_changes_only_and_keeps_secrets_out(
        hostlab: HostLab, lab_host: TestHost, make_backups: Factory, tmp_path: Path,
        bare_remote: Path) -> None:
    root = plant_tree(lab_host)
    repo = tmp_path / "backups.git"
    c = await make_backups(backup_config(hostlab, repo, bare_remote))
    unit = lab_host.unit_dir / "webapp.service"

    first = await c.backups.run(["vm1"])
    assert first.ok and first.pushed, first
    vm1 = first.servers[0]
    assert vm1.commit is not None
    changed = {ch.path: ch for ch in vm1.changes}
    assert changed[str(root / "nginx.conf")].kind is ChangeKind.ADDED
    assert str(unit) in changed  # the unit file of the listed service `webapp`
    assert changed[str(root / "conf.d/app.conf")].redacted == "redaction.secret_values"
    assert changed[str(root / "conf.d/embedded.conf")].redacted == "redaction.private_key"
    skipped = {s.path: s for s in vm1.skipped}
    assert skipped[str(root / "ssl/server.key")].reason is SkipReason.SECRET
    assert skipped[str(root / "ssl/server.key")].rule == "secrets.private_key"
    assert skipped[str(root / "logo.bin")].reason is SkipReason.BINARY
    assert skipped[str(root / "big.conf")].reason is SkipReason.TOO_LARGE

    # the secrets are nowhere in the repository's objects; the rule is in the message
    objects = all_objects(repo)
    assert PASSWORD not in objects and PRIVATE_KEY_BODY not in objects
    assert "[REDACTED]" in objects and "BEGIN OPENSSH PRIVATE KEY" not in objects
    message = git("-C", str(repo), "log", "-1", "--format=%B", "main")
    assert f"A {root}/nginx.conf" in message
    assert "redaction.secret_values" in message and "secrets.private_key" in message
    assert f"{root}/big.conf  [too_large" in message

    # permissions and owners: SERVER/.shturman-meta.json
    meta = json.loads(git("-C", str(repo), "show", "main:vm1/.shturman-meta.json"))
    app = meta["files"][str(root / "conf.d/app.conf")]
    assert app["mode"] == "0640" and app["uid"] == lab_host.uid and app["owner"] == lab_host.user
    assert app["redacted"] == "redaction.secret_values"
    assert meta["skipped"][str(root / "ssl/server.key")]["reason"] == "secret"

    # nothing changed: no commit
    again = await c.backups.run(["vm1"])
    assert again.servers[0].commit is None and not again.servers[0].changes
    assert len(await c.backups.history("vm1")) == 1

    # one file changed on the host: one commit naming only it
    lab_host.run_as(f"echo 'worker_processes 2;' > {root}/nginx.conf", check=True)
    third = await c.backups.run(["vm1"])
    done = third.servers[0]
    assert done.commit is not None
    assert [(ch.path, ch.kind) for ch in done.changes] == [
        (str(root / "nginx.conf"), ChangeKind.MODIFIED)]
    message = git("-C", str(repo), "log", "-1", "--format=%B", "main")
    assert f"M {root}/nginx.conf" in message and "1 file(s) changed (1 modified)" in message
    history = await c.backups.history("vm1", str(root / "nginx.conf"))
    assert [h.commit for h in history] == [done.commit, vm1.commit]
    assert history[0].paths == (f"vm1{root}/nginx.conf",)

    # the push reached the remote: a clone has the new content
    clone = tmp_path / "clone"
    git("clone", "-q", "-b", "main", str(bare_remote), str(clone))
    assert (clone / f"vm1{root}/nginx.conf").read_text() == "worker_processes 2;\n"
    assert not (clone / f"vm1{root}/ssl").exists()

    # a snapshot of unchanged files returns the commit that already holds them
    assert await c.backups.snapshot("vm1", [str(root / "nginx.conf")], "test",
                                    actor=Actor("test", "t")) == done.commit
    audit = await c.audit.recent(20, "vm1")
    assert any(a.action == "backup" and "commit" in a.detail for a in audit)


async def test_deleted_file_is_committed_as_deleted(
        hostlab: HostLab, lab_host: TestHost, make_backups: Factory, tmp_path: Path) -> None:
    root = plant_tree(lab_host)
    c = await make_backups(backup_config(hostlab, tmp_path / "b.git", None))
    await c.backups.run(["vm1"])
    lab_host.run_as(f"rm {root}/conf.d/app.conf", check=True)
    report = await c.backups.run(["vm1"])
    assert not report.pushed and not report.push_error  # no remote configured
    assert [(ch.path, ch.kind) for ch in report.servers[0].changes] == [
        (str(root / "conf.d/app.conf"), ChangeKind.DELETED)]
