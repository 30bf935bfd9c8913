"""Pure pieces: output capture, fact parsers, service commands, remedies, memory, analysis."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shturman.agent.analyzer import analyze
from shturman.agent.autocorrect import deterministic
from shturman.agent.memory import rank
from shturman.agent.plan import Action, Plan, Step
from shturman.domain.models import RunMode, Server, local_server
from shturman.domain.runs import Incident
from shturman.hosts.facts import ServiceManager, facts_from, parse_manager
from shturman.hosts.output import OutputBuffer, capture
from shturman.hosts.servicemgr import BadServiceName, ports_in_unit, service_command
from shturman.tools import CommandRecord, ToolResult
from shturman.tools.system import owner_pids, parse_listening


def test_output_buffer_keeps_head_and_tail() -> None:
    buf = OutputBuffer(100)
    buf.write(b"A" * 60)
    for _ in range(1000):
        buf.write(b"m" * 10)
    buf.write(b"Z" * 50)
    out = buf.result()
    assert out.truncated and out.total_bytes == 60 + 10000 + 50
    assert out.text.startswith("A" * 50) and out.text.endswith("Z" * 50)
    assert "skipped" in out.text
    assert capture(b"short", 100).text == "short"
    assert capture(b"\x00\x01binary", 100).binary


SS = """State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess
LISTEN 0      511          0.0.0.0:80         0.0.0.0:*    users:(("nginx",pid=1201,fd=6),("nginx",pid=1200,fd=6))
LISTEN 0      4096      127.0.0.1:6379       0.0.0.0:*    users:(("redis-server",pid=880,fd=6))
LISTEN 0      128            [::]:22            [::]:*
"""


def test_parse_listening() -> None:
    rows = parse_listening(SS)
    assert [p for p, _a, _proc in rows] == [80, 6379, 22]
    assert owner_pids(rows[0][2]) == [1201, 1200]


OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
DF = "Filesystem Size Used Avail Use% Mounted on\n/dev/vda 252G 23G 80G 22% /\n"
FREE = ("               total        used        free      shared  buff/cache   available\n"
        "Mem:           24105         470       23000          10         600       23634\n")


def test_facts_from_recorded_output() -> None:
    f = facts_from({"os": OS_RELEASE, "kernel": "Linux 6.1.0\n", "manager": "systemd 252\n",
                    "tools": "", "disk": DF, "memory": FREE})
    assert f.os == "Debian GNU/Linux 12 (bookworm)" and f.kernel == "Linux 6.1.0"
    assert f.service_manager == "systemd"
    assert f.disk == "/: 23G used of 252G (22%), 80G free"
    assert f.memory == "470 MiB used of 24105 MiB, 23634 MiB available"
    assert parse_manager("systemd 219\n  - via systemctl.py 1.7", "") is ServiceManager.SYSTEMCTL3
    assert parse_manager("", "/usr/bin/supervisorctl") is ServiceManager.SUPERVISORD
    assert parse_manager("", "/usr/bin/docker") is ServiceManager.DOCKER


def test_service_commands_are_safe() -> None:
    assert service_command(ServiceManager.SYSTEMD, "restart", "nginx") == "systemctl restart nginx"
    assert service_command(ServiceManager.DOCKER, "logs", "api", 50) == "docker logs --tail 50 api"
    for bad in ("nginx; rm -rf /", "$(reboot)", "a b", "", "-rf"):
        with pytest.raises(BadServiceName):
            service_command(ServiceManager.SYSTEMD, "stop", bad)
    unit = ("[Service]\nExecStart=/usr/bin/python3 -m http.server 8080 --bind 127.0.0.1\n"
            "Environment=PORT=9000\n")
    assert ports_in_unit(unit) == [8080, 9000]


def _failed(command: str, stderr: str, code: int = 1) -> ToolResult:
    record = CommandRecord("vm1", command, "allow", "failed", code, "", stderr)
    return ToolResult("run_command", "vm1", False, "failed", (record,))


def test_deterministic_remedies() -> None:
    apt = Action(tool="run_command", server="vm1", args={"command": "apt-get install -y jq"})
    remedy = deterministic(apt, _failed(apt.args["command"], "E: Unable to locate package jq"))
    assert remedy is not None and remedy.id == "apt_update"
    assert remedy.before[0].args["command"] == "apt-get update"
    missing = Action(tool="run_command", server="vm1", args={"command": "ss -ltnp"})
    remedy = deterministic(missing, _failed("ss -ltnp", "bash: ss: command not found", 127))
    assert remedy is not None and remedy.rewrite is not None
    fixed = remedy.rewrite("/usr/sbin/ss\n")
    assert fixed is not None and fixed.args["command"] == "/usr/sbin/ss -ltnp"
    flags = Action(tool="run_command", server="vm1", args={"command": "free -h"})
    remedy = deterministic(flags, _failed("free -h", "free: invalid option -- 'h'"))
    assert remedy is not None and remedy.retry is not None
    assert remedy.retry.args["command"] == "free -m"
    restart = Action(tool="restart_service", server="vm1", args={"service": "nginx"})
    remedy = deterministic(restart, ToolResult("restart_service", "vm1", False, "failed"))
    assert remedy is not None and remedy.retry is not None
    assert remedy.retry.tool == "repair_service"


def test_plan_orders_by_dependencies() -> None:
    plan = Plan(summary="x", steps=[
        Step(id="b", title="b", depends_on=["a"]), Step(id="a", title="a"),
        Step(id="c", title="c", depends_on=["missing"])])
    assert [s.id for s in plan.ordered()] == ["a", "b", "c"]


def test_incident_recall() -> None:
    now = datetime.now(UTC)
    incidents = [
        Incident("1", now, "vm1", "nginx упал, почини", "service_repair", ("x",), "succeeded",
                 "", 1.0),
        Incident("2", now, "vm1", "сколько места на диске", "disk_usage", ("df",), "succeeded",
                 "", 1.0),
    ]
    best = rank(incidents, "почини nginx, он упал снова")
    assert best and best[0].run_id == "1"
    assert rank(incidents, "") == []


def test_analysis_rules() -> None:
    inv = [local_server(), Server("prod", "192.0.2.1", services=("nginx",))]
    assert analyze("покажи диск на prod", inv).recommended_mode is RunMode.AUTONOMOUS
    reboot = analyze("перезагрузи prod", inv)
    assert reboot.can_delegate_to_ai and reboot.recommended_mode is RunMode.INTERACTIVE
    assert not analyze("настрой бэкапы базы на prod", inv).can_delegate_to_ai
    assert analyze("настрой бэкапы базы на prod", inv, model_configured=True).can_delegate_to_ai
    assert not analyze("спасибо", inv).can_delegate_to_ai
