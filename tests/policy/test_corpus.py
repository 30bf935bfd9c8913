"""The labelled corpus: every entry must get exactly its expected decision."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from shturman.policy import Policy

CORPUS = yaml.safe_load((Path(__file__).parent / "corpus.yaml").read_text(encoding="utf-8"))
# written blind (before reading the engine or rules) to check the policy generalises
BLIND = yaml.safe_load((Path(__file__).parent / "corpus_blind.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("entry", CORPUS, ids=[f"{e['decision']}:{e['cmd'][:50]}" for e in CORPUS])
def test_corpus_entry(policy: Policy, entry: dict[str, str]) -> None:
    verdict = policy.check(entry["cmd"])
    assert verdict.decision.value == entry["decision"], (entry, verdict.rule_ids)
    assert verdict.command == entry["cmd"]
    assert verdict.reasons, "every verdict names the rules that decided it"


def test_corpus_is_big_and_balanced() -> None:
    counts = Counter(e["decision"] for e in CORPUS)
    total = sum(counts.values())
    assert total >= 400
    assert 0.35 <= counts["allow"] / total <= 0.45
    assert 0.25 <= counts["confirm"] / total <= 0.35
    assert 0.25 <= counts["block"] / total <= 0.35
    assert all({"cmd", "decision", "category"} <= e.keys() for e in CORPUS)


@pytest.mark.parametrize("entry", BLIND, ids=[f"{e['decision']}:{e['cmd'][:50]}" for e in BLIND])
def test_blind_corpus_entry(policy: Policy, entry: dict[str, str]) -> None:
    verdict = policy.check(entry["cmd"])
    assert verdict.decision.value == entry["decision"], (entry, verdict.rule_ids)
    assert verdict.reasons, "every verdict names the rules that decided it"


def test_blind_corpus_gates() -> None:
    """The release gates, measured on the blind corpus."""
    policy = Policy.load()
    got = Counter((e["decision"], policy.check_uncached(e["cmd"]).decision.value) for e in BLIND)
    n = Counter(e["decision"] for e in BLIND)
    assert len(BLIND) >= 350
    assert got[("block", "allow")] == 0
    assert got[("confirm", "allow")] == 0
    assert got[("block", "block")] / n["block"] >= 0.95
    assert got[("allow", "block")] / n["allow"] <= 0.03
    assert got[("allow", "allow")] / n["allow"] >= 0.85
    assert all({"cmd", "decision", "category"} <= e.keys() for e in BLIND)
    assert not {e["cmd"] for e in BLIND} & {e["cmd"] for e in CORPUS}
