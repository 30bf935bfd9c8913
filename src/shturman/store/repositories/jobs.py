"""The job queue, its attempts and the schedule leases — the source of truth for job state
whichever backend (embedded or taskiq) carries the work.

Claiming is atomic on both databases: SQLite runs one ``UPDATE … WHERE id = (SELECT … ORDER BY
priority, id LIMIT 1) RETURNING`` under its write lock; PostgreSQL picks candidates with
``SELECT … FOR UPDATE SKIP LOCKED`` and counts a server's running jobs under a transaction
advisory lock for that server, so two workers never both take its last slot. Every state
change is a guarded update (expected status and owner in the WHERE clause): a late writer
changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shturman.domain.errors import JobStateError, UnknownJobError
from shturman.domain.jobs import AttemptOutcome, Job, JobAttempt, JobSpec, JobStatus
from shturman.store import tables as t
from shturman.store.repositories._redaction import Redacts, or_default
from shturman.store.repositories._time import aware, now
from shturman.store.repositories._writes import Writes

_Q, _R = JobStatus.QUEUED.value, JobStatus.RUNNING.value
_SERVER_LOCK = 7351  # first key of pg_advisory_xact_lock(key, hashtext(server))


@dataclass(frozen=True, slots=True)
class ReapedJob:
    job: Job
    status: JobStatus  # INTERRUPTED, or QUEUED when it was resumed


class JobRepo:
    """Payloads, progress and error texts are redacted before they are stored (a secret typed
    into a task never lands in the jobs table)."""

    def __init__(self, engine: AsyncEngine, redactor: Redacts | None = None) -> None:
        self._engine = engine
        self._pg = engine.dialect.name == "postgresql"
        self._r = or_default(redactor)
        self._begin = Writes(engine).begin  # SQLite: one writer (see _writes.py)

    # --- submit and inspect -------------------------------------------------------------

    async def add(self, spec: JobSpec, *, timeout: float, max_attempts: int) -> Job:
        values = {
            "kind": spec.kind, "status": _Q, "priority": int(spec.priority),
            "payload": self._r.redact_data(dict(spec.payload)), "server": spec.server,
            "actor": spec.actor,
            "schedule": spec.schedule, "created_at": now(), "deadline": spec.deadline,
            "timeout": spec.timeout or timeout, "attempts": 0,
            "max_attempts": spec.max_attempts or max_attempts, "cancel_requested": False,
            "progress": {}, "error": "", "run_id": spec.run_id,
        }
        async with self._begin() as conn:
            row = (await conn.execute(insert(t.jobs).values(**values).returning(*t.jobs.c))
                   ).one()
        return _job(row)

    async def get(self, job_id: int) -> Job | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(t.jobs).where(t.jobs.c.id == job_id))).first()
        return None if row is None else _job(row)

    async def for_run(self, run_id: str) -> Job | None:
        """The job that runs (or ran) this run."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(t.jobs).where(t.jobs.c.run_id == run_id)
                                      .order_by(t.jobs.c.id.desc()).limit(1))).first()
        return None if row is None else _job(row)

    async def recent(self, status: JobStatus | None = None, limit: int = 100,
                   kind: str | None = None) -> list[Job]:
        query = select(t.jobs).order_by(t.jobs.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(t.jobs.c.status == status.value)
        if kind is not None:
            query = query.where(t.jobs.c.kind == kind)
        async with self._engine.connect() as conn:
            return [_job(r) for r in await conn.execute(query)]

    async def attempts(self, job_id: int) -> list[JobAttempt]:
        query = (select(t.job_attempts).where(t.job_attempts.c.job_id == job_id)
                 .order_by(t.job_attempts.c.number))
        async with self._engine.connect() as conn:
            return [_attempt(r) for r in await conn.execute(query)]

    async def cancel(self, job_id: int) -> Job:
        """A queued job is cancelled at once; a running one is asked to stop (its worker sees
        the request at its next heartbeat). Raises for an unknown or finished job."""
        async with self._begin() as conn:
            done = await conn.execute(
                update(t.jobs).where(t.jobs.c.id == job_id, t.jobs.c.status == _Q)
                .values(status=JobStatus.CANCELLED.value, finished_at=now(),
                        error="cancelled before it started"))
            took = bool(done.rowcount) or bool((await conn.execute(
                update(t.jobs).where(t.jobs.c.id == job_id, t.jobs.c.status == _R,
                                     t.jobs.c.cancel_requested.is_(False))
                .values(cancel_requested=True))).rowcount)
        job = await self.get(job_id)
        if job is None:
            raise UnknownJobError(job_id)
        if not took:
            raise JobStateError(job_id, job.status.value)
        return job

    async def active_for_schedule(self, name: str) -> int:
        query = select(func.count()).select_from(t.jobs).where(
            t.jobs.c.schedule == name, t.jobs.c.status.in_((_Q, _R)))
        async with self._engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    # --- workers ------------------------------------------------------------------------

    async def expire_overdue(self) -> int:
        async with self._begin() as conn:
            result = await conn.execute(
                update(t.jobs).where(t.jobs.c.status == _Q, t.jobs.c.deadline.is_not(None),
                                     t.jobs.c.deadline <= now())
                .values(status=JobStatus.EXPIRED.value, finished_at=now(),
                        error="deadline passed before it started"))
        return int(result.rowcount or 0)

    async def claim(self, owner: str, per_server: int, kinds: Sequence[str] = ()
                    ) -> Job | None:
        """Take the most urgent queued job this worker may run (of ``kinds`` only, when
        given), or None."""
        async with self._begin() as conn:
            row = await (self._claim_pg(conn, owner, per_server, kinds) if self._pg
                         else self._claim_sqlite(conn, owner, per_server, kinds))
            if row is None:
                return None
            job = _job(row)
            await conn.execute(insert(t.job_attempts).values(
                job_id=job.id, number=job.attempts, worker=owner, started_at=job.started_at,
                error=""))
        return job

    def _claimed(self, owner: str) -> dict[str, Any]:
        at = now()
        return {"status": _R, "owner": owner, "started_at": at, "heartbeat_at": at,
                "attempts": t.jobs.c.attempts + 1}

    async def _claim_sqlite(self, conn: AsyncConnection, owner: str, per_server: int,
                            kinds: Sequence[str] = ()) -> Any:
        q = t.jobs.alias("q")
        r = t.jobs.alias("r")
        busy = (select(func.count()).select_from(r)
                .where(r.c.server == q.c.server, r.c.status == _R)
                .correlate(q).scalar_subquery())
        at = now()
        candidate = (select(q.c.id).where(*_ready(q, at, kinds), or_(q.c.server.is_(None),
                                                             busy < per_server))
                     .order_by(q.c.priority, q.c.id).limit(1).scalar_subquery())
        stmt = (update(t.jobs).where(t.jobs.c.id == candidate, t.jobs.c.status == _Q)
                .values(**self._claimed(owner)).returning(*t.jobs.c))
        return (await conn.execute(stmt)).first()

    async def _claim_pg(self, conn: AsyncConnection, owner: str, per_server: int,
                        kinds: Sequence[str] = ()) -> Any:
        """Lock ONE candidate at a time (SKIP LOCKED: rows other claimers hold are passed
        over); a candidate whose server is full puts that server aside and the next is tried.
        Locking a batch would make concurrent claimers skip the whole batch — and with it
        the most urgent jobs."""
        full: list[str] = []
        for _ in range(64):
            at = now()
            query = (select(t.jobs.c.id, t.jobs.c.server).where(*_ready(t.jobs, at, kinds))
                     .order_by(t.jobs.c.priority, t.jobs.c.id).limit(1)
                     .with_for_update(skip_locked=True))
            if full:
                query = query.where(or_(t.jobs.c.server.is_(None),
                                        t.jobs.c.server.not_in(full)))
            candidate = (await conn.execute(query)).first()
            if candidate is None:
                return None
            job_id, server = candidate
            if server is not None:
                await conn.execute(select(func.pg_advisory_xact_lock(
                    literal_column(str(_SERVER_LOCK)), func.hashtext(server))))
                running = (await conn.execute(select(func.count()).select_from(t.jobs).where(
                    t.jobs.c.server == server, t.jobs.c.status == _R))).scalar_one()
                if running >= per_server:
                    full.append(server)
                    continue
            return (await conn.execute(
                update(t.jobs).where(t.jobs.c.id == job_id, t.jobs.c.status == _Q)
                .values(**self._claimed(owner)).returning(*t.jobs.c))).first()
        return None

    async def heartbeat(self, owner: str, job_ids: Sequence[int]) -> set[int]:
        """Mark these running jobs of this worker alive; returns those asked to cancel."""
        if not job_ids:
            return set()
        mine = (t.jobs.c.owner == owner, t.jobs.c.status == _R, t.jobs.c.id.in_(job_ids))
        async with self._begin() as conn:
            await conn.execute(update(t.jobs).where(*mine).values(heartbeat_at=now()))
            rows = await conn.execute(select(t.jobs.c.id).where(*mine,
                                                                t.jobs.c.cancel_requested))
            return {int(r[0]) for r in rows}

    async def checkpoint(self, job_id: int, owner: str, progress: dict[str, Any],
                         run_id: str | None = None) -> bool:
        values: dict[str, Any] = {"progress": self._r.redact_data(progress),
                                  "heartbeat_at": now()}
        if run_id is not None:
            values["run_id"] = run_id
        async with self._begin() as conn:
            result = await conn.execute(update(t.jobs).where(
                t.jobs.c.id == job_id, t.jobs.c.owner == owner, t.jobs.c.status == _R)
                .values(**values))
        return bool(result.rowcount)

    async def finish(self, job: Job, owner: str, status: JobStatus, outcome: AttemptOutcome,
                     *, result: dict[str, Any] | None = None, error: str = "",
                     retry_at: datetime | None = None) -> bool:
        """End the attempt; the job becomes ``status`` (QUEUED with ``retry_at`` for a retry).
        False: the job was no longer this worker's (reaped or finished elsewhere)."""
        at = now()
        error = self._r.redact(error)
        values: dict[str, Any] = {"status": status.value, "error": error[:4000]}
        if status is JobStatus.QUEUED:
            values.update(owner=None, heartbeat_at=None, not_before=retry_at)
        else:
            values.update(finished_at=at, result=result)
        async with self._begin() as conn:
            changed = await conn.execute(update(t.jobs).where(
                t.jobs.c.id == job.id, t.jobs.c.owner == owner, t.jobs.c.status == _R)
                .values(**values))
            if not changed.rowcount:
                return False
            await _end_attempt(conn, job.id, job.attempts, outcome, error, at)
        return True

    async def running(self) -> list[Job]:
        async with self._engine.connect() as conn:
            return [_job(r) for r in await conn.execute(
                select(t.jobs).where(t.jobs.c.status == _R))]

    async def reap(self, job: Job, reason: str) -> ReapedJob | None:
        """A running job whose worker is gone: queued again when it had done nothing and has
        attempts left, otherwise interrupted. Guarded on the heartbeat seen, so a worker that
        is alive after all (its heartbeat moved) keeps its job."""
        reason = self._r.redact(reason)
        resume = not job.may_have_acted and job.attempts < job.max_attempts
        status = JobStatus.QUEUED if resume else JobStatus.INTERRUPTED
        at = now()
        values: dict[str, Any] = {"status": status.value, "owner": None,
                                  "error": reason[:4000]}
        if not resume:
            values["finished_at"] = at
        guard = (t.jobs.c.heartbeat_at.is_(None) if job.heartbeat_at is None
                 else t.jobs.c.heartbeat_at == job.heartbeat_at)
        async with self._begin() as conn:
            changed = await conn.execute(update(t.jobs).where(
                t.jobs.c.id == job.id, t.jobs.c.status == _R, t.jobs.c.owner == job.owner,
                guard).values(**values))
            if not changed.rowcount:
                return None
            outcome = AttemptOutcome.RESUMED if resume else AttemptOutcome.INTERRUPTED
            await _end_attempt(conn, job.id, job.attempts, outcome, reason, at)
        return ReapedJob(job, status)

    # --- schedules ----------------------------------------------------------------------

    async def ensure_schedule(self, name: str, first_run_at: datetime) -> datetime:
        """The schedule's row (created on first sight); returns its next run time."""
        async with self._begin() as conn:
            row = (await conn.execute(select(t.job_schedules.c.next_run_at).where(
                t.job_schedules.c.name == name))).first()
            if row is not None:
                return aware(row[0])
            if self._pg:
                from sqlalchemy.dialects.postgresql import insert as upsert
            else:
                from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
            await conn.execute(upsert(t.job_schedules).values(
                name=name, next_run_at=first_run_at, runs=0, skipped=0)
                .on_conflict_do_nothing(index_elements=["name"]))
        async with self._engine.connect() as conn:
            return aware((await conn.execute(select(t.job_schedules.c.next_run_at).where(
                t.job_schedules.c.name == name))).scalar_one())

    async def fire_schedule(self, name: str, holder: str, lease: float, due: datetime,
                            following: datetime, spec: JobSpec, *, timeout: float,
                            max_attempts: int) -> tuple[str, Job | None]:
        """Run one tick of a schedule if this process holds (or may take) its lease and the
        tick ``due`` is still the next one: in one transaction, move ``next_run_at`` on to
        ``following`` and submit ``spec`` — or skip the tick when the previous job of this
        schedule is still queued or running. Returns ("fired"|"skipped"|"lost", job)."""
        at = now()
        s = t.job_schedules.c
        async with self._begin() as conn:
            took = await conn.execute(update(t.job_schedules).where(
                s.name == name, s.next_run_at == due, s.next_run_at <= at,
                or_(s.holder.is_(None), s.holder == holder, s.expires_at <= at))
                .values(holder=holder, expires_at=at + timedelta(seconds=lease),
                        next_run_at=following))
            if not took.rowcount:
                return "lost", None
            active = (await conn.execute(select(func.count()).select_from(t.jobs).where(
                t.jobs.c.schedule == name, t.jobs.c.status.in_((_Q, _R))))).scalar_one()
            if active:
                await conn.execute(update(t.job_schedules).where(s.name == name)
                                   .values(skipped=s.skipped + 1))
                return "skipped", None
            row = (await conn.execute(insert(t.jobs).values(
                kind=spec.kind, status=_Q, priority=int(spec.priority),
                payload=self._r.redact_data(dict(spec.payload)), server=spec.server,
                actor=spec.actor,
                schedule=name, created_at=at, deadline=spec.deadline,
                timeout=spec.timeout or timeout, attempts=0,
                max_attempts=spec.max_attempts or max_attempts, cancel_requested=False,
                progress={}, error="").returning(*t.jobs.c))).one()
            await conn.execute(update(t.job_schedules).where(s.name == name)
                               .values(runs=s.runs + 1, last_job_id=row.id))
        return "fired", _job(row)

    async def renew_leases(self, holder: str, lease: float) -> None:
        async with self._begin() as conn:
            await conn.execute(update(t.job_schedules).where(
                t.job_schedules.c.holder == holder)
                .values(expires_at=now() + timedelta(seconds=lease)))

    async def release_leases(self, holder: str) -> None:
        async with self._begin() as conn:
            await conn.execute(update(t.job_schedules).where(
                t.job_schedules.c.holder == holder).values(holder=None, expires_at=None))

    async def schedule_counts(self, name: str) -> tuple[int, int]:
        """(jobs fired, ticks skipped) of a schedule."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(t.job_schedules.c.runs, t.job_schedules.c.skipped)
                                      .where(t.job_schedules.c.name == name))).first()
        return (0, 0) if row is None else (int(row[0]), int(row[1]))


def _ready(table: Any, at: datetime, kinds: Sequence[str] = ()) -> Sequence[Any]:
    c = table.c
    ready = (c.status == _Q, or_(c.not_before.is_(None), c.not_before <= at),
             or_(c.deadline.is_(None), c.deadline > at))
    return (*ready, c.kind.in_(list(kinds))) if kinds else ready


async def _end_attempt(conn: AsyncConnection, job_id: int, number: int,
                       outcome: AttemptOutcome, error: str, at: datetime) -> None:
    a = t.job_attempts.c
    await conn.execute(update(t.job_attempts).where(a.job_id == job_id, a.number == number)
                       .values(finished_at=at, outcome=outcome.value, error=error[:4000]))


def _opt(value: datetime | None) -> datetime | None:
    return None if value is None else aware(value)


def _job(row: Any) -> Job:
    return Job(
        id=int(row.id), kind=row.kind, status=JobStatus(row.status), priority=int(row.priority),
        payload=dict(row.payload or {}), created_at=aware(row.created_at), server=row.server,
        actor=row.actor, schedule=row.schedule, deadline=_opt(row.deadline),
        timeout=float(row.timeout), attempts=int(row.attempts),
        max_attempts=int(row.max_attempts), not_before=_opt(row.not_before),
        started_at=_opt(row.started_at), finished_at=_opt(row.finished_at), owner=row.owner,
        heartbeat_at=_opt(row.heartbeat_at), cancel_requested=bool(row.cancel_requested),
        run_id=row.run_id, progress=dict(row.progress or {}),
        result=None if row.result is None else dict(row.result), error=row.error or "",
    )


def _attempt(row: Any) -> JobAttempt:
    return JobAttempt(
        job_id=int(row.job_id), number=int(row.number), worker=row.worker,
        started_at=aware(row.started_at), finished_at=_opt(row.finished_at),
        outcome=None if row.outcome is None else AttemptOutcome(row.outcome),
        error=row.error or "",
    )
