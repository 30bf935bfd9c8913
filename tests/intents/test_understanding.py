"""The result types and the plans: immutable, JSON-shaped, deterministic."""

from __future__ import annotations

import dataclasses

import pytest

from shturman.agent.intents import PLANS, IntentArgs, IntentName, Route, ToolCall, understand
from shturman.domain.models import Server


def test_every_intent_has_a_plan() -> None:
    assert set(PLANS) == set(IntentName)


def test_tool_call_args_are_frozen_and_hashable() -> None:
    call = ToolCall("check_port", "vm1", {"port": 80})
    assert call.args == {"port": 80}
    assert hash(call) == hash(ToolCall("check_port", "vm1", {"port": 80}))
    with pytest.raises(TypeError):
        call.args["port"] = 81  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.tool = "x"  # type: ignore[misc]
    assert call.as_json() == {"tool": "check_port", "server": "vm1", "args": {"port": 80}}


def test_intent_args_json_has_only_set_keys() -> None:
    assert IntentArgs().as_json() == {}
    assert IntentArgs(port=8080).as_json() == {"port": 8080}


def test_plan_json_contract(servers: tuple[Server, ...]) -> None:
    got = understand("перезапусти nginx на обеих машинах", servers).as_json()
    assert got == {
        "route": "intent",
        "intent": "service_restart",
        "servers": ["vm1", "vm2"],
        "args": {"service": "nginx"},
        "steps": [
            {"tool": "restart_service", "server": "vm1", "args": {"service": "nginx"}},
            {"tool": "verify_fix", "server": "vm1", "args": {"service": "nginx"}},
            {"tool": "restart_service", "server": "vm2", "args": {"service": "nginx"}},
            {"tool": "verify_fix", "server": "vm2", "args": {"service": "nginx"}},
        ],
        "language": "ru",
        "unresolved": [],
    }


@pytest.mark.parametrize(
    ("text", "tool", "args"),
    [
        ("место на диске", "system_health", {"part": "disk"}),
        ("память", "system_health", {"part": "memory"}),
        ("нагрузка", "system_health", {"part": "load"}),
        ("аптайм", "system_health", {"part": "uptime"}),
        ("top", "system_health", {"part": "processes"}),
        ("как дела у сервера", "system_health", {"part": "all"}),
        ("статус mysql", "check_service", {"service": "mysql"}),
        ("логи mysql", "read_logs", {"service": "mysql", "lines": 100}),
        ("открытые порты", "check_port", {}),
        ("кто на порту 80", "check_port", {"port": 80}),
        ("docker ps", "docker_ps", {}),
        ("логи контейнера api", "docker_logs", {"container": "api", "lines": 100}),
        ("перезапусти контейнер api", "docker_restart", {"container": "api"}),
        ("найди ошибки", "run_command", {"command": "journalctl -p err -n 200 --no-pager"}),
        ("перезагрузи сервер", "run_command", {"command": "reboot"}),
        ("mysql упал, почини", "repair_service", {"service": "mysql"}),
        ("останови mysql", "stop_service", {"service": "mysql"}),
    ],
)
def test_first_step_of_each_plan(
    text: str, tool: str, args: dict[str, object], servers: tuple[Server, ...]
) -> None:
    got = understand(text, servers)
    assert got.route is Route.INTENT
    assert (got.steps[0].tool, dict(got.steps[0].args)) == (tool, args)


def test_changes_are_verified(servers: tuple[Server, ...]) -> None:
    for text in ("запусти mysql", "перезапусти mysql", "mysql упал, почини"):
        steps = understand(text, servers).steps
        assert [s.tool for s in steps][-1] == "verify_fix"


def test_llm_and_none_plan_nothing(servers: tuple[Server, ...]) -> None:
    llm = understand("настрой бэкапы базы", servers)
    assert (llm.route, llm.intent, llm.steps) == (Route.LLM, None, ())
    none = understand("спасибо!", servers)
    assert (none.route, none.intent, none.steps, none.servers) == (Route.NONE, None, (), ())


def test_deterministic(servers: tuple[Server, ...]) -> None:
    text = "рестартни нжинкс на проде"
    assert understand(text, servers) == understand(text, servers)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-",
        "::::",
        ":99999",
        "1-й",
        "'а",
        "🔥🔥",
        "nginx" * 50,
        "a-b-c-d-e-",
        "на на на",
        "\x00\t\n",
        "порт 0",
        "ё" * 300,
        "/",
        "--",
        "vm1-",
        "-vm1",
        "@",
        "...",
        "#",
        "2nd 3rd",
    ],
)
def test_odd_input_never_breaks(text: str, servers: tuple[Server, ...]) -> None:
    got = understand(text, servers)
    assert got.route in set(Route)
    if got.route is not Route.INTENT:
        assert got.steps == () and got.intent is None
