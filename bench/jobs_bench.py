"""Job runner benchmark: throughput and submit→start latency with 1, 2 and 4 workers, embedded
(SQLite and PostgreSQL) and distributed (taskiq + Redis + PostgreSQL, one `shturman worker`
process per worker), against a baseline of the same handler called directly.

Run: .venv/bin/python bench/jobs_bench.py [--jobs 200] [--sleep 0.02]
Prints a table and writes bench/results/jobs.json. Starts its own throwaway PostgreSQL and
Redis on loopback (the same helpers the tests use) and stops them afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shturman.domain.jobs import JobSpec, JobStatus  # noqa: E402
from shturman.jobs import HandlerRegistry, JobContext, PoolSettings, WorkerPool  # noqa: E402
from shturman.jobs.backends import LocalWaker  # noqa: E402
from shturman.jobs.queue import JobDefaults, StoredJobQueue, Waker  # noqa: E402
from shturman.store import Database  # noqa: E402
from shturman.store.repositories.jobs import JobRepo  # noqa: E402

SHTURMAN = str(Path(sys.executable).parent / "shturman")


async def nap(payload: dict[str, Any], ctx: JobContext | None) -> dict[str, Any]:
    await asyncio.sleep(float(payload.get("sleep", 0.0)))
    return {}


def register(registry: HandlerRegistry) -> None:
    """Loaded by the distributed workers (SHTURMAN_JOBS__HANDLER_MODULES)."""
    registry.register("nap", nap)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def direct(workers: int, jobs: int, sleep: float) -> dict[str, float]:
    gate = asyncio.Semaphore(workers)

    async def one() -> None:
        async with gate:
            await nap({"sleep": sleep}, None)

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(jobs)))
    wall = time.perf_counter() - start
    return {"throughput": jobs / wall, "wall": wall}


async def _wait_final(repo: JobRepo, ids: list[int], timeout: float = 300) -> None:
    """Poll one cheap count (not the rows: the poller shares the loop with embedded workers)."""
    from sqlalchemy import func, select

    from shturman.store import tables as t

    end = time.monotonic() + timeout
    active = (select(func.count()).select_from(t.jobs)
              .where(t.jobs.c.id.in_(ids), t.jobs.c.status.in_(("queued", "running"))))
    while True:
        async with repo._engine.connect() as conn:
            left = (await conn.execute(active)).scalar_one()
        if not left:
            return
        if time.monotonic() > end:
            raise RuntimeError(f"{left} jobs did not finish")
        await asyncio.sleep(0.05)


async def measure(repo: JobRepo, waker: Waker, jobs: int, sleep: float) -> dict[str, float]:
    """Burst throughput, then idle submit→start latency (one job at a time)."""
    queue = StoredJobQueue(repo, JobDefaults(60, 1), waker)
    start = time.perf_counter()
    ids = [(await queue.submit(JobSpec("nap", {"sleep": sleep}))).id for _ in range(jobs)]
    await _wait_final(repo, ids)
    wall = time.perf_counter() - start
    burst = [await repo.get(i) for i in ids]
    assert all(j is not None and j.status is JobStatus.SUCCEEDED for j in burst)
    latency_ids = []
    for _ in range(20):
        latency_ids.append((await queue.submit(JobSpec("nap", {"sleep": 0}))).id)
        await asyncio.sleep(0.1)
    await _wait_final(repo, latency_ids)
    lat = []
    for i in latency_ids:
        job = await repo.get(i)
        assert job is not None and job.started_at is not None
        lat.append((job.started_at - job.created_at).total_seconds() * 1000)
    return {"throughput": jobs / wall, "wall": wall, "latency_p50_ms": pct(lat, 0.5),
            "latency_p99_ms": pct(lat, 0.99)}


async def embedded(url: str, workers: int, jobs: int, sleep: float) -> dict[str, float]:
    db = Database(url)
    await db.migrate()
    repo = JobRepo(db.engine)
    registry = HandlerRegistry()
    register(registry)
    pool = WorkerPool(repo, registry, PoolSettings(workers=workers, per_server=workers,
                                                   heartbeat=1.0, poll=0.5))
    await pool.start()
    try:
        return await measure(repo, LocalWaker(pool), jobs, sleep)
    finally:
        await pool.stop()
        await db.close()


def spawn_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([SHTURMAN, "worker"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


async def distributed(url: str, redis_url: str, workers: int, jobs: int, sleep: float,
                      home: Path) -> dict[str, float]:
    from shturman.jobs.distributed import TaskiqWaker

    db = Database(url)
    await db.migrate()
    repo = JobRepo(db.engine)
    home.mkdir(parents=True, exist_ok=True)
    (home / "shturman.yaml").write_text("language: en\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    env.update({"SHTURMAN_HOME": str(home), "SHTURMAN_CONFIG": str(home / "shturman.yaml"),
                "SHTURMAN_DATABASE_URL": url, "SHTURMAN_JOBS__BACKEND": "taskiq",
                "SHTURMAN_JOBS__REDIS_URL": redis_url, "SHTURMAN_JOBS__WORKERS": "1",
                "SHTURMAN_JOBS__POLL_INTERVAL": "0.5",
                "SHTURMAN_JOBS__HANDLER_MODULES": json.dumps(["bench.jobs_bench"]),
                "PYTHONPATH": str(ROOT)})
    procs = [spawn_worker(env) for _ in range(workers)]
    for proc in procs:  # wait until each says it is ready
        assert proc.stdout is not None
        while b"shturman worker:" not in (line := await asyncio.to_thread(proc.stdout.readline)):
            if not line:
                raise RuntimeError("a worker exited before it was ready")
    waker = TaskiqWaker(redis_url)
    try:
        return await measure(repo, waker, jobs, sleep)
    finally:
        await waker.close()
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(30)
        await db.close()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    from tests.jobs.conftest import ThrowawayRedis
    from tests.postgres import ThrowawayPostgres

    tmp = Path(tempfile.mkdtemp(prefix="shturman-jobs-bench-"))
    pg, redis = ThrowawayPostgres(), ThrowawayRedis()
    pg.start()
    redis_url = redis.start()
    results: dict[str, Any] = {"jobs": args.jobs, "sleep": args.sleep, "rows": []}
    try:
        for workers in (1, 2, 4):
            base = await direct(workers, args.jobs, args.sleep)
            rows = {"direct": base}
            rows["embedded-sqlite"] = await embedded(
                f"sqlite+aiosqlite:///{tmp / f'e{workers}.db'}", workers, args.jobs, args.sleep)
            rows["embedded-postgres"] = await embedded(
                pg.reset_url(f"e{workers}"), workers, args.jobs, args.sleep)
            rows["distributed"] = await distributed(
                pg.reset_url(f"d{workers}"), redis_url, workers, args.jobs, args.sleep,
                tmp / f"d{workers}")
            for backend, row in rows.items():
                results["rows"].append({"workers": workers, "backend": backend, **row,
                                        "vs_direct": row["throughput"] / base["throughput"]})
    finally:
        redis.stop()
        pg.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--sleep", type=float, default=0.02, help="handler time (s)")
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    header = (f"{'workers':>7} {'backend':<18} {'jobs/s':>8} {'vs direct':>9} "
              f"{'start p50 ms':>12} {'start p99 ms':>12}")
    print(f"{args.jobs} jobs of {args.sleep * 1000:.0f} ms each")
    print(header)
    for row in results["rows"]:
        p50 = row.get("latency_p50_ms")
        p99 = row.get("latency_p99_ms")
        print(f"{row['workers']:>7} {row['backend']:<18} {row['throughput']:>8.1f} "
              f"{row['vs_direct']:>9.2f} "
              f"{'' if p50 is None else f'{p50:.1f}':>12} "
              f"{'' if p99 is None else f'{p99:.1f}':>12}")
    out = ROOT / "bench" / "results" / "jobs.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
