"""The labelled table: every request routed, classified, targeted and planned as labelled."""

from __future__ import annotations

from collections import defaultdict

import pytest

from shturman.agent.intents import Route, understand
from shturman.domain.models import Server
from tests.intents.conftest import Case, inventory, load_cases

CASES = load_cases()


def _mismatches(case: Case, servers: tuple[Server, ...]) -> list[str]:
    got = understand(case.text, servers)
    problems: list[str] = []
    if got.route.value != case.route:
        problems.append(f"route {got.route.value} != {case.route}")
    if (got.intent.value if got.intent else None) != case.intent:
        problems.append(f"intent {got.intent} != {case.intent}")
    if case.servers is not None and got.servers != case.servers:
        problems.append(f"servers {list(got.servers)} != {list(case.servers)}")
    if got.route is Route.INTENT and got.args.as_json() != case.args:
        problems.append(f"args {got.args.as_json()} != {case.args}")
    if got.unresolved != case.unresolved:
        problems.append(f"unresolved {list(got.unresolved)} != {list(case.unresolved)}")
    if case.ask is not None:
        asked = got.ask.candidates if got.ask is not None else ()
        if asked != case.ask:
            problems.append(f"ask {list(asked)} != {list(case.ask)}")
    if case.lines is not None:
        lines = {step.args.get("lines") for step in got.steps}
        if lines != {case.lines}:
            problems.append(f"lines {lines} != {case.lines}")
    return problems


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{i:03d}-{c.intent or c.route}" for i, c in enumerate(CASES)]
)
def test_case(case: Case, servers: tuple[Server, ...]) -> None:
    assert _mismatches(case, servers) == []


def test_table_is_big_and_varied() -> None:
    per_intent: dict[str | None, int] = defaultdict(int)
    for case in CASES:
        per_intent[case.intent] += 1
    routes: dict[str, int] = defaultdict(int)
    for case in CASES:
        routes[case.route] += 1
    assert len(CASES) >= 320
    assert routes["llm"] >= 30 and routes["none"] >= 20
    assert all(n >= 12 for intent, n in per_intent.items() if intent is not None), per_intent


def test_accuracy_per_intent(capsys: pytest.CaptureFixture[str]) -> None:
    """Report how well each label is recognised (route + intent + servers + args)."""
    servers = inventory()
    total: dict[str, int] = defaultdict(int)
    right: dict[str, int] = defaultdict(int)
    for case in CASES:
        label = case.intent or f"<{case.route}>"
        total[label] += 1
        right[label] += not _mismatches(case, servers)
    with capsys.disabled():
        print("\nintent engine accuracy per label")
        for label in sorted(total):
            print(
                f"  {label:18} {right[label]:3}/{total[label]:3}  {right[label] / total[label]:.0%}"
            )
        overall = sum(right.values()) / sum(total.values())
        print(f"  {'overall':18} {sum(right.values()):3}/{sum(total.values()):3}  {overall:.1%}")
    assert overall >= 0.95
