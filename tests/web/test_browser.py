"""The pages in a real browser: Playwright (python) driving Debian's chromium (DESIGN.md §6)
against the real app served by uvicorn on loopback, with the job workers running the runs.
Screenshots land in tests/web/artifacts/ (git-ignored)."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.jobs.test_worker import until
from tests.web.conftest import PASSWORDS, finished_run, pending_approval

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make install` (scripts/setup-system.sh "
                    "installs Debian's chromium)", pytrace=False)
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def served(web: Any, users: Any, workers: Any) -> AsyncIterator[str]:
    await web.start()
    try:
        yield web.url
    finally:
        await web.stop()


async def _log_in(page: Any, base: str, name: str) -> None:
    await page.goto(f"{base}/runs")
    assert "/login" in page.url  # no session: the login page
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", PASSWORDS[name])
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_url(re.compile(r"/runs$"))


async def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def _badge(page: Any) -> int:
    return int(await page.get_attribute("#bell-count", "data-count") or 0)


async def _badge_until(page: Any, wanted: Callable[[int], bool]) -> None:
    async def seen() -> bool:
        return wanted(await _badge(page))

    await until(seen, 30)


async def test_log_in_start_a_routine_run_and_watch_it_live(browser: Any, served: str,
                                                            container: Any) -> None:
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await _log_in(page, served, "anna")
    await _shot(page, "runs-empty")
    await page.click("text=Новая задача")
    await page.fill("textarea[name=text]", "покажи место на диске")
    await page.select_option("select[name=server]", "local")
    await page.click("form[action='/runs'] button[type=submit]")
    await page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}$"))
    run_id = page.url.rsplit("/", 1)[1]
    status = page.locator("#run-status")
    await status.filter(has_text="succeeded").wait_for(timeout=90_000)  # live, no reload
    await page.locator("li[data-kind=run_finished] pre.report").wait_for()
    assert await page.locator("li[data-kind=command_finished]").count() >= 1
    assert await page.locator("#run-live").is_hidden()
    record = await finished_run(container, run_id)
    assert record.status == "succeeded"
    await _shot(page, "run-finished")
    assert not errors, errors


async def test_approve_from_the_approvals_page_and_the_run_goes_on(
        browser: Any, served: str, container: Any, tmp_path: Path) -> None:
    page = await browser.new_page()
    await _log_in(page, served, "oleg")  # English
    before = await _badge(page)
    marker = tmp_path / "browser-marker"
    await page.goto(f"{served}/runs/new")
    await page.fill("textarea[name=text]", f"выполни `touch {marker}` на local")
    await page.select_option("select[name=server]", "local")
    await page.select_option("select[name=mode]", "interactive")
    await page.click("form[action='/runs'] button[type=submit]")
    await page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}$"))
    run_id = page.url.rsplit("/", 1)[1]
    await page.locator("li[data-kind=approval_requested]").wait_for(timeout=60_000)
    await _shot(page, "run-waiting")
    waiting = await pending_approval(container, run_id)
    await _badge_until(page, lambda n: n > before)  # the bell counts it (SSE), no reload
    raised = await _badge(page)
    await page.click("a[href='/approvals']")
    card = page.locator(f"#approval-{waiting.id}")
    await card.wait_for()
    assert f"touch {marker}" in await card.inner_text()
    await _shot(page, "approvals")
    await card.locator("button.approve").click()
    await card.locator(".result").filter(has_text="Approved").wait_for()  # htmx swapped it
    await page.goto(f"{served}/runs/{run_id}")
    await page.locator("li[data-kind=run_finished]").wait_for(timeout=60_000)
    assert marker.exists()
    assert await page.locator("li[data-kind=command_finished]").count() == 1
    # the approval's notification is done with, the run's result is a new one
    async def result_notified() -> bool:
        unread = await container.notifications.list("oleg", unread=True)
        return [n.kind.value for n in unread] == ["run_finished"]

    await until(result_notified, 30)
    await _shot(page, "run-after-approval")
    await page.click("#bell")
    await page.wait_for_url(re.compile(r"/notifications$"))
    assert await page.locator("li.unread.k-run_finished").count() == 1
    assert await page.locator("li.read.k-approval_requested").count() == 1
    assert await _badge(page) == 1 and raised >= 1
    await _shot(page, "notifications")
    await page.click("text=mark all read")
    await page.wait_for_url(re.compile(r"notice=all_read"))
    assert await _badge(page) == 0 and await page.locator("#bell-count").is_hidden()
