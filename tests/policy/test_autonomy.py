"""Autonomy tiers: a `confirm` autonomous mode may pre-approve vs one that needs a person."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from shturman.domain.errors import PolicyError
from shturman.domain.models import Decision, local_server
from shturman.domain.verdict import Autonomy, Reason, Verdict
from shturman.interfaces.cli.main import app
from shturman.policy import Policy
from shturman.policy import rules as rules_mod

TABLE = yaml.safe_load((Path(__file__).parent / "autonomy.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("entry", TABLE, ids=[e["cmd"][:60] for e in TABLE])
def test_tier(policy: Policy, entry: dict[str, object]) -> None:
    verdict = policy.check(str(entry["cmd"]))
    assert verdict.decision is Decision.CONFIRM, verdict.rule_ids
    assert verdict.preapprovable is entry["preapprove"], [
        (r.rule_id, r.autonomy.value) for r in verdict.reasons]
    if not entry["preapprove"]:
        assert verdict.human_reasons, "a human-only verdict says why a person is needed"


def test_only_confirm_is_preapprovable(policy: Policy) -> None:
    assert not policy.check("df -h").preapprovable
    assert not policy.check("rm -rf /").preapprovable
    assert policy.check("df -h").human_reasons == ()


def test_default_is_human_fail_closed() -> None:
    reason = Reason("x", Decision.CONFIRM, "x", "x")
    assert reason.autonomy is Autonomy.HUMAN
    assert not Verdict(Decision.CONFIRM, (reason,), ()).preapprovable
    assert not Verdict(Decision.CONFIRM, (), ()).preapprovable  # no reason: no pre-approval
    spec = rules_mod.RuleSpec(id="r", decision=Decision.CONFIRM, en="e", ru="р")
    assert spec.autonomy is Autonomy.HUMAN


def test_preapprove_only_on_confirm_rules() -> None:
    spec = rules_mod.RuleSpec(id="r", decision=Decision.ALLOW, en="e", ru="р",
                              autonomy=Autonomy.PREAPPROVE)
    with pytest.raises(PolicyError):
        rules_mod.build([rules_mod.RuleFile(rules=[spec])])


def test_stopping_an_unlisted_service_needs_a_person(policy: Policy) -> None:
    server = replace(local_server(), services=("nginx", "redis"))
    assert policy.check("systemctl stop nginx", server).preapprovable
    assert policy.check("systemctl stop nginx.service", server).preapprovable
    stop = policy.check("systemctl stop postgresql", server)
    assert not stop.preapprovable
    assert "server.unlisted_service" in stop.rule_ids
    # starting or restarting an unlisted dependency is still a known, bounded change
    assert policy.check("systemctl start postgresql", server).preapprovable
    assert policy.check("systemctl restart postgresql", server).preapprovable
    # a server that declares no services: nothing is known to be foreign
    assert policy.check("systemctl stop postgresql", local_server()).preapprovable


def test_cli_json_and_jsonl_add_the_field(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["policy", "check", "--json", "systemctl restart nginx"])
    obj = json.loads(res.output)
    assert set(obj) >= {"decision", "reasons", "commands"} and obj["preapprovable"] is True
    src = tmp_path / "in.jsonl"
    src.write_text('{"cmd": "systemctl stop sshd"}\n{"cmd": "uptime"}\nbad\n', encoding="utf-8")
    res = runner.invoke(app, ["policy", "check", "--jsonl", str(src)])
    rows = [json.loads(line) for line in res.output.splitlines()]
    assert [r["preapprovable"] for r in rows] == [False, False, False]
    assert rows[0]["decision"] == "confirm"


def test_cli_text_says_the_tier() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["policy", "check", "--lang", "en", "kill 4242"])
    assert "Autonomous mode may approve it" in res.output
    res = runner.invoke(app, ["policy", "check", "systemctl stop sshd"])
    assert "Только человек" in res.output and "нужен человек" in res.output


REDTEAM = Path(__file__).parent / "corpus_redteam.yaml"


@pytest.mark.skipif(not REDTEAM.exists(), reason="the red-team corpus is not in this tree")
def test_redteam_human_only_is_never_preapproved(policy: Policy) -> None:
    """The blind corpus labels each confirm entry `preapprove: true|false`: not one entry a
    person must answer may be pre-approved by autonomy."""
    entries = yaml.safe_load(REDTEAM.read_text(encoding="utf-8"))
    leaked = [e["cmd"] for e in entries
              if e.get("decision") == "confirm" and e.get("preapprove") is False
              and policy.check(e["cmd"]).preapprovable]
    assert leaked == []
