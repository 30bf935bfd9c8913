"""`shturman plan/run/analyze/history/runs show` as real processes; the model path through the
real OpenAI SDK against a scripted loopback server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shturman.agent.templates import render, template_names
from tests.llmserver import Reply, ScriptedOpenAIServer, ToolCall

SHTURMAN = str(Path(sys.executable).parent / "shturman")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    cfg = tmp_path / "shturman.yaml"
    cfg.write_text("servers:\n  - name: prod\n    host: 192.0.2.10\n    aliases: [прод]\n"
                   "    services: [nginx, grok-voice]\n  - name: db1\n    host: 192.0.2.11\n"
                   "    services: [postgresql]\n", encoding="utf-8")
    e.update(SHTURMAN_HOME=str(tmp_path / "home"), SHTURMAN_CONFIG=str(cfg))
    return e


def sh(env: dict[str, str], *args: str, stdin: str | None = None
       ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHTURMAN, *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=120, check=False)


def test_plan_json_contract(env: dict[str, str]) -> None:
    r = sh(env, "plan", "--json", "статус grok-voice")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) >= {"route", "intent", "servers", "args", "steps"}
    assert data["route"] == "intent" and data["intent"] == "service_status"
    assert data["servers"] == ["prod"] and data["args"] == {"service": "grok-voice"}
    assert data["steps"][0] == {"tool": "check_service", "server": "prod",
                                "args": {"service": "grok-voice"}}
    llm = json.loads(sh(env, "plan", "--json", "настрой бэкапы базы на db1").stdout)
    assert llm["route"] == "llm" and llm["steps"] == [] and "SHTURMAN_LLM__" in llm["message"]
    none = json.loads(sh(env, "plan", "--json", "спасибо!").stdout)
    assert none["route"] == "none" and none["intent"] is None


def test_plan_jsonl_keeps_order(env: dict[str, str], tmp_path: Path) -> None:
    texts = ["перезапусти nginx на проде", "привет", "кто занял порт 8080 на db1", "{bad"]
    lines = [json.dumps({"text": t}, ensure_ascii=False) for t in texts[:3]] + [texts[3]]
    r = sh(env, "plan", "--jsonl", "-", stdin="\n".join(lines) + "\n")
    assert r.returncode == 0, r.stderr
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o["intent"] for o in out] == ["service_restart", None, "port_owner", None]
    assert out[2]["args"] == {"port": 8080} and out[2]["servers"] == ["db1"]
    assert "error" in out[3]


def test_run_json_events_and_replay(env: dict[str, str]) -> None:
    r = sh(env, "run", "--json", "--server", "local", "покажи аптайм")
    assert r.returncode == 0, r.stderr
    events = [json.loads(x) for x in r.stdout.splitlines()]
    assert events[0]["type"] == "run_started" and events[-1]["type"] == "run_finished"
    assert events[-1]["status"] == "succeeded"
    run_id = events[0]["run_id"]
    replay = sh(env, "runs", "show", run_id[:8], "--json")
    assert [json.loads(x)["type"] for x in replay.stdout.splitlines()] == [
        e["type"] for e in events]
    history = [json.loads(x) for x in sh(env, "history", "--json").stdout.splitlines()]
    assert history[0]["id"] == run_id and history[0]["status"] == "succeeded"


def test_run_exit_code_when_not_verified(env: dict[str, str]) -> None:
    r = sh(env, "run", "--json", "разберись, почему /api медленный")
    assert r.returncode == 1
    assert json.loads(r.stdout.splitlines()[-1])["status"] == "failed"


def test_run_exit_code_when_a_server_is_unreachable(env: dict[str, str],
                                                     tmp_path: Path) -> None:
    """docs/cli.md: 4, as `exec` and `server test` exit for a dead host."""
    cfg = tmp_path / "dead.yaml"
    cfg.write_text("servers:\n  - name: dead\n    host: 127.0.0.1\n    port: 1\n"
                   "    user: nobody\n", encoding="utf-8")
    r = sh({**env, "SHTURMAN_CONFIG": str(cfg)}, "run", "--json", "-s", "dead", "покажи аптайм")
    events = [json.loads(x) for x in r.stdout.splitlines()]
    assert r.returncode == 4, r.stderr
    assert events[-1]["status"] == "failed"
    assert any(e["type"] == "command_finished" and e["outcome"] == "error" for e in events)


def test_analyze(env: dict[str, str]) -> None:
    data = json.loads(sh(env, "analyze", "--json", "nginx на проде упал, почини").stdout)
    assert data["can_delegate_to_ai"] and data["servers"] == ["prod"]
    assert data["recommended_mode"] == "autonomous"


def test_model_run_through_real_sdk(env: dict[str, str], tmp_path: Path) -> None:
    """The planner is a scripted OpenAI-compatible server; the real SDK path is used."""
    marker = tmp_path / "checked"
    plan = {"summary": "check and mark", "steps": [{
        "id": "s1", "title": "look", "actions": [
            {"tool": "system_health", "server": "local", "args": {"part": "disk"}},
            {"tool": "run_command", "server": "local", "args": {"command": f"touch {marker}"}},
        ],
        "verify": [{"tool": "run_command", "server": "local",
                    "args": {"command": f"test -f {marker}"}}]}]}

    def responder(body: dict[str, Any]) -> Reply:
        if body.get("tools"):
            return Reply(tool_calls=[ToolCall.output(plan)], prompt_tokens=900)
        return Reply(content="Диск в порядке, метка поставлена и проверена.")

    with ScriptedOpenAIServer(responder) as srv:
        env.update(SHTURMAN_LLM__PROVIDER="openai", SHTURMAN_LLM__BASE_URL=srv.base_url,
                   SHTURMAN_LLM__MODEL="scripted", SHTURMAN_LLM__API_KEY="sk-test-not-real-123")
        r = sh(env, "run", "--json", "--mode", "autonomous", "разберись с диском на local "
               "и отметь проверку")
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr
        events = [json.loads(x) for x in r.stdout.splitlines()]
        assert events[-1]["status"] == "succeeded" and events[-1]["verified"]
        assert "Диск в порядке" in events[-1]["report"]
        assert marker.exists()
        bodies = json.dumps([c.json for c in srv.completions], ensure_ascii=False)
        assert "UNTRUSTED" in bodies or "df" in bodies or srv.completions
        assert srv.completions[0].bearer == "sk-test-not-real-123"
        assert "sk-test-not-real-123" not in r.stdout


def test_every_template_renders() -> None:
    values: dict[str, Any] = {
        "lang": "ru", "server_names": ["a"], "task": "t", "servers": ["a"], "mode": "m",
        "server_facts": [{"name": "a", "services": [], "facts": "f"}],
        "tools": [{"name": "x", "args": ["y"], "risk": "read", "description": "d"}],
        "incidents": [{"query": "q", "outcome": "o", "commands": ["c"]}],
        "error_report": "e", "step": "s", "action": "a", "result": "r", "attempt": 1,
        "limit": 4, "status": "s", "verification": "v", "actions": ["a"], "rules": {},
        "intent": "disk_usage", "title": "Место на диске", "args": "", "results": [],
        "remedies": [], "changed": True,
        "verified": False, "refused": ["x"], "notes": ["n"],
    }
    names = template_names()
    assert "plan.j2" in names and "report_intent.j2" in names
    per_template = {"analysis.j2": {"servers": [{"name": "a", "host": "h", "services": [],
                                                 "tags": []}]}}
    for name in names:
        for lang in ("ru", "en"):
            assert render(name, **{**values, **per_template.get(name, {}), "lang": lang})
