from __future__ import annotations

import pytest

from shturman.policy import Policy


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy.load()


Case = tuple[str, str, str | None]  # command, decision, a rule id that must be among reasons


def misjudged(policy: Policy, table: list[Case]) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """The table's cases the policy decides otherwise (command, wanted, got, rule ids)."""
    wrong = []
    for command, decision, rule in table:
        verdict = policy.check(command)
        if verdict.decision.value != decision or (rule and rule not in verdict.rule_ids):
            wrong.append((command, decision, verdict.decision.value, verdict.rule_ids))
    return wrong
