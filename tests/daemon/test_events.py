"""Issue 9 item 3: follow a run's events from another process, live, each exactly once."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shturman.app import container
from shturman.config import load_settings
from shturman.domain.runs import RunEvent, RunRecord
from tests.daemon.conftest import SHTURMAN, Env
from tests.postgres import ThrowawayPostgres


def follower(env: Env, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([SHTURMAN, "runs", "follow", *args], env=env.vars,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_until(proc: subprocess.Popen[str], kind: str, timeout: float = 60
               ) -> list[dict[str, Any]]:
    """Lines the follower printed, up to the first event of ``kind``."""
    assert proc.stdout is not None
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(json.loads(line))
        if seen[-1]["type"] == kind:
            return seen
    raise AssertionError(f"follower never printed {kind}: {seen}")


def test_follow_live_from_another_process(env: Env, tmp_path: Path) -> None:
    target = tmp_path / "followed"
    waiter = env.waiter(f"touch {target}")
    try:
        asked = waiter.until("approval_requested")  # the run is paused mid-way
        run_id = asked["run_id"]
        live = follower(env, run_id[:8], "--json")
        stopped = follower(env, run_id, "--json")
        try:
            before = read_until(live, "approval_requested")
            read_until(stopped, "approval_requested")
            # Ctrl-C stops only that follower; the run goes on
            stopped.send_signal(signal.SIGINT)
            assert stopped.wait(timeout=30) == 130
            assert stopped.stderr is not None and "запуск продолжается" in stopped.stderr.read()
            assert waiter.proc.poll() is None

            assert env.sh("approvals", "approve", asked["approval_id"]).returncode == 0
            after = read_until(live, "run_finished")
            assert live.wait(timeout=30) in (0, 1)  # exits once the run has finished
        finally:
            for proc in (live, stopped):
                if proc.poll() is None:
                    proc.kill()
        waiter.finish()
    finally:
        waiter.kill()
    followed = before + after
    # every event exactly once, in order, the same as what the run itself streamed
    assert [e["seq"] for e in followed] == list(range(len(followed)))
    assert followed == waiter.events
    stored = [json.loads(x) for x in env.sh("runs", "show", run_id, "--json").stdout
              .splitlines()]
    assert followed == stored
    # resuming after a seen event continues right after it
    k = before[-1]["seq"]
    resumed = env.sh("runs", "follow", run_id, "--json", "--after", str(k))
    assert [json.loads(x)["seq"] for x in resumed.stdout.splitlines()] == \
        list(range(k + 1, len(stored)))
    unknown = env.sh("runs", "follow", "nosuchrun")
    assert unknown.returncode == 2 and "nosuchrun" in unknown.stderr


def _event(run_id: str, seq: int, kind: str = "command_output") -> RunEvent:
    return RunEvent(run_id, seq, datetime.now(UTC), kind, {"n": seq})


async def test_subscribe_replays_then_follows_without_gaps(home: Path, db_url: str) -> None:
    """A writer stores events in batches while two subscribers read: one from the start,
    one resuming after seq 5 — each sees exactly the events after its start, in order."""
    settings = load_settings(home=home, database_url=db_url)
    total = 40
    async with container(settings) as writer_side, container(settings) as reader_side:
        run_id = "run-subscribe-1"
        await writer_side.runs_repo.create(RunRecord(run_id, datetime.now(UTC), "test:op",
                                                     "follow me", "interactive", "running"))

        async def write() -> None:
            seq = 0
            while seq < total:
                batch = [_event(run_id, s) for s in range(seq, min(seq + 3, total))]
                if batch[-1].seq == total - 1:
                    batch[-1] = _event(run_id, total - 1, "run_finished")
                await writer_side.runs_repo.append_events(batch)
                seq += len(batch)
                await asyncio.sleep(0.02)
            await writer_side.runs_repo.finish(run_id, "succeeded", "done", True)

        async def read(after: int) -> list[int]:
            return [e.seq async for e in reader_side.events.subscribe(run_id, after)]

        written = asyncio.create_task(write())
        everything = asyncio.create_task(read(-1))
        await asyncio.sleep(0.1)
        resumed = await read(5)
        await written
        assert await asyncio.wait_for(everything, 30) == list(range(total))
        assert resumed == list(range(6, total))
        # a run that stopped without run_finished (interrupted) still ends the subscription
        await writer_side.runs_repo.create(RunRecord("run-cut", datetime.now(UTC), "test:op",
                                                     "cut", "interactive", "running"))
        await writer_side.runs_repo.append_events([_event("run-cut", 0)])
        await writer_side.runs_repo.finish("run-cut", "interrupted", "", False)
        assert [e.seq async for e in reader_side.events.subscribe("run-cut")] == [0]


async def test_postgres_listen_wakes_the_follower(home: Path, postgres: ThrowawayPostgres
                                                  ) -> None:
    """On PostgreSQL a stored event wakes the reader through NOTIFY — not the poll: the
    safety-net poll is set to 30 s here, and each event must arrive well within that."""
    from shturman.store.repositories.signals import Signals

    settings = load_settings(home=home, database_url=postgres.reset_url("listen"))
    async with container(settings) as writer_side, container(settings) as reader_side:
        reader_side.extras["signals"] = Signals(reader_side.db.engine, listen_fallback=30)
        assert reader_side.signals.listening
        run_id = "run-listen-1"
        await writer_side.runs_repo.create(RunRecord(run_id, datetime.now(UTC), "test:op",
                                                     "listen", "interactive", "running"))
        got: list[tuple[int, float]] = []

        async def read() -> None:
            async for e in reader_side.events.subscribe(run_id):
                got.append((e.seq, time.monotonic()))

        reading = asyncio.create_task(read())
        await asyncio.sleep(0.5)  # the reader is waiting (LISTENing) now
        sent: list[float] = []
        for seq in range(5):
            sent.append(time.monotonic())
            kind = "run_finished" if seq == 4 else "command_output"
            await writer_side.runs_repo.append_events([_event(run_id, seq, kind)])
            await asyncio.sleep(0.2)
        await asyncio.wait_for(reading, 10)
        assert [s for s, _ in got] == list(range(5))
        delays = [at - sent[s] for s, at in got]
        assert max(delays) < 5, delays  # a notification, not the 30 s poll
