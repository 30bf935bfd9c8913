"""Follow a run's events from any process: replay from the store, then live.

The store is the only source: every read is "events with seq > the last one delivered", so a
follower never skips or repeats one, whatever the wake-ups do (PostgreSQL LISTEN/NOTIFY rings
when an event is stored; elsewhere the reader polls). A follower that resumes with the last
``seq`` it saw continues exactly after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from shturman.domain.events import EventType
from shturman.domain.models import RunStatus
from shturman.domain.runs import RunEvent
from shturman.store.repositories.events import EventFeed
from shturman.store.repositories.signals import EVENTS, Signals

_LIVE = (RunStatus.RUNNING.value, RunStatus.PENDING.value)


class EventService:
    def __init__(self, feed: EventFeed, signals: Signals) -> None:
        self._feed = feed
        self._signals = signals

    async def subscribe(self, run_id: str, after_seq: int = -1) -> AsyncIterator[RunEvent]:
        """Every event of the run after ``after_seq``, in order, each once; ends after
        `run_finished`, or when the run stopped without one (cancelled, interrupted) and
        nothing more is stored."""
        last = after_seq
        async with self._signals.watch(EVENTS, run_id) as wakeup:
            while True:
                batch = await self._feed.after(run_id, last)
                ready = _contiguous(batch, last)
                if len(ready) < len(batch) and not await self._running(run_id):
                    ready = batch  # the run is over: a gap now is final, not in flight
                for event in ready:
                    yield event
                    last = event.seq
                    if event.type == EventType.RUN_FINISHED.value:
                        return
                if ready:
                    continue  # there may be another page
                if not batch and not await self._running(run_id):
                    if not await self._feed.after(run_id, last, limit=1):
                        return  # stopped without run_finished and nothing is left to read
                    continue
                await wakeup.wait(self._signals.interval)

    async def _running(self, run_id: str) -> bool:
        return await self._feed.status(run_id) in _LIVE


def _contiguous(batch: list[RunEvent], last: int) -> list[RunEvent]:
    """The leading events that follow ``last`` without a hole."""
    ready: list[RunEvent] = []
    for event in batch:
        if event.seq != last + 1 + len(ready):
            break
        ready.append(event)
    return ready
