"""Several processes starting on one fresh database (serve + workers after an upgrade) all
come up: one migrates, the others wait for it and find the schema current."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from shturman.store import Database
from shturman.store.sqlite_light import head_revision

ROOT = Path(__file__).resolve().parents[1]
MIGRATE = ("import asyncio, sys\n"
           "from shturman.store import Database\n"
           "async def main():\n"
           "    db = Database(sys.argv[1])\n"
           "    try:\n"
           "        await db.migrate()\n"
           "    finally:\n"
           "        await db.close()\n"
           "asyncio.run(main())\n")


async def test_concurrent_first_migrations_all_succeed(db_url: str) -> None:
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, "-c", MIGRATE, db_url, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT) for _ in range(4)]
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 240)
    for proc, (out, _) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out.decode(errors="replace")[-3000:]
    db = Database(db_url)
    try:
        assert await db._current() == head_revision()
        await db.migrate()  # current: a no-op
    finally:
        await db.close()
