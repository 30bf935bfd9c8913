"""Thresholds on a real sshd test host: disk and memory against the server's own limits, and
the load judged on the SUSTAINED 15-minute average per core (a 1-minute spike is not an
incident). Each check walks ok → failing → down (after N) → recovered with exactly one alert
per transition worth telling."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shturman.app import Container
from shturman.domain.monitoring import CheckState
from shturman.domain.notifications import NotificationKind
from shturman.services.monitoring.readings import load_reading
from tests.hostlab.lab import HostLab, TestHost
from tests.monitoring.conftest import Factory

Make = Callable[..., Any]

# `cat` on the test host: /proc/loadavg comes from ~/fake_loadavg when that file exists
# (the kernel's load cannot be set from a test); everything else is the real cat
FAKE_CAT = """#!/bin/sh
if [ "$1" = /proc/loadavg ] && [ "$#" -eq 1 ] && [ -f "$HOME/fake_loadavg" ]; then
  exec /bin/cat "$HOME/fake_loadavg"
fi
exec /bin/cat "$@"
"""


@pytest.fixture
def make(from_config: Factory, hostlab: HostLab) -> Make:
    """A container watching vm3 with ``monitoring`` (and ``monitoring.servers.vm3``)
    options; the same home each time, so states carry over like a restart."""
    host = hostlab.hosts[2]

    async def factory(own: dict[str, Any] | None = None, **monitoring: Any) -> Container:
        data = {"language": "en", "servers": [{
            "name": host.name, "host": host.host, "port": host.port, "user": host.user,
            "key_path": str(hostlab.client_key), "services": []}],
            "monitoring": {"local": False, "down_after": 3, "disk_percent": 99.9,
                           "memory_percent": 99.9, "load_per_core": 1000,
                           **monitoring, "servers": {host.name: own or {}}}}
        return await from_config(data)

    return factory


@pytest.fixture
def fake_load(hostlab: HostLab) -> Iterator[Callable[[str], None]]:
    host: TestHost = hostlab.hosts[2]
    cat, loadavg = host.bin_dir / "cat", host.home / "fake_loadavg"
    cat.write_text(FAKE_CAT)
    cat.chmod(0o755)
    os.chown(cat, host.uid, host.gid)

    def put(text: str) -> None:
        loadavg.write_text(text + "\n")
        os.chown(loadavg, host.uid, host.gid)

    try:
        yield put
    finally:
        cat.unlink(missing_ok=True)
        loadavg.unlink(missing_ok=True)


def cores() -> int:
    return int(subprocess.run(["nproc"], capture_output=True, text=True,
                              check=True).stdout.strip())


async def alerts(c: Container) -> list[tuple[str, str]]:
    """(check, state) of every alert, oldest first."""
    told = [n for n in await c.notifications.list(limit=300) if n.kind is NotificationKind.ALERT]
    return [(str(n.data["check"]), str(n.data["state"])) for n in reversed(told)]


async def state(c: Container, check: str) -> CheckState:
    (found,) = [s for s in await c.monitoring.health("vm3") if s.check == check]
    return found.state


def test_load_reading_takes_the_15_minute_field() -> None:
    """Recorded `/proc/loadavg`: a 1-minute spike far over the limit, a calm 15 minutes."""
    spike = load_reading("16.00 3.00 0.50 2/300 4242", "2", 2.0, minutes=15)
    assert spike is not None and spike.ok and spike.value == 0.25
    assert "15 min" in spike.detail and "15 min 0.5" in spike.detail
    lasting = load_reading("0.20 1.00 5.00 1/300 4242", "2\n", 2.0, minutes=15)
    assert lasting is not None and not lasting.ok and lasting.value == 2.5
    assert load_reading("garbage", "2", 2.0, minutes=15) is None
    assert load_reading("1 2 3 1/2 3", "", 2.0, minutes=15) is None


async def test_load_alerts_only_on_a_sustained_15_minute_average(
        make: Make, fake_load: Callable[[str], None]) -> None:
    n = cores()
    c = await make(load_per_core=1.0, load_readings=3, alert_on_failing=True)
    # a 1-minute (and 5-minute) spike: 20 per core now, but the 15-minute average is calm
    fake_load(f"{20 * n}.00 {4 * n}.00 {0.5 * n:.2f} 3/400 999")
    for _ in range(4):
        done = await c.monitoring.check_server("vm3")
        (load,) = [r for r in done.results if r.check == "load"]
        assert load.ok, load.detail
        assert load.value == 0.5 and "(15 min;" in load.detail
    assert await state(c, "load") is CheckState.OK and await alerts(c) == []

    # load that lasts: the 15-minute average over cores × factor
    fake_load(f"{0.2 * n:.2f} {2 * n}.00 {3 * n}.00 3/400 999")
    seen = []
    for _ in range(4):
        done = await c.monitoring.check_server("vm3")
        (load,) = [r for r in done.results if r.check == "load"]
        assert not load.ok and load.value == 3.0, load.detail
        seen.append(await state(c, "load"))
    assert seen == [CheckState.FAILING, CheckState.FAILING, CheckState.DOWN, CheckState.DOWN]
    # alert_on_failing does not apply to the load: one alert, on down
    assert await alerts(c) == [("load", "down")]

    fake_load(f"{0.1 * n:.2f} {0.2 * n:.2f} {0.9 * n:.2f} 1/400 999")
    await c.monitoring.check_server("vm3")
    assert await state(c, "load") is CheckState.RECOVERED
    await c.monitoring.check_server("vm3")
    assert await state(c, "load") is CheckState.OK
    assert await alerts(c) == [("load", "down"), ("load", "recovered")]


async def test_load_burst_shorter_than_the_readings_stays_quiet(
        make: Make, fake_load: Callable[[str], None]) -> None:
    n = cores()
    c = await make(load_per_core=1.0, load_readings=3)
    fake_load(f"1 1 {3 * n}.00 1/400 999")
    for _ in range(2):
        await c.monitoring.check_server("vm3")
    assert await state(c, "load") is CheckState.FAILING
    fake_load("0.01 0.01 0.01 1/400 999")
    await c.monitoring.check_server("vm3")
    # it never reached down, so its recovery is not announced either
    assert await state(c, "load") is CheckState.RECOVERED
    assert await alerts(c) == []


async def test_disk_and_memory_thresholds_per_server(make: Make) -> None:
    # the global limits are far away; vm3's own are below what any real host uses
    c = await make(own={"disk_percent": 1, "memory_percent": 1})
    assert c.monitoring.thresholds("vm3").disk_percent == 1
    seen: dict[str, list[CheckState]] = {"disk": [], "memory": []}
    for _ in range(4):
        done = await c.monitoring.check_server("vm3")
        by_check = {r.check: r for r in done.results}
        for check in seen:
            assert not by_check[check].ok and "≥ 1%" in by_check[check].detail
            seen[check].append(await state(c, check))
        assert by_check["load"].ok and by_check["reachability"].ok
    expected = [CheckState.FAILING, CheckState.FAILING, CheckState.DOWN, CheckState.DOWN]
    assert seen == {"disk": expected, "memory": expected}
    told = await alerts(c)
    assert sorted(told) == [("disk", "down"), ("memory", "down")]  # one each, not per round

    # the limits raised (a restart with the new config): recovered, announced once, then ok
    again = await make(own={"disk_percent": 99.9, "memory_percent": 99.9})
    done = await again.monitoring.check_server("vm3")
    assert all(r.ok for r in done.results), [(r.check, r.detail) for r in done.results]
    assert await state(again, "disk") is CheckState.RECOVERED
    assert await state(again, "memory") is CheckState.RECOVERED
    await again.monitoring.check_server("vm3")
    assert await state(again, "disk") is CheckState.OK
    told = await alerts(again)
    assert sorted(told[2:]) == [("disk", "recovered"), ("memory", "recovered")]
    assert len(told) == 4


async def test_a_new_incident_after_recovery_alerts_again(make: Make) -> None:
    c = await make(own={"memory_percent": 1}, down_after=2)
    for _ in range(2):
        await c.monitoring.check_server("vm3")
    assert await state(c, "memory") is CheckState.DOWN
    first = next(s for s in await c.monitoring.health("vm3") if s.check == "memory").incident
    ok = await make(own={"memory_percent": 99.9}, down_after=2)
    await ok.monitoring.check_server("vm3")
    bad = await make(own={"memory_percent": 1}, down_after=2)
    for _ in range(2):
        await bad.monitoring.check_server("vm3")
    (status,) = [s for s in await bad.monitoring.health("vm3") if s.check == "memory"]
    assert status.state is CheckState.DOWN and status.incident == first + 1
    assert await alerts(bad) == [("memory", "down"), ("memory", "recovered"),
                                 ("memory", "down")]
