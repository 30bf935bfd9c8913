"""Test job kinds, loaded by workers through ``SHTURMAN_JOBS__HANDLER_MODULES``.

Each execution is recorded in a ``job_log`` table of the database named in the payload
(``"log"``: a SQLAlchemy URL), with the worker's pid — so a test can count executions across
processes, including processes it killed.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shturman.domain.errors import InfrastructureError
from shturman.jobs import HandlerRegistry, JobContext

meta = MetaData()
job_log = Table(
    "job_log", meta,
    Column("id", Integer, primary_key=True),
    Column("job_id", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("at", Float, nullable=False),
    Column("attempt", Integer, nullable=False),
)

_engines: dict[str, AsyncEngine] = {}


def engine(url: str) -> AsyncEngine:
    if url not in _engines:
        _engines[url] = create_async_engine(url)
    return _engines[url]


async def create_log(url: str) -> None:
    async with engine(url).begin() as conn:
        await conn.run_sync(meta.create_all)


async def read_log(url: str) -> list[Any]:
    async with engine(url).connect() as conn:
        return list(await conn.execute(select(job_log).order_by(job_log.c.id)))


async def dispose() -> None:
    for e in list(_engines.values()):
        await e.dispose()
    _engines.clear()


async def _record(payload: dict[str, Any], ctx: JobContext) -> None:
    import time

    async with engine(payload["log"]).begin() as conn:
        await conn.execute(insert(job_log).values(
            job_id=ctx.job.id, kind=ctx.job.kind, priority=ctx.job.priority, pid=os.getpid(),
            at=time.time(), attempt=ctx.job.attempts))


async def record(payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Acts (stored first), records the execution, then sleeps ``sleep`` seconds."""
    await ctx.acted("recorded")
    await _record(payload, ctx)
    await asyncio.sleep(float(payload.get("sleep", 0)))
    return {"pid": os.getpid()}


async def hang_before_acting(payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """First attempt: hangs before doing anything; later attempts record and succeed."""
    if ctx.job.attempts == 1:
        await asyncio.sleep(3600)
    await ctx.acted("recorded")
    await _record(payload, ctx)
    return {}


async def flaky(payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Raises InfrastructureError for the first ``fail`` attempts (before acting)."""
    await _record(payload, ctx)
    if ctx.job.attempts <= int(payload.get("fail", 0)):
        raise InfrastructureError("broker down (test)")
    if payload.get("act_then_fail"):
        await ctx.acted("command sent")
        raise InfrastructureError("connection lost after sending (test)")
    if payload.get("bug"):
        raise ValueError("a bug (test)")
    return {"ok": True}


async def stuck(payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Ignores the first cancellation: a handler that does not stop when told."""
    await _record(payload, ctx)
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        await asyncio.sleep(float(payload.get("linger", 2)))
    return {}


def register(registry: HandlerRegistry) -> None:
    registry.register("record", record)
    registry.register("hang_before_acting", hang_before_acting)
    registry.register("flaky", flaky)
    registry.register("stuck", stuck)
