"""The blind table: requests written before the engine was read, as operators type them."""

from __future__ import annotations

from collections import Counter

import pytest

from shturman.agent.intents import understand
from shturman.domain.models import Server
from tests.intents.conftest import BLIND_CASES_FILE, Case, inventory, load_cases
from tests.intents.test_cases import _mismatches

BLIND = load_cases(BLIND_CASES_FILE)


@pytest.mark.parametrize(
    "case", BLIND, ids=[f"{i:03d}-{c.intent or c.route}" for i, c in enumerate(BLIND)]
)
def test_blind_case(case: Case, servers: tuple[Server, ...]) -> None:
    assert _mismatches(case, servers) == []


def test_blind_table_shape() -> None:
    routes = Counter(case.route for case in BLIND)
    texts = [case.text for case in BLIND]
    assert len(BLIND) >= 250
    assert routes["llm"] >= 50 and routes["none"] >= 25
    assert len(set(texts)) == len(texts)
    assert not set(texts) & {case.text for case in load_cases()}, "blind requests must be new"


def test_blind_never_claims_open_ended_work() -> None:
    """An open-ended task claimed as a routine intent is the worst mistake: none allowed."""
    servers = inventory()
    claimed = [
        case.text
        for case in BLIND
        if case.route != "intent" and understand(case.text, servers).route.value == "intent"
    ]
    assert claimed == []
