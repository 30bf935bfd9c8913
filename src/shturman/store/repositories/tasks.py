"""Tasks (with their latest analysis) and each user's chat with the agent.

Texts are redacted on the way in and out, like every other text column of the store."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shturman.domain.tasks import ChatMessage, ChatRole, Task, TaskAnalysis, TaskStatus
from shturman.store import tables as t
from shturman.store.repositories._redaction import Redacts, or_default
from shturman.store.repositories._time import aware, now


class TaskRepo:
    def __init__(self, engine: AsyncEngine, redactor: Redacts | None = None) -> None:
        self._engine = engine
        self._redactor = or_default(redactor)

    async def add(self, title: str, description: str, server: str | None, created_by: str,
                  lang: str) -> Task:
        r = self._redactor
        at = now()
        async with self._engine.begin() as conn:
            result = await conn.execute(insert(t.tasks).values(
                title=r.redact(title), description=r.redact(description), server=server,
                created_by=created_by, lang=lang, status=TaskStatus.NEW.value,
                created_at=at, updated_at=at))
            key = result.inserted_primary_key
        found = await self.get(int(key[0]) if key else 0)
        assert found is not None
        return found

    async def get(self, task_id: int) -> Task | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(t.tasks).where(t.tasks.c.id == task_id))).first()
        return None if row is None else self._task(row._mapping)

    async def list(self, limit: int = 100) -> list[Task]:
        """Newest first."""
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(t.tasks).order_by(t.tasks.c.id.desc())
                                       .limit(limit))).all()
        return [self._task(r._mapping) for r in rows]

    async def by_run(self, run_id: str) -> builtins.list[Task]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(t.tasks).where(t.tasks.c.run_id == run_id))).all()
        return [self._task(r._mapping) for r in rows]

    async def set_status(self, task_id: int, status: TaskStatus, *,
                         only_from: tuple[TaskStatus, ...] = (),
                         run_id: str | None = None) -> bool:
        """False when there is no such task (or it is not in one of ``only_from``)."""
        c = t.tasks.c
        query = update(t.tasks).where(c.id == task_id)
        if only_from:
            query = query.where(c.status.in_([s.value for s in only_from]))
        values: dict[str, Any] = {"status": status.value, "updated_at": now()}
        if run_id is not None:
            values["run_id"] = run_id
        async with self._engine.begin() as conn:
            result = await conn.execute(query.values(**values))
        return bool(result.rowcount)

    async def set_analysis(self, task_id: int, analysis: TaskAnalysis) -> bool:
        """The analysis fields only (the status is the service's to move)."""
        async with self._engine.begin() as conn:
            result = await conn.execute(update(t.tasks).where(t.tasks.c.id == task_id).values(
                can_delegate_to_ai=analysis.can_delegate_to_ai,
                reason=self._redactor.redact(analysis.reason),
                matched_server=analysis.matched_server, complexity=analysis.complexity,
                estimated_minutes=analysis.estimated_minutes,
                recommended_mode=analysis.recommended_mode,
                analysed_at=analysis.analysed_at, updated_at=now()))
        return bool(result.rowcount)

    def _task(self, m: Any) -> Task:
        r = self._redactor
        analysis = None
        if m["analysed_at"] is not None:
            analysis = TaskAnalysis(
                can_delegate_to_ai=bool(m["can_delegate_to_ai"]),
                reason=r.redact(m["reason"] or ""), matched_server=m["matched_server"],
                complexity=m["complexity"] or "", estimated_minutes=float(
                    m["estimated_minutes"] or 0.0),
                recommended_mode=m["recommended_mode"] or "", analysed_at=aware(
                    m["analysed_at"]))
        return Task(id=m["id"], title=r.redact(m["title"]),
                    description=r.redact(m["description"] or ""), server=m["server"],
                    created_by=m["created_by"], status=TaskStatus(m["status"]),
                    lang=m["lang"], analysis=analysis, run_id=m["run_id"],
                    created_at=aware(m["created_at"]), updated_at=aware(m["updated_at"]))


class ChatRepo:
    def __init__(self, engine: AsyncEngine, redactor: Redacts | None = None) -> None:
        self._engine = engine
        self._redactor = or_default(redactor)

    async def add(self, user: str, role: ChatRole, text: str, *, run_id: str | None = None,
                  task_id: int | None = None) -> ChatMessage:
        at = now()
        async with self._engine.begin() as conn:
            result = await conn.execute(insert(t.chat_messages).values(
                user=user, role=role.value, text=self._redactor.redact(text), run_id=run_id,
                task_id=task_id, created_at=at))
            key = result.inserted_primary_key
        return ChatMessage(int(key[0]) if key else 0, user, role,
                           self._redactor.redact(text), run_id, task_id, at)

    async def history(self, user: str, limit: int = 100) -> list[ChatMessage]:
        """The user's last ``limit`` messages, oldest first."""
        c = t.chat_messages.c
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(t.chat_messages).where(c.user == user)
                                       .order_by(c.id.desc()).limit(limit))).all()
        return [self._message(r._mapping) for r in reversed(rows)]

    async def for_run(self, run_id: str) -> list[ChatMessage]:
        c = t.chat_messages.c
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(t.chat_messages).where(c.run_id == run_id)
                                       .order_by(c.id))).all()
        return [self._message(r._mapping) for r in rows]

    def _message(self, m: Any) -> ChatMessage:
        return ChatMessage(m["id"], m["user"], ChatRole(m["role"]),
                           self._redactor.redact(m["text"]), m["run_id"], m["task_id"],
                           aware(m["created_at"]))
