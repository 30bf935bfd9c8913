"""The distributed backend: taskiq over a Redis list (taskiq-redis ``ListQueueBroker``).

A message carries only a job id; the job's state stays in the database. A worker takes a
message only when it has a free slot (``max_async_tasks`` = its slots), then claims the most
urgent queued job it may run — so priorities and per-server limits hold across machines
although a Redis list is first-in first-out, and a message lost with a killed worker only
delays a job until another worker's next poll of the store.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from shturman.jobs.worker import WorkerPool

TASK_NAME = "shturman.job_ready"
QUEUE_NAME = "shturman:jobs"


def make_broker(redis_url: str) -> Any:
    from taskiq_redis import ListQueueBroker

    return ListQueueBroker(redis_url, queue_name=QUEUE_NAME)


class TaskiqWaker:
    """:class:`~shturman.jobs.queue.Waker` that sends a job id to the workers over Redis."""

    def __init__(self, redis_url: str) -> None:
        self._url = redis_url
        self._broker: Any = None

    async def job_submitted(self, job_id: int) -> None:
        from taskiq.kicker import AsyncKicker

        if self._broker is None:
            broker = make_broker(self._url)
            await asyncio.wait_for(broker.startup(), 10)
            self._broker = broker
        kicker: Any = AsyncKicker(TASK_NAME, self._broker, {})
        await asyncio.wait_for(kicker.kiq(job_id), 10)

    async def close(self) -> None:
        if self._broker is not None:
            broker, self._broker = self._broker, None
            await asyncio.wait_for(broker.shutdown(), 10)


class TaskiqFeeder:
    """A component: listens on the Redis queue and hands each message to the pool."""

    name = "jobs-taskiq"

    def __init__(self, pool: WorkerPool, redis_url: str, slots: int) -> None:
        self._pool = pool
        self._url = redis_url
        self._slots = slots
        self._finish = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._broker: Any = None

    async def start(self) -> None:
        from taskiq.receiver import Receiver

        broker = make_broker(self._url)
        pool = self._pool

        async def job_ready(job_id: int) -> None:
            await pool.take_one()

        broker.register_task(job_ready, task_name=TASK_NAME)
        broker.is_worker_process = True
        receiver = Receiver(broker, max_async_tasks=self._slots, run_startup=True,
                            propagate_exceptions=False, wait_tasks_timeout=1.0)
        self._broker = broker
        self._finish.clear()
        self._task = asyncio.create_task(receiver.listen(self._finish), name="jobs-taskiq")

    async def stop(self) -> None:
        """Stop taking messages (running jobs are the pool's to finish or interrupt)."""
        self._finish.set()
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), 2)
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._broker is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._broker.shutdown(), 5)
            self._broker = None
