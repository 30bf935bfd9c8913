"""`shturman notifications list|read` in a real process over the shared store."""

from __future__ import annotations

from pathlib import Path

from shturman.app import container
from shturman.config import load_settings
from shturman.domain.notifications import NotificationAction, NotificationKind
from tests.daemon.conftest import Env


async def test_list_and_read_from_the_terminal(env: Env, home: Path, db_url: str) -> None:
    async with container(load_settings(home=home, database_url=db_url)) as c:
        await c.users.add("olga", "operator")
        mine = await c.notifications.notify(NotificationKind.ALERT, "olga", "disk full on vm1",
                                            "/ 97% ≥ 90%", NotificationAction.SHOW_RUN,
                                            {"run_id": "r-1"})
        other = await c.notifications.notify(NotificationKind.ALERT, "adam", "not olga's",
                                             "-", NotificationAction.SHOW_RUN)
    listed = env.json("notifications", "list", "--user", "olga", "--json")
    assert [n["id"] for n in listed] == [mine.id]
    assert listed[0]["kind"] == "alert" and listed[0]["read_at"] is None
    assert listed[0]["data"] == {"run_id": "r-1"}
    shown = env.sh("notifications", "read", str(mine.id), "--user", "olga")
    assert shown.returncode == 0 and "97%" in shown.stdout
    assert env.json("notifications", "list", "--user", "olga", "--unread", "--json") == []
    refused = env.sh("notifications", "read", str(other.id), "--user", "olga")
    assert refused.returncode == 1 and str(other.id) in refused.stdout
