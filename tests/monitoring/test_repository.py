"""The check store on SQLite and PostgreSQL: results and states in one transaction, the
incident's run remembered, retention pruning, states of checks that are gone forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shturman.domain.monitoring import (
    CheckResult,
    CheckState,
    CheckStatus,
    Transition,
    advance,
)
from shturman.store import Database
from shturman.store.repositories.monitoring import MonitoringRepo

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def decide(stored: CheckStatus | None, result: CheckResult) -> Transition:
    return advance(stored, result, down_after=2)


async def test_record_states_runs_and_pruning(db_url: str) -> None:
    db = Database(db_url)
    await db.migrate()
    try:
        repo = MonitoringRepo(db.engine)
        outcomes = [False, False, False, True]
        for i, ok in enumerate(outcomes):
            at = T0 + timedelta(minutes=i)
            (moved,) = await repo.record([CheckResult("vm1", "service:nginx", ok, f"#{i}", at,
                                                      1.0)], decide)
            if i == 1:
                assert moved.alert is CheckState.DOWN
                assert await repo.set_run("vm1", "service:nginx", moved.status.incident,
                                          "run-1")
        await repo.record([CheckResult("vm1", "disk", True, "/ 10%", T0, 10.0)], decide)
        states = {s.check: s for s in await repo.states("vm1")}
        nginx = states["service:nginx"]
        assert nginx.state is CheckState.RECOVERED and nginx.incident == 1
        assert nginx.run_id == "run-1" and nginx.alerted and nginx.since == T0 + timedelta(
            minutes=3)
        assert len(await repo.results("vm1", "service:nginx")) == 4
        assert await repo.prune(T0 + timedelta(minutes=2), "vm1") == 3  # 2 nginx + disk
        assert [r.detail for r in await repo.results("vm1")] == ["#3", "#2"]
        assert await repo.forget("vm1", ["disk"]) == 1
        assert [s.check for s in await repo.states()] == ["service:nginx"]
    finally:
        await db.close()
