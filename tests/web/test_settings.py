"""Settings from the web app against the real app and a real database (SQLite and PostgreSQL):
each user's own preferences, and the admin's model provider (the YAML config file, the key in
the vault only), Telegram allowlist, roles and access profiles — audited with who, refused
with 403 for anyone but an admin and for a post without the session's CSRF token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from shturman.config import CONFIG_NAME, Settings, load_settings
from shturman.domain.models import AccessProfile, AuthMethod, Server
from shturman.domain.texts import say
from shturman.services.admin import LLM_SECRET
from shturman.vault import SecretKind
from tests.web.conftest import Session

SignIn = Callable[[str], Awaitable[Session]]
KEY = "sk-test-9f8e7d6c5b4a-do-not-show"
KEY_STORED = say("admin.model.key_stored", "ru")


@pytest.fixture
def settings(home: Path, db_url: str) -> Settings:
    """Both databases: SQLite and a throwaway PostgreSQL (tests/conftest.py ``db_url``)."""
    return load_settings(home=home, database_url=db_url)


def _config_file(container: Any) -> Path:
    found: Path = container.settings.config_file or container.settings.home / CONFIG_NAME
    return found


async def _actions(container: Any) -> set[tuple[str, str]]:
    return {(e.action, e.actor) for e in await container.audit.recent(200)}


async def test_own_preferences_are_saved_and_used(sign_in: SignIn, container: Any) -> None:
    oleg = await sign_in("oleg")  # an operator, English
    page = await oleg.client.get("/settings")
    assert page.status_code == 200 and "Settings" in page.text
    assert "/settings/model" not in page.text  # no admin part for an operator
    saved = await oleg.client.post("/settings", data={
        "csrf_token": oleg.csrf, "language": "ru", "delegate_ui": "task_form", "voice": "on"})
    assert saved.status_code == 303 and saved.headers["location"] == "/settings?done=prefs"
    user = await container.users.get("oleg")
    assert user.language == "ru"
    assert user.settings["delegate_ui"] == "task_form" and user.settings["voice"] is True
    shown = await oleg.client.get("/settings?done=prefs")
    assert "Настройки" in shown.text and 'value="task_form" selected' in shown.text
    assert 'name="voice" value="on" checked' in shown.text
    api = await oleg.client.get("/api/me/settings")
    assert api.json() == {"language": "ru", "delegate_ui": "task_form", "voice": True}

    # the setting is what delegation follows
    task = await container.tasks.create("restart nginx on local", "", "local", user,
                                        oleg_actor())
    delegated = await oleg.client.post(f"/tasks/{task.id}/delegate",
                                       data={"csrf_token": oleg.csrf})
    assert delegated.status_code == 303
    assert delegated.headers["location"] == f"/tasks/{task.id}/run"

    # the JSON API changes them too (CSRF header with a session); a bad value is refused
    put = await oleg.client.put("/api/me/settings", headers={"X-CSRF-Token": oleg.csrf},
                                json={"language": "en", "delegate_ui": "chat", "voice": False})
    assert put.status_code == 200, put.text
    user = await container.users.get("oleg")
    assert user.language == "en" and user.settings == {**user.settings, "delegate_ui": "chat",
                                                       "voice": False}
    bad = await oleg.client.post("/settings", data={"csrf_token": oleg.csrf, "language": "de"})
    assert bad.status_code == 422
    assert (await container.users.get("oleg")).language == "en"
    bad_ui = await oleg.client.put("/api/me/settings", headers={"X-CSRF-Token": oleg.csrf},
                                   json={"language": "ru", "delegate_ui": "popup",
                                         "voice": False})
    assert bad_ui.status_code == 422

    # a viewer changes their own settings too
    vera = await sign_in("vera")
    ok = await vera.client.post("/settings", data={"csrf_token": vera.csrf, "language": "en",
                                                   "delegate_ui": "chat"})
    assert ok.status_code == 303 and (await container.users.get("vera")).language == "en"


def oleg_actor() -> Any:
    from shturman.domain.models import Actor

    return Actor("web", "oleg")


async def test_model_provider_goes_to_the_config_file_and_the_key_to_the_vault(
        sign_in: SignIn, container: Any, settings: Settings) -> None:
    anna = await sign_in("anna")  # admin, Russian
    path = _config_file(container)
    path.write_text("language: ru\nweb:\n  port: 8799\n", encoding="utf-8")
    responses: list[str] = []
    saved = await anna.client.post("/settings/model", data={
        "csrf_token": anna.csrf, "provider": "openai", "model": "gpt-test-1",
        "base_url": "http://127.0.0.1:9/v1", "api_key": KEY})
    responses.append(saved.text)
    assert saved.status_code == 303 and saved.headers["location"] == "/settings?done=model#model"

    text = path.read_text(encoding="utf-8")
    assert KEY not in text
    data = yaml.safe_load(text)
    assert data["llm"] == {"provider": "openai", "model": "gpt-test-1",
                           "base_url": "http://127.0.0.1:9/v1"}
    assert data["web"] == {"port": 8799} and data["language"] == "ru"  # the rest stays
    assert await container.vault.get(LLM_SECRET, SecretKind.TOKEN) == KEY

    # the next start reads the file and takes the key from the vault
    from shturman.app import container as make

    again = load_settings(path, home=settings.home, database_url=settings.database_url)
    async with make(again) as c2:
        assert c2.settings.llm.provider == "openai" and c2.settings.llm.model == "gpt-test-1"
        assert c2.settings.llm.api_key is not None
        assert c2.settings.llm.api_key.get_secret_value() == KEY

    for path_shown in ("/settings", "/settings?done=model", "/audit", "/api/audit",
                       "/api/me", "/welcome", "/servers", "/runs"):
        answer = await anna.client.get(path_shown)
        assert answer.status_code == 200, (path_shown, answer.status_code)
        responses.append(answer.text)
    page = responses[1]
    assert 'value="gpt-test-1"' in page and KEY_STORED in page
    assert all(KEY not in r for r in responses), "the API key leaked into a response"
    audit = [e for e in await container.audit.recent(200) if e.action == "settings_model"]
    assert audit and audit[0].actor == "web:anna" and "gpt-test-1" in audit[0].detail
    assert all(KEY not in e.detail for e in await container.audit.recent(200))

    # forgetting the key and choosing no model
    cleared = await anna.client.post("/settings/model", data={
        "csrf_token": anna.csrf, "provider": "", "model": "", "forget_key": "on"})
    assert cleared.status_code == 303
    assert "llm" not in yaml.safe_load(path.read_text(encoding="utf-8"))
    assert await container.vault.get(LLM_SECRET, SecretKind.TOKEN) is None

    # refused forms change nothing and say why in the admin's language
    for form in ({"provider": "gemini", "model": "x"}, {"provider": "openai", "model": ""},
                 {"provider": "openai", "model": "m", "base_url": "ftp://x"}):
        refused = await anna.client.post("/settings/model",
                                         data={"csrf_token": anna.csrf, **form})
        assert refused.status_code == 400, (form, refused.status_code)
        assert 'role="alert"' in refused.text
    assert "llm" not in yaml.safe_load(path.read_text(encoding="utf-8"))


async def test_telegram_allowlist_roles_and_profiles(sign_in: SignIn, container: Any) -> None:
    await container.inventory.add(Server("box1", host="192.0.2.7", user="ops",
                                         auth=AuthMethod.KEY, key_path="/nonexistent"),
                                  actor="test")
    anna = await sign_in("anna")
    linked = await anna.client.post("/settings/telegram", data={
        "csrf_token": anna.csrf, "name": "oleg", "telegram_id": "424242", "action": "link"})
    assert linked.status_code == 303, linked.text
    assert (await container.users.get("oleg")).telegram_id == 424242
    assert (await container.users.by_telegram_id(424242)).name == "oleg"
    shown = await anna.client.get("/settings")
    assert "424242" in shown.text
    # the same id cannot be linked to a second user; a bad id is refused
    twice = await anna.client.post("/settings/telegram", data={
        "csrf_token": anna.csrf, "name": "vera", "telegram_id": "424242"})
    assert twice.status_code in (400, 409), twice.text
    assert (await container.users.get("vera")).telegram_id is None
    bad = await anna.client.post("/settings/telegram", data={
        "csrf_token": anna.csrf, "name": "vera", "telegram_id": "12ab"})
    assert bad.status_code == 400 and (await container.users.get("vera")).telegram_id is None
    unlinked = await anna.client.post("/settings/telegram", data={
        "csrf_token": anna.csrf, "name": "oleg", "action": "unlink"})
    assert unlinked.status_code == 303
    assert (await container.users.get("oleg")).telegram_id is None

    role = await anna.client.post("/settings/role", data={
        "csrf_token": anna.csrf, "name": "vera", "role": "operator"})
    assert role.status_code == 303 and (await container.users.get("vera")).role.value == \
        "operator"
    last = await anna.client.post("/settings/role", data={
        "csrf_token": anna.csrf, "name": "anna", "role": "viewer"})
    assert last.status_code == 400  # the last admin stays an admin
    assert (await container.users.get("anna")).role.value == "admin"

    profile = await anna.client.post("/settings/profile", data={
        "csrf_token": anna.csrf, "server": "box1", "profile": "readonly"})
    assert profile.status_code == 303, profile.text
    assert (await container.inventory.get("box1")).profile is AccessProfile.READONLY
    assert (await anna.client.post("/settings/profile", data={
        "csrf_token": anna.csrf, "server": "box1", "profile": "root"})).status_code == 400
    assert (await anna.client.post("/settings/profile", data={
        "csrf_token": anna.csrf, "server": "local", "profile": "readonly"})).status_code >= 400
    assert (await anna.client.post("/settings/profile", data={
        "csrf_token": anna.csrf, "server": "nope", "profile": "readonly"})).status_code >= 400
    assert (await container.inventory.get("box1")).profile is AccessProfile.READONLY

    actions = await _actions(container)
    for action in ("telegram_link", "telegram_unlink", "user_role", "server_profile"):
        assert (action, "web:anna") in actions, action
    profile_rows = [e for e in await container.audit.recent(200)
                    if e.action == "server_profile"]
    assert profile_rows[0].server == "box1" and "readonly" in profile_rows[0].detail


ADMIN_POSTS: list[tuple[str, dict[str, str]]] = [
    ("/settings/model", {"provider": "openai", "model": "m", "api_key": KEY}),
    ("/settings/telegram", {"name": "vera", "telegram_id": "777", "action": "link"}),
    ("/settings/telegram", {"name": "vera", "action": "unlink"}),
    ("/settings/role", {"name": "vera", "role": "admin"}),
    ("/settings/profile", {"server": "box2", "profile": "admin"}),
]


async def test_only_an_admin_changes_admin_settings_and_only_with_csrf(
        sign_in: SignIn, container: Any, client: httpx.AsyncClient) -> None:
    await container.inventory.add(Server("box2", host="192.0.2.8", user="ops",
                                         auth=AuthMethod.KEY, key_path="/nonexistent"),
                                  actor="test")
    before = await container.audit.recent(200)
    vera, oleg, anna = await sign_in("vera"), await sign_in("oleg"), await sign_in("anna")
    for who in (vera, oleg):
        page = await who.client.get("/settings")
        assert page.status_code == 200 and "/settings/role" not in page.text
        for path, form in ADMIN_POSTS:
            answer = await who.client.post(path, data={"csrf_token": who.csrf, **form})
            assert answer.status_code == 403, (path, answer.status_code)
            assert KEY not in answer.text
    for path, form in ADMIN_POSTS:  # an admin without the CSRF token
        answer = await anna.client.post(path, data=form)
        assert answer.status_code == 403, (path, answer.status_code)
        wrong = await anna.client.post(path, data={"csrf_token": "0" * 64, **form})
        assert wrong.status_code == 403, (path, wrong.status_code)
        anonymous = await client.post(path, data=form)
        assert anonymous.status_code == 401, (path, anonymous.status_code)
    # the personal form needs the CSRF token too
    assert (await vera.client.post("/settings", data={"language": "en"})).status_code == 403
    assert (await vera.client.put("/api/me/settings", json={
        "language": "en", "delegate_ui": "chat", "voice": False})).status_code == 403

    vera_now = await container.users.get("vera")
    assert vera_now.role.value == "viewer" and vera_now.telegram_id is None
    assert vera_now.language == "ru"
    assert (await container.inventory.get("box2")).profile is AccessProfile.OPERATOR
    assert not _config_file(container).exists()
    assert await container.vault.get(LLM_SECRET, SecretKind.TOKEN) is None
    after = await container.audit.recent(200)
    changes = {"settings_model", "telegram_link", "telegram_unlink", "user_role",
               "server_profile"}
    assert [e for e in after if e.action in changes] == \
        [e for e in before if e.action in changes]
