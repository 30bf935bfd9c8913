"""Credential material and network sinks (issue 7 items 2-3), as a YAML table."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from shturman.domain.models import Decision
from shturman.policy import Policy
from shturman.policy.secrets import Kind, classify_path, classify_tree, segments_meet

TABLE = yaml.safe_load((Path(__file__).parent / "exposure.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", TABLE["secrets"], ids=[c["cmd"][:60] for c in TABLE["secrets"]])
def test_credential_reads_are_blocked(policy: Policy, case: dict[str, str]) -> None:
    v = policy.check_uncached(case["cmd"])
    assert v.decision is Decision.BLOCK, v.rule_ids
    assert case["rule"] in v.rule_ids, v.rule_ids
    reason = next(r for r in v.reasons if r.rule_id == case["rule"])
    assert "shturman server add" in reason.en and "shturman server add" in reason.ru
    assert reason.en != reason.ru


@pytest.mark.parametrize(
    "case", TABLE["not_secrets"], ids=[c["cmd"][:60] for c in TABLE["not_secrets"]]
)
def test_lookalikes_are_not_credentials(policy: Policy, case: dict[str, str]) -> None:
    v = policy.check_uncached(case["cmd"])
    assert v.decision.value == case["decision"], v.rule_ids
    assert not any(r.startswith("secrets.") for r in v.rule_ids)


@pytest.mark.parametrize("case", TABLE["sinks"], ids=[c["cmd"][:60] for c in TABLE["sinks"]])
def test_sinks(policy: Policy, case: dict[str, str]) -> None:
    v = policy.check_uncached(case["cmd"])
    assert v.decision.value == case["decision"], v.rule_ids
    if case["decision"] != "block":
        assert "net.exfiltration" not in v.rule_ids


@pytest.mark.parametrize(
    "path,kind",
    [
        ("/home/bob/.ssh/id_ed25519", Kind.PRIVATE_KEY),
        ("/home/*/.ssh/id_*", Kind.PRIVATE_KEY),
        ("/e?c/sh[a]dow", Kind.PASSWORD_HASHES),
        ("/proc/*/environ", Kind.PROCESS_ENV),
        ("deploy_key", Kind.PRIVATE_KEY),
        ("/srv/app/config/.env.local", Kind.CREDENTIAL_STORE),
        ("$HOME/.kube/config", Kind.CREDENTIAL_STORE),
    ],
)
def test_classify_path(path: str, kind: Kind) -> None:
    found = classify_path(path)
    assert found is not None and found.kind is kind


@pytest.mark.parametrize(
    "path", ["/home/bob/.ssh/id_rsa.pub", "/var/log/*.log", "/srv/app/*", "notes.txt", "/etc"]
)
def test_classify_path_negatives(path: str) -> None:
    assert classify_path(path) is None


def test_trees() -> None:
    assert classify_tree("~") is not None and classify_tree("/") is not None
    assert classify_tree("/home/*") is not None
    assert classify_tree("/etc") is not None
    assert classify_tree("/etc", system=False) is None  # a local backup of /etc
    assert classify_tree("/srv/app") is None and classify_tree("/var/log") is None


def test_glob_segments_meet_patterns_not_examples() -> None:
    assert segments_meet("sha*", "shadow*") and segments_meet("*dow", "shadow*")
    assert not segments_meet("*.log", "id_rsa*")
    assert not segments_meet("*", ".env")  # a leading wildcard skips dot files
    assert segments_meet(".*", ".bash_history") and segments_meet(".*_history", ".*_history")
