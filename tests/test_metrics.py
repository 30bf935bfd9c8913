"""Issue 12 item 6: every metric the issue lists moves where the thing happens — a real run,
a real approval, a real check on a real sshd lab host, a scripted model's tokens — and
``/metrics`` serves them to a token or an admin, not to a viewer's session or to nobody."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from shturman.app import build
from shturman.config import load_settings
from shturman.domain.models import Actor, RunMode, local_server
from shturman.observability.metrics import REGISTRY
from shturman.services.runs import RunRequest
from shturman.services.users import local_principal
from tests.agent.test_model_runs import TASK, cmd, plan
from tests.fakes import ScriptedModel
from tests.hostlab.lab import HostLab, free_port
from tests.monitoring.conftest import write_config
from tests.web.conftest import client, make_client, sign_in, users, web

__all__ = ["client", "make_client", "sign_in", "users", "web"]  # fixtures
ACTOR = Actor("test", "metrics")
LISTED = ("shturman_tasks_total", "shturman_commands_total", "shturman_task_duration_seconds",
          "shturman_errors_total", "shturman_active_connections",
          "shturman_health_check_status", "shturman_llm_tokens_total",
          "shturman_approvals_total", "shturman_approvals_waiting")


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_run_counts_the_task_its_commands_and_its_duration(container: Any) -> None:
    tasks, runs = value("shturman_tasks_total", status="succeeded"), value(
        "shturman_runs_total", status="succeeded")
    durations = value("shturman_task_duration_seconds_count")
    commands = value("shturman_commands_total", status="ok")
    record, _ = await container.runs.run(RunRequest("выполни `true` на local", ACTOR))
    assert record.status == "succeeded", record.summary
    assert value("shturman_tasks_total", status="succeeded") == tasks + 1
    assert value("shturman_runs_total", status="succeeded") == runs + 1
    assert value("shturman_task_duration_seconds_count") == durations + 1
    assert value("shturman_commands_total", status="ok") >= commands + 1

    failed_runs = value("shturman_errors_total", source="run")
    failed_commands = value("shturman_commands_total", status="failed")
    record, _ = await container.runs.run(RunRequest("выполни `false` на local", ACTOR))
    assert record.status in ("failed", "escalated"), record.status
    assert value("shturman_tasks_total", status=record.status) >= 1
    assert value("shturman_errors_total", source="run") == failed_runs + 1
    assert value("shturman_commands_total", status="failed") >= failed_commands + 1


async def test_a_command_that_times_out_is_an_error(container: Any) -> None:
    errors = value("shturman_errors_total", source="command")
    timeouts = value("shturman_commands_total", status="timeout")
    done = await container.guarded.run(local_server(), "sleep 5", actor=ACTOR,
                                       mode=RunMode.AUTONOMOUS, timeout=0.5)
    assert done.result is not None and not done.result.ok
    assert value("shturman_commands_total", status="timeout") == timeouts + 1
    assert value("shturman_errors_total", source="command") == errors + 1


async def test_approvals_are_counted_by_decision(container: Any, tmp_path: Path) -> None:
    for approve, decision in ((True, "approved"), (False, "denied")):
        before = value("shturman_approvals_total", decision=decision)
        waiting = value("shturman_approvals_waiting")
        target = tmp_path / f"approved-{approve}"
        running = asyncio.create_task(container.guarded.run(
            local_server(), f"touch {target}", actor=ACTOR, mode=RunMode.INTERACTIVE,
            approver=container.approvals.approver(30)))
        pending: list[Any] = []
        for _ in range(300):
            pending = await container.approvals.pending()
            if pending:
                break
            await asyncio.sleep(0.1)
        assert pending, "no approval was asked for"
        assert value("shturman_approvals_waiting") == waiting + 1
        await container.approvals.decide(pending[0].id, local_principal(), approve)
        await asyncio.wait_for(running, 30)
        assert target.exists() is approve
        assert value("shturman_approvals_total", decision=decision) == before + 1
        assert value("shturman_approvals_waiting") == waiting


async def test_model_tokens_are_counted_by_direction(home: Path, tmp_path: Path) -> None:
    model = ScriptedModel([plan(cmd("uptime"))])
    (tmp_path / "shturman.yaml").write_text("language: ru\nservers: []\n", encoding="utf-8")
    c = await build(load_settings(tmp_path / "shturman.yaml", home=home), model=model.model)
    try:
        sent, got = (value("shturman_llm_tokens_total", direction="input"),
                     value("shturman_llm_tokens_total", direction="output"))
        await c.runs.run(RunRequest(TASK, ACTOR, RunMode.AUTONOMOUS))
        assert model.calls >= 1
        assert value("shturman_llm_tokens_total", direction="input") > sent
        assert value("shturman_llm_tokens_total", direction="output") > got
    finally:
        await c.close()


async def test_a_check_round_on_a_lab_host_sets_states_and_holds_a_connection(
        hostlab: HostLab, home: Path, tmp_path: Path) -> None:
    stopped = hostlab.hosts[0].systemctl("stop", "webapp")
    assert stopped.returncode == 0, stopped.stderr
    c = await build(load_settings(write_config(tmp_path / "shturman.yaml", hostlab),
                                  home=home))
    try:
        done = await c.monitoring.check_server("vm1")
        assert done.results[0].ok, done.results[0].detail
        assert value("shturman_health_check_status", server="vm1", check="reachability") == 0
        assert value("shturman_health_check_status", server="vm1",
                     check="service:webapp") == 1  # failing: the first failure
        assert value("shturman_active_connections") >= 1  # the pooled SSH connection
        for _ in range(2):
            await c.monitoring.check_server("vm1")
        assert value("shturman_health_check_status", server="vm1",
                     check="service:webapp") == 2  # down after 3
    finally:
        await c.monitoring.drain()
        await c.close()


async def test_metrics_endpoint_needs_a_token_or_an_admin(
        container: Any, client: httpx.AsyncClient, sign_in: Callable[..., Any]) -> None:
    await container.runs.run(RunRequest("выполни `true` на local", ACTOR))
    nobody = await client.get("/metrics")
    assert nobody.status_code == 401
    vera = await sign_in("vera")  # a viewer's browser session
    assert (await vera.client.get("/metrics")).status_code == 403
    anna = await sign_in("anna")  # an admin's
    shown = await anna.client.get("/metrics")
    assert shown.status_code == 200 and shown.headers["content-type"].startswith("text/plain")
    token = await container.tokens.issue("vera", "prometheus")
    scraped = await client.get("/metrics", headers={"authorization": f"Bearer {token}"})
    assert scraped.status_code == 200
    for name in LISTED:
        assert f"# TYPE {name.removesuffix('_total')}" in scraped.text, name
    assert 'shturman_tasks_total{status="succeeded"}' in scraped.text
    assert "shturman_task_duration_seconds_count" in scraped.text
    bad = await client.get("/metrics", headers={"authorization": "Bearer shtk_wrong"})
    assert bad.status_code == 401


@pytest.fixture
def public_settings(home: Path, tmp_path: Path) -> Any:
    path = tmp_path / "public.yaml"
    path.write_text("web:\n  metrics_public: true\n", encoding="utf-8")
    return load_settings(path, home=home)


async def test_metrics_public_when_configured(public_settings: Any) -> None:
    c = await build(public_settings)
    try:
        transport = httpx.ASGITransport(app=c.web_server(port=0).app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
            answer = await web.get("/metrics")
            assert answer.status_code == 200 and "shturman_commands_total" in answer.text
            assert (await web.get("/api/servers/local/health")).status_code == 401
    finally:
        await c.close()


def test_shturman_serve_serves_metrics_with_its_own_checks(tmp_path: Path) -> None:
    """The daemon as an operator runs it: `serve` with the web app on, its scheduled check of
    `local` shows up in /metrics for a viewer's API token."""
    shturman = str(Path(sys.executable).parent / "shturman")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    env.update(SHTURMAN_HOME=str(tmp_path / "home"), SHTURMAN_WEB__ENABLED="true",
               SHTURMAN_WEB__PORT=str(port), SHTURMAN_MONITORING__INTERVAL="5")

    def cli(*args: str) -> str:
        done = subprocess.run([shturman, *args], env=env, capture_output=True, text=True,
                              timeout=60, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    cli("user", "add", "prometheus", "--role", "viewer")
    token = next(w for w in cli("user", "token", "prometheus").split() if w.startswith("shtk_"))
    daemon = subprocess.Popen([shturman, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    wanted = 'shturman_health_check_status{check="reachability",server="local"} 0.0'
    seen = ""
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and wanted not in seen:
            assert daemon.poll() is None, "shturman serve exited"
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5,
                                   headers={"authorization": f"Bearer {token}"})
                seen = answer.text if answer.status_code == 200 else seen
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        assert wanted in seen, seen[-3000:]
        assert httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).status_code == 401
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
