"""The per-server health page (issue 12): every check's state with its last change and
history, and a 24 h chart drawn server-side as inline SVG — against the real app and the real
SQLite store, readings written through the real MonitoringRepo; one real check round on a
real sshd lab host; a screenshot through Playwright (docs/screenshots/health.png)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from shturman.app import build
from shturman.config import load_settings
from shturman.domain.monitoring import CheckResult, CheckStatus, Transition, advance
from shturman.store.repositories.monitoring import MonitoringRepo
from tests.hostlab.lab import HostLab
from tests.monitoring.conftest import write_config
from tests.web.conftest import PASSWORDS, login
from tests.web.test_browser import _log_in, browser, served

__all__ = ["browser", "served"]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FIGURE = re.compile(r'<figure id="chart-(\w+)"[^>]*data-points="(\d+)">(.*?)</figure>', re.S)
CIRCLE = re.compile(r'<circle class="point" cx="([\d.]+)" cy="([\d.]+)" r="2" [^>]*'
                    r'data-at="([^"]+)" data-value="([^"]+)"')


def decide(stored: CheckStatus | None, result: CheckResult) -> Transition:
    return advance(stored, result, down_after=3)


def reading(check: str, hours_ago: float, value: float | None, *, ok: bool = True,
            duration: float = 0.01, server: str = "local") -> CheckResult:
    at = datetime.now(UTC) - timedelta(hours=hours_ago)
    return CheckResult(server, check, ok, f"{check} {hours_ago:.1f} h ago", at, value, duration)


async def store(container: Any, results: Sequence[CheckResult]) -> None:
    repo = MonitoringRepo(container.db.engine)
    for result in sorted(results, key=lambda r: r.at):  # one round at a time, oldest first
        await repo.record([result], decide)


def charts(html: str) -> dict[str, list[tuple[float, float, datetime, float]]]:
    """Each chart panel's dots: (x, y, at, value)."""
    found = {}
    for metric, count, body in FIGURE.findall(html):
        dots = [(float(x), float(y), datetime.fromisoformat(at), float(v))
                for x, y, at, v in CIRCLE.findall(body)]
        assert len(dots) == int(count), (metric, count, body)
        found[metric] = dots
    return found


async def test_page_shows_states_and_draws_only_the_last_24_hours(
        container: Any, sign_in: Callable[..., Any]) -> None:
    await store(container, [
        reading("disk", 25, 97.0), reading("disk", 5, 55.0), reading("disk", 1, 42.0),
        reading("memory", 30, 88.0), reading("memory", 2, 61.5),
        reading("load", 3, 0.25), reading("load", 0.5, 0.75),
        reading("reachability", 26, None, duration=9.0),
        reading("reachability", 4, None, duration=0.02),
        reading("reachability", 0.2, None, duration=0.04),
        reading("service:nginx", 0.3, None, ok=False), reading("service:nginx", 0.1, None,
                                                               ok=False),
    ])
    vera = await sign_in("vera")  # a viewer may read it
    page = await vera.client.get("/servers/local/health")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-check="service:nginx" data-state="failing"' in html
    assert 'data-check="disk" data-state="ok"' in html
    assert "сбой" in html  # the state in the user's language (vera: ru)

    drawn = charts(html)
    assert set(drawn) == {"disk", "memory", "load", "latency"}
    assert sorted(v for *_, v in drawn["disk"]) == [42.0, 55.0]  # not the 25 h old 97
    assert [v for *_, v in drawn["memory"]] == [61.5]
    assert sorted(v for *_, v in drawn["load"]) == [0.25, 0.75]
    assert sorted(v for *_, v in drawn["latency"]) == [0.02, 0.04]  # not the 26 h old 9 s
    day_ago = datetime.now(UTC) - timedelta(hours=24)
    assert all(at > day_ago for dots in drawn.values() for _, _, at, _ in dots)
    # time runs left to right, a higher value is drawn higher (smaller y)
    disk = sorted(drawn["disk"], key=lambda d: d[2])
    assert disk[0][0] < disk[1][0] and disk[0][1] < disk[1][1]  # 55 % above, then 42 %
    assert re.search(r'<polyline class="series" points="[\d.]+,[\d.]+ [\d.]+,[\d.]+"',
                     html.split('id="chart-disk"')[1])

    answer = await vera.client.get("/api/servers/local/health")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [p["value"] for p in body["series"]["disk"]] == [55.0, 42.0]
    nginx = next(c for c in body["checks"] if c["check"] == "service:nginx")
    assert nginx["state"] == "failing" and nginx["failures"] == 2
    assert [r["ok"] for r in nginx["history"]] == [False, False]

    fragment = await vera.client.get("/servers/local/health/chart")  # what htmx swaps in
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith("<section")
    assert sorted(v for *_, v in charts(fragment.text)["disk"]) == [42.0, 55.0]

    listing = await vera.client.get("/servers")
    assert 'href="/servers/local/health"' in listing.text


async def test_unknown_server_is_a_404_in_the_users_language(
        sign_in: Callable[..., Any]) -> None:
    vera, oleg = await sign_in("vera"), await sign_in("oleg")
    ru = await vera.client.get("/servers/nosuch/health")
    en = await oleg.client.get("/servers/nosuch/health")
    assert ru.status_code == en.status_code == 404
    assert "Сервер «nosuch» не найден." in ru.text
    assert "No server named “nosuch”." in en.text
    api = await oleg.client.get("/api/servers/nosuch/health")
    assert api.status_code == 404 and api.json()["error"] == "unknown_server"


async def test_health_needs_a_login(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/servers/local/health")
    assert answer.status_code == 401
    page = await client.get("/servers/local/health", headers={"accept": "text/html"})
    assert page.status_code == 303 and "/login" in page.headers["location"]


async def test_a_real_check_round_on_a_lab_host_shows_on_the_page(
        hostlab: HostLab, home: Path, tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "shturman.yaml", hostlab)
    c = await build(load_settings(cfg, home=home))
    try:
        await c.users.add("vera", "viewer", password=PASSWORDS["vera"], language="ru")
        done = await c.monitoring.check_server("vm1")
        by_check = {r.check: r for r in done.results}
        assert by_check["reachability"].ok, by_check["reachability"].detail
        transport = httpx.ASGITransport(app=c.web_server(port=0).app,
                                        client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
            assert (await login(web, "vera")).status_code == 303
            page = await web.get("/servers/vm1/health")
        assert page.status_code == 200, page.text
        assert 'data-check="reachability" data-state="ok"' in page.text
        drawn = charts(page.text)
        assert [v for *_, v in drawn["disk"]] == [by_check["disk"].value]
        assert [v for *_, v in drawn["memory"]] == [by_check["memory"].value]
        assert [round(v, 4) for *_, v in drawn["latency"]] == [
            round(by_check["reachability"].duration, 4)]
    finally:
        await c.monitoring.drain()
        await c.close()


async def test_health_page_in_a_browser(browser: Any, served: str, container: Any) -> None:
    """A day of readings every 20 minutes plus a real round on this machine, then the page
    in chromium: four charts drawn, no script errors; the screenshot is for the docs."""
    history = []
    for step in range(72):
        hours = 24 - step / 3 - 0.1
        history += [reading("disk", hours, 40 + step / 4), reading("memory", hours,
                                                                    55 + 10 * (step % 9) / 9),
                    reading("load", hours, 0.2 + (step % 12) / 20),
                    reading("reachability", hours, None, duration=0.01 + (step % 5) / 500)]
    await store(container, history)
    await container.monitoring.check_server("local")
    page = await browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await _log_in(page, served, "oleg")
    await page.goto(f"{served}/servers/local/health")
    for metric in ("disk", "memory", "load", "latency"):
        assert await page.locator(f"#chart-{metric} circle.point").count() >= 70
    assert await page.locator("#checks tr[data-check=reachability]").count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "health.png"), full_page=True)
    assert not errors, errors
