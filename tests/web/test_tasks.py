"""Tasks over ASGI against the real app, container, job workers and SQLite store: the
background analysis, the delegation suggestion, delegation by ``delegate_ui``, roles, CSRF."""

from __future__ import annotations

from typing import Any

import pytest

from tests.jobs.test_worker import until
from tests.web.conftest import finished_run


async def _analysed(container: Any, task_id: int, timeout: float = 60) -> Any:
    async def done() -> bool:
        task = await container.tasks.get(task_id)
        return task.status.value not in ("new", "analysing")

    await until(done, timeout)
    return await container.tasks.get(task_id)


async def _suggestions(container: Any, user: str) -> list[Any]:
    return [n for n in await container.notifications.list(user, limit=100)
            if n.kind.value == "auto_execution_suggestion"]


async def test_analysis_suggests_delegation_only_when_delegable_and_a_server_matched(
        container: Any, sign_in: Any, workers: Any) -> None:
    oleg = await sign_in("oleg")  # English
    auth = {"x-csrf-token": oleg.csrf}
    made = await oleg.client.post("/api/tasks", json={"title": "перезапусти nginx на local"},
                                  headers=auth)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] in ("analysing", "analysed") and body["url"] == f"/tasks/{body['id']}"
    task = await _analysed(container, body["id"])
    assert task.status.value == "analysed"
    assert task.analysis.can_delegate_to_ai and task.analysis.matched_server == "local"
    assert "routine change" in task.analysis.reason  # the author's language
    got = (await oleg.client.get(f"/api/tasks/{task.id}")).json()
    assert got["analysis"]["can_delegate_to_ai"] is True
    assert got["analysis"]["matched_server"] == "local"
    suggested = await _suggestions(container, "oleg")
    assert [n.data["task_id"] for n in suggested] == [task.id]
    assert suggested[0].action.value == "delegate"
    listed = (await oleg.client.get("/api/notifications")).json()
    assert any(n["url"] == f"/tasks/{task.id}/delegate" for n in listed)
    card = await oleg.client.get(f"/tasks/{task.id}")
    assert 'data-delegable="yes"' in card.text and "data-refresh" not in card.text
    # not delegable: open-ended without a model; an unknown server
    for title in ("придумай что-нибудь интересное", "перезапусти nginx на сервере nowhere"):
        other = await oleg.client.post("/api/tasks", json={"title": title}, headers=auth)
        assert other.status_code == 201
        done = await _analysed(container, other.json()["id"])
        assert done.status.value == "analysed" and not done.analysis.can_delegate_to_ai
    assert len(await _suggestions(container, "oleg")) == 1  # still only the first
    anna = await sign_in("anna")  # Russian
    ru = await anna.client.post("/tasks", data={"csrf_token": anna.csrf,
                                                "title": "покажи место на диске"})
    assert ru.status_code == 303 and ru.headers["location"].startswith("/tasks/")
    ru_task = await _analysed(container, int(ru.headers["location"].rsplit("/", 1)[1]))
    assert "только на чтение" in ru_task.analysis.reason
    assert [n.data["task_id"] for n in await _suggestions(container, "anna")] == [ru_task.id]
    page = await anna.client.get("/tasks")
    assert f'href="/tasks/{ru_task.id}"' in page.text and "Создать задачу" in page.text


@pytest.mark.parametrize("ui", ["chat", "task_form", None])
async def test_delegate_lands_where_the_users_delegate_ui_says(
        container: Any, sign_in: Any, workers: Any, ui: str | None) -> None:
    if ui is not None:
        await container.users.set("oleg", settings={"delegate_ui": ui})
    oleg = await sign_in("oleg")
    made = await oleg.client.post("/api/tasks", json={"title": "перезапусти nginx на local"},
                                  headers={"x-csrf-token": oleg.csrf})
    task = await _analysed(container, made.json()["id"])
    note = (await _suggestions(container, "oleg"))[0]
    acted = await oleg.client.post(f"/notifications/{note.id}/act",
                                   data={"csrf_token": oleg.csrf})
    assert acted.status_code == 307 and acted.headers["location"] == f"/tasks/{task.id}/delegate"
    landed = await oleg.client.post(acted.headers["location"], data={"csrf_token": oleg.csrf})
    assert landed.status_code == 303
    wanted = f"/tasks/{task.id}/run" if ui == "task_form" else f"/chat?task={task.id}"
    assert landed.headers["location"] == wanted
    assert (await container.tasks.get(task.id)).status.value == "delegated"
    assert (await oleg.client.get(f"/tasks/{task.id}/delegate")).status_code == 200
    page = await oleg.client.get(wanted)
    assert page.status_code == 200
    if ui == "task_form":
        assert 'data-route="intent"' in page.text and "service_restart" in page.text
        assert '<option value="local" selected' in page.text
        started = await oleg.client.post(f"/tasks/{task.id}/run", data={
            "csrf_token": oleg.csrf, "server": "local", "mode": "readonly"})
        assert started.status_code == 303 and started.headers["location"].startswith("/runs/")
        run_id = started.headers["location"].rsplit("/", 1)[1]
        linked = await container.tasks.get(task.id)
        assert linked.run_id == run_id
        record = await finished_run(container, run_id)
        assert record.mode == "readonly"

        async def closed() -> bool:
            return (await container.tasks.get(task.id)).status.value in ("done", "failed")

        await until(closed, 30)
        card = await oleg.client.get(f"/tasks/{task.id}")
        assert f'href="/runs/{run_id}"' in card.text
    else:
        assert "перезапусти nginx на local</textarea>" in page.text  # a ready first message
        assert '<option value="local" selected' in page.text
        assert f'name="task_id" value="{task.id}"' in page.text
        history = (await oleg.client.get("/api/chat")).json()
        assert history[-1]["role"] == "event" and history[-1]["task_id"] == task.id
    api = await oleg.client.post(f"/api/tasks/{task.id}/delegate",
                                 headers={"x-csrf-token": oleg.csrf})
    if ui == "task_form":  # a done task is not handed over again; a failed one may be
        final = (await container.tasks.get(task.id)).status.value
        assert api.status_code == (409 if final == "done" else 200)
    else:
        assert api.status_code == 200 and api.json()["url"] == wanted


async def test_viewer_reads_but_cannot_create_or_delegate_and_csrf_is_required(
        container: Any, sign_in: Any, workers: Any) -> None:
    vera, oleg = await sign_in("vera"), await sign_in("oleg")
    made = await oleg.client.post("/api/tasks", json={"title": "uptime на local"},
                                  headers={"x-csrf-token": oleg.csrf})
    task_id = made.json()["id"]
    for path in ("/tasks", f"/tasks/{task_id}", "/api/tasks", f"/api/tasks/{task_id}",
                 f"/tasks/{task_id}/run", "/chat"):
        assert (await vera.client.get(path)).status_code == 200, path
    assert 'action="/tasks"' not in (await vera.client.get("/tasks")).text  # no form
    refused = [
        await vera.client.post("/tasks", data={"csrf_token": vera.csrf, "title": "x"}),
        await vera.client.post("/api/tasks", json={"title": "x"},
                               headers={"x-csrf-token": vera.csrf}),
        await vera.client.post(f"/tasks/{task_id}/delegate", data={"csrf_token": vera.csrf}),
        await vera.client.post(f"/api/tasks/{task_id}/delegate",
                               headers={"x-csrf-token": vera.csrf}),
        await vera.client.post(f"/tasks/{task_id}/run", data={"csrf_token": vera.csrf}),
        await vera.client.post("/chat", data={"csrf_token": vera.csrf, "text": "uptime"}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    no_csrf = [
        await oleg.client.post("/tasks", data={"title": "x"}),
        await oleg.client.post("/api/tasks", json={"title": "x"}),
        await oleg.client.post(f"/tasks/{task_id}/delegate", data={}),
        await oleg.client.post("/chat", data={"text": "uptime"}),
    ]
    assert [r.status_code for r in no_csrf] == [403] * len(no_csrf)
    assert all(r.json()["error"] == "csrf" for r in no_csrf if r.headers.get(
        "content-type", "").startswith("application/json"))
    assert len(await container.tasks.list()) == 1
    missing = await oleg.client.get("/api/tasks/999999")
    assert missing.status_code == 404
    bad = await oleg.client.post("/api/tasks", json={"title": "x", "server": "nowhere"},
                                 headers={"x-csrf-token": oleg.csrf})
    assert bad.status_code == 400 and bad.json()["error"] == "unknown_server"
