"""Tasks and the chat in a real browser: Playwright (python) driving Debian's chromium against
the real app on loopback with the job workers running (DESIGN.md §6). Screenshots of the
tasks list, a task card, the agent's task form and the chat go to docs/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.jobs.test_worker import until
from tests.web.conftest import pending_approval
from tests.web.test_browser import _badge, _badge_until, _log_in, browser, served

__all__ = ["browser", "served"]  # the fixtures, shared with test_browser.py
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


async def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def _create(page: Any, base: str, title: str) -> str:
    await page.goto(f"{base}/tasks")
    await page.fill("#task-new input[name=title]", title)
    await page.click("#task-new button[type=submit]")
    await page.wait_for_url(re.compile(r"/tasks/\d+$"))
    await page.locator("#task-analysis[data-delegable=yes]").wait_for(timeout=60_000)  # polled
    return page.url.rsplit("/", 1)[1]


@pytest.mark.parametrize("ui", ["chat", "task_form"])
async def test_create_a_task_see_the_suggestion_and_delegate(
        browser: Any, served: str, container: Any, ui: str) -> None:
    await container.users.set("anna", settings={"delegate_ui": ui})
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await _log_in(page, served, "anna")
    before = await _badge(page)
    task_id = await _create(page, served, "перезапусти nginx на local")
    await _badge_until(page, lambda n: n > before)  # the suggestion rings the bell
    if ui == "chat":
        await _shot(page, "task-card")
    await page.click("#bell")
    await page.wait_for_url(re.compile(r"/notifications$"))
    item = page.locator("li.k-auto_execution_suggestion").first
    await item.locator("button[type=submit]").first.click()  # one click delegates
    if ui == "chat":
        await page.wait_for_url(re.compile(rf"/chat\?task={task_id}$"))
        assert "перезапусти nginx на local" in await page.input_value("#chat-form textarea")
        assert await page.input_value("#chat-form select[name=server]") == "local"
    else:
        await page.wait_for_url(re.compile(rf"/tasks/{task_id}/run$"))
        await page.locator("#task-plan[data-route=intent]").wait_for()
        await _shot(page, "task-form")
        await page.goto(f"{served}/tasks")
        await page.locator(f"#task-{task_id}[data-status=delegated]").wait_for()
        await _shot(page, "tasks-list")
    assert not errors, errors


async def test_approve_a_command_from_the_chat_and_see_the_run_finish(
        browser: Any, served: str, container: Any, tmp_path: Path) -> None:
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await _log_in(page, served, "oleg")
    marker = tmp_path / "chat-browser-marker"
    await page.goto(f"{served}/chat")
    await page.fill("#chat-form textarea", f"выполни `touch {marker}` на local")
    await page.select_option("#chat-form select[name=server]", "local")
    await page.select_option("#chat-form select[name=mode]", "interactive")
    await page.click("#chat-form button[type=submit]")
    await page.wait_for_url(re.compile(r"/chat#m\d+$"))
    approve = page.locator(".chat-approval button.approve")
    await approve.wait_for(timeout=60_000)  # streamed in (or there on load)
    history = await container.chat.history("oleg")
    waiting = await pending_approval(container, history[-1].run_id)
    assert f"touch {marker}" in waiting.command
    await _shot(page, "chat-approval")
    await approve.click()
    await page.locator(".chat-approval .result").filter(has_text="Approved").wait_for()
    await page.locator("ol.chat-run li[data-kind=run_finished]").wait_for(timeout=60_000)
    assert marker.exists()

    async def replied() -> bool:
        found = await container.chat.history("oleg")
        return found[-1].role.value == "agent"

    await until(replied, 30)
    await page.reload()
    await page.locator("li.msg.r-agent pre.report").wait_for()
    await _shot(page, "chat")
    assert not errors, errors
