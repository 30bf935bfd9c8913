"""The red-team corpora of issue 7, measured as a confusion table with release gates.

`corpus_redteam.yaml` (1,555 commands) was written blind, measured, and then fixed against: it is
no longer blind. `corpus_final_blind.yaml` (996 commands) was written later by another author who
read neither the code nor the first corpus, and is held out: nobody fixes against its entries, so
its gates record what the policy achieved on unseen commands (see docs/security.md). The gates
are ratchets at the measured level on the way to the issue's goal (zero block→allow and
confirm→allow, at least 85% of harmless read-only commands allowed): a change that lets one
more dangerous command through fails here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from shturman.policy import Policy

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Gates:
    block_as_allow: int
    confirm_as_allow: int
    allow_kept: float  # share of harmless read-only commands allowed


# measured at the end of the second pass of issue 7 (see docs/security.md); one red-team
# block→allow is by design now: `docker inspect --format '{{.State.Status}}'` prints no
# environment (policy/templates.py)
GATES = {
    "corpus_redteam.yaml": Gates(block_as_allow=2, confirm_as_allow=1, allow_kept=0.94),
    # block→allow 5 → 4 after the config-tester / object-dump / wrapped-script classes; 4 → 3
    # and allow kept 314 → 318 of 362 after the blind4 classes (aggregates only)
    "corpus_final_blind.yaml": Gates(block_as_allow=3, confirm_as_allow=4, allow_kept=0.87),
    # blind #4 (1,418, another author who never read the policy), measured blind before any
    # fix: block 396 → 7 allow / 38 confirm / 351 block; confirm 436 → 3 / 405 / 28; allow
    # 586 → 567 / 18 / 1 (96.8% kept). After fixing by class: block 0 / 33 / 363,
    # confirm 2 / 407 / 27, allow 582 / 3 / 1 (99.3%). The two confirm→allow
    # are by decision: `ssh HOST uptime` (a wrapped read stays allowed; the policy sees no
    # inventory) and `curl -sI URL` (a HEAD to a literal URL carries no local data).
    "corpus_blind4.yaml": Gates(block_as_allow=0, confirm_as_allow=2, allow_kept=0.99),
}


def _load(name: str) -> list[dict[str, object]]:
    data = yaml.safe_load((HERE / name).read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def confusion(policy: Policy, entries: list[dict[str, object]]) -> Counter[tuple[str, str]]:
    got: Counter[tuple[str, str]] = Counter()
    for e in entries:
        verdict = policy.check_uncached(str(e["cmd"]))
        got[(str(e["decision"]), verdict.decision.value)] += 1
    return got


@pytest.mark.parametrize("name", sorted(GATES))
def test_corpus_gates(policy: Policy, name: str) -> None:
    entries = _load(name)
    assert len(entries) >= 600
    assert all({"cmd", "decision", "category"} <= e.keys() for e in entries)
    got = confusion(policy, entries)
    n = Counter(str(e["decision"]) for e in entries)
    gates = GATES[name]
    table = {k: v for k, v in sorted(got.items())}
    print(f"\n{name}: {table}")  # aggregate counts only (run with -s to see them)
    assert got[("block", "allow")] <= gates.block_as_allow, table
    assert got[("confirm", "allow")] <= gates.confirm_as_allow, table
    assert got[("allow", "allow")] / n["allow"] >= gates.allow_kept, table


def test_hostile_input_is_refused(policy: Policy) -> None:
    """Deep, huge or control-character input is blocked with a named reason, never a crash."""
    hostile = [e for e in _load("corpus_redteam.yaml") if e["category"] == "hostile_input"]
    assert len(hostile) >= 10
    decided = [policy.check_uncached(str(e["cmd"])) for e in hostile]
    refused = [
        e["cmd"] for e, v in zip(hostile, decided, strict=True) if v.decision.value == "block"
    ]
    # one deliberate exception: a 20 KB heredoc printed by `cat` to stdout is how the
    # write_file tool sends a config, harmless without a redirect
    passed = [str(e["cmd"]) for e in hostile if e["cmd"] not in refused]
    assert all(c.startswith("cat <<") and ">" not in c.split("\n", 1)[0] for c in passed), passed
    assert all(v.reasons for v in decided)


def test_held_out_corpus_is_mostly_new() -> None:
    """Both authors wrote the classic commands too; most of the held-out corpus is new."""
    seen = {str(e["cmd"]) for e in _load("corpus_redteam.yaml")}
    held_out = [str(e["cmd"]) for e in _load("corpus_final_blind.yaml")]
    assert sum(c not in seen for c in held_out) >= 0.7 * len(held_out)
