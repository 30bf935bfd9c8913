"""The second blind request set (issue 8): fleet phrases, explicit commands, conditionals.

Written by an author who had not read the engine, measured before any fix (280/390 at the
session's start, 0/57 explicit commands), then fixed against by class: it is no longer blind.
The gate is a ratchet at the level reached; the open-ended gate is absolute. Raised to 386 on
2026-12-03 by the blind-4 fixes (a request inside a longer message: «слушай, глянь df на базе,
алерт какой-то пришёл»).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from shturman.agent.intents import understand
from tests.intents.conftest import inventory, load_cases
from tests.intents.test_cases import _mismatches

BLIND2 = load_cases(Path(__file__).with_name("cases_blind2.yaml"))
PASS_AT_LEAST = 386


def test_blind2_pass_rate() -> None:
    servers = inventory()
    failed = [case.text for case in BLIND2 if _mismatches(case, servers)]
    assert len(BLIND2) - len(failed) >= PASS_AT_LEAST, failed


def test_blind2_shape() -> None:
    routes = Counter(case.route for case in BLIND2)
    texts = [case.text for case in BLIND2]
    assert len(BLIND2) >= 300
    assert routes["llm"] >= 60 and routes["none"] >= 30
    assert len(set(texts)) == len(texts)
    assert sum(case.intent == "run_command" for case in BLIND2) >= 40


def test_blind2_never_claims_open_ended_work() -> None:
    servers = inventory()
    claimed = [
        case.text
        for case in BLIND2
        if case.route != "intent" and understand(case.text, servers).route.value == "intent"
    ]
    assert claimed == []
