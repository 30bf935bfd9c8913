"""Issue 9 items 4 and 6: notifications (created, listed, read, acted on) and users."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from shturman.app import container
from shturman.config import load_settings
from shturman.domain.errors import ApprovalError, UserError
from shturman.domain.events import Event, as_data, kind_of
from shturman.domain.models import Actor, RunMode, local_server
from shturman.domain.notifications import NotificationAction, NotificationKind
from shturman.domain.users import Principal, Role
from shturman.services.runs import RunRequest
from shturman.services.users import local_principal
from tests.daemon.conftest import Env


async def test_approval_and_run_notifications(home: Path, db_url: str, tmp_path: Path) -> None:
    settings = load_settings(home=home, database_url=db_url)
    async with container(settings) as c:
        await c.users.add("olga", "operator", language="ru")
        await c.users.add("adam", "admin", language="en")
        await c.users.add("vic", "viewer")
        target = tmp_path / "notified"
        approver = c.approvals.approver(30)
        seen: list[tuple[str, dict[str, object]]] = []
        asked_event = asyncio.Event()

        async def events(event: Event) -> None:
            kind, data = kind_of(event), as_data(event)
            seen.append((kind, data))
            if kind == "approval_requested":
                asked_event.set()

        running = asyncio.create_task(c.guarded.run(
            local_server(), f"touch {target}", actor=Actor("test", "op"),
            mode=RunMode.INTERACTIVE, approver=approver, events=events))
        await asyncio.wait_for(asked_event.wait(), 30)  # emitted before it is stored
        approval = await _pending_soon(c)
        asked = dict(seen)["approval_requested"]
        assert asked["approval_id"] == approval.id

        # one per user who may answer, each in their language; none for the viewer
        olga = await _notified(c, "olga")  # written right after the request itself
        adam = await c.notifications.list("adam", unread=True)
        assert await c.notifications.list("vic", unread=True) == []
        assert [n.kind for n in olga] == [NotificationKind.APPROVAL_REQUESTED]
        assert "Нужно одобрение" in olga[0].title and "Approval needed" in adam[0].title
        assert olga[0].action is NotificationAction.ANSWER_APPROVAL
        assert olga[0].data["approval_id"] == approval.id

        with pytest.raises(ApprovalError) as forbidden:
            await c.approvals.decide(approval.id, Principal(Actor("cli", "vic"), Role.VIEWER),
                                     True)
        assert forbidden.value.reason == "forbidden"
        action = await c.notifications.act(olga[0].id, "olga")
        assert action is not None and action[0] is NotificationAction.ANSWER_APPROVAL
        answered = await c.approvals.decide(str(action[1]["approval_id"]),
                                            await c.users.principal("olga"), True)
        assert answered.decided_by == "cli:olga"
        result = await asyncio.wait_for(running, 30)
        assert result.result.ok and target.exists()
        assert result.approval is not None and result.approval.approver == "cli:olga"
        # answered: the approval notifications are done with, for everyone
        assert await c.notifications.list("adam", unread=True) == []
        with pytest.raises(ApprovalError) as replay:
            await c.approvals.decide(approval.id, await c.users.principal("adam"), False)
        assert replay.value.reason == "answered"

        # a finished run notifies whoever started it
        record, _ = await c.runs.run(RunRequest("выполни `true` на local",
                                                Actor("cli", "adam")))
        finished = await c.notifications.list("adam", unread=True)
        assert [n.kind for n in finished] == [NotificationKind.RUN_FINISHED]
        assert finished[0].data["run_id"] == record.id
        assert finished[0].action is NotificationAction.SHOW_RUN
        assert "Run finished" in finished[0].title
        assert not await c.notifications.mark_read(finished[0].id, "olga")  # not hers
        assert await c.notifications.mark_read(finished[0].id, "adam")
        assert not await c.notifications.mark_read(finished[0].id, "adam")  # once
        assert await c.notifications.list("adam", unread=True) == []
        alert = await c.notifications.notify(NotificationKind.ALERT, None, "disk", "95% full")
        assert alert.unread and alert in await c.notifications.list("vic", unread=True)


async def test_users_service(home: Path, db_url: str) -> None:
    settings = load_settings(home=home, database_url=db_url)
    async with container(settings) as c:
        await c.users.add("alice", "operator", telegram_id=1001, password="s3cret-pass")
        assert await c.users.check_password("alice", "s3cret-pass")
        assert not await c.users.check_password("alice", "wrong")
        assert not await c.users.check_password("nobody", "s3cret-pass")
        for call, reason in [
            (c.users.add("alice", "admin"), "exists"),
            (c.users.add("bob", "root"), "bad_role"),
            (c.users.add("bob", "admin", language="de"), "bad_lang"),
            (c.users.add("bad name", "admin"), "bad_name"),
            (c.users.add("bob", "admin", telegram_id=1001), "telegram_taken"),
            (c.users.set("ghost", role="admin"), "unknown"),
        ]:
            with pytest.raises(UserError) as caught:
                await call
            assert caught.value.reason == reason
        changed = await c.users.set("alice", role="admin", language="en",
                                    settings={"quiet_hours": "22-07"})
        assert (changed.role, changed.language) == (Role.ADMIN, "en")
        assert changed.settings == {"quiet_hours": "22-07"}
        assert (await c.users.by_telegram_id(1001)) == changed


def test_user_cli_contract(env: Env) -> None:
    assert env.sh("user", "add", "ivan", "--role", "admin", "--telegram-id", "77").returncode == 0
    added = env.sh("user", "add", "kate", "--role", "viewer", "--lang", "en",
                   "--password-stdin", stdin="pa55word\n")
    assert added.returncode == 0, added.stderr
    assert json.loads(env.sh("user", "list", "--json").stdout) == [
        {"name": "ivan", "role": "admin", "telegram_id": 77, "lang": "ru"},
        {"name": "kate", "role": "viewer", "telegram_id": None, "lang": "en"},
    ]
    assert env.sh("user", "set", "kate", "--role", "operator", "--telegram-id", "78"
                  ).returncode == 0
    assert json.loads(env.sh("user", "list", "--json").stdout)[1] == {
        "name": "kate", "role": "operator", "telegram_id": 78, "lang": "en"}
    for args, needle in [
        (("user", "add", "ivan", "--role", "admin"), "уже есть"),
        (("user", "add", "petr", "--role", "root"), "admin, operator или viewer"),
        (("user", "add", "petr", "--role", "admin", "--lang", "de"), "ru или en"),
        (("user", "add", "petr", "--role", "admin", "--telegram-id", "77"), "Telegram id 77"),
        (("user", "set", "ghost", "--role", "admin"), "«ghost» не найден"),
    ]:
        r = env.sh(*args)
        assert r.returncode == 2 and needle in r.stderr, (args, r.stderr)
    en = env.sh("user", "set", "ghost", "--lang", "en", SHTURMAN_LANGUAGE="en")
    assert en.returncode == 2 and "No user 'ghost'" in en.stderr
    empty = env.sh("user", "add", "petr", "--role", "admin", "--password-stdin", stdin="\n")
    assert empty.returncode == 2 and "Пустой пароль" in empty.stderr


async def _pending_soon(c: Any) -> Any:
    """The one stored request (stored right after `approval_requested` is emitted)."""
    for _ in range(100):
        waiting = await c.approvals.pending()
        if waiting:
            return waiting[0]
        await asyncio.sleep(0.05)
    raise AssertionError("the approval request was never stored")


async def test_stopped_wait_withdraws_the_request(home: Path, db_url: str,
                                                  tmp_path: Path) -> None:
    """Ctrl-C / SIGTERM while a command waits: the request is closed (nobody can approve it
    into a run that is gone) and the command never runs."""
    settings = load_settings(home=home, database_url=db_url)
    target = tmp_path / "withdrawn"
    async with container(settings) as c:
        running = asyncio.create_task(c.guarded.run(
            local_server(), f"touch {target}", actor=Actor("test", "op"),
            approver=c.approvals.approver(30)))
        approval = await _pending_soon(c)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        assert await c.approvals.pending() == []
        stored = await c.approvals.get(approval.id)
        assert stored is not None and stored.status.value == "cancelled"
        with pytest.raises(ApprovalError) as late:
            await c.approvals.decide(approval.id, local_principal(), True)
        assert late.value.reason == "abandoned"
        assert not target.exists()
        assert [n for n in await c.notifications.list(unread=True)
                if n.kind is NotificationKind.APPROVAL_REQUESTED] == []


async def _notified(c: Any, user: str) -> Any:
    for _ in range(100):
        found = await c.notifications.list(user, unread=True)
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no notification for {user}")
