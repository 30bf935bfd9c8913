"""The first admin in a real browser (Playwright driving Debian's chromium against the real app
on loopback and the real sshd host lab): the one-time setup link creates the admin → the
welcome page lists what to do next → logging in again lands there → a server is added from
it → the language switches to English → «delegate» is set to open the task form.
Screenshots: docs/screenshots/welcome.png and settings.png."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from shturman.domain.texts import say
from tests.hostlab.lab import HostLab
from tests.web.test_browser import browser

__all__ = ["browser"]  # the fixture, shared with test_browser.py
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "first-admin-пароль-1"


async def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
async def fresh(web: Any) -> AsyncIterator[str]:
    """The app served with no user at all (a new install)."""
    await web.start()
    try:
        yield web.url
    finally:
        await web.stop()


async def test_a_new_admin_sets_up_the_instance(browser: Any, fresh: str, container: Any,
                                                hostlab: HostLab) -> None:
    h = hostlab.hosts[1]
    context = await browser.new_context()
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # the one-time link (what `shturman serve --open` prints) creates the admin
    token = await container.setup_links.issue()
    assert token
    await page.goto(f"{fresh}/setup?token={token}")
    await page.fill("input[name=name]", "boss")
    await page.fill("input[name=password]", PASSWORD)
    await page.fill("input[name=password2]", PASSWORD)
    await page.click("form[action='/setup'] button[type=submit]")
    await page.wait_for_url(re.compile(r"/welcome$"))
    steps = page.locator("#steps li")
    assert await steps.count() == 3
    assert await page.locator("#steps li.done").count() == 0
    assert "Добавьте сервер" in await page.inner_text("#steps")
    await _shot(page, "welcome")
    assert (await container.users.get("boss")).role.value == "admin"

    # logged out and in again: a new install still opens on the welcome page
    await page.click("form[action='/logout'] button[type=submit]")
    await page.goto(f"{fresh}/login?next=/")
    await page.fill("input[name=name]", "boss")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_url(re.compile(r"/welcome$"))

    # the first step's link opens the server form; the server is added (a real SSH login)
    await page.click("#steps li[data-step=server] a")
    await page.wait_for_url(re.compile(r"/servers/new$"))
    await page.fill("#server-form input[name=name]", "web1")
    await page.fill("#server-form input[name=host]", h.host)
    await page.fill("#server-form input[name=port]", str(h.port))
    await page.fill("#server-form input[name=user]", h.user)
    await page.fill("#server-form textarea[name=private_key]", hostlab.client_key.read_text())
    await page.fill("#server-form input[name=services]", "webapp")
    await page.click("#server-form button[type=submit]")
    await page.wait_for_url(re.compile(r"/servers\?done=added$"), timeout=60_000)
    await page.locator('[data-server="web1"]').first.wait_for()
    assert (await container.inventory.get("web1")).services == ("webapp",)
    await page.goto(f"{fresh}/welcome")
    await page.locator("#steps li[data-step=server].done").wait_for()

    # English
    await page.goto(f"{fresh}/settings")
    assert await page.inner_text("h1") == say("web.settings.title", "ru")
    await page.select_option("#prefs select[name=language]", "en")
    await page.click("#prefs button[type=submit]")
    await page.wait_for_url(re.compile(r"/settings\?done=prefs$"))
    assert await page.inner_text("h1") == say("web.settings.title", "en")
    assert await page.get_attribute("html", "lang") == "en"
    assert (await container.users.get("boss")).language == "en"
    await page.goto(f"{fresh}/welcome")
    assert "Add a server" in await page.inner_text("#steps")

    # «delegate» opens the task form
    await page.goto(f"{fresh}/settings")
    await page.select_option("#prefs select[name=delegate_ui]", "task_form")
    await page.click("#prefs button[type=submit]")
    await page.wait_for_url(re.compile(r"/settings\?done=prefs$"))
    assert await page.input_value("#prefs select[name=delegate_ui]") == "task_form"
    assert (await container.users.get("boss")).settings["delegate_ui"] == "task_form"
    assert await page.locator('#profiles tr[data-server="web1"]').count() == 1
    await _shot(page, "settings")
    assert not errors, errors
    await context.close()
