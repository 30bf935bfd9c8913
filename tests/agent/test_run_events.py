"""Typed run events end to end: what the loop emits is stored as its kind and fields, comes
back as the same dataclass, and a host key pinned under a run's command is an event of that
run only — two runs in one process never see each other's."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from shturman.domain.events import (
    KINDS,
    CommandFinished,
    HostKeyPinned,
    PlanMade,
    RunFinished,
    RunStarted,
    Unrecognised,
    as_data,
    parse,
)
from shturman.domain.models import Actor, RunMode
from shturman.services.runs import RunRequest
from tests.hostlab.lab import HostLab

ACTOR = Actor("test", "op")


def test_every_kind_round_trips_through_its_stored_form() -> None:
    for kind, cls in KINDS.items():
        required = {f.name: "x" for f in dataclasses.fields(cls)
                    if f.default is dataclasses.MISSING}
        sample = parse(kind, {**required, "ok": True, "servers": ["a", "b"]})
        assert not isinstance(sample, Unrecognised), kind
        assert parse(kind, as_data(sample)) == sample
    assert isinstance(parse("from_a_newer_version", {"a": 1}), Unrecognised)
    assert isinstance(parse("run_started", {"mode": "x"}), Unrecognised)  # no text
    # a newer writer's extra field is ignored, lists come back as tuples
    started = parse("run_started", {"text": "t", "mode": "m", "servers": ["vm1"], "new": 1})
    assert started == RunStarted(text="t", mode="m", servers=("vm1",))


async def test_first_contact_is_an_event_of_the_run_that_made_it(make_container: Any,
                                                                  hostlab: HostLab) -> None:
    first, second = hostlab.hosts[0], hostlab.hosts[1]
    c = await make_container(hostlab)

    async def run(host: Any) -> list[Any]:
        _, events = await c.runs.run(RunRequest(f"аптайм на {host.name}", ACTOR,
                                                RunMode.READONLY))
        return [e.payload for e in events]

    one, two = await asyncio.gather(run(first), run(second))
    for mine, host, other in ((one, first, second), (two, second, first)):
        pins = [e for e in mine if isinstance(e, HostKeyPinned)]
        assert [p.server for p in pins] == [host.name], mine
        assert pins[0].fingerprint == hostlab.host_fingerprint(host)
        assert not any(isinstance(e, HostKeyPinned) and e.server == other.name for e in mine)
        assert isinstance(mine[0], RunStarted) and isinstance(mine[1], PlanMade)
        assert isinstance(mine[-1], RunFinished) and mine[-1].status == "succeeded"
        assert any(isinstance(e, CommandFinished) and e.server == host.name for e in mine)
    again = await run(first)  # pinned already: no second event
    assert not any(isinstance(e, HostKeyPinned) for e in again)


async def test_run_finished_is_stored_before_the_status_turns_final(make_container: Any,
                                                                    hostlab: HostLab) -> None:
    """A follower in another process ends when the status is final and nothing is left to
    read; so the last event must be in the store by then (events are written in the
    background, off the loop's critical path)."""
    c = await make_container(hostlab)
    repo = c.runs._runs
    stored_at_finish: list[list[str]] = []
    finish = repo.finish

    async def finishing(run_id: str, *args: Any, **kwargs: Any) -> None:
        stored_at_finish.append([e.type for e in await repo.events(run_id)])
        await finish(run_id, *args, **kwargs)

    original_append = repo.append_events

    async def slow_append(events: Any) -> Any:
        await asyncio.sleep(0.05)  # a busy store: the writer lags behind the loop
        return await original_append(events)

    repo.finish = finishing  # type: ignore[method-assign]
    repo.append_events = slow_append  # type: ignore[method-assign]
    await c.runs.run(RunRequest(f"аптайм на {hostlab.hosts[0].name}", ACTOR, RunMode.READONLY))
    assert stored_at_finish and stored_at_finish[0][-1] == "run_finished", stored_at_finish
