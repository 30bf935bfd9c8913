"""Before a command changes a file it is saved to the config backups — at the one enforcement
point, for every tool that declares what it touches — and a file that could not be saved is
not changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shturman.domain.errors import HostError
from shturman.domain.models import Actor, RunMode
from shturman.tools import TOOLS, ToolContext
from tests.backups.conftest import Factory, backup_config, git
from tests.fakes import StaticApprover

ACTOR = Actor("test", "op")


def _ctx(c: Any, servers: list[Any]) -> ToolContext:
    return ToolContext(c.guarded, {s.name: s for s in servers}, ACTOR, RunMode.INTERACTIVE,
                       StaticApprover(True), None, None, 30.0, lang="en")


async def test_write_file_saves_the_old_content_first(make_backups: Factory,
                                                      tmp_path: Path) -> None:
    target = tmp_path / "app.conf"
    target.write_text("listen 8080\n")
    repo = tmp_path / "b.git"
    c = await make_backups(backup_config(None, repo, None, local_paths=[]))
    ctx = _ctx(c, await c.inventory.all())
    result = await TOOLS["write_file"](ctx, {"server": "local", "path": str(target),
                                             "content": "listen 9090\n"})
    assert result.ok, result.summary
    assert target.read_text() == "listen 9090\n"
    saved = git("-C", str(repo), "show", f"main:local{target}")
    assert saved == "listen 8080\n"  # the content before the change
    assert "before: cp -a" in git("-C", str(repo), "log", "-1", "--format=%B", "main")
    row = next(a for a in await c.audit.recent(20) if a.command.startswith("cp -a"))
    assert "snapshot " in row.detail and row.outcome == "ok"


async def test_a_failed_snapshot_refuses_the_change(make_backups: Factory,
                                                    tmp_path: Path) -> None:
    target = tmp_path / "app.conf"
    target.write_text("listen 8080\n")
    c = await make_backups(backup_config(None, tmp_path / "b.git", None, local_paths=[]))

    class Unreachable:
        async def snapshot(self, server: str, paths: Any, reason: str, *, actor: Any) -> str:
            raise HostError(server, "cannot read the files")

    c.guarded.snapshots = Unreachable()
    ctx = _ctx(c, await c.inventory.all())
    result = await TOOLS["write_file"](ctx, {"server": "local", "path": str(target),
                                             "content": "listen 9090\n"})
    assert not result.ok
    assert target.read_text() == "listen 8080\n"  # nothing changed that was not saved
    row = next(a for a in await c.audit.recent(20) if a.command.startswith("cp -a"))
    assert row.outcome == "denied" and "no snapshot" in row.detail
