"""The chat over ASGI against the real app, container, job workers and SQLite store: a
message starts a run, its events appear in the conversation (SSE fragments and the plain
page), an approval is answered inline, and the run's report becomes the agent's reply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.jobs.test_worker import until
from tests.web.conftest import finished_run, pending_approval


def _sse(text: str) -> list[dict[str, str]]:
    messages = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            key, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            fields[key] = fields[key] + "\n" + value if key in fields else value
        if fields:
            messages.append(fields)
    return messages


async def test_a_message_runs_its_events_show_an_approval_inline_and_the_report_is_kept(
        container: Any, sign_in: Any, workers: Any, tmp_path: Path) -> None:
    marker = tmp_path / "chat-marker"
    oleg = await sign_in("oleg")
    sent = await oleg.client.post("/chat", data={
        "csrf_token": oleg.csrf, "text": f"выполни `touch {marker}` на local",
        "server": "local", "mode": "interactive"})
    assert sent.status_code == 303 and sent.headers["location"].startswith("/chat#m")
    history = (await oleg.client.get("/api/chat")).json()
    assert [m["role"] for m in history] == ["user"]
    run_id = history[0]["run_id"]
    job = await container.jobs.for_run(run_id)
    assert job is not None and job.actor == "web:oleg"  # the user is the actor
    waiting = await pending_approval(container, run_id)
    page = await oleg.client.get("/chat")
    assert f'data-stream="/chat/runs/{run_id}/events' in page.text  # followed live
    assert f'action="/approvals/{waiting.id}/approve"' in page.text  # bound to that id
    assert f'action="/approvals/{waiting.id}/deny"' in page.text
    assert "data-chat-answer" in page.text
    vera = await sign_in("vera")
    assert f'/approvals/{waiting.id}/approve"' not in (await vera.client.get("/chat")).text
    answer = await oleg.client.post(f"/approvals/{waiting.id}/approve",
                                    data={"csrf_token": oleg.csrf},
                                    headers={"hx-request": "true"})
    assert answer.status_code == 200 and "Approved" in answer.text
    record = await finished_run(container, run_id)
    assert marker.exists()  # approved: the command ran (an unverifiable touch escalates)

    async def replied() -> bool:
        return len((await oleg.client.get("/api/chat")).json()) == 2

    await until(replied, 30)
    reply = (await oleg.client.get("/api/chat")).json()[-1]
    assert reply["role"] == "agent" and reply["run_id"] == run_id
    _, stored = await container.runs.replay(run_id)
    report = next(e.data["report"] for e in stored if e.type == "run_finished")
    assert reply["text"] == report.strip() and reply["text"]
    stream = await oleg.client.get(f"/chat/runs/{run_id}/events")
    assert stream.headers["content-type"].startswith("text/event-stream")
    messages = _sse(stream.text)
    kinds = [m["data"].split('data-kind="', 1)[1].split('"', 1)[0]
             for m in messages if m.get("event") == "run_event"]
    for wanted in ("run_started", "plan", "approval_requested", "approval_decided",
                   "command_finished", "run_finished"):
        assert wanted in kinds, (wanted, kinds)
    assert any(f"/approvals/{waiting.id}/approve" in m["data"] for m in messages
               if m.get("event") == "run_event")
    assert messages[-1] == {"event": "end", "data": record.status}
    after = await oleg.client.get("/chat")
    assert "data-stream" not in after.text  # finished: nothing to follow
    assert 'data-kind="run_finished"' in after.text and 'class="report"' in after.text
    assert f'action="/approvals/{waiting.id}/approve"' not in after.text  # answered
    # history is per user: anna sees none of it
    anna = await sign_in("anna")
    assert (await anna.client.get("/api/chat")).json() == []


async def test_a_chat_message_for_a_task_runs_that_task(container: Any, sign_in: Any,
                                                        workers: Any) -> None:
    oleg = await sign_in("oleg")
    made = await oleg.client.post("/api/tasks", json={"title": "покажи аптайм на local"},
                                  headers={"x-csrf-token": oleg.csrf})
    task_id = made.json()["id"]
    sent = await oleg.client.post("/api/chat", json={
        "text": "покажи аптайм на local", "server": "local", "mode": "readonly",
        "task_id": task_id}, headers={"x-csrf-token": oleg.csrf})
    assert sent.status_code == 202, sent.text
    run_id = sent.json()["run_id"]
    assert (await container.tasks.get(task_id)).run_id == run_id
    record = await finished_run(container, run_id)
    assert record.status == "succeeded"

    async def done() -> bool:
        return (await container.tasks.get(task_id)).status.value == "done"

    await until(done, 30)
    unknown = await oleg.client.post("/api/chat", json={"text": "uptime", "task_id": 99999},
                                     headers={"x-csrf-token": oleg.csrf})
    assert unknown.status_code == 404
    nowhere = await oleg.client.post("/api/chat", json={"text": "uptime", "server": "nowhere"},
                                     headers={"x-csrf-token": oleg.csrf})
    assert nowhere.status_code == 400
    assert len((await oleg.client.get("/api/chat")).json()) == 2  # the message and the reply
