"""Cross-process event delivery latency: `python -m tests.daemon.latency [--pg]`.

A writer process stores N events (one per 20 ms, as a run would) while this process follows
them with EventService.subscribe; latency = when the follower got an event − when the writer
stamped it (same clock). SQLite: the follower polls; PostgreSQL: LISTEN/NOTIFY wakes it.
Prints p50/p99/max in milliseconds as JSON.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from shturman.app import container
from shturman.config import load_settings
from shturman.domain.runs import RunEvent, RunRecord

N = 300


async def write(url: str, home: str, run_id: str) -> None:
    async with container(load_settings(home=Path(home), database_url=url)) as c:
        for seq in range(N):
            kind = "run_finished" if seq == N - 1 else "command_output"
            await c.runs_repo.append_events([RunEvent(run_id, seq, datetime.now(UTC), kind,
                                                      {"n": seq})])
            await asyncio.sleep(0.02)


async def follow(url: str, home: Path) -> dict[str, float | str]:
    run_id = "latency-run"
    async with container(load_settings(home=home, database_url=url)) as c:
        await c.runs_repo.create(RunRecord(run_id, datetime.now(UTC), "bench", "latency",
                                           "interactive", "running"))
        writer = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.daemon.latency", "write", url, str(home), run_id)
        delays = []
        async for event in c.events.subscribe(run_id):
            delays.append((datetime.now(UTC) - event.at).total_seconds() * 1000)
        await asyncio.wait_for(writer.wait(), 60)
        delays.sort()
        return {"backend": c.db.engine.dialect.name, "events": len(delays),
                "p50_ms": round(statistics.median(delays), 2),
                "p99_ms": round(delays[int(len(delays) * 0.99) - 1], 2),
                "max_ms": round(delays[-1], 2)}


def main() -> None:
    if sys.argv[1:2] == ["write"]:
        asyncio.run(write(sys.argv[2], sys.argv[3], sys.argv[4]))
        return
    home = Path(tempfile.mkdtemp(prefix="shturman-latency-"))
    if "--pg" in sys.argv:
        from tests.postgres import ThrowawayPostgres

        pg = ThrowawayPostgres()
        try:
            url = pg.start()
            print(json.dumps(asyncio.run(follow(url, home))))
        finally:
            pg.stop()
    else:
        url = f"sqlite+aiosqlite:///{home / 'latency.db'}"
        print(json.dumps(asyncio.run(follow(url, home))))


if __name__ == "__main__":
    main()
