"""Issue 9 item 2: a run waiting in one process is answered from another, once, by id.

Real processes on one SHTURMAN_HOME, against SQLite and PostgreSQL: the waiting side is
`python -m tests.daemon.waiter` (RunService + InboxApprover, as in `shturman serve`); the
answers come from the `shturman approvals` CLI.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

from tests.daemon.conftest import Env


def audit(env: Env) -> list[dict[str, Any]]:
    r = env.sh("audit", "--json", "-n", "200")
    assert r.returncode == 0, r.stderr
    return [json.loads(x) for x in r.stdout.splitlines()]


def ran(env: Env, command: str) -> list[dict[str, Any]]:
    """Audit rows of ``command`` actually sent (not refused)."""
    return [a for a in audit(env) if a["action"] == "command" and a["command"] == command
            and a["outcome"] not in ("denied", "blocked")]


def test_approved_from_another_process_runs_exactly_once(env: Env, tmp_path: Path) -> None:
    target = tmp_path / "approved"
    command = f"touch {target}"
    waiter = env.waiter(command)
    try:
        asked = waiter.until("approval_requested")
        approval_id = asked["approval_id"]
        listed = env.json("approvals", "list", "--json")
        assert [a["id"] for a in listed] == [approval_id]
        assert set(listed[0]) == {"id", "server", "command", "reasons", "run_id", "expires_at"}
        assert listed[0]["server"] == "local" and listed[0]["command"] == command
        assert listed[0]["run_id"] == asked["run_id"] and listed[0]["reasons"]
        assert not target.exists()

        ok = env.sh("approvals", "approve", approval_id)
        assert ok.returncode == 0, ok.stderr
        decided = waiter.until("approval_decided")
        assert decided["approval_id"] == approval_id and decided["outcome"] == "approved"
        waiter.finish()
    finally:
        waiter.kill()
    assert target.exists()
    assert len(ran(env, command)) == 1  # ran exactly once

    # a replayed answer does nothing and says so (either answer, in either language)
    for verb in ("approve", "deny"):
        again = env.sh("approvals", verb, approval_id)
        assert again.returncode != 0
        assert "уже ответили" in again.stderr
    en = env.sh("approvals", "approve", approval_id, SHTURMAN_LANGUAGE="en")
    assert en.returncode != 0 and "already answered" in en.stderr
    assert len(ran(env, command)) == 1
    assert env.json("approvals", "list", "--json") == []
    # who answered is audited, and so are the refused replays
    answers = [a for a in audit(env) if a["action"] == "approval"]
    assert any(a["outcome"] == "approved" and a["actor"].startswith("cli:")
               and approval_id in a["detail"] for a in answers)
    assert sum(a["outcome"] == "refused" for a in answers) >= 3


def test_answer_is_bound_to_its_id_and_deny_runs_nothing(env: Env, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    a, b = env.waiter(f"touch {first}"), env.waiter(f"touch {second}")
    try:
        id_a = a.until("approval_requested")["approval_id"]
        id_b = b.until("approval_requested")["approval_id"]
        assert id_a != id_b
        assert env.sh("approvals", "approve", id_a).returncode == 0
        a.finish()
        assert first.exists() and not second.exists()
        # approving A did nothing to B: still waiting, its command not run
        assert [x["id"] for x in env.json("approvals", "list", "--json")] == [id_b]
        assert b.proc.poll() is None and not second.exists()

        assert env.sh("approvals", "deny", id_b).returncode == 0
        decided = b.until("approval_decided")
        assert decided["outcome"] == "denied"
        b.finish()
    finally:
        a.kill()
        b.kill()
    assert not second.exists()
    assert ran(env, f"touch {second}") == []
    unknown = env.sh("approvals", "approve", "0123456789ab")
    assert unknown.returncode != 0 and "не найден" in unknown.stderr


def test_expired_request_is_denied_and_a_late_answer_does_nothing(env: Env,
                                                                    tmp_path: Path) -> None:
    target = tmp_path / "late"
    waiter = env.waiter(f"touch {target}", SHTURMAN_AGENT__APPROVAL_TIMEOUT="1")
    try:
        approval_id = waiter.until("approval_requested")["approval_id"]
        decided = waiter.until("approval_decided", timeout=30)
        assert decided["outcome"] == "timed_out"
        waiter.finish()
    finally:
        waiter.kill()
    late = env.sh("approvals", "approve", approval_id)
    assert late.returncode != 0 and "истекло" in late.stderr
    assert not target.exists() and ran(env, f"touch {target}") == []


def test_viewer_cannot_approve(env: Env, tmp_path: Path) -> None:
    assert env.sh("user", "add", "vera", "--role", "viewer").returncode == 0
    assert env.sh("user", "add", "oleg", "--role", "operator").returncode == 0
    target = tmp_path / "viewer"
    waiter = env.waiter(f"touch {target}")
    try:
        approval_id = waiter.until("approval_requested")["approval_id"]
        refused = env.sh("approvals", "approve", approval_id, "--as", "vera")
        assert refused.returncode != 0 and "viewer" in refused.stderr
        nobody = env.sh("approvals", "approve", approval_id, "--as", "ghost")
        assert nobody.returncode != 0 and "ghost" in nobody.stderr
        assert [x["id"] for x in env.json("approvals", "list", "--json")] == [approval_id]
        assert not target.exists()
        ok = env.sh("approvals", "approve", approval_id, "--as", "oleg")
        assert ok.returncode == 0, ok.stderr
        waiter.finish()
    finally:
        waiter.kill()
    assert target.exists()
    answers = [a for a in audit(env) if a["action"] == "approval"]
    assert any(a["actor"] == "cli:oleg" and a["outcome"] == "approved" for a in answers)
    assert any(a["actor"] == "cli:vera" and a["outcome"] == "refused" for a in answers)


def test_killed_waiter_answer_runs_nothing(env: Env, tmp_path: Path) -> None:
    target = tmp_path / "killed"
    waiter = env.waiter(f"touch {target}")
    try:
        asked = waiter.until("approval_requested")
        os.kill(waiter.proc.pid, signal.SIGKILL)
        waiter.proc.wait(timeout=10)
    finally:
        waiter.kill()
    # the process is gone: the request cannot be answered into it
    answer = env.sh("approvals", "approve", asked["approval_id"])
    assert answer.returncode != 0 and "остановлен" in answer.stderr
    assert env.json("approvals", "list", "--json") == []
    assert not target.exists() and ran(env, f"touch {target}") == []
    # a later process recovers the dead run as interrupted (services/runs.py _recover_stale)
    later = env.waiter("true", SHTURMAN_AGENT__MAX_WALL_TIME="0.2")
    try:
        assert later.finish() == 0
    finally:
        later.kill()
    history = env.sh("history", "--json").stdout.splitlines()
    runs = {r["id"]: r for r in map(json.loads, history)}
    assert runs[asked["run_id"]]["status"] == "interrupted"
    assert not target.exists()
