"""The check schedules follow the inventory while the monitor runs: a server registered (as
`shturman server add` does) is checked within one interval, a removed one is no longer
checked — no restart. Real sshd hosts, the real scheduler and workers."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from shturman.app import Container, build
from shturman.config import load_settings
from shturman.domain.models import AuthMethod, Server
from shturman.services.monitoring.targets import WatchedSchedules
from tests.hostlab.lab import HostLab, TestHost

INTERVAL = 5.0  # the smallest interval the settings allow
REFRESH = 0.5  # monitoring.targets_refresh


@pytest.fixture
async def monitor(home: Path, tmp_path: Path, hostlab: HostLab) -> AsyncIterator[Container]:
    h = hostlab.hosts[0]
    data = {"language": "en", "servers": [{
        "name": h.name, "host": h.host, "port": h.port, "user": h.user,
        "key_path": str(hostlab.client_key), "services": []}],
        "jobs": {"scheduler_tick": 0.2},
        "monitoring": {"local": False, "interval": INTERVAL, "targets_refresh": REFRESH,
                       "load_per_core": 1000, "disk_percent": 99.9, "memory_percent": 99.9}}
    path = tmp_path / "shturman.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    c = await build(load_settings(path, home=home))
    try:
        yield c
    finally:
        await c.monitoring.drain()
        await c.close()


def registered(lab: HostLab, host: TestHost, name: str) -> Server:
    return Server(name=name, host=host.host, port=host.port, user=host.user,
                  auth=AuthMethod.KEY, key_path=str(lab.client_key))


async def check_jobs(c: Container, server: str) -> list[Any]:
    return [j for j in await c.jobs.recent(limit=500)
            if j.kind == "check" and j.server == server]


async def first_result(c: Container, server: str, timeout: float) -> float:
    """Seconds until ``server`` has a stored check result (fails after ``timeout``)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if await c.monitoring.history(server, "reachability", limit=1):
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise AssertionError(f"{server} was not checked within {timeout:g} s")


async def test_server_added_and_removed_while_the_monitor_runs(
        monitor: Any, hostlab: HostLab) -> None:
    c = monitor
    runtime = c.jobs_runtime(workers=True, kinds=("check",))  # what `shturman monitor` runs
    watched = c.extras["watched_schedules"]
    assert isinstance(watched, WatchedSchedules)
    await runtime.start()
    try:
        await first_result(c, "vm1", 60)
        assert watched.servers == ["vm1"]

        # registered while it runs: checked within one interval, no restart
        await c.inventory.add(registered(hostlab, hostlab.hosts[1], "late"), actor="test")
        took = await first_result(c, "late", 60)
        assert took <= INTERVAL, f"the new server was first checked after {took:.2f} s"
        print(f"first check of the added server after {took:.2f} s")
        assert sorted(watched.servers) == ["late", "vm1"]
        assert watched.replaced == 1
        (state,) = [s for s in await c.monitoring.health("late") if s.check == "reachability"]
        assert state.state.value == "ok", state.detail

        # removed while it runs: dropped within one refresh, never checked again
        await c.inventory.remove("late", actor="test")
        await asyncio.sleep(REFRESH * 4)
        assert watched.servers == ["vm1"] and watched.replaced == 2
        seen = len(await check_jobs(c, "late"))
        before_vm1 = len(await check_jobs(c, "vm1"))
        await asyncio.sleep(INTERVAL + 2 * REFRESH)
        assert len(await check_jobs(c, "late")) == seen  # no new check of the removed one
        assert len(await check_jobs(c, "vm1")) > before_vm1  # the one that stays goes on
    finally:
        await runtime.stop()
    # vm1 kept its own rhythm through both replacements: about one check per interval
    vm1 = sorted(j.created_at for j in await check_jobs(c, "vm1"))
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(vm1)]
    assert gaps and min(gaps) >= INTERVAL * 0.8, gaps  # no tick fired twice by a replacement


async def test_unchanged_inventory_keeps_the_scheduler(monitor: Any) -> None:
    c = monitor
    c.jobs_runtime(workers=True, kinds=("check",))
    watched = c.extras["watched_schedules"]
    assert await watched.refresh() is True  # the first read builds it
    try:
        for _ in range(3):
            assert await watched.refresh() is False
        assert watched.replaced == 0
    finally:
        await watched.stop()
