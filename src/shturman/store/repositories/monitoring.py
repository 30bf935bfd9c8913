"""Check results (a time series per server and check, pruned after N days) and check states
(one row per server and check: the state machine's memory across restarts)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shturman.domain.monitoring import CheckResult, CheckState, CheckStatus, Transition
from shturman.store import tables as t
from shturman.store.repositories._redaction import Redacts, or_default
from shturman.store.repositories._time import aware
from shturman.store.repositories._writes import Writes

Decide = Callable[[CheckStatus | None, CheckResult], Transition]
MEMO = "~"  # check_states rows named ``~NAME`` keep a check's memo, not a state


class MonitoringRepo:
    def __init__(self, engine: AsyncEngine, redactor: Redacts | None = None) -> None:
        self._engine = engine
        self._r = or_default(redactor)
        self._pg = engine.dialect.name == "postgresql"
        self._begin = Writes(engine).begin  # SQLite: one writer

    async def record(self, results: Sequence[CheckResult], decide: Decide) -> list[Transition]:
        """Store the results and move each check's state by ``decide(stored, result)``, all
        in one transaction (the result row is written first, so SQLite holds the write lock
        before the state is read; PostgreSQL locks the state row)."""
        transitions: list[Transition] = []
        async with self._begin() as conn:
            for result in results:
                detail = self._r.redact(result.detail)
                await conn.execute(insert(t.check_results).values(
                    server=result.server, check=result.check, at=result.at, ok=result.ok,
                    value=result.value, duration=result.duration, detail=detail))
                c = t.check_states.c
                query = select(t.check_states).where(c.server == result.server,
                                                     c.check == result.check)
                if self._pg:
                    query = query.with_for_update()
                row = (await conn.execute(query)).first()
                stored = None if row is None else _status(row._mapping)
                transition = decide(stored, _redacted(result, detail))
                values = _row(transition.status)
                if stored is None:
                    await conn.execute(insert(t.check_states).values(**values))
                else:
                    await conn.execute(update(t.check_states).where(
                        c.server == result.server, c.check == result.check).values(**values))
                transitions.append(transition)
        return transitions

    async def set_run(self, server: str, check: str, incident: int, run_id: str) -> bool:
        """Remember the diagnosis run of this incident (False: the incident is over)."""
        c = t.check_states.c
        async with self._begin() as conn:
            result = await conn.execute(update(t.check_states).where(
                c.server == server, c.check == check, c.incident == incident).values(
                run_id=run_id))
        return int(result.rowcount or 0) == 1

    async def states(self, server: str | None = None) -> list[CheckStatus]:
        c = t.check_states.c
        query = select(t.check_states).where(~c.check.startswith(MEMO)).order_by(
            c.server, c.check)
        if server is not None:
            query = query.where(c.server == server)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_status(r._mapping) for r in rows]

    async def memo(self, server: str, name: str) -> str | None:
        """What a check keeps between rounds (the log check's cursor), as it was saved."""
        c = t.check_states.c
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(c.detail).where(
                c.server == server, c.check == MEMO + name))).first()
        return None if row is None else str(row[0])

    async def save_memo(self, server: str, name: str, text: str) -> None:
        """Keep ``text`` for ``memo``: a row of ``check_states`` named ``~NAME`` (its detail
        field), never shown among the states."""
        c = t.check_states.c
        at = datetime.now(UTC)
        async with self._begin() as conn:
            done = await conn.execute(update(t.check_states).where(
                c.server == server, c.check == MEMO + name).values(detail=text, updated_at=at))
            if not done.rowcount:
                await conn.execute(insert(t.check_states).values(
                    server=server, check=MEMO + name, state=CheckState.OK.value, since=at,
                    failures=0, incident=0, worst=CheckState.OK.value, alerted=False,
                    detail=text, updated_at=at, run_id=None))

    async def forget(self, server: str, checks: Sequence[str]) -> int:
        """Drop the states of checks a server no longer has (a service taken off its list)."""
        if not checks:
            return 0
        c = t.check_states.c
        async with self._begin() as conn:
            result = await conn.execute(delete(t.check_states).where(
                c.server == server, c.check.in_(list(checks))))
        return int(result.rowcount or 0)

    async def results(self, server: str, check: str | None = None, *,
                      since: datetime | None = None, limit: int = 1000) -> list[CheckResult]:
        """Newest first."""
        c = t.check_results.c
        query = select(t.check_results).where(c.server == server)
        if check is not None:
            query = query.where(c.check == check)
        if since is not None:
            query = query.where(c.at >= since)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.order_by(c.at.desc(), c.id.desc())
                                       .limit(limit))).all()
        return [_result(r._mapping) for r in rows]

    async def prune(self, before: datetime, server: str | None = None) -> int:
        """Delete results older than ``before`` (of one server, or all)."""
        c = t.check_results.c
        stmt = delete(t.check_results).where(c.at < before)
        if server is not None:
            stmt = stmt.where(c.server == server)
        async with self._begin() as conn:
            result = await conn.execute(stmt)
        return int(result.rowcount or 0)


def _redacted(result: CheckResult, detail: str) -> CheckResult:
    if detail == result.detail:
        return result
    from dataclasses import replace

    return replace(result, detail=detail)


def _row(s: CheckStatus) -> dict[str, Any]:
    return {"server": s.server, "check": s.check, "state": s.state.value, "since": s.since,
            "failures": s.failures, "incident": s.incident, "worst": s.worst.value,
            "alerted": s.alerted, "detail": s.detail, "updated_at": s.updated_at or s.since,
            "run_id": s.run_id}


def _status(m: Any) -> CheckStatus:
    return CheckStatus(
        server=m["server"], check=m["check"], state=CheckState(m["state"]),
        since=aware(m["since"]), failures=m["failures"], incident=m["incident"],
        worst=CheckState(m["worst"]), alerted=bool(m["alerted"]), detail=m["detail"],
        updated_at=aware(m["updated_at"]), run_id=m["run_id"])


def _result(m: Any) -> CheckResult:
    return CheckResult(server=m["server"], check=m["check"], ok=bool(m["ok"]),
                       detail=m["detail"], at=aware(m["at"]), value=m["value"],
                       duration=m["duration"])
