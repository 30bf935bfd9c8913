"""Hostile input (issue 7 item 7): refused with a named reason, never a crash or a stall.

No timed assertions: each case must return a decision at all (a RecursionError or a hang
fails the test), and the limits themselves are counters, not clocks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shturman.domain.models import Decision
from shturman.policy import Policy

HOSTILE = [
    ("true" + " && true" * 1000, "input.too_deep"),
    ("echo " + "$(" * 300 + "x" + ")" * 300, "input.too_deep"),
    ("(" * 3000 + "true" + ")" * 3000, "input.too_deep"),
    ("if true; then " * 400 + "true" + "; fi" * 400, "input.too_deep"),
    ("echo " + "a" * 1_000_000, "input.too_long"),
    ("true;" * 20_000, "input.too_long"),
    (":|" * 2000 + ":", "input.budget"),
    (";".join(["a=$(:)"] * 800), "input.budget"),
    ("echo a\x00b; ls", "input.control"),
    ("ls \x1b[2J\x1b[1;1H", "input.control"),
    ("ls\x7f -la", "input.control"),
    ("echo ok\rrm -rf /srv", "input.control"),  # a bare CR: shown as `rm -rf /srv`
    ("printf '%s\\n' x\r; ls", "input.control"),
    ("echo " + " x" * 5000, "input.too_long"),  # a wall of words hides a part
    ("rm -f" + " f" * 2500, "input.too_long"),
]


@pytest.mark.parametrize("cmd,rule", HOSTILE, ids=[r + str(len(c)) for c, r in HOSTILE])
def test_hostile_input_is_refused_with_a_reason(policy: Policy, cmd: str, rule: str) -> None:
    v = policy.check_uncached(cmd)
    assert v.decision is Decision.BLOCK
    assert rule in v.rule_ids, v.rule_ids
    reason = next(r for r in v.reasons if r.rule_id == rule)
    assert reason.en and reason.ru and reason.en != reason.ru


@pytest.mark.parametrize(
    "cmd",
    ["true" + " && true" * 40, "echo " + "$(" * 5 + "x" + ")" * 5, "(" * 20 + "ls" + ")" * 20],
)
def test_ordinary_nesting_still_judged(policy: Policy, cmd: str) -> None:
    assert not any(r.startswith("input.") for r in policy.check_uncached(cmd).rule_ids)


@pytest.mark.parametrize("cmd", [
    "cat <<'EOF'\r\nlisten 80;\r\nEOF",  # Windows line ends: a CR before each LF is no disguise
    "echo " + " x" * 1500,  # many words, under the limit
    "cat > /srv/list <<'EOF'\n" + "word " * 10_000 + "\nEOF",  # a heredoc body is one piece
])
def test_ordinary_input_is_not_refused(policy: Policy, cmd: str) -> None:
    assert not any(r.startswith("input.") for r in policy.check_uncached(cmd).rule_ids)


def test_one_bad_line_does_not_abort_a_jsonl_batch() -> None:
    lines = [{"cmd": "ls"}, {"cmd": "(" * 3000 + "true" + ")" * 3000}, {"cmd": "df -h"}]
    feed = "".join(json.dumps(x) + "\n" for x in lines) + "not json\n" + '{"cmd": "uptime"}\n'
    code = "from shturman.app import main; main()"
    proc = subprocess.run(
        [sys.executable, "-c", code, "policy", "check", "--jsonl", "-"],
        input=feed,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [o["decision"] for o in out] == ["allow", "block", "allow", "block", "allow"]
    assert out[1]["rule_ids"] == ["input.too_deep"]


def test_jsonl_survives_a_checker_bug() -> None:
    """Should the policy ever raise, that line is refused by name and the batch goes on."""
    import io

    from shturman.interfaces.cli.policy_cmd import _run_jsonl

    class Broken:
        def check(self, cmd: str) -> object:
            if cmd == "boom":
                raise RuntimeError("bug")
            return Policy.load().check(cmd)

    out = io.StringIO()
    _run_jsonl(Broken(), io.StringIO('{"cmd": "boom"}\n{"cmd": "ls"}\n'), out)
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert rows[0]["decision"] == "block" and rows[0]["rule_ids"] == ["input.checker_error"]
    assert rows[1]["decision"] == "allow"


@pytest.mark.parametrize("cmd", ["(" * 3000 + "true" + ")" * 3000, "boom"])
async def test_exec_refusal_for_hostile_input_is_audited(tmp_path: Path, cmd: str) -> None:
    """Deep input (refused by the policy) and a policy that raises (refused by the
    enforcement point) are both audited like any other block, and never run."""
    from tests.fakes import RecordingExecutor

    from shturman.domain.models import Actor, CommandOutcome, Server, local_server
    from shturman.domain.verdict import Verdict
    from shturman.hosts import GuardedExecutor
    from shturman.services.audit import AuditTrail
    from shturman.store import Database
    from shturman.store.repositories import AuditRepo

    class RaisingPolicy:
        def check(self, command: str, server: Server | None = None) -> Verdict:
            if command == "boom":
                raise RecursionError("deep")
            return Policy.load().check(command, server)

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'g.db'}")
    await db.migrate()
    audit = AuditTrail(AuditRepo(db.engine))
    executor = RecordingExecutor({})
    guarded = GuardedExecutor(executor, RaisingPolicy(), audit)
    try:
        result = await guarded.run(local_server(), cmd, actor=Actor("test", "op"))
        assert result.result.outcome is CommandOutcome.BLOCKED
        assert executor.ran == []
        rows = await audit.recent()
        assert rows[-1].outcome == "blocked" and rows[-1].decision == "block"
        assert result.verdict.rule_ids[0] in ("input.too_deep", "policy.error")
    finally:
        await audit.close()
        await db.close()


def test_a_large_config_written_by_heredoc_is_still_judged(policy: Policy) -> None:
    """write_file sends content as a quoted heredoc: file content is data, not an argument."""
    cmd = "cat > /etc/app.conf <<'EOF'\n" + "listen 80;\n" * 3000 + "EOF"
    v = policy.check_uncached(cmd)
    assert not any(r.startswith("input.") for r in v.rule_ids), v.rule_ids
