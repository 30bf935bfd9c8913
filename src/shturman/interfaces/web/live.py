"""Server-sent events: a run's events as they are stored, and the bell's unread count.

A run stream follows ``EventService.subscribe(run_id, after_seq)``: every event once, in order,
each with its ``seq`` as the SSE id, so a browser that reconnects sends ``Last-Event-ID`` and
continues exactly after it; the stream ends with an ``end`` event (data: the run's status)
after ``run_finished``. Every stream stops when the app shuts down (``app.state.closing``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from fastapi import Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from shturman.domain.runs import RunEvent
from shturman.interfaces.web.deps import config, services

T = TypeVar("T")
PING = 15  # seconds between keep-alive comments


def resume_after(request: Request, after: int | None) -> int:
    """Where a stream starts: after ``Last-Event-ID`` (a reconnect), else ``?after=``."""
    header = request.headers.get("last-event-id", "").strip()
    if header.lstrip("-").isdigit():
        return max(int(header), -1)
    return -1 if after is None else max(after, -1)


def run_stream(request: Request, run_id: str, after: int,
               render: Callable[[RunEvent], str], status: Callable[[], Awaitable[str]]
               ) -> EventSourceResponse:
    """``render`` turns an event into the SSE data (HTML for the page, JSON for the API);
    ``status`` names the run's final status for the closing ``end`` event."""

    async def events() -> AsyncIterator[ServerSentEvent]:
        source = services(request).events.subscribe(run_id, after)
        finished = ""
        async for event in until_closed(request, source):
            if event.type == "run_finished":
                finished = str(event.data.get("status", ""))
            yield ServerSentEvent(data=render(event), id=str(event.seq), event="run_event")
        if not closing(request).is_set():
            yield ServerSentEvent(data=finished or await status(), event="end")

    return EventSourceResponse(events(), ping=PING, send_timeout=30)


def count_stream(request: Request, count: Callable[[], Awaitable[int]]) -> EventSourceResponse:
    """The bell: the unread count now, then whenever it changes (looked up every
    ``live_interval`` seconds)."""

    async def counts() -> AsyncIterator[ServerSentEvent]:
        last: int | None = None
        interval = config(request).live_interval
        while not closing(request).is_set():
            now = await count()
            if now != last:
                last = now
                yield ServerSentEvent(data=str(now), event="count")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closing(request).wait(), interval)

    return EventSourceResponse(counts(), ping=PING, send_timeout=30)


def closing(request: Request) -> asyncio.Event:
    found: asyncio.Event = request.app.state.closing
    return found


async def until_closed(request: Request, source: AsyncIterator[T]) -> AsyncIterator[T]:
    """``source``'s items until it ends, the app shuts down or the client goes away (then
    the step in flight is cancelled before ``source`` is closed)."""
    stop = asyncio.ensure_future(closing(request).wait())
    iterator = aiter(source)
    item: asyncio.Future[T] | None = None
    try:
        while True:
            item = asyncio.ensure_future(anext(iterator))
            await asyncio.wait({item, stop}, return_when=asyncio.FIRST_COMPLETED)
            if not item.done():
                return
            try:
                value = item.result()
            except StopAsyncIteration:
                return
            item = None
            yield value
    finally:
        stop.cancel()
        if item is not None and not item.done():
            item.cancel()
            await asyncio.gather(item, return_exceptions=True)
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()
