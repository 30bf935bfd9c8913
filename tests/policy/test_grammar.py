"""Argument grammars: table-driven cases and the grammar file's own consistency."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from shturman.policy import Policy, grammar
from shturman.policy.checkers import sed_script_ok

CASES = yaml.safe_load((Path(__file__).parent / "grammar_cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["cmd"][:60] for c in CASES])
def test_grammar_case(policy: Policy, case: dict[str, str]) -> None:
    verdict = policy.check(case["cmd"])
    assert verdict.decision.value == case["decision"], (case, verdict.rule_ids)
    assert case["rule"] in verdict.rule_ids, (case, verdict.rule_ids)


def test_cases_cover_each_class() -> None:
    assert len(CASES) >= 100
    ids = {c["rule"] for c in CASES}
    for rule in (
        "grammar.writes_file",
        "grammar.runs_code",
        "grammar.changes_state",
        "grammar.unknown_option",
        "grammar.operand",
        "interp.stdin_code",
    ):
        assert rule in ids


def test_grammars_load_and_name_allowed_programs() -> None:
    g = grammar.load()
    assert {"ls", "sort", "git", "ip", "systemctl", "find", "sed", "awk"} <= set(g.programs)


@pytest.mark.parametrize(
    ("script", "ok"),
    [
        ("1,20p", True),
        ("s/a/b/g", True),
        ("/x/d;$=", True),
        ("s/a/b/e", False),
        ("1e id", False),
        ("w /tmp/x", False),
        ("s/a/b/w /tmp/x", False),
        ("r /etc/x", False),
        ("y/abc/xyz/", True),
        ("{p;q}", True),
        ("v", False),
    ],
)
def test_sed_scripts(script: str, ok: bool) -> None:
    assert sed_script_ok(script) is ok
